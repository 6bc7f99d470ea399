-- An L-bracket: one profile drawn with a path (lines and a filleted inner corner
-- as an arc), extruded, then slots and holes cut through each leg.
local a, b, w, t, r = 60, 45, 40, 6, 6
local leg = path(0, 0):line(a, 0):line(a, t):line(t + r, t)
  :arc(t, t + r, t + r, t + r, true)        -- inner fillet, clockwise about its centre
  :line(t, b):line(0, b):close()
part("bracket", extrude(sketch(XZ, leg), w), {
  cut(sketch(plane(XY, t), slot(25, -w / 2, 45, -w / 2, 4))),
  linear(2, {0, 20, 0}, hole(6, -w / 2 - 10, b - 12, plane(YZ, t))),
})
