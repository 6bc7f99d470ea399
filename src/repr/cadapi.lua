-- cadapi.lua - the steplm CAD API for Lua programs (ReCAD-style parametric code).
-- It runs inside the sandbox before the program. Every function builds a plain table
-- that mirrors `steplm build`'s JSON feature tree (docs/cad-api.md); nothing is built
-- until the program ends, then the kernel builds and checks the parts. Each table
-- records the program line that made it, so a geometry error found later points at
-- that line. Units: millimetres and degrees. Errors raised here use level 3 so that
-- the message names the caller's line in the program.
local _line, _prog = ...     -- C function: current line of the program; the program's name
local parts, asm = {}, nil
local type, error, select, math, string, table, pairs, ipairs, setmetatable, getmetatable, tostring, next =
      type, error, select, math, string, table, pairs, ipairs, setmetatable, getmetatable, tostring, next
local function jstr(s)
  return '"' .. (s:gsub('[%c"\\]', function(c)
    if c == '"' then return '\\"' elseif c == '\\' then return '\\\\' end
    return string.format('\\u%04x', c:byte())
  end)) .. '"'
end

-- errors name the program line that called the API, however deep the call
local function fail(msg)
  local l = _line()
  error((l > 0 and (_prog .. ":" .. l .. ": ") or "") .. msg, 0)
end
local function finite(x) return type(x) == "number" and x == x and x ~= math.huge and x ~= -math.huge end
local function num(x, what, dflt)
  if x == nil and dflt ~= nil then return dflt end
  if not finite(x) then fail(what .. " must be a number, got " .. tostring(x)) end
  return x
end
local function pos(x, what, dflt)
  x = num(x, what, dflt)
  if x <= 0 then fail(what .. " must be positive, got " .. tostring(x)) end
  return x
end
local function vec(v, n, what)
  if type(v) ~= "table" or #v ~= n then fail(what .. " must be a list of " .. n .. " numbers") end
  for i = 1, n do if not finite(v[i]) then fail(what .. " must be a list of " .. n .. " numbers") end end
  return {v[1], v[2], v[3]}
end
local function node(t) t._line = _line(); return t end

-- frames and planes -------------------------------------------------------------
XY, XZ, YZ = "XY", "XZ", "YZ"
function plane(name, offset)
  if name ~= "XY" and name ~= "XZ" and name ~= "YZ" then fail("plane must be XY, XZ or YZ") end
  return {plane = name, offset = num(offset, "plane offset", 0)}
end
function at(x, y, z)
  return {origin = {num(x, "x", 0), num(y, "y", 0), num(z, "z", 0)}}
end
function frame(origin, z, x)
  return {origin = vec(origin, 3, "origin"), z = vec(z or {0, 0, 1}, 3, "z axis"), x = vec(x or {1, 0, 0}, 3, "x axis")}
end
local function is_frame(f)
  return f == nil or f == "XY" or f == "XZ" or f == "YZ" or (type(f) == "table" and (f.origin or f.plane))
end

-- loops (2D, in a sketch plane) ---------------------------------------------------
local Loop = {}
Loop.__index = Loop
local function loop(t) return setmetatable(node(t), Loop) end
function Loop:fillet(r) self.fillet = pos(r, "fillet radius"); return self end
function Loop:chamfer(d) self.chamfer = pos(d, "chamfer distance"); return self end

function rect(w, h, cx, cy)
  w, h = pos(w, "rect width"), pos(h, "rect height")
  cx, cy = num(cx, "rect centre x", 0), num(cy, "rect centre y", 0)
  return loop{rect = {min = {cx - w / 2, cy - h / 2}, max = {cx + w / 2, cy + h / 2}}}
end
function circle(r, cx, cy)
  return loop{circle = {center = {num(cx, "circle centre x", 0), num(cy, "circle centre y", 0)}, r = pos(r, "circle radius")}}
end
function ellipse(a, b, cx, cy, rot)
  return loop{ellipse = {center = {num(cx, "x", 0), num(cy, "y", 0)}, a = pos(a, "ellipse a"), b = pos(b, "ellipse b"),
                         rot_deg = num(rot, "rotation", 0)}}
end
function slot(ax, ay, bx, by, r)
  return loop{slot = {a = {num(ax, "ax"), num(ay, "ay")}, b = {num(bx, "bx"), num(by, "by")}, r = pos(r, "slot radius")}}
end
function poly(pts)
  if type(pts) ~= "table" or #pts < 3 then fail("poly needs a list of at least 3 points {x, y}") end
  local out = {}
  for i, p in ipairs(pts) do
    if type(p) ~= "table" or not finite(p[1]) or not finite(p[2]) then fail("poly point " .. i .. " must be {x, y}") end
    out[i] = {p[1], p[2]}
  end
  return loop{polygon = out}
end
function ngon(n, r, cx, cy, rot)
  if type(n) ~= "number" or n < 3 or n > 1000 or n % 1 ~= 0 then fail("ngon needs an integer number of sides >= 3") end
  r, cx, cy, rot = pos(r, "ngon radius"), num(cx, "x", 0), num(cy, "y", 0), num(rot, "rotation", 0)
  local pts = {}
  for i = 0, n - 1 do
    local a = math.rad(rot) + 2 * math.pi * i / n
    pts[#pts + 1] = {cx + r * math.cos(a), cy + r * math.sin(a)}
  end
  return loop{polygon = pts}
end

-- general paths: path(x, y):line(x, y):arc(x, y, cx, cy [, cw]):arc3(mx, my, x, y):close()
local Path = {}
Path.__index = Path
function path(x, y)
  return setmetatable({els = {{start = {num(x, "start x"), num(y, "start y")}}}, line_no = _line()}, Path)
end
function Path:line(x, y) self.els[#self.els + 1] = {line = {num(x, "x"), num(y, "y")}}; return self end
function Path:arc(x, y, cx, cy, cw)
  self.els[#self.els + 1] = {arc = {to = {num(x, "x"), num(y, "y")}, center = {num(cx, "cx"), num(cy, "cy")}, ccw = not cw}}
  return self
end
function Path:arc3(mx, my, x, y)
  self.els[#self.els + 1] = {arc = {to = {num(x, "x"), num(y, "y")}, mid = {num(mx, "mx"), num(my, "my")}}}
  return self
end
function Path:spline(pts, degree)
  if type(pts) ~= "table" or #pts < 2 then fail("spline needs a list of points") end
  self.els[#self.els + 1] = {bspline = {points = pts, degree = degree or 3}}
  return self
end
function Path:close()
  local l = setmetatable({path = self.els}, Loop)
  l._line = self.line_no
  return l
end

-- sketches --------------------------------------------------------------------------
function sketch(pl, outer, ...)
  if not is_frame(pl) then fail("sketch: the first argument must be a plane (XY, plane('XY', z), at(...), frame(...))") end
  if getmetatable(outer) ~= Loop then fail("sketch: the second argument must be a loop (rect, circle, poly, ...)") end
  local loops = {outer}
  for i = 1, select("#", ...) do
    local l = select(i, ...)
    if getmetatable(l) ~= Loop then fail("sketch: hole " .. i .. " must be a loop") end
    loops[#loops + 1] = l
  end
  return node{plane = pl or "XY", loops = loops}
end

-- bodies ----------------------------------------------------------------------------
local function body(t, fr)
  if fr ~= nil then
    if not is_frame(fr) then fail("the last argument must be a frame (at(x, y, z) or frame(...))") end
    t.frame = fr
  end
  t._body = true
  return node(t)
end
function box(x, y, z, fr) return body({op = "box", size = {pos(x, "box x"), pos(y, "box y"), pos(z, "box z")}}, fr) end
function cyl(r, h, fr) return body({op = "cylinder", r = pos(r, "cylinder radius"), h = pos(h, "cylinder height")}, fr) end
function cone(r1, r2, h, fr)
  return body({op = "cone", r1 = num(r1, "cone r1"), r2 = num(r2, "cone r2"), h = pos(h, "cone height")}, fr)
end
function sphere(r, fr) return body({op = "sphere", r = pos(r, "sphere radius")}, fr) end
function torus(R, r, fr) return body({op = "torus", R = pos(R, "torus R"), r = pos(r, "torus r")}, fr) end
function wedge(x, y, z, ltx, fr)
  return body({op = "wedge", size = {pos(x, "x"), pos(y, "y"), pos(z, "z")}, ltx = num(ltx, "ltx", 0)}, fr)
end
function prism(n, r, h, fr)
  if type(n) ~= "number" or n < 3 or n % 1 ~= 0 then fail("prism needs an integer number of sides >= 3") end
  return body({op = "prism", n = n, r = pos(r, "prism radius"), h = pos(h, "prism height")}, fr)
end
local function is_sketch(s) return type(s) == "table" and s.loops ~= nil end
function extrude(sk, d, back)
  if not is_sketch(sk) then fail("extrude: the first argument must be a sketch") end
  local t = {op = "extrude", sketch = sk, distance = pos(d, "extrude distance")}
  if back == "sym" then t.symmetric = true elseif back ~= nil then t.distance_back = num(back, "back distance") end
  return body(t)
end
function revolve(sk, angle, axis_point, axis_dir)
  if not is_sketch(sk) then fail("revolve: the first argument must be a sketch") end
  local t = {op = "revolve", sketch = sk, angle_deg = num(angle, "revolve angle", 360)}
  t.axis = {point = axis_point or {0, 0}, dir = axis_dir or {0, 1}}
  return body(t)
end
local function is_body(b) return type(b) == "table" and b._body end

-- features --------------------------------------------------------------------------
local function feat(t) t._feat = true; return node(t) end
function stack(b)
  if not is_body(b) then fail("stack: the argument must be a body") end
  return feat{op = "stack", body = b}
end
function subtract(b)
  if not is_body(b) then fail("subtract: the argument must be a body") end
  return feat{op = "subtract", body = b}
end
function cut(sk, depth)
  if not is_sketch(sk) then fail("cut: the first argument must be a sketch") end
  if depth == nil then return feat{op = "cut", sketch = sk, through = true} end
  return feat{op = "cut", sketch = sk, depth = pos(depth, "cut depth")}
end
function hole(d, x, y, pl, depth)
  local sk = sketch(pl or "XY", circle(pos(d, "hole diameter") / 2, num(x, "hole x"), num(y, "hole y")))
  if depth == nil then return feat{op = "cut", sketch = sk, through = true} end
  return feat{op = "cut", sketch = sk, depth = pos(depth, "hole depth")}
end
function linear(n, step, f)
  if type(n) ~= "number" or n < 1 or n % 1 ~= 0 then fail("linear: count must be a positive integer") end
  if type(f) ~= "table" or not f._feat then fail("linear: the third argument must be a feature") end
  return feat{op = "pattern", linear = {count = n, step = vec(step, 3, "step")}, feature = f}
end
function polar(n, f, angle, center, axis)
  if type(n) ~= "number" or n < 1 or n % 1 ~= 0 then fail("polar: count must be a positive integer") end
  if type(f) ~= "table" or not f._feat then fail("polar: the second argument must be a feature") end
  return feat{op = "pattern", polar = {count = n, angle_deg = num(angle, "angle", 360),
              center = center and vec(center, 3, "center") or {0, 0, 0}, axis = axis and vec(axis, 3, "axis") or {0, 0, 1}},
              feature = f}
end

-- parts -----------------------------------------------------------------------------
function part(name, b, features, opts)
  if type(name) ~= "string" or #name == 0 or #name > 100 then fail("part: the first argument must be a name") end
  if not is_body(b) then fail("part: the second argument must be a body") end
  if features ~= nil and type(features) ~= "table" then fail("part: the third argument must be a list of features") end
  local fl = {}
  for i, f in ipairs(features or {}) do
    if type(f) ~= "table" or not f._feat then fail("part: feature " .. i .. " is not a feature") end
    fl[i] = f
  end
  local p = node{name = name, body = b, features = fl}
  if opts and opts.color then p.color = vec(opts.color, 3, "color") end
  if opts and opts.placement then p.placement = opts.placement end
  if #parts >= 1000 then fail("too many parts") end
  parts[#parts + 1] = p
  return p
end
function assembly(name)
  if type(name) ~= "string" or #name == 0 then fail("assembly: needs a name") end
  asm = name
end

-- emit: the parts as JSON (called by steplm after the program) ----------------------
local function emit()
  if #parts == 0 then error("the program made no part (call part(name, body, features))", 0) end
  local out, n = {}, 0
  local function put(s) n = n + 1; out[n] = s end
  local function val(v, depth)
    if depth > 40 then error("feature tree nested too deeply", 0) end
    local t = type(v)
    if t == "number" then
      if v % 1 == 0 and math.abs(v) < 2^53 then put(string.format("%d", v)) else put(string.format("%.15g", v)) end
    elseif t == "boolean" then put(v and "true" or "false")
    elseif t == "string" then put(jstr(v))
    elseif t == "table" then
      if #v > 0 or next(v) == nil then
        put("[")
        for i = 1, #v do if i > 1 then put(",") end; val(v[i], depth + 1) end
        put("]")
      else
        local keys = {}
        for k in pairs(v) do if type(k) == "string" and k:sub(1, 1) ~= "_" then keys[#keys + 1] = k end end
        table.sort(keys)
        put("{")
        if v._line then put('"_line":' .. v._line); if #keys > 0 then put(",") end end
        for i, k in ipairs(keys) do
          if i > 1 then put(",") end
          put(jstr(k)); put(":"); val(v[k], depth + 1)
        end
        put("}")
      end
    else error("cannot use a " .. t .. " in a part", 0) end
  end
  if #parts == 1 and not asm then val(parts[1], 0)
  else
    put('{"assembly":' .. jstr(asm or "assembly") .. ',"parts":')
    val(parts, 0)
    put("}")
  end
  return table.concat(out)
end
return emit
