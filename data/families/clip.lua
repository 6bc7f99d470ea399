-- clip: a C-shaped spring clip: a single loop of two arcs and two lines (level L), extruded.
return {
  name = "clip", level = "L",
  params = {{"ri", 3, 40}, {"th", 0.5, 6}, {"gap", 20, 150, "deg"}, {"w", 3, 40}},
  check = function(p) return p.th <= p.ri end,
  split_keys = {"ri", "th", "w"},
  body = [[
local ro, g = ri + th, math.rad(gap / 2)
local c, s = math.cos(g), math.sin(g)
local shape = path(ro * c, ro * s):arc3(-ro, 0, ro * c, -ro * s):line(ri * c, -ri * s)
  :arc3(-ri, 0, ri * c, ri * s):close()
part("clip", extrude(sketch(XY, shape), w), {})
]],
  caption = {
    abstract = function(p, c)
      return c:pick("a C-shaped spring clip", "an open ring clip", "a snap clip for a round tube")
    end,
    partial = function(p, c)
      return "a C-clip for a " .. c:len(2 * p.ri, "hole_d") .. " tube, " .. c:len(p.w, "z") .. " wide"
    end,
    precise = function(p, c)
      if c:chance(0.5) then
        return "a spring clip " .. c:len(p.w, "z") .. " wide bent from " .. c:len(p.th) .. " stock into a ring of " ..
               c:len(2 * p.ri, "hole_d") .. " bore (" .. c:len(2 * (p.ri + p.th), "d") .. " outside) with a " .. c:degadj(p.gap) ..
               " opening"
      end
      return "a C-shaped clip with inside diameter " .. c:len(2 * p.ri, "hole_d") .. " and outside diameter " ..
             c:len(2 * (p.ri + p.th), "d") .. ", " .. c:len(p.w, "z") .. " wide, open over " .. c:deg(p.gap)
    end,
  },
}
