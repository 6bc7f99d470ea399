-- elbow: a pipe elbow: an annulus revolved about an axis beside it by the bend angle.
return {
  name = "elbow", level = "SE",
  params = {{"od", 6, 80}, {"wall", 1, 8}, {"Rb", 10, 150}, {"angle", 30, 180, "deg", 15}},
  check = function(p) return p.wall <= p.od / 2 - 1.5 and p.Rb >= p.od / 2 + 3 end,
  split_keys = {"od", "Rb", "angle"},
  body = [[
local ro, ri = od / 2, od / 2 - wall
part("elbow", revolve(sketch(XZ, circle(ro, Rb, 0), circle(ri, Rb, 0)), angle, {0, 0}, {0, 1}), {})
]],
  caption = {
    abstract = function(p, c)
      return c:pick("a pipe elbow", "a bent tube section", "a curved pipe fitting")
    end,
    partial = function(p, c)
      return "a " .. c:degadj(p.angle) .. " pipe elbow of " .. c:len(p.od, "z") .. " tube"
    end,
    precise = function(p, c)
      if c:chance(0.5) then
        return "a pipe bend through " .. c:deg(p.angle) .. ": tube " .. c:len(p.od, "z") .. " outside, " ..
               c:len(p.od - 2 * p.wall, "hole_d") .. " inside, on a " .. c:len(p.Rb, "bend_r") .. " bend radius"
      end
      return "a " .. c:degadj(p.angle) .. " elbow of round tube with outside diameter " .. c:len(p.od, "z") .. " and " ..
             c:len(p.wall) .. " wall, bent to a centreline radius of " .. c:len(p.Rb, "bend_r") .. " (" ..
             c:count(1, "holes") .. " through passage)"
    end,
  },
}
