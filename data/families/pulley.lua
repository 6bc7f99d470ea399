-- pulley: a V-groove pulley with a hub, revolved from one annular profile.
return {
  name = "pulley", level = "SE",
  params = {{"od", 20, 160}, {"w", 6, 40}, {"gd", 2, 20}, {"land", 1, 5}, {"d", 3, 40}, {"dh", 8, 60}, {"hl", 3, 25}},
  check = function(p)
    return p.w - 2 * p.land >= 4 and p.gd <= (p.od - p.dh) / 2 - 2 and p.dh >= p.d + 4 and p.gd >= 1
  end,
  split_keys = {"od", "w", "hl"},
  body = [[
local R = od / 2
local pr = path(d / 2, -hl):line(dh / 2, -hl):line(dh / 2, 0):line(R, 0):line(R, land)
  :line(R - gd, w / 2):line(R, w - land):line(R, w):line(d / 2, w):close()
part("pulley", revolve(sketch(XZ, pr)), {})
]],
  caption = {
    abstract = function(p, c)
      return c:pick("a V-belt pulley with a hub", "a grooved pulley wheel", "a sheave with a V groove and a bore")
    end,
    partial = function(p, c)
      return "a " .. c:len(p.od, "d") .. " V-groove pulley with a " .. c:len(p.d, "hole_d") .. " bore"
    end,
    precise = function(p, c)
      if c:chance(0.5) then
        return "a " .. c:len(p.od, "d") .. " sheave, " .. c:len(p.w + p.hl, "z") .. " long overall: a " .. c:len(p.w) ..
               " rim with a V groove " .. c:len(p.gd) .. " deep, a " .. c:len(p.dh, "cyl_d") .. " x " .. c:len(p.hl) ..
               " hub and a " .. c:len(p.d, "hole_d") .. " bore"
      end
      return "a V-groove pulley " .. c:len(p.od, "d") .. " in diameter and " .. c:len(p.w) .. " wide with a groove " ..
             c:len(p.gd) .. " deep, a " .. c:len(p.dh, "cyl_d") .. " hub projecting " .. c:len(p.hl) .. " (" ..
             c:len(p.w + p.hl, "z") .. " overall) and a " .. c:len(p.d, "hole_d") .. " through bore"
    end,
  },
}
