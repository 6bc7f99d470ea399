-- washer: one face with a hole (ReCAD level F): an annulus extruded. Thick ones
-- are captioned as rings.
return {
  name = "washer", level = "F",
  params = {{"od", 6, 120}, {"id", 2, 100}, {"t", 0.5, 20}},
  check = function(p) return p.od - p.id >= 3 and p.t <= p.od / 2 end,
  split_keys = {"od", "id", "t"},
  body = [[
part("washer", extrude(sketch(XY, circle(od / 2), circle(id / 2)), t), {})
]],
  caption = {
    abstract = function(p, c)
      if p.t > (p.od - p.id) / 2 then return c:pick("a thick ring", "a short round spacer ring", "a cylindrical ring") end
      return c:pick("a flat washer", "a plain round washer", "a thin flat ring with a central hole")
    end,
    partial = function(p, c)
      local noun = p.t > (p.od - p.id) / 2 and "ring" or "washer"
      return "a " .. c:len(p.od, "d") .. " " .. noun .. " with a " .. c:len(p.id, "hole_d") .. " hole"
    end,
    precise = function(p, c)
      local noun = p.t > (p.od - p.id) / 2 and c:pick("ring", "spacer ring") or c:pick("washer", "flat washer")
      if c:chance(0.5) then
        return "a " .. noun .. ": outer diameter " .. c:len(p.od, "d") .. ", inner diameter " .. c:len(p.id, "hole_d") ..
               ", thickness " .. c:len(p.t, "z") .. ", " .. c:count(1, "holes") .. " through hole"
      end
      return "a " .. c:len(p.t, "z") .. " thick " .. noun .. " of " .. c:len(p.od, "d") .. " outside diameter with a " ..
             c:len(p.id, "hole_d") .. " central hole"
    end,
  },
}
