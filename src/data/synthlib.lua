-- synthlib.lua - the part-family runtime of `steplm synth` (docs/synth.md). It runs in
-- a plain Lua state (families are trusted repository files, not model output; the
-- programs they produce run in the sandbox). It draws an instance's parameters,
-- writes its program text, assigns its split from the parameters, and writes its
-- captions, recording every number a caption states as a "claim" that the C side
-- compares with the measured solid. Everything is a function of the seed passed in:
-- the generator below is xorshift64* on Lua's 64-bit integers, so results do not
-- depend on the platform's random() or on the thread that runs the instance.
-- It deliberately does not build anything: geometry is measured in C.

local S = {}

-- random numbers ---------------------------------------------------------------
local function rng(seed)
  -- splitmix64 finaliser first, so that nearby seeds give unrelated streams
  local s = seed + 0x9E3779B97F4A7C15
  s = (s ~ (s >> 30)) * -4658895280553007687    -- 0xbf58476d1ce4e5b9
  s = (s ~ (s >> 27)) * -7723592293110705685    -- 0x94d049bb133111eb
  s = s ~ (s >> 31)
  if s == 0 then s = 0x9E3779B97F4A7C15 end
  local r = {}
  function r.next()
    s = s ~ (s >> 12); s = s ~ (s << 25); s = s ~ (s >> 27)
    return (s * 0x2545F4914F6CDD1D) >> 1          -- non-negative 63-bit
  end
  function r.uniform() return (r.next() >> 10) * 2.0 ^ -53 end
  function r.int(a, b) return a + r.next() % (b - a + 1) end
  function r.pick(t) return t[r.int(1, #t)] end
  function r.chance(p) return r.uniform() < p end
  return r
end
S.rng = rng

-- FNV-1a over a string, as a Lua integer (wrapping multiply)
local function hash(str)
  local h = -3750763034362895579        -- 0xcbf29ce484222325
  for i = 1, #str do h = (h ~ str:byte(i)) * 1099511628211 end
  return h
end
S.hash = hash

-- numbers as program text: integers bare, others with up to 6 decimals, no trailing zeros
local function numtext(v)
  if type(v) == "string" then return string.format("%q", v) end
  if v == math.floor(v) and math.abs(v) < 1e15 then return string.format("%d", math.floor(v)) end
  local s = string.format("%.6f", v):gsub("0+$", ""):gsub("%.$", "")
  return s
end
S.numtext = numtext

-- parameters ---------------------------------------------------------------------
-- spec entry: {name, min, max, kind [, step]}; kind "mm" (default step 0.5), "int"
-- (step 1), "deg" (default step 5), or {name, {values...}, "pick"}.
local function kindof(spec) return spec[3] == "pick" and "pick" or (spec[4] or "mm") end
local function draw(spec, r)
  local a, b, kind, step = spec[2], spec[3], kindof(spec), spec[5]
  if kind == "pick" then return a[r.int(1, #a)] end
  if kind == "int" then return r.int(a, b) end
  step = step or (kind == "deg" and 5 or 0.5)
  local n = math.floor((b - a) / step + 1e-9)
  return a + step * r.int(0, n)
end

-- where a value lies in its declared range, 0..1 (for the split cells)
local function unit_pos(spec, v)
  local a, b, kind = spec[2], spec[3], kindof(spec)
  if kind == "pick" then
    for i, x in ipairs(a) do if x == v then return (#a > 1) and (i - 1) / (#a - 1) or 0 end end
    return 0
  end
  if b <= a then return 0 end
  return (v - a) / (b - a)
end

-- split: the family's split keys (default: its first three numeric parameters) are
-- each cut into S.BINS equal cells of their range; the cell index vector is hashed
-- with the family name; the hash picks test (10%), val (10%) or train (80%). A val or
-- test instance closer than S.GUARD (fraction of the range) to a cell of another
-- split (across a face, an edge or a corner) is redrawn, so every val/test part
-- differs from every part of another split by at least S.GUARD of some key's range.
S.BINS, S.GUARD = 4, 0.04
local function cell_split(fname, cells)
  local h = hash(fname .. ":" .. table.concat(cells, ","))
  local u = ((h >> 11) % 1000) / 1000
  if u < 0.1 then return "test" elseif u < 0.2 then return "val" end
  return "train"
end
local function split_of(F, p)
  local keys = F.split_keys
  if not keys then
    keys = {}
    for _, sp in ipairs(F.params) do
      if #keys < 3 and kindof(sp) ~= "pick" and kindof(sp) ~= "int" then keys[#keys + 1] = sp[1] end
    end
  end
  local byname = {}
  for _, sp in ipairs(F.params) do byname[sp[1]] = sp end
  local cells, pos = {}, {}
  for i, k in ipairs(keys) do
    local u = unit_pos(byname[k], p[k])
    local c = math.min(S.BINS - 1, math.floor(u * S.BINS))
    cells[i], pos[i] = c, u
  end
  local split = cell_split(F.name, cells)
  if split == "train" then return split, true, pos end
  -- guard band: every cell that a box of half-width S.GUARD around the point reaches
  -- (the cell itself, and across each face the point is closer than S.GUARD to, also
  -- diagonally) must have the same split; then any part within S.GUARD (L-inf, in
  -- range units) of this one lies in such a cell and so has the same split.
  local choices = {}
  for i = 1, #cells do
    local ch = {cells[i]}
    local lo, hi = cells[i] / S.BINS, (cells[i] + 1) / S.BINS
    if cells[i] > 0 and pos[i] - lo < S.GUARD then ch[#ch + 1] = cells[i] - 1 end
    if cells[i] < S.BINS - 1 and hi - pos[i] < S.GUARD then ch[#ch + 1] = cells[i] + 1 end
    choices[i] = ch
  end
  local cur = {}
  local function walk(i)
    if i > #cells then return cell_split(F.name, cur) == split end
    for _, c in ipairs(choices[i]) do
      cur[i] = c
      if not walk(i + 1) then return false end
    end
    return true
  end
  if not walk(1) then return split, false, pos end
  return split, true, pos
end
S.split_of = split_of

-- draw parameters until the family's check accepts them and the split guard holds
function S.sample(F, seed)
  local r = rng(seed)
  for attempt = 1, 1000 do
    local p = {}
    for _, sp in ipairs(F.params) do p[sp[1]] = draw(sp, r) end
    local ok = (not F.check) or F.check(p)
    if ok then
      local split, clear = split_of(F, p)
      if clear then return p, split, attempt end
    end
  end
  error(F.name .. ": no parameters satisfy the constraints after 1000 draws")
end

-- the program: parameter lines then the body
function S.program(F, p)
  local out, line, vals = {}, {}, {}
  for i, sp in ipairs(F.params) do
    line[#line + 1], vals[#vals + 1] = sp[1], numtext(p[sp[1]])
    if #line == 3 or i == #F.params then
      out[#out + 1] = "local " .. table.concat(line, ", ") .. " = " .. table.concat(vals, ", ")
      line, vals = {}, {}
    end
  end
  local body = F.body:gsub("^%s*\n", "")
  return table.concat(out, "\n") .. "\n" .. body
end

-- JSON -----------------------------------------------------------------------------
local function jstr(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    if c == '"' then return '\\"' elseif c == "\\" then return "\\\\" end
    return string.format("\\u%04x", c:byte())
  end) .. '"'
end
local function jnum(v)
  if math.type(v) == "integer" then return string.format("%d", v) end
  if v == math.floor(v) and math.abs(v) < 1e15 then return string.format("%d", math.floor(v)) end
  return string.format("%.10g", v)
end
function S.params_json(F, p)
  local t = {}
  for _, sp in ipairs(F.params) do
    local v = p[sp[1]]
    t[#t + 1] = jstr(sp[1]) .. ":" .. (type(v) == "string" and jstr(v) or jnum(v))
  end
  return "{" .. table.concat(t, ",") .. "}"
end

-- captions -------------------------------------------------------------------------
-- A caption context c: c:len(v, key) writes a length in the caption's unit and
-- records a claim {key, mm, num, unit}; key names what the C side measures:
-- "x", "y", "z" (bounding-box extents), "d" (2 x the largest distance from the z
-- axis), "holes" (genus of the solid), "hole_d" (the diameter of some concave
-- cylindrical face: a hole or bore; or of a bent bore's torus), "cyl_d" (the
-- diameter of some cylindrical face, shaft or hole), "fillet_r" (the radius of some
-- cylindrical face that does not go all the way round: a rounded corner, a flute),
-- "bend_r" (the centre-circle radius of a toroidal face), or nil (a parameter,
-- stated but not measured). Key a number only when the built solid must have it.
local NUMWORDS = {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                  "eleven", "twelve"}
local C = {}
C.__index = C

local function fixed(v, nd)
  local s = string.format("%." .. nd .. "f", v)
  if nd > 0 then s = s:gsub("0+$", ""):gsub("%.$", "") end
  if s == "-0" then s = "0" end
  return s
end

function C:pick(...)
  local t = select("#", ...) == 1 and type((...)) == "table" and (...) or {...}
  return self.r.pick(t)
end
function C:chance(p) return self.r.chance(p) end
-- the number of a length in this caption's unit (cm only when exact to 0.1 mm)
function C:num(v)
  local u = self.unit
  if u == "cm" and math.abs(v * 10 - math.floor(v * 10 + 0.5)) > 1e-6 then u = "mm" end
  if u == "mm" then return fixed(v, 2), "mm" end
  if u == "cm" then return fixed(v / 10, 2), "cm" end
  return fixed(v / 25.4, 3), "in"
end
function C:claim(key, v, num, unit)
  self.claims[#self.claims + 1] = {key = key, mm = v, num = num, unit = unit}
end
local UWORD = {mm = " mm", cm = " cm", ["in"] = " in"}
function C:len(v, key)
  local n, u = self:num(v)
  self:claim(key, v, n, u)
  return n .. UWORD[u]
end
-- several lengths sharing one unit: "80 x 60 x 8 mm" (or "by")
function C:dims(list, sep)
  sep = sep or self:pick(" x ", " by ", " x ")
  local parts, unit = {}, nil
  for _, d in ipairs(list) do
    local n, u = self:num(d[1])
    if unit and u ~= unit then -- mixed units (cm fell back to mm): spell each
      local t = {}
      for _, e in ipairs(list) do t[#t + 1] = self:len(e[1], e[2]) end
      return table.concat(t, sep)
    end
    unit = u
    parts[#parts + 1] = {n, d}
  end
  local t = {}
  for _, x in ipairs(parts) do
    self:claim(x[2][2], x[2][1], x[1], unit)
    t[#t + 1] = x[1]
  end
  return table.concat(t, sep) .. UWORD[unit]
end
-- a count: digits or words, recorded as a claim when key is given ("holes")
function C:count(n, key)
  local s = (n <= 12 and self.r.chance(0.6)) and NUMWORDS[n] or tostring(n)
  if key then self:claim(key, n, tostring(n), "count") end
  return s
end
function C:plural(n, one, many) return n == 1 and one or (many or one .. "s") end
function C:a(word)
  return (word:match("^[aeiouAEIOU]") and "an " or "a ") .. word
end
function C:deg(v) return numtext(v) .. self:pick("°", " degrees", " deg") end
function C:degadj(v) return numtext(v) .. self:pick("°", "-degree") end   -- "a 90-degree elbow"

-- "a 18 mm" -> "an 18 mm": numbers read with a leading vowel sound (8, 11, 18, 80..89, 8xx)
local function needs_an(num)
  local ip = num:match("^%d+")
  if not ip then return false end
  return ip:sub(1, 1) == "8" or ip == "11" or ip == "18"
end
local function fix_articles(text)
  return (text:gsub("(%f[%w][Aa]) (%d[%d%.]*)", function(a, num)
    if needs_an(num) then return a .. "n " .. num end
  end))
end

local LEVELS = {"abstract", "partial", "precise"}
-- k captions per level; returns the JSON list [{level, text, claims}]
function S.captions(F, p, m, seed, k)
  local out = {}
  for li, level in ipairs(LEVELS) do
    local fn = F.caption[level]
    local seen = {}
    for j = 1, k do
      -- a caption equal to an earlier one of its level is redrawn (up to 8 times)
      local c, text
      for try = 0, 8 do
        local r = rng(seed ~ hash(level .. j .. ":" .. try))
        local u = r.uniform()
        c = setmetatable({r = r, claims = {}, m = m,
                          unit = (u < 0.7) and "mm" or (u < 0.85 and "cm" or "in")}, C)
        text = fn(p, c)
        text = fix_articles(text:gsub("%s+", " "):gsub("^%s+", ""):gsub("%s+$", ""))
        text = text:sub(1, 1):upper() .. text:sub(2)
        if not text:match("[%.!]$") then text = text .. "." end
        if not seen[text] then break end
      end
      seen[text] = true
      local cl = {}
      for _, x in ipairs(c.claims) do
        cl[#cl + 1] = "{" .. (x.key and ('"key":' .. jstr(x.key) .. ",") or "") .. '"mm":' .. jnum(x.mm) ..
                      ',"num":' .. jstr(x.num) .. ',"unit":' .. jstr(x.unit) .. "}"
      end
      out[#out + 1] = '{"level":' .. jstr(level) .. ',"text":' .. jstr(text) .. ',"claims":[' ..
                      table.concat(cl, ",") .. "]}"
    end
  end
  return "[" .. table.concat(out, ",") .. "]"
end

return S
