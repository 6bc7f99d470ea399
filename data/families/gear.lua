-- gear: a spur gear blank: one sketch with a toothed outer loop (4 lines per tooth)
-- and a bore with a keyway (level S), extruded.
return {
  name = "gear", level = "S",
  params = {{"n", 10, 40, "int"}, {"m", 1, 4}, {"t", 3, 25}, {"bore", 3, 30}, {"kw", 1, 8}, {"kd", 0.5, 4}},
  check = function(p)
    local rf = p.m * p.n / 2 - 1.25 * p.m
    return p.bore / 2 + p.kd <= rf - 3 and p.kw <= p.bore * 0.6 and p.kw >= 1
  end,
  split_keys = {"n", "m", "t"},
  body = [[
local rp = m * n / 2                  -- pitch radius
local ra, rf = rp + m, rp - 1.25 * m  -- tip and root radii
local pts, step = {}, 2 * math.pi / n
for i = 0, n - 1 do
  local c = i * step
  for _, q in ipairs({{rf, -0.27}, {ra, -0.12}, {ra, 0.12}, {rf, 0.27}}) do
    local ang = c + q[2] * step
    pts[#pts + 1] = {q[1] * math.cos(ang), q[1] * math.sin(ang)}
  end
end
local rb = bore / 2
local y0 = math.sqrt(rb * rb - kw * kw / 4)
local key = path(kw / 2, y0):line(kw / 2, rb + kd):line(-kw / 2, rb + kd):line(-kw / 2, y0)
  :arc3(0, -rb, kw / 2, y0):close()
part("gear", extrude(sketch(XY, poly(pts), key), t), {})
]],
  caption = {
    abstract = function(p, c)
      return c:pick("a spur gear", "a toothed gear blank with a keyed bore", "a flat spur gear with a keyway")
    end,
    partial = function(p, c)
      return "a " .. p.n .. "-tooth spur gear, " .. c:len(p.m * p.n + 2 * p.m, "d") .. " across the tips, " ..
             c:len(p.t, "z") .. " thick"
    end,
    precise = function(p, c)
      if c:chance(0.5) then
        return "a " .. c:len(p.t, "z") .. " thick spur gear, " .. c:len(p.m * p.n + 2 * p.m, "d") .. " outside diameter, " ..
               p.n .. " teeth, module " .. string.format("%g", p.m) .. ", bored " .. c:len(p.bore, "hole_d") .. " with a " ..
               c:dims({{p.kw}, {p.kd}}) .. " keyway"
      end
      return "a spur gear with " .. p.n .. " teeth of module " .. string.format("%g", p.m) .. " (tip diameter " ..
             c:len(p.m * p.n + 2 * p.m, "d") .. "), " .. c:len(p.t, "z") .. " thick, with a " .. c:len(p.bore, "hole_d") ..
             " bore and a " .. c:len(p.kw) .. " wide keyway " .. c:len(p.kd) .. " deep"
    end,
  },
}
