-- tube: a straight round or square tube: one face with a hole, extruded (level F).
return {
  name = "tube", level = "F",
  params = {{"shape", {"round", "square"}, "pick"}, {"od", 6, 100}, {"wall", 0.5, 10}, {"L", 10, 300}},
  check = function(p) return p.wall <= p.od / 2 - 1.5 end,
  split_keys = {"od", "wall", "L"},
  body = [[
local id = od - 2 * wall
local face
if shape == "round" then face = sketch(XY, circle(od / 2), circle(id / 2))
else face = sketch(XY, rect(od, od), rect(id, id)) end
part("tube", extrude(face, L), {})
]],
  caption = {
    abstract = function(p, c)
      if p.shape == "round" then return c:pick("a straight round tube", "a length of pipe", "a hollow cylinder") end
      return c:pick("a square tube", "a hollow square section", "a length of square tubing")
    end,
    partial = function(p, c)
      if p.shape == "round" then return "a " .. c:len(p.od, "d") .. " tube, " .. c:len(p.L, "z") .. " long" end
      return "a " .. c:len(p.od, "x") .. " square tube, " .. c:len(p.L, "z") .. " long"
    end,
    precise = function(p, c)
      if c:chance(0.5) then
        if p.shape == "round" then
          return c:len(p.L, "z") .. " of round tubing, " .. c:len(p.od, "d") .. " outside diameter with a " ..
                 c:len(p.wall) .. " wall"
        end
        return c:len(p.L, "z") .. " of square tubing, " .. c:len(p.od, "x") .. " across the flats outside, " ..
               c:len(p.wall) .. " wall"
      end
      if p.shape == "round" then
        return "a round tube with outside diameter " .. c:len(p.od, "d") .. ", wall " .. c:len(p.wall) ..
               " (bore " .. c:len(p.od - 2 * p.wall, "hole_d") .. ") and length " .. c:len(p.L, "z")
      end
      return "a square tube " .. c:dims({{p.od, "x"}, {p.od, "y"}}) .. " outside with " .. c:len(p.wall) ..
             " walls, " .. c:len(p.L, "z") .. " long"
    end,
  },
}
