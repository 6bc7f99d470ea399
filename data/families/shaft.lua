-- shaft: a stepped shaft revolved from one profile: three diameters, optionally
-- ending in a pointed conical tip.
return {
  name = "shaft", level = "SE",
  params = {
    {"d1", 10, 60}, {"l1", 10, 80}, {"d2", 6, 50}, {"l2", 10, 80},
    {"d3", 4, 40}, {"l3", 5, 60}, {"tip", 0, 20},
  },
  check = function(p)
    return p.d2 <= p.d1 - 2 and p.d3 <= p.d2 - 2 and (p.tip == 0 or p.tip >= math.max(2, p.d3 / 3))
  end,
  split_keys = {"d1", "l1", "l2"},
  body = [[
local L = l1 + l2 + l3
local pr = path(0, 0):line(d1 / 2, 0):line(d1 / 2, l1):line(d2 / 2, l1)
  :line(d2 / 2, l1 + l2):line(d3 / 2, l1 + l2)
if tip > 0 then
  pr = pr:line(d3 / 2, L):line(0, L + tip)
else
  pr = pr:line(d3 / 2, L):line(0, L)
end
part("shaft", revolve(sketch(XZ, pr:close())), {})
]],
  caption = {
    abstract = function(p, c)
      return c:pick("a stepped shaft", "a stepped cylindrical shaft with three diameters",
                    "a turned shaft with shoulders") .. (p.tip > 0 and c:pick(" and a tapered end", " ending in a conical tip") or "")
    end,
    partial = function(p, c)
      local L = p.l1 + p.l2 + p.l3 + p.tip
      return "a " .. c:len(L, "z") .. " long stepped shaft, " .. c:len(p.d1, "d") .. " at its widest" ..
             (p.tip > 0 and ", with a conical tip" or "")
    end,
    precise = function(p, c)
      local L = p.l1 + p.l2 + p.l3 + p.tip
      if c:chance(0.5) then
        local s = "a turned shaft with three steps, " .. c:len(p.d1, "d") .. " x " .. c:len(p.l1) .. ", " ..
                  c:len(p.d2, "cyl_d") .. " x " .. c:len(p.l2) .. " and " .. c:len(p.d3, "cyl_d") .. " x " .. c:len(p.l3) ..
                  " (diameter x length)"
        if p.tip > 0 then s = s .. ", plus a " .. c:len(p.tip) .. " pointed cone" end
        return s .. "; " .. c:len(L, "z") .. " overall"
      end
      local s = "a stepped shaft " .. c:len(L, "z") .. " long: " .. c:len(p.d1, "d") .. " diameter for " ..
                c:len(p.l1) .. ", then " .. c:len(p.d2, "cyl_d") .. " for " .. c:len(p.l2) .. ", then " .. c:len(p.d3, "cyl_d") ..
                " for " .. c:len(p.l3)
      if p.tip > 0 then s = s .. ", ending in a " .. c:len(p.tip) .. " long pointed conical tip" end
      return s
    end,
  },
}
