-- hexnut: a hexagonal prism with a through bore (metric sizes).
return {
  name = "hexnut", level = "SE",
  params = {{"d", {3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 30}, "pick"}, {"s", 5, 60}, {"h", 2, 30}},
  check = function(p)
    return p.s >= 1.5 * p.d + 1 and p.s <= 2 * p.d + 4 and p.h >= 0.5 * p.d and p.h <= 1.1 * p.d + 1
  end,
  split_keys = {"s", "h"},
  body = [[
part("hexnut", prism(6, s / math.sqrt(3), h), {hole(d, 0, 0, plane(XY, h))})
]],
  caption = {
    abstract = function(p, c)
      return c:pick("a hexagonal nut with a central hole", "a hex nut", "a six-sided nut blank with a round bore")
    end,
    partial = function(p, c)
      return c:pick("an M" .. p.d .. " hex nut", "a hex nut for an M" .. p.d .. " bolt") .. ", " .. c:len(p.s, "y") ..
             " across flats"
    end,
    precise = function(p, c)
      if c:chance(0.5) then
        return "a hexagonal nut " .. c:len(p.s, "y") .. " across the flats and " .. c:len(p.h, "z") ..
               " thick with a " .. c:len(p.d, "hole_d") .. " through bore (" .. c:count(1, "holes") .. " hole)"
      end
      return "a hex nut: width across flats " .. c:len(p.s, "y") .. ", height " .. c:len(p.h, "z") ..
             ", bore diameter " .. c:len(p.d, "hole_d")
    end,
  },
}
