-- ubracket: a U-shaped channel bracket: one U profile extruded, holes in the base.
return {
  name = "ubracket", level = "SE",
  params = {
    {"a", 20, 120}, {"b", 15, 80}, {"w", 15, 80}, {"t", 2, 10},
    {"d", 3, 10}, {"nh", 1, 4, "int"},
  },
  check = function(p)
    return p.a - 2 * p.t >= p.d + 6 and p.b - p.t >= 5 and p.w / p.nh >= p.d + 4
  end,
  body = [[
local s = w / nh
local u = path(0, 0):line(a, 0):line(a, b):line(a - t, b):line(a - t, t)
  :line(t, t):line(t, b):line(0, b):close()
part("ubracket", extrude(sketch(XZ, u), w), {
  linear(nh, {0, s, 0}, hole(d, a / 2, -w + s / 2, plane(XY, t))),
})
]],
  caption = {
    abstract = function(p, c)
      return c:pick("a U-shaped bracket with holes in its base", "a channel bracket with mounting holes",
                    "a U-channel with a drilled base")
    end,
    partial = function(p, c)
      return c:pick("a U-bracket ", "a U-channel ") .. c:len(p.a, "x") .. " wide and " .. c:len(p.b, "z") ..
             " tall with " .. c:count(p.nh, "holes") .. " " .. c:plural(p.nh, "hole")
    end,
    precise = function(p, c)
      if c:chance(0.5) then
        return "a U-channel " .. c:len(p.a, "x") .. " across the outside, " .. c:len(p.b, "z") .. " tall and " ..
               c:len(p.w, "y") .. " long, wall thickness " .. c:len(p.t) .. "; its base has " .. c:count(p.nh, "holes") ..
               " " .. c:plural(p.nh, "hole") .. " of " .. c:len(p.d, "hole_d") .. " diameter"
      end
      return c:pick("a U-shaped bracket", "a U-channel bracket") .. " " .. c:dims({{p.a, "x"}, {p.w, "y"}, {p.b, "z"}}) ..
             " (width x length x height) bent from " .. c:len(p.t) .. " plate, with " .. c:count(p.nh, "holes") ..
             " " .. c:plural(p.nh, "hole") .. " of " .. c:len(p.d, "hole_d") .. " diameter along the middle of the base"
    end,
  },
}
