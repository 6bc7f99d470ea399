-- rod: a cylindrical rod with a conical tip and a flanged base, revolved from one profile.
return {
  name = "rod", level = "SE",
  params = {
    {"df", 15, 100}, {"tf", 2, 15}, {"dr", 4, 50}, {"lr", 20, 200}, {"tl", 2, 40}, {"flat", 1, 10},
  },
  check = function(p)
    return p.dr <= p.df - 4 and p.flat <= p.dr / 2 - 1 and p.tl >= (p.dr - p.flat) / 3
  end,
  split_keys = {"df", "dr", "lr"},
  body = [[
local top = tf + lr + tl
local pr = path(0, 0):line(df / 2, 0):line(df / 2, tf):line(dr / 2, tf):line(dr / 2, tf + lr)
pr = pr:line(flat / 2, top):line(0, top)
part("rod", revolve(sketch(XZ, pr:close())), {})
]],
  caption = {
    abstract = function(p, c)
      return c:pick("a cylindrical rod with a conical tip and a flanged base",
                    "a round pin with a pointed end standing on a disc flange",
                    "a flanged rod with a tapered tip")
    end,
    partial = function(p, c)
      return "a " .. c:len(p.dr, "cyl_d") .. " rod " .. c:len(p.tf + p.lr + p.tl, "z") .. " tall with a " ..
             c:len(p.df, "d") .. " base flange and a conical tip"
    end,
    precise = function(p, c)
      if c:chance(0.5) then
        return "a " .. c:len(p.tf + p.lr + p.tl, "z") .. " tall part: a " .. c:len(p.df, "d") .. " x " .. c:len(p.tf) ..
               " base flange, a " .. c:len(p.dr, "cyl_d") .. " rod rising " .. c:len(p.lr) .. " from it, and a cone " ..
               c:len(p.tl) .. " long tapering to a " .. c:len(p.flat) .. " flat tip"
      end
      local s = "a cylindrical rod of " .. c:len(p.dr, "cyl_d") .. " diameter and " .. c:len(p.lr) ..
                " length on a round flange " .. c:len(p.df, "d") .. " across and " .. c:len(p.tf) ..
                " thick, topped by a " .. c:len(p.tl) .. " conical tip"
      s = s .. " truncated to a " .. c:len(p.flat) .. " flat"
      return s .. "; overall height " .. c:len(p.tf + p.lr + p.tl, "z")
    end,
  },
}
