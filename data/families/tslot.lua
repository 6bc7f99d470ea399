-- tslot: a block with a T-slot along its length: a single loop of lines (level L), extruded.
return {
  name = "tslot", level = "L",
  params = {{"W", 15, 100}, {"H", 10, 80}, {"L", 20, 300}, {"so", 3, 20}, {"sd", 2, 15}, {"sw", 6, 40}, {"sh", 2, 20}},
  check = function(p)
    return p.sw >= p.so + 2 and p.sw <= p.W - 6 and p.sd + p.sh <= p.H - 3
  end,
  split_keys = {"W", "H", "L"},
  body = [[
local c = W / 2
local prof = poly({{0, 0}, {W, 0}, {W, H}, {c + so / 2, H}, {c + so / 2, H - sd}, {c + sw / 2, H - sd},
  {c + sw / 2, H - sd - sh}, {c - sw / 2, H - sd - sh}, {c - sw / 2, H - sd}, {c - so / 2, H - sd},
  {c - so / 2, H}, {0, H}})
part("tslot", extrude(sketch(XZ, prof), L), {})
]],
  caption = {
    abstract = function(p, c)
      return c:pick("a rectangular block with a T-slot along its length", "a T-slot rail", "a slotted bar with a T-shaped groove")
    end,
    partial = function(p, c)
      return "a " .. c:len(p.L, "y") .. " long T-slot block, " .. c:dims({{p.W, "x"}, {p.H, "z"}}) .. " in section"
    end,
    precise = function(p, c)
      if c:chance(0.5) then
        return "a " .. c:len(p.L, "y") .. " bar, " .. c:len(p.W, "x") .. " wide and " .. c:len(p.H, "z") ..
               " high, with a T-slot down its top face: a " .. c:len(p.so) .. " x " .. c:len(p.sd) ..
               " neck over a " .. c:len(p.sw) .. " x " .. c:len(p.sh) .. " channel"
      end
      return "a T-slot block " .. c:dims({{p.W, "x"}, {p.H, "z"}, {p.L, "y"}}) ..
             " (width x height x length); the slot opening is " .. c:len(p.so) .. " wide and " .. c:len(p.sd) ..
             " deep, widening to " .. c:len(p.sw) .. " for a further " .. c:len(p.sh)
    end,
  },
}
