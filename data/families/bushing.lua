-- bushing: a flanged bushing (sleeve) revolved from an annular L-shaped profile.
return {
  name = "bushing", level = "SE",
  params = {{"id", 3, 60}, {"od", 6, 80}, {"L", 5, 80}, {"fd", 10, 120}, {"ft", 1, 12}},
  check = function(p)
    return p.od - p.id >= 2 and p.fd >= p.od + 4 and p.ft <= p.L - 2
  end,
  split_keys = {"id", "od", "L"},
  body = [[
local pr = path(id / 2, 0):line(fd / 2, 0):line(fd / 2, ft):line(od / 2, ft)
  :line(od / 2, L):line(id / 2, L):close()
part("bushing", revolve(sketch(XZ, pr)), {})
]],
  caption = {
    abstract = function(p, c)
      return c:pick("a flanged bushing", "a sleeve bearing with a collar", "a flanged bronze-style bush")
    end,
    partial = function(p, c)
      return "a flanged bushing for a " .. c:len(p.id, "hole_d") .. " shaft, " .. c:len(p.L, "z") .. " long"
    end,
    precise = function(p, c)
      if c:chance(0.5) then
        return "a " .. c:len(p.L, "z") .. " long flanged sleeve: " .. c:len(p.id, "hole_d") .. " inside, " .. c:len(p.od, "cyl_d") ..
               " outside, with a " .. c:len(p.fd, "d") .. " x " .. c:len(p.ft) .. " collar at one end"
      end
      return "a flanged bushing with bore " .. c:len(p.id, "hole_d") .. ", body diameter " .. c:len(p.od, "cyl_d") .. ", overall length " ..
             c:len(p.L, "z") .. ", and a flange " .. c:len(p.fd, "d") .. " in diameter and " .. c:len(p.ft) .. " thick"
    end,
  },
}
