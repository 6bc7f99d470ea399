-- enclosure: an open box: a rounded block, a rounded pocket cut from the top leaving
-- walls and a floor, and four mounting holes through the floor.
return {
  name = "enclosure", level = "MSE",
  params = {{"L", 40, 200}, {"W", 30, 150}, {"H", 15, 80}, {"wt", 1.5, 8}, {"ft", 1.5, 8},
            {"ro", 2, 15}, {"dh", 2.5, 6}, {"hm", 4, 20}},
  check = function(p)
    return p.W <= p.L and p.ro > p.wt + 1 and p.H - p.ft >= 5
       and p.hm >= p.dh / 2 + 2 + (p.ro - p.wt)
       and p.L - 2 * p.wt - 2 * p.hm >= p.dh + 3 and p.W - 2 * p.wt - 2 * p.hm >= p.dh + 3
  end,
  split_keys = {"L", "W", "H"},
  body = [[
local ri = ro - wt
local x, y = L / 2 - wt - hm, W / 2 - wt - hm
local floor = plane(XY, ft)
part("enclosure", extrude(sketch(XY, rect(L, W):fillet(ro)), H), {
  cut(sketch(plane(XY, H), rect(L - 2 * wt, W - 2 * wt):fillet(ri)), H - ft),
  hole(dh, -x, -y, floor), hole(dh, x, -y, floor), hole(dh, x, y, floor), hole(dh, -x, y, floor),
})
]],
  caption = {
    abstract = function(p, c)
      return c:pick("an open rectangular enclosure with rounded corners", "a box-shaped housing with a deep pocket",
                    "an electronics enclosure base with mounting holes")
    end,
    partial = function(p, c)
      return "an open box " .. c:dims({{p.L, "x"}, {p.W, "y"}, {p.H, "z"}}) .. " with " .. c:len(p.wt) .. " walls"
    end,
    precise = function(p, c)
      local holes = c:count(4, "holes") .. " holes of " .. c:len(p.dh, "hole_d") .. " through the floor, " .. c:len(p.hm) ..
                    " in from the inner walls"
      if c:chance(0.5) then
        return "an open enclosure " .. c:dims({{p.L, "x"}, {p.W, "y"}, {p.H, "z"}}) .. " with outside corners rounded to " ..
               c:len(p.ro, "fillet_r") .. ", walls " .. c:len(p.wt) .. " thick, a " .. c:len(p.ft) .. " floor and " .. holes
      end
      return "a box-shaped housing open at the top: length " .. c:len(p.L, "x") .. ", width " .. c:len(p.W, "y") ..
             ", height " .. c:len(p.H, "z") .. "; " .. c:len(p.wt) .. " walls, " .. c:len(p.ft) .. " floor, " ..
             c:len(p.ro, "fillet_r") .. " corner radius, and " .. holes
    end,
  },
}
