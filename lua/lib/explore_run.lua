-- Searching for outages, the half that runs: lunet.invariant,
-- lunet.invariants.*, lunet.explore{} and the runner of "lunet explore"
-- (lunet._explore_run).  Schedules, shrinking and text are the pure half
-- (lua/lib/explore.lua); faults are the fault layer's (link:down(),
-- node:fail(), net:partition(), link:flap{}, link:impair{}), undone
-- between schedules by net:reset().  See docs/explore.md.
local lunet = ...
local X = lunet._explore

local invariants = {}   -- {name=, check=, start=, where=}, in order
local spec = nil        -- what lunet.explore{} asked, with where
local in_explore = false

-- ---- Invariants -----------------------------------------------------------

local function where(level)
  local info = debug.getinfo(level + 1, "Sl")
  return info and (info.short_src .. ":" .. info.currentline) or "?"
end

-- lunet.invariant(name, fn): fn() returns a true value while the network
-- is as it should be; false (and a message) or an error when not.  fn may
-- also be one of lunet.invariants.*, a table {check=, start=}.
function lunet.invariant(name, fn)
  if type(name) ~= "string" then
    error(lunet._where(2) .. "lunet.invariant: a name is required", 0)
  end
  local inv = { name = name, where = where(2) }
  if type(fn) == "function" then
    inv.check = fn
  elseif type(fn) == "table" and type(fn.check) == "function" then
    inv.check, inv.start = fn.check, fn.start
  else
    error(lunet._where(2) .. string.format("lunet.invariant(%q): a function " ..
      "or a lunet.invariants.* is required (got %s)", name, type(fn)), 0)
  end
  for _, other in ipairs(invariants) do
    if other.name == name then
      error(lunet._where(2) .. string.format("lunet.invariant(%q): defined " ..
        "twice (first at %s)", name, other.where), 0)
    end
  end
  invariants[#invariants + 1] = inv
  return inv
end

local function names_of(list)
  if list == nil then return nil end
  local out = {}
  for i, v in ipairs(list) do out[i] = type(v) == "string" and v or v.name end
  return out
end

local function pairs_text(failed, n)
  local parts = {}
  for i = 1, math.min(#failed, n) do
    parts[i] = failed[i][1] .. "->" .. failed[i][2]
  end
  if #failed > n then parts[#parts + 1] = "..." end
  return table.concat(parts, ", ")
end

lunet.invariants = {}

-- reachable(net, {from=, to=, sample=, timeout=, tries=}): every node of
-- from reaches every node of to (hosts by default), all pairs or sample
-- of them, with lunet's prober.
function lunet.invariants.reachable(net, o)
  o = lunet._check_opts(o, "lunet.invariants.reachable{}", { from = "table",
    to = "table", sample = "integer", timeout = "duration",
    tries = "integer" }) or {}
  local args = { from = names_of(o.from), to = names_of(o.to),
    sample = o.sample, timeout = o.timeout or 0.25, tries = o.tries or 2 }
  return { check = function()
    local r = net:pingall(args)
    if r.loss == 0 then return true end
    return false, string.format("%d of %d pairs unreachable: %s",
      r.pairs - r.ok, r.pairs, pairs_text(r.failed, 4))
  end }
end

-- steady(net, {pairs=, max_loss=, rate=}): steady probes run through
-- each schedule; at its end, no flow lost more than max_loss of them.
function lunet.invariants.steady(net, o)
  o = lunet._check_opts(o, "lunet.invariants.steady{}", { pairs = "table",
    max_loss = "number", rate = "integer", timeout = "duration" }) or {}
  if type(o.pairs) ~= "table" or #o.pairs == 0 then
    error(lunet._where(2) .. "lunet.invariants.steady{}: pairs = {{a, b}, ...} " ..
      "is required", 0)
  end
  local flows = {}
  for i, p in ipairs(o.pairs) do flows[i] = names_of(p) end
  local max_loss, task = o.max_loss or 0, nil
  return {
    start = function(ctx)
      task = lunet.go(net.probe, net, flows, { rate = o.rate or 100,
        duration = math.max(ctx.length, 0.2), timeout = o.timeout })
    end,
    check = function(ctx)
      if not ctx.final then return true end
      local rs = task:wait()
      for _, r in ipairs(rs) do
        if r.loss > max_loss then
          return false, string.format("%s->%s lost %.1f%% of its probes " ..
            "(longest outage %.3f s)", r.src, r.dst, r.loss * 100, r.outage)
        end
      end
      return true
    end,
  }
end

-- converged(net, {within=}): the routers' FIBs hold every route they
-- should within that time (routing daemons).
function lunet.invariants.converged(net, o)
  o = lunet._check_opts(o, "lunet.invariants.converged{}", { within = "duration",
    ecmp = "boolean" }) or {}
  return { check = function()
    local ok, err = pcall(net.converged, net, { within = o.within or 10,
      ecmp = o.ecmp })
    if ok then return true end
    return false, tostring(err):gsub("^[^:]*:%d+: ", "")
  end }
end

-- ---- lunet.explore{} -------------------------------------------------------

local KINDS = { link = true, node = true, flap = true, partition = true,
  impair = true, daemon = true }

-- lunet.explore{...}: what to search; run by "lunet explore FILE" (and
-- only recorded otherwise, so that the file still runs and loads).
function lunet.explore(o)
  local net
  if type(o) == "table" and o.net ~= nil then
    net = o.net
    o = X.copy(o)
    o.net = nil
    if not pcall(function() return net.running end) then
      error(lunet._where(2) .. "lunet.explore{}: net must be a network", 0)
    end
  end
  o = lunet._check_opts(o, "lunet.explore{}", {
    faults = "table", at_most = "integer", exclude = "table|function",
    only = "table|function", budget = "duration", trials = "integer",
    exhaustive = "boolean", settle = "duration", window = "duration",
    max_faults = "integer", confirm = "integer", impair = "table",
    period = "duration", supersets = "boolean", shrink = "boolean",
    timeout = "duration" }) or {}
  local w = lunet._where(2)
  if spec then error(w .. "lunet.explore{}: given twice (first at " .. spec.where .. ")", 0) end
  for _, k in ipairs(o.faults or { "link" }) do
    if not KINDS[k] then
      error(w .. string.format("lunet.explore{}: no fault kind '%s' (kinds: " ..
        "daemon, flap, impair, link, node, partition)", tostring(k)), 0)
    end
  end
  local at_most = o.at_most or 1
  if at_most < 1 then error(w .. "lunet.explore{}: at_most must be 1 or more", 0) end
  if o.exhaustive and at_most > 2 then
    error(w .. "lunet.explore{}: exhaustive = true takes at_most = 1 or 2", 0)
  end
  spec = o
  spec.net = net
  spec.where = w:gsub(": $", "")
  spec.faults = o.faults or { "link" }
  spec.at_most = at_most
  if not in_explore then
    io.stderr:write("lunet: lunet.explore{} runs under 'lunet explore FILE'\n")
  end
end

-- ---- What may fail -----------------------------------------------------------

local function one_of(v, want)
  if type(want) == "table" then
    for _, w in ipairs(want) do if v == w then return true end end
    return false
  end
  return v == want
end

-- Whether filter (a function, or a table of names and of kind=, name=
-- (a Lua pattern), group=) takes node or link x.
local function match_one(filter, x)
  if type(filter) == "function" then return filter(x) and true or false end
  for _, v in ipairs(filter) do
    if v == x or v == x.name then return true end
  end
  if filter.kind == nil and filter.name == nil and filter.group == nil then
    return false
  end
  if filter.kind ~= nil and not one_of(x.kind, filter.kind) then return false end
  if filter.group ~= nil and not one_of(x.group, filter.group) then return false end
  if filter.name ~= nil then
    local pats = type(filter.name) == "table" and filter.name or { filter.name }
    local any = false
    for _, p in ipairs(pats) do if x.name:find(p) then any = true end end
    if not any then return false end
  end
  return true
end

local function matches(filter, x)
  if match_one(filter, x) then return true end
  if x.a and x.b and type(filter) ~= "function" then
    return match_one(filter, x.a) or match_one(filter, x.b)
  end
  return false
end

local function allowed(o, x)
  if o.exclude and matches(o.exclude, x) then return false end
  if o.only and not matches(o.only, x) then return false end
  return true
end

-- The faults that may happen, one per thing and kind, in the network's
-- order: links, then nodes, then groups.
local function candidates(net, o)
  local out = {}
  local links, nodes = {}, {}
  for _, l in ipairs(net:links()) do
    if allowed(o, l) then links[#links + 1] = l end
  end
  for _, n in ipairs(net:nodes()) do
    if allowed(o, n) then nodes[#nodes + 1] = n end
  end
  for _, kind in ipairs(o.faults) do
    if kind == "link" or kind == "flap" or kind == "impair" then
      for _, l in ipairs(links) do
        local f = { kind = kind, target = l.name }
        if kind == "flap" then f.period = lunet.duration(o.period or 0.2) end
        if kind == "impair" then f.spec = o.impair or { loss = 1 } end
        out[#out + 1] = f
      end
    elseif kind == "node" then
      for _, n in ipairs(nodes) do out[#out + 1] = { kind = "node", target = n.name } end
    elseif kind == "daemon" then
      for _, n in ipairs(nodes) do
        if n.kind == "router" and n:routing() then
          out[#out + 1] = { kind = "daemon", target = n.name }
        end
      end
    elseif kind == "partition" then
      -- A placement group (a generator's rack or pod: hosts too) with a
      -- member that may fail, cut off whole; a node without one alone.
      local groups, order, ok = {}, {}, {}
      for _, n in ipairs(net:nodes()) do
        local g = n.group and ("group " .. n.group) or n.name
        if n.group or allowed(o, n) then
          if not groups[g] then groups[g] = {}; order[#order + 1] = g end
          table.insert(groups[g], n.name)
          if allowed(o, n) then ok[g] = true end
        end
      end
      for _, g in ipairs(order) do
        if ok[g] then out[#out + 1] = { kind = "partition", target = groups[g] } end
      end
    end
  end
  return out
end
lunet._explore_candidates = candidates

-- ---- Running a schedule ------------------------------------------------------

local function find_link(net, name)
  for _, l in ipairs(net:links()) do if l.name == name then return l end end
  error("no link " .. name .. " in network " .. net.name, 0)
end

local function find_node(net, name)
  return net:node(name) or error("no node " .. name .. " in network " .. net.name, 0)
end

local function apply(net, f, held)
  local k = f.kind
  if k == "link" then find_link(net, f.target):down()
  elseif k == "node" then find_node(net, f.target):fail()
  elseif k == "flap" then
    held[f] = find_link(net, f.target):flap{ period = f.period or 0.2 }
  elseif k == "partition" then held[f] = net:partition(f.target)
  elseif k == "impair" then find_link(net, f.target):impair(f.spec or { loss = 1 })
  elseif k == "daemon" then lunet._daemons_kill(find_node(net, f.target))
  end
end

local function lift(net, f, held)
  local k = f.kind
  if k == "link" then find_link(net, f.target):up()
  elseif k == "node" then find_node(net, f.target):recover()
  elseif k == "flap" then held[f]:cancel()
  elseif k == "partition" then held[f]:heal()
  elseif k == "impair" then find_link(net, f.target):impair{}
  elseif k == "daemon" then lunet._daemons_restart(find_node(net, f.target))
  end
end

-- Checks every invariant (or only the one named); returns the first that
-- fails as {invariant=, message=}.
local function check(invs, ctx, only)
  for _, inv in ipairs(invs) do
    if not only or inv.name == only then
      local r = table.pack(pcall(inv.check, ctx))
      if not r[1] then
        return { invariant = inv.name, message = "error: " .. tostring(r[2]) }
      elseif not r[2] then
        return { invariant = inv.name, message = r[3] and tostring(r[3])
          or "returned " .. tostring(r[2]) }
      end
    end
  end
  return nil
end

-- Runs schedule s on net, which is as built (reset): each fault applied
-- (and lifted) at its time, the invariants checked after each change has
-- settled and at the end.  Returns nil when they all held, else the
-- failure with after (the faults in force, as text).
local routed = setmetatable({}, { __mode = "k" })

-- Whether some router of net runs routing daemons (whose sessions a reset
-- takes a while to bring back).
local function has_daemons(net)
  if routed[net] == nil then
    routed[net] = false
    for _, n in ipairs(net:routers()) do
      if n:routing() then routed[net] = true break end
    end
  end
  return routed[net]
end

local function run_schedule(net, s, o)
  local settle = lunet.duration(o.settle or 0.02)
  -- After a reset, the daemons' sessions come back first: a schedule
  -- starts on a converged network (an unconverged one fails its checks).
  if has_daemons(net) then pcall(net.converged, net, { within = 60 }) end
  math.randomseed(o.seed)
  lunet._srandom(o.seed)
  local steps, held, active = X.timeline(s), {}, {}
  local length = (#steps > 0 and steps[#steps].t or 0) + settle
  local ctx = { final = false, length = length, schedule = s }
  lunet.event("schedule_start", { net = net.name, seed = o.seed,
    faults = X.describe_all(s), n = o.n })
  for _, inv in ipairs(invariants) do
    if inv.start and (not o.only or inv.name == o.only) then inv.start(ctx) end
  end
  local t0 = lunet.now()
  local failure
  for i, st in ipairs(steps) do
    local wait = t0 + st.t - lunet.now()
    if wait > 0 then lunet.sleep(wait) end
    if st.lift then
      lift(net, st.fault, held)
      active[st.fault] = nil
    else
      apply(net, st.fault, held)
      active[st.fault] = true
    end
    -- Changes at one time settle together.
    if not steps[i + 1] or steps[i + 1].t > st.t then
      lunet.sleep(settle)
      ctx.final = i == #steps
      failure = check(invariants, ctx, o.only)
      if failure then break end
    end
  end
  if not failure and #steps == 0 then
    ctx.final = true
    lunet.sleep(settle)
    failure = check(invariants, ctx, o.only)
  end
  if failure then
    local now = {}
    for _, f in ipairs(s) do if active[f] then now[#now + 1] = f end end
    failure.after = X.describe_all(now)
    lunet.event("invariant_failed", { net = net.name,
      invariant = failure.invariant, message = failure.message,
      after = failure.after })
  end
  lunet.event("schedule_end", { net = net.name, ok = failure == nil,
    invariant = failure and failure.invariant })
  return failure
end

-- ---- Loading the exploring file ----------------------------------------------

-- The network of the exploring file: explore{net=}, what the file
-- returned, or the one network it made.
local function the_net(ret)
  if spec and spec.net then return spec.net end
  if type(ret) == "table" or type(ret) == "userdata" then
    local ok, running = pcall(function() return ret.running end)
    if ok and running ~= nil then return ret end
  end
  local nets = lunet._networks()
  if #nets == 1 then return nets[1] end
  error(string.format("%d networks and no lunet.explore{net = ...}", #nets), 0)
end

-- lunet._explore_load(path): runs the exploring file path in this state
-- (from a scenario file that "lunet explore" wrote) and returns its
-- network, started.
function lunet._explore_load(path)
  local chunk, err = loadfile(path)
  if not chunk then error(err, 0) end
  local was = in_explore
  in_explore = true -- no warning about lunet.explore{}
  local ret = chunk()
  in_explore = was
  local net = the_net(ret)
  net:start()
  return net
end

-- lunet._explore_check(net, schedule, {seed=, invariant=, settle=}): the
-- test case of a written scenario: raises when the invariant breaks.
function lunet._explore_check(net, s, o)
  local known = false
  for _, inv in ipairs(invariants) do known = known or inv.name == o.invariant end
  if not known then
    error(string.format("no invariant %q: the exploring file no longer " ..
      "defines it", tostring(o.invariant)), 2)
  end
  net:start()
  local f = run_schedule(net, s, { seed = o.seed, settle = o.settle,
    only = o.invariant })
  if f then
    error(string.format("invariant %q broke after: %s: %s", f.invariant,
      f.after, f.message), 0)
  end
end

-- Runs one schedule in a task of its own, on the reset network; returns
-- its failure (or nil), and raises when interrupted.
local function run_task(net, s, o)
  lunet._cancel_all()
  lunet._failed()
  net:reset()
  lunet._in_test(true)
  local task = lunet.go(run_schedule, net, s, o)
  local ok, done = pcall(lunet._wait, task, o.timeout or 120)
  lunet._in_test(false)
  if not ok then
    task:cancel()
    error(done, 0)
  end
  if not done then
    task:cancel()
    return { invariant = "(time limit)", message = "the schedule ran past " ..
      X.dur_text(o.timeout or 120), after = X.describe_all(s) }
  end
  if task.error then
    return { invariant = "(error)", message = task.error, after = X.describe_all(s) }
  end
  return task:wait()
end

-- For the runner (lua/lib/explore_main.lua).
X.run_task = run_task
X.the_net = the_net
X.invariants = function() return invariants end
X.spec = function() return spec end
X.set_explore = function(on) in_explore = on end

return lunet
