-- A mug-like part: a square cup with a blind cavity (no through hole) and a handle,
-- a block on one side wall with an opening through it. Genus 1: the handle's opening.
local s, h, wall, floor = 60, 80, 5, 6
local cavity = cut(sketch(plane(XY, h), rect(s - 2 * wall, s - 2 * wall, s / 2, s / 2)), h - floor)
-- the handle block: 25 mm out from the wall x = s, 12 mm wide (y 24..36), 50 mm tall
local block = extrude(sketch(plane(YZ, s), rect(12, 50, s / 2, h / 2)), 25)
-- the opening, through the block along y, sketched on its face y = 24 (XZ has normal -y)
local opening = cut(sketch(plane(XZ, -(s / 2 - 6)), rect(15, 30, s + 12.5, h / 2)))
part("mug", box(s, s, h), {cavity, stack(block), opening})
