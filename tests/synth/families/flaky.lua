-- flaky: a test family the kernel rejects for about half of its draws (the boss
-- overhangs or touches the plate edge when x <= 4), to test redraws.
return {
  name = "flaky", level = "MSE",
  params = {{"x", 0, 10}},
  body = [[
part("flaky", box(20, 20, 5), {stack(cyl(4, 3, at(x, 10, 5)))})
]],
  caption = {
    abstract = function(p, c) return "a plate with a boss" end,
    partial = function(p, c) return "a " .. c:dims({{20, "x"}, {20, "y"}}) .. " plate with a boss" end,
    precise = function(p, c) return "a " .. c:dims({{20, "x"}, {20, "y"}}) .. " plate with a boss " .. c:len(8, "z") .. " tall" end,
  },
}
