-- hinge: a hinge leaf: one profile (leaf plus knuckle arc) with the pin hole as a
-- second loop, extruded, then screw holes through the leaf.
return {
  name = "hinge", level = "SE",
  params = {{"W", 15, 60}, {"L", 20, 120}, {"t", 1.5, 6}, {"R", 2.5, 10}, {"rp", 1, 6},
            {"n", 1, 4, "int"}, {"d", 2.5, 8}},
  check = function(p)
    if p.R < p.t + 0.5 or p.rp > p.R - 1.5 then return false end
    local lt = p.W - math.sqrt(p.R ^ 2 - (p.R - p.t) ^ 2)
    return lt >= p.d + 6 and p.L / p.n >= p.d + 6
  end,
  split_keys = {"W", "L", "R"},
  body = [[
local lt = W - math.sqrt(R * R - (R - t) * (R - t))   -- flat length of the leaf
local leaf = path(0, 0):line(W, 0):arc3(W, 2 * R, lt, t):line(0, t):close()
local s = L / n
part("hinge", extrude(sketch(XZ, leaf, circle(rp, W, R)), L), {
  linear(n, {0, s, 0}, hole(d, lt / 2, -L + s / 2, plane(XY, t))),
})
]],
  caption = {
    abstract = function(p, c)
      return c:pick("a hinge leaf with a knuckle and screw holes", "one half of a butt hinge", "a flat hinge plate with a pin knuckle")
    end,
    partial = function(p, c)
      return "a " .. c:len(p.L, "y") .. " long hinge leaf with a " .. c:len(2 * p.R, "cyl_d") .. " knuckle and " ..
             c:count(p.n) .. " screw " .. c:plural(p.n, "hole")
    end,
    precise = function(p, c)
      if c:chance(0.5) then
        return "a hinge leaf " .. c:len(p.L, "y") .. " long and " .. c:len(p.W + p.R, "x") .. " wide including its knuckle: a " ..
               c:len(p.t) .. " plate ending in a knuckle of " .. c:len(2 * p.R, "z") .. " diameter bored " ..
               c:len(2 * p.rp, "hole_d") .. " for the pin, with " .. c:count(p.n) .. " screw " .. c:plural(p.n, "hole") .. " of " ..
               c:len(p.d, "hole_d") .. " (" .. c:count(p.n + 1, "holes") .. " holes counting the pin bore)"
      end
      return "a " .. c:dims({{p.W + p.R, "x"}, {p.L, "y"}}) .. " hinge leaf of " .. c:len(p.t) .. " plate with a " ..
             c:len(2 * p.R, "z") .. " knuckle along one long edge, a " .. c:len(2 * p.rp, "hole_d") .. " pin hole through it and " ..
             c:count(p.n) .. " screw " .. c:plural(p.n, "hole") .. " of " .. c:len(p.d, "hole_d")
    end,
  },
}
