-- gasket: one sketch (ReCAD level S): a rounded rectangle with four corner bolt
-- holes and a rounded rectangular window, extruded to a thin sheet.
return {
  name = "gasket", level = "S",
  params = {
    {"w", 40, 160}, {"h", 30, 120}, {"t", 0.5, 5},
    {"d", 3, 10}, {"m", 5, 20}, {"rc", 1, 10},
    {"ww", 10, 120}, {"wh", 8, 90}, {"rw", 1, 8},
  },
  check = function(p)
    return p.h <= p.w and p.m >= p.d / 2 + 2 and p.rc <= p.m - p.d / 2 - 1
       and p.ww <= p.w - 2 * p.m - p.d - 4 and p.wh <= p.h - 2 * p.m - p.d - 4
       and p.rw <= math.min(p.ww, p.wh) / 2 - 1
  end,
  body = [[
local x, y = w / 2 - m, h / 2 - m
part("gasket", extrude(sketch(XY, rect(w, h):fillet(rc),
  circle(d / 2, -x, -y), circle(d / 2, x, -y), circle(d / 2, x, y), circle(d / 2, -x, y),
  rect(ww, wh):fillet(rw)), t), {})
]],
  caption = {
    abstract = function(p, c)
      return c:pick("a flat gasket with four bolt holes and a central opening",
                    "a thin rectangular gasket with a window and corner holes",
                    "a rectangular seal plate with a cut-out in the middle")
    end,
    partial = function(p, c)
      return "a " .. c:dims({{p.w, "x"}, {p.h, "y"}}) .. " " .. c:pick("gasket", "flat gasket", "sheet gasket") ..
             " with " .. c:count(4) .. " corner holes and a " .. c:dims({{p.ww}, {p.wh}}) .. " window"
    end,
    precise = function(p, c)
      local s
      if c:chance(0.5) then
        s = "a gasket " .. c:dims({{p.w, "x"}, {p.h, "y"}}) .. ", " .. c:len(p.t, "z") .. " thick"
      else
        s = "a " .. c:dims({{p.w, "x"}, {p.h, "y"}, {p.t, "z"}}) .. " flat gasket"
      end
      if c:chance(0.4) then
        return s .. "; " .. c:count(4) .. " bolt holes of " .. c:len(p.d, "hole_d") .. " sit " .. c:len(p.m) ..
               " from the edges around a " .. c:dims({{p.ww}, {p.wh}}) .. " opening (corner radii " .. c:len(p.rc, "fillet_r") ..
               " outside, " .. c:len(p.rw, "fillet_r") .. " inside)"
      end
      return s .. ", outer corners rounded to " .. c:len(p.rc, "fillet_r") .. ", with " .. c:count(4) .. " holes of " ..
             c:len(p.d, "hole_d") .. " diameter centred " .. c:len(p.m) .. " in from each edge and a central " ..
             c:dims({{p.ww}, {p.wh}}) .. " window with " .. c:len(p.rw, "fillet_r") .. " corner radii (" ..
             c:count(5, "holes") .. " openings in all)"
    end,
  },
}
