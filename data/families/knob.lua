-- knob: a fluted control knob: one loop of 2n arcs (scalloped rim) extruded, a
-- round cap stacked on top and a blind shaft hole from below.
return {
  name = "knob", level = "MSE",
  params = {{"D", 15, 80}, {"n", 5, 16, "int"}, {"rn", 1, 6}, {"h", 6, 30}, {"dc", 8, 60}, {"hc", 2, 20},
            {"d", 3, 10}, {"hd", 3, 25}},
  check = function(p)
    local R = p.D / 2
    if p.rn > R * math.sin(math.pi / p.n) * 0.8 then return false end    -- flutes do not touch
    return p.dc <= p.D - 2 * p.rn - 3 and p.d <= p.dc - 4 and p.hd <= p.h + p.hc - 2
  end,
  split_keys = {"D", "h", "hc"},
  body = [[
local R = D / 2
local a = 2 * math.asin(rn / (2 * R))        -- half-angle of a flute on the rim
local function pt(r, t) return r * math.cos(t), r * math.sin(t) end
local x0, y0 = pt(R, a)
local rim = path(x0, y0)
for i = 1, n do
  local t0, t1 = 2 * math.pi * (i - 1) / n, 2 * math.pi * i / n
  local mx, my = pt(R, (t0 + t1) / 2)
  local ex, ey = pt(R, t1 - a)
  rim = rim:arc3(mx, my, ex, ey)
  local fx, fy = pt(R - rn, t1)
  local gx, gy = pt(R, t1 + a)
  rim = rim:arc3(fx, fy, gx, gy)
end
part("knob", extrude(sketch(XY, rim:close()), h), {
  stack(cyl(dc / 2, hc, at(0, 0, h))),
  hole(d, 0, 0, frame({0, 0, 0}, {0, 0, -1}), hd),
})
]],
  caption = {
    abstract = function(p, c)
      return c:pick("a fluted control knob", "a round knob with finger grooves around its rim",
                    "a scalloped knob with a raised cap")
    end,
    partial = function(p, c)
      return "a " .. c:len(p.D, "d") .. " knob with " .. c:count(p.n) .. " flutes and a " .. c:len(p.d, "hole_d") .. " shaft hole"
    end,
    precise = function(p, c)
      if c:chance(0.5) then
        return "a control knob " .. c:len(p.h + p.hc, "z") .. " high: a " .. c:len(p.D, "d") .. " body " .. c:len(p.h) ..
               " tall with " .. c:count(p.n) .. " flutes (" .. c:len(p.rn, "fillet_r") .. " radius) around the rim, a " ..
               c:len(p.dc, "cyl_d") .. " x " .. c:len(p.hc) .. " cap and a " .. c:len(p.d, "hole_d") .. " shaft hole " .. c:len(p.hd) ..
               " deep underneath"
      end
      return "a fluted knob " .. c:len(p.D, "d") .. " across and " .. c:len(p.h) .. " tall with " .. c:count(p.n) ..
             " semicircular flutes of " .. c:len(p.rn, "fillet_r") .. " radius, a " .. c:len(p.dc, "cyl_d") .. " cap " .. c:len(p.hc) ..
             " high on top (" .. c:len(p.h + p.hc, "z") .. " overall) and a blind " .. c:len(p.d, "hole_d") ..
             " shaft hole " .. c:len(p.hd) .. " deep from below"
    end,
  },
}
