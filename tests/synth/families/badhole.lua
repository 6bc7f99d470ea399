-- badhole: a test family that states its hole diameter d but drills d - 1 (the kind of
-- family bug that checking captions against the parameters alone cannot see): the
-- instance must fail at the caption's hole_d claim, not be redrawn.
return {
  name = "badhole", level = "F",
  params = {{"d", 4, 8}},
  body = [[
part("badhole", box(20, 20, 5), {hole(d - 1, 10, 10, plane(XY, 5))})
]],
  caption = {
    abstract = function(p, c) return "a block with a hole" end,
    partial = function(p, c) return "a block with a " .. c:len(p.d, "hole_d") .. " hole" end,
    precise = function(p, c) return "a " .. c:len(20, "x") .. " block with a " .. c:len(p.d, "hole_d") .. " hole" end,
  },
}
