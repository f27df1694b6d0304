-- Searching for outages, the pure half: fault schedules enumerated or drawn
-- from a seed, shrunk to a 1-minimal one, and written as text (sentences,
-- a scenario file for "lunet test", JSON).  Nothing here touches a network:
-- the runner (lua/lib/explore_run.lua) hands in the candidates and a
-- function that runs a schedule, so that tests/unit/test_explore.c checks
-- all of it without root.  See docs/explore.md.
local lunet = ...
local X = {}
lunet._explore = X

-- ---- A seeded random source ---------------------------------------------

-- xorshift64* on Lua's 64-bit integers: the same seed gives the same
-- draws on every machine, whatever math.random the scenario uses.
local rng_mt = {}
rng_mt.__index = rng_mt

function X.rng(seed)
  local s = (math.tointeger(seed) or 0) ~ 0x2545F4914F6CDD1D
  if s == 0 then s = 0x9E3779B97F4A7C15 end
  local r = setmetatable({ s = s }, rng_mt)
  for _ = 1, 4 do r:next() end
  return r
end

function rng_mt:next()
  local x = self.s
  x = x ~ (x >> 12)
  x = x ~ (x << 25)
  x = x ~ (x >> 27)
  self.s = x
  return (x * 0x2545F4914F6CDD1D) >> 11 -- 53 bits, never negative
end

-- An integer from 1 to n.
function rng_mt:int(n)
  return self:next() % n + 1
end

-- A number from 0 to 1 (1 excluded).
function rng_mt:float()
  return self:next() / (1 << 53)
end

-- The seed of schedule i of an exploration seeded with seed: the draws of
-- its checks (pingall's samples) and its faults' own randomness.
function X.schedule_seed(seed, i)
  local r = X.rng(seed * 1000003 + i)
  return r:next() & 0x7fffffff
end

-- ---- Schedules ----------------------------------------------------------
--
-- A fault is a table: kind ("link", "node", "flap", "partition",
-- "impair", "daemon"), target (a link's or node's name; for a partition an
-- array of node names), at (seconds from the schedule's start), dur
-- (seconds it lasts; nil: until the end), and per kind period (flap),
-- spec (impair).  A schedule is an array of faults in the order of at.

local function copy(f)
  local c = {}
  for k, v in pairs(f) do c[k] = v end
  return c
end
X.copy = copy

local function target_text(t)
  if type(t) == "table" then return "{" .. table.concat(t, ",") .. "}" end
  return tostring(t)
end

local function num(v)
  return string.format("%.10g", v)
end

local function dur_text(d)
  if d < 1 then return num(d * 1000) .. "ms" end
  return num(d) .. "s"
end
X.dur_text = dur_text

local function spec_text(spec)
  local keys, parts = {}, {}
  for k in pairs(spec or {}) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, k in ipairs(keys) do
    local v = spec[k]
    if k == "loss" or k == "corrupt" or k == "duplicate" or k == "reorder" then
      v = type(v) == "number" and num(v * 100) .. "%" or tostring(v)
    elseif type(v) == "number" and (k == "delay" or k == "jitter") then
      v = dur_text(v)
    end
    parts[#parts + 1] = k .. " " .. tostring(v)
  end
  return table.concat(parts, " ")
end

-- A fault as a sentence: "link leaf3-spine1 down", with its timing when it
-- has one ("at 250ms", "for 1s").
function X.describe(f)
  local t = target_text(f.target)
  local s
  if f.kind == "link" then s = "link " .. t .. " down"
  elseif f.kind == "node" then s = "node " .. t .. " fails"
  elseif f.kind == "flap" then
    s = "link " .. t .. " flaps every " .. dur_text(f.period or 1)
  elseif f.kind == "partition" then s = "partition " .. t
  elseif f.kind == "impair" then s = "link " .. t .. " " .. spec_text(f.spec)
  elseif f.kind == "daemon" then s = "daemons of " .. t .. " killed"
  else s = tostring(f.kind) .. " " .. t end
  if (f.at or 0) > 0 then s = s .. " at " .. dur_text(f.at) end
  if f.dur then s = s .. " for " .. dur_text(f.dur) end
  return s
end

function X.describe_all(s)
  if #s == 0 then return "no fault" end
  local parts = {}
  for i, f in ipairs(s) do parts[i] = X.describe(f) end
  return table.concat(parts, ", ")
end

-- A key that is the same for the same faults with the same timings, in
-- whatever order they were listed.
function X.key(s)
  local parts = {}
  for i, f in ipairs(s) do
    parts[i] = table.concat({ f.kind, target_text(f.target), num(f.at or 0),
      f.dur and num(f.dur) or "-", f.period and num(f.period) or "-",
      spec_text(f.spec) }, "|")
  end
  table.sort(parts)
  return table.concat(parts, ";")
end

-- What the fault acts on, for telling two faults on one thing apart.
local function thing(f)
  local k = f.kind
  if k == "flap" or k == "impair" then k = "link" end
  return k .. " " .. target_text(f.target)
end

X.thing = thing

-- The most faults in force at once.
function X.concurrency(s)
  local most = 0
  for _, f in ipairs(s) do
    local at, n = f.at or 0, 0
    for _, g in ipairs(s) do
      local gat = g.at or 0
      if gat <= at and (not g.dur or gat + g.dur > at + 1e-9) then n = n + 1 end
    end
    if n > most then most = n end
  end
  return most
end

-- What happens when, as {t=, fault=, lift=}: each fault applied at its at,
-- and lifted at at + dur, in time order; at one time lifts come first, so
-- that a fault that ends as another starts is never in force with it.
function X.timeline(s)
  local steps = {}
  for i, f in ipairs(s) do
    steps[#steps + 1] = { t = f.at or 0, fault = f, i = i, lift = false }
    if f.dur then
      steps[#steps + 1] = { t = (f.at or 0) + f.dur, fault = f, i = i,
        lift = true }
    end
  end
  table.sort(steps, function(a, b)
    if math.abs(a.t - b.t) > 1e-9 then return a.t < b.t end
    if a.lift ~= b.lift then return a.lift end
    return a.i < b.i
  end)
  return steps
end

-- ---- Enumerating: N-1, N-2 ------------------------------------------------

-- Every set of size faults from the candidates (faults without timings),
-- in order: candidate 1 alone, 2 alone, ... then {1, 2}, {1, 3}, ...
-- Returns an iterator of schedules; the k-th schedule is the same for the
-- same candidates.  Two faults on one thing are never paired.
function X.enumerate(cands, size)
  local n = #cands
  local idx = {}
  for i = 1, size do idx[i] = i end
  local first = true
  local function advance()
    local i = size
    while i >= 1 and idx[i] == n - size + i do i = i - 1 end
    if i < 1 then return false end
    idx[i] = idx[i] + 1
    for j = i + 1, size do idx[j] = idx[j - 1] + 1 end
    return true
  end
  return function()
    while true do
      if size > n or size < 1 then return nil end
      if first then first = false elseif not advance() then return nil end
      local s, seen, clash = {}, {}, false
      for i = 1, size do
        local f = copy(cands[idx[i]])
        f.at = 0
        local th = thing(f)
        if seen[th] then clash = true end
        seen[th] = true
        s[i] = f
      end
      if not clash then return s end
    end
  end
end

-- How many sets enumerate(cands, size) would go through (clashes counted).
function X.count(n, size)
  local c = 1
  for i = 1, size do c = c * (n - size + i) // i end
  return size <= n and c or 0
end

-- ---- Drawing random schedules ----------------------------------------------

-- A random schedule from rng: 1 to o.max_faults faults (distinct things)
-- from cands, starting within o.window seconds (on a 10 ms grid), some
-- lifted after a while, and never more than o.at_most in force at once
-- (a fault that would be one too many ends the oldest as it starts).
function X.generate(r, cands, o)
  local at_most = o.at_most or 1
  local max_faults = math.min(o.max_faults or (2 * at_most + 1), #cands)
  -- Times in ticks of 10 ms, integers, so that "ends when the next
  -- starts" is exact.
  local ticks = math.max(math.floor((o.window or 1) * 100 + 0.5), 1)
  local n = r:int(math.max(max_faults, 1))
  local s, used = {}, {}
  local tries = 0
  while #s < n and tries < 50 * n do
    tries = tries + 1
    local f = copy(cands[r:int(#cands)])
    local th = thing(f)
    if not used[th] then
      used[th] = true
      f.at = r:int(ticks + 1) - 1
      if r:int(2) == 1 then f.dur = r:int(ticks) end
      s[#s + 1] = f
    end
  end
  table.sort(s, function(a, b)
    if a.at ~= b.at then return a.at < b.at end
    return thing(a) < thing(b)
  end)
  -- Equal starts spread apart, so that a fault that must end for a later
  -- one to start lasts a while.
  for i = 2, #s do
    if s[i].at <= s[i - 1].at then s[i].at = s[i - 1].at + 1 end
  end
  local active = {}
  for _, f in ipairs(s) do
    local still = {}
    for _, g in ipairs(active) do
      if not g.dur or g.at + g.dur > f.at then still[#still + 1] = g end
    end
    active = still
    while #active >= at_most do
      local g = table.remove(active, 1)
      g.dur = f.at - g.at
    end
    active[#active + 1] = f
  end
  for _, f in ipairs(s) do
    f.at = f.at / 100
    if f.dur then f.dur = f.dur / 100 end
  end
  return s
end

-- ---- Shrinking --------------------------------------------------------------

-- Shrinks the failing schedule s: fails(candidate) runs a candidate and
-- says whether it still fails the same way.  First faults are removed one
-- at a time while the rest still fails, until removing any one makes it
-- pass (1-minimal); then the timings are simplified (every fault at once
-- and for good, or fault by fault: for good, then from the start).
-- Results are remembered by key, so no candidate runs twice.  Returns the
-- smallest failing schedule and the number of runs it took.
function X.shrink(s, fails)
  local memo, steps = {}, 0
  local function try(c)
    local k = X.key(c)
    if memo[k] == nil then
      steps = steps + 1
      memo[k] = fails(c) and true or false
    end
    return memo[k]
  end
  memo[X.key(s)] = true
  local changed = true
  while changed and #s > 1 do
    changed = false
    local i = 1
    while i <= #s and #s > 1 do
      local c = {}
      for j, f in ipairs(s) do if j ~= i then c[#c + 1] = f end end
      if try(c) then
        s, changed = c, true
      else
        i = i + 1
      end
    end
  end
  -- Timings: all at 0 for good first, which is the simplest.
  local plain, any = {}, false
  for i, f in ipairs(s) do
    plain[i] = copy(f)
    plain[i].at, plain[i].dur = 0, nil
    if (f.at or 0) ~= 0 or f.dur then any = true end
  end
  if any and try(plain) then
    s = plain
  elseif any then
    for i = 1, #s do
      for _, change in ipairs({ "dur", "at" }) do
        local f = s[i]
        if (change == "dur" and f.dur) or (change == "at" and (f.at or 0) > 0) then
          local c = {}
          for j, g in ipairs(s) do c[j] = g end
          c[i] = copy(f)
          if change == "dur" then c[i].dur = nil else c[i].at = 0 end
          table.sort(c, function(a, b) return (a.at or 0) < (b.at or 0) end)
          if try(c) then s = c end
        end
      end
    end
  end
  return s, steps
end

-- ---- Text: Lua, JSON --------------------------------------------------------

-- v written as a Lua expression (tables of strings, numbers, booleans).
local function lua_value(v, indent)
  indent = indent or ""
  if type(v) == "string" then return string.format("%q", v) end
  if type(v) == "number" then
    if math.type(v) == "integer" then return tostring(v) end
    return num(v)
  end
  if type(v) ~= "table" then return tostring(v) end
  local parts, n = {}, #v
  for i = 1, n do parts[#parts + 1] = lua_value(v[i], indent) end
  local keys = {}
  for k in pairs(v) do
    if type(k) == "string" then keys[#keys + 1] = k end
  end
  table.sort(keys, function(a, b)
    local order = { kind = 1, target = 2, at = 3, dur = 4 }
    local oa, ob = order[a] or 9, order[b] or 9
    if oa ~= ob then return oa < ob end
    return a < b
  end)
  for _, k in ipairs(keys) do
    local key = k:match("^[%a_][%w_]*$") and k or "[" .. string.format("%q", k) .. "]"
    parts[#parts + 1] = key .. " = " .. lua_value(v[k], indent)
  end
  return "{ " .. table.concat(parts, ", ") .. " }"
end
X.lua_value = lua_value

-- The scenario file of a failure: loading the exploring file (its
-- network and invariants; its lunet.explore{} is only recorded), then one
-- lunet.test case that runs the schedule with the seed it failed with,
-- and fails when (and as) the invariant breaks.  info: file (the
-- exploring file), seed (the exploration's), schedule_seed, invariant,
-- schedule, settle, from (faults before shrinking), steps.
function X.scenario_text(info)
  local lines = {
    "-- Written by lunet explore (seed " .. info.seed .. ") from " .. info.file .. ":",
    "-- the smallest fault schedule found that breaks " .. string.format("%q", info.invariant) .. ",",
    "-- shrunk from " .. info.from .. " fault(s) in " .. info.steps .. " step(s).",
    "-- It fails under: lunet test THIS_FILE --seed " .. info.seed,
    "local net = lunet._explore_load(" .. string.format("%q", info.file) .. ")",
    "lunet.test(" .. string.format("%q", info.invariant .. " after: " ..
      X.describe_all(info.schedule)) .. ", function()",
    "  lunet._explore_check(net, {",
  }
  for _, f in ipairs(info.schedule) do
    lines[#lines + 1] = "    " .. lua_value(f) .. ","
  end
  lines[#lines + 1] = "  }, " .. lua_value({ seed = info.schedule_seed,
    invariant = info.invariant, settle = info.settle }) .. ")"
  lines[#lines + 1] = "end)"
  return table.concat(lines, "\n") .. "\n"
end

local function json_str(s)
  return '"' .. tostring(s):gsub('[%c"\\]', function(c)
    local esc = { ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n",
      ["\t"] = "\\t", ["\r"] = "\\r" }
    return esc[c] or string.format("\\u%04x", c:byte())
  end) .. '"'
end

-- v as JSON: tables with [1] (or empty tables marked array) as arrays,
-- others as objects with sorted keys.
function X.json(v)
  local t = type(v)
  if t == "string" then return json_str(v) end
  if t == "number" then
    if v ~= v or v == math.huge or v == -math.huge then return "null" end
    return math.type(v) == "integer" and tostring(v) or num(v)
  end
  if t == "boolean" then return tostring(v) end
  if t ~= "table" then return "null" end
  if v[1] ~= nil or getmetatable(v) == X.array then
    local parts = {}
    for i = 1, #v do parts[i] = X.json(v[i]) end
    return "[" .. table.concat(parts, ",") .. "]"
  end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = tostring(k) end
  table.sort(keys)
  local parts = {}
  for _, k in ipairs(keys) do
    parts[#parts + 1] = json_str(k) .. ":" .. X.json(v[k])
  end
  return "{" .. table.concat(parts, ",") .. "}"
end
X.array = {}

return lunet
