-- standoff: a hexagonal spacer with a threaded stud on top (male-female) or a second
-- tapped hole (female-female): a prism, a stacked cylinder, blind holes from the ends.
return {
  name = "standoff", level = "MSE",
  params = {{"kind", {"male-female", "female-female"}, "pick"}, {"s", 5, 20}, {"L", 6, 60},
            {"ds", 2.5, 12}, {"ls", 3, 15}, {"dh", 2, 10}, {"hd", 3, 20}},
  check = function(p)
    if p.ds > p.s - 2 or p.dh > p.s - 2.5 then return false end
    if p.kind == "female-female" then return p.hd <= p.L / 2 - 1 end
    return p.hd <= p.L - 2
  end,
  split_keys = {"s", "L"},
  body = [[
local feats = {hole(dh, 0, 0, frame({0, 0, 0}, {0, 0, -1}), hd)}
if kind == "male-female" then
  feats[#feats + 1] = stack(cyl(ds / 2, ls, at(0, 0, L)))
else
  feats[#feats + 1] = hole(dh, 0, 0, plane(XY, L), hd)
end
part("standoff", prism(6, s / math.sqrt(3), L), feats)
]],
  caption = {
    abstract = function(p, c)
      if p.kind == "male-female" then return c:pick("a hex standoff with a threaded stud", "a male-female hexagonal spacer") end
      return c:pick("a hex standoff tapped at both ends", "a female-female hexagonal spacer")
    end,
    partial = function(p, c)
      return "a " .. p.kind .. " hex standoff, " .. c:len(p.s, "y") .. " across flats and " .. c:len(p.L) .. " long"
    end,
    precise = function(p, c)
      if c:chance(0.4) then
        if p.kind == "male-female" then
          return "a " .. c:len(p.L + p.ls, "z") .. " long male-female standoff: hex " .. c:len(p.s, "y") .. " across flats, " ..
                 c:len(p.L) .. " body, " .. c:len(p.ds, "cyl_d") .. " x " .. c:len(p.ls) .. " stud, " .. c:len(p.dh, "hole_d") ..
                 " blind hole " .. c:len(p.hd) .. " deep"
        end
        return "a " .. c:len(p.L, "z") .. " long female-female hex spacer, " .. c:len(p.s, "y") ..
               " across flats, with " .. c:len(p.dh, "hole_d") .. " blind holes " .. c:len(p.hd) .. " deep at both ends"
      end
      local s = "a hexagonal standoff " .. c:len(p.s, "y") .. " across flats with a " .. c:len(p.L) .. " body"
      if p.kind == "male-female" then
        return s .. ", a " .. c:len(p.ds, "cyl_d") .. " stud " .. c:len(p.ls) .. " long on top (" .. c:len(p.L + p.ls, "z") ..
               " overall) and a " .. c:len(p.dh, "hole_d") .. " hole " .. c:len(p.hd) .. " deep in the bottom"
      end
      return s .. " (" .. c:len(p.L, "z") .. " overall) and a blind " .. c:len(p.dh, "hole_d") .. " hole " .. c:len(p.hd) ..
             " deep in each end"
    end,
  },
}
