-- lbracket: an L-shaped angle bracket: one L profile extruded, holes drilled
-- through each leg from two different planes.
return {
  name = "lbracket", level = "SE",
  params = {
    {"a", 20, 100}, {"b", 20, 100}, {"w", 15, 80}, {"t", 3, 12},
    {"d", 3, 10}, {"nh", 1, 3, "int"},
  },
  check = function(p)
    return p.a - p.t >= p.d + 6 and p.b - p.t >= p.d + 6 and p.w / p.nh >= p.d + 4
  end,
  body = [[
local s = w / nh
local leg = path(0, 0):line(a, 0):line(a, t):line(t, t):line(t, b):line(0, b):close()
part("lbracket", extrude(sketch(XZ, leg), w), {
  linear(nh, {0, s, 0}, hole(d, t + (a - t) / 2, -w + s / 2, plane(XY, t))),
  linear(nh, {0, s, 0}, hole(d, -w + s / 2, t + (b - t) / 2, plane(YZ, t))),
})
]],
  caption = {
    abstract = function(p, c)
      return c:pick("an L-shaped bracket with mounting holes", "an angle bracket with holes in both legs",
                    "a right-angle bracket drilled for screws")
    end,
    partial = function(p, c)
      return c:pick("an L-bracket", "an angle bracket", "a 90-degree bracket") .. " with " ..
             c:dims({{p.a, "x"}, {p.b, "z"}}, " and ") .. " legs and " .. c:count(2 * p.nh, "holes") .. " holes"
    end,
    precise = function(p, c)
      if c:chance(0.5) then
        return "a " .. c:dims({{p.a, "x"}, {p.w, "y"}, {p.b, "z"}}) .. " " .. c:pick("L-bracket", "angle bracket") ..
               " (horizontal leg x width x vertical leg) in " .. c:len(p.t) .. " stock with " .. c:count(2 * p.nh, "holes") ..
               " holes of " .. c:len(p.d, "hole_d") .. ", " .. c:count(p.nh) .. " in each leg"
      end
      return c:pick("an L-shaped bracket", "an angle bracket") .. " of " .. c:len(p.t) ..
             " thick material: a horizontal leg " .. c:len(p.a, "x") .. " long and a vertical leg " ..
             c:len(p.b, "z") .. " high, " .. c:len(p.w, "y") .. " wide, with " .. c:count(p.nh) .. " " ..
             c:plural(p.nh, "hole") .. " of " .. c:len(p.d, "hole_d") .. " diameter through each leg (" ..
             c:count(2 * p.nh, "holes") .. " in total)"
    end,
  },
}
