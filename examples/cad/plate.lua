-- A mounting plate: a box, four holes drilled from the top face, a boss stacked on it.
local w, h, t = 80, 60, 8
local top = plane(XY, t)
part("plate", box(w, h, t), {
  hole(6, 10, 10, top), hole(6, w - 10, 10, top), hole(6, 10, h - 10, top), hole(6, w - 10, h - 10, top),
  stack(cyl(12, 15, at(w / 2, h / 2, t))),
}, {color = {.7, .7, .75}})
