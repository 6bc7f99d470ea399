-- A flange: a 90 mm disc, 10 mm thick, with a 40 mm hub 25 mm tall, a 20 mm bore
-- through both, and six 8 mm bolt holes on a 70 mm circle. Parameters first, as
-- a language model writes them; the rest is derived from them.
local d_disc, t_disc = 90, 10
local d_hub, h_hub = 40, 25
local d_bore = 20
local n_bolts, d_bolt, pcd = 6, 8, 70

local top = plane(XY, t_disc)
local features = {
  stack(cyl(d_hub / 2, h_hub, at(0, 0, t_disc))),
  cut(sketch(plane(XY, t_disc + h_hub), circle(d_bore / 2))),
  polar(n_bolts, hole(d_bolt, pcd / 2, 0, top)),
}
part("flange", cyl(d_disc / 2, t_disc), features, {color = {0.55, 0.6, 0.65}})
