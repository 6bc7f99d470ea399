-- plate: a flat rectangular plate with rounded corners and a grid of through holes.
return {
  name = "plate", level = "SE",
  params = {
    {"w", 30, 160}, {"h", 20, 120}, {"t", 2, 15},
    {"nx", 1, 4, "int"}, {"ny", 1, 3, "int"}, {"d", 3, 12},
    {"m", 5, 25}, {"r", 1, 10},
  },
  check = function(p)
    if p.h > p.w then return false end
    if p.r > p.m - p.d / 2 - 0.5 then return false end             -- holes clear the rounded corners
    if p.m < p.d / 2 + 2 then return false end
    local function fits(n, len)
      if n == 1 then return len >= p.d + 6 end
      return (len - 2 * p.m) / (n - 1) >= p.d + 3
    end
    return fits(p.nx, p.w) and fits(p.ny, p.h)
  end,
  body = [[
local sx = nx > 1 and (w - 2 * m) / (nx - 1) or 0
local sy = ny > 1 and (h - 2 * m) / (ny - 1) or 0
local x0 = nx > 1 and m or w / 2
local y0 = ny > 1 and m or h / 2
local top = plane(XY, t)
part("plate", extrude(sketch(XY, rect(w, h, w / 2, h / 2):fillet(r)), t), {
  linear(ny, {0, sy, 0}, linear(nx, {sx, 0, 0}, hole(d, x0, y0, top))),
})
]],
  caption = {
    abstract = function(p, c)
      local n = p.nx * p.ny
      return c:pick(c:a(c:pick("flat", "thin", "rectangular")) .. " " .. c:pick("plate", "mounting plate", "base plate") ..
                    " with " .. (n == 1 and "a single hole" or c:pick("a grid of holes", "several holes", "a pattern of through holes")),
                    "a rectangular plate with rounded corners and " .. (n == 1 and "one hole" or "a hole pattern"))
    end,
    partial = function(p, c)
      local n = p.nx * p.ny
      return c:pick("a ", "a rectangular ") .. c:dims({{p.w, "x"}, {p.h, "y"}}) .. " plate with " ..
             c:count(n, "holes") .. " " .. c:plural(n, "hole")
    end,
    precise = function(p, c)
      local n = p.nx * p.ny
      local size = c:pick(
        function() return c:dims({{p.w, "x"}, {p.h, "y"}, {p.t, "z"}}) .. " rectangular plate" end,
        function() return "rectangular plate, " .. c:len(p.w, "x") .. " long, " .. c:len(p.h, "y") .. " wide and " .. c:len(p.t, "z") .. " thick" end)()
      local holes
      if n == 1 then holes = "a single " .. c:len(p.d, "hole_d") .. " through hole in the centre"
      else
        holes = c:count(n, "holes") .. " through holes of " .. c:len(p.d, "hole_d") .. " diameter in " .. (p.ny == 1 and "a row" or
                ("a " .. p.nx .. " by " .. p.ny .. " grid")) .. ", " .. c:len(p.m) .. " from the edges"
      end
      return c:pick("a ", "") .. size .. " with corners rounded to " .. c:len(p.r, "fillet_r") .. " radius and " .. holes
    end,
  },
}
