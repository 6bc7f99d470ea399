-- badcap: a test family whose precise caption misstates the height (the part is 5 mm
-- tall, the caption says 6): the instance must fail, not be redrawn.
return {
  name = "badcap", level = "L",
  params = {{"w", 10, 20}},
  body = [[
part("badcap", box(w, 10, 5))
]],
  caption = {
    abstract = function(p, c) return "a block" end,
    partial = function(p, c) return "a block " .. c:len(p.w, "x") .. " long" end,
    precise = function(p, c) return "a block " .. c:len(p.w, "x") .. " long and " .. c:len(6, "z") .. " tall" end,
  },
}
