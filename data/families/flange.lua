-- flange: a disc with a raised hub, a central bore and a bolt circle (ReCAD MSE:
-- two bodies stacked, then a bore and a polar pattern of holes).
return {
  name = "flange", level = "MSE",
  params = {
    {"D", 40, 200}, {"t", 5, 25}, {"rh", 10, 60}, {"hh", 3, 40},
    {"d", 5, 80}, {"n", 3, 12, "int"}, {"bd", 4, 20}, {"bc", 25, 180},
  },
  check = function(p)
    return p.rh <= p.D / 2 - 5 and p.d / 2 <= p.rh - 3
       and p.bc / 2 - p.bd / 2 >= p.rh + 2 and p.bc / 2 + p.bd / 2 <= p.D / 2 - 2
       and math.pi * p.bc / p.n >= p.bd + 3
  end,
  split_keys = {"D", "t", "hh"},
  body = [[
part("flange", cyl(D / 2, t), {
  stack(cyl(rh, hh, at(0, 0, t))),
  hole(d, 0, 0, plane(XY, t + hh)),
  polar(n, hole(bd, bc / 2, 0, plane(XY, t))),
})
]],
  caption = {
    abstract = function(p, c)
      return c:pick("a round flange with a hub and a bolt circle", "a circular flange with bolt holes and a central bore",
                    "a pipe flange with a raised hub")
    end,
    partial = function(p, c)
      return "a " .. c:len(p.D, "d") .. " " .. c:pick("flange", "round flange") .. " with " .. c:count(p.n) ..
             " bolt holes and a " .. c:len(p.d, "hole_d") .. " bore"
    end,
    precise = function(p, c)
      local s = c:pick("a flange ", "a circular flange ") .. c:len(p.D, "d") .. " in diameter and " .. c:len(p.t) ..
                " thick, with a hub of " .. c:len(2 * p.rh, "cyl_d") .. " diameter standing " .. c:len(p.hh) ..
                " proud (" .. c:len(p.t + p.hh, "z") .. " overall), a " .. c:len(p.d, "hole_d") .. " central bore and "
      if c:chance(0.5) then
        return s .. c:count(p.n) .. " bolt holes of " .. c:len(p.bd, "hole_d") .. " on a " .. c:len(p.bc) .. " bolt circle (" ..
               c:count(p.n + 1, "holes") .. " holes in all)"
      end
      return c:count(p.n) .. " bolt holes of " .. c:len(p.bd, "hole_d") .. " diameter on a " .. c:len(p.bc) .. " pitch circle pierce " ..
             "a flange of " .. c:len(p.D, "d") .. " diameter and " .. c:len(p.t) .. " thickness, which carries a " ..
             c:len(2 * p.rh, "cyl_d") .. " hub " .. c:len(p.hh) .. " high (" .. c:len(p.t + p.hh, "z") .. " in total) bored " ..
             c:len(p.d, "hole_d")
    end,
  },
}
