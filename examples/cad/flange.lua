-- A flange: a disc, a hub stacked on it, a bore and a polar pattern of bolt holes.
local D, t, hub, hh = 120, 12, 30, 18
local bore, n, bd, bc = 36, 8, 10, 90
part("flange", cyl(D / 2, t), {
  stack(cyl(hub, hh, at(0, 0, t))),
  hole(bore, 0, 0, plane(XY, t + hh)),
  polar(n, hole(bd, bc / 2, 0, plane(XY, t))),
})
