-- "lunet replay EVENTS.jsonl [FILE]" (lunet._replay_run): the faults of a
-- recorded run (a test, an exploration) applied again to the network of
-- its topology file, at the same times relative to the first of them.
-- Only faults are replayed, not what they caused: a link_down whose cause
-- is a node, a partition, a flap or a reset follows from that fault.
-- See docs/explore.md.
local lunet = ...

local function read_log(path)
  local f, err = io.open(path)
  if not f then error(err, 0) end
  local events, n = {}, 0
  for line in f:lines() do
    n = n + 1
    if line:match("%S") then
      local ok, ev = pcall(lunet.json.decode, line)
      if not ok or type(ev) ~= "table" then
        f:close()
        error(string.format("%s:%d: not a JSON event: %s", path, n,
          tostring(ev):gsub("^.-: ", "")), 0)
      end
      ev.line = n
      events[#events + 1] = ev
    end
  end
  f:close()
  return events
end

-- "delay 20ms loss 5% seed 7" (the impair event's spec) as link:impair{}
-- options.
local function parse_spec(text)
  local o = {}
  if text == "none" then return o end
  local words = {}
  for w in text:gmatch("%S+") do words[#words + 1] = w end
  for i = 1, #words - 1, 2 do
    local k, v = words[i], words[i + 1]
    if k == "seed" or k == "limit" then v = math.tointeger(tonumber(v)) end
    o[k] = v
  end
  return o
end

local REPLAYED = { link_down = true, link_up = true, node_fail = true,
  node_recover = true, partition = true, heal = true, flap_start = true,
  flap_end = true, impair = true, daemon_kill = true, reset = true,
  machine_fail = true, machine_recover = true }

-- Whether event ev is a fault (or its end) to apply again.
local function is_fault(ev)
  if not REPLAYED[ev.event] then return false end
  if ev.event == "link_down" or ev.event == "link_up" then
    return ev.cause == "manual"
  end
  return true
end

local function find_link(net, name)
  for _, l in ipairs(net:links()) do if l.name == name then return l end end
  error("no link " .. tostring(name), 0)
end

local function find_node(net, name)
  return net:node(name) or error("no node " .. tostring(name), 0)
end

local function split(s)
  local out = {}
  for w in tostring(s or ""):gmatch("%S+") do out[#out + 1] = w end
  return out
end

-- Applies fault event ev to net; st holds the replay's partitions and
-- flaps by the recorded id and link.
local function apply(net, ev, st)
  local k = ev.event
  if k == "link_down" then find_link(net, ev.link):down()
  elseif k == "link_up" then find_link(net, ev.link):up()
  elseif k == "node_fail" then
    local node = find_node(net, ev.node)
    if not node:is_failed() then node:fail{ kill = ev.mode == "kill" } end
  elseif k == "node_recover" then
    local node = find_node(net, ev.node)
    if node:is_failed() then node:recover() end
  elseif k == "partition" then
    if not ev.nodes then error("the partition event names no nodes", 0) end
    local others = ev.others and split(ev.others) or nil
    st.parts[ev.id] = net:partition(split(ev.nodes), others)
  elseif k == "heal" then
    local p = st.parts[ev.id]
    st.parts[ev.id] = nil
    if p then p:heal() end
  elseif k == "flap_start" then
    local old = st.flaps[ev.link]
    if old then old:cancel() end
    st.flaps[ev.link] = find_link(net, ev.link):flap{ period = ev.period,
      down = ev.down, count = ev.count, jitter = ev.jitter }
  elseif k == "flap_end" then
    local task = st.flaps[ev.link]
    st.flaps[ev.link] = nil
    if task and not task.done then task:cancel() end
  elseif k == "impair" then
    local from = ev.from ~= "both" and ev.from or nil
    local o = parse_spec(ev.spec or "none")
    o.from = from
    find_link(net, ev.link):impair(o)
  elseif k == "daemon_kill" then lunet._daemons_kill(find_node(net, ev.node))
  elseif k == "machine_fail" then net:machine(ev.machine):fail()
  elseif k == "machine_recover" then net:machine(ev.machine):recover()
  elseif k == "reset" then
    for l, task in pairs(st.flaps) do
      if not task.done then task:cancel() end
      st.flaps[l] = nil
    end
    st.parts = {}
    net:reset()
  end
end

local function what(ev)
  local target = ev.link or ev.node or ev.machine or
    (ev.event == "partition" and ev.nodes) or (ev.id and ("id " .. ev.id)) or ""
  return ev.event .. " " .. tostring(target)
end

-- lunet._replay_run(o): o.log the event log, o.path the topology file
-- (nil: the file the log names), o.print.  Returns {faults=, errors=,
-- seconds=}.
function lunet._replay_run(o)
  local say = o.print or function(line) io.write(line, "\n"); io.flush() end
  lunet._runner(true)
  lunet._explore.set_explore(true)
  local events = read_log(o.log)
  local path = o.path
  if not path then
    for _, ev in ipairs(events) do
      if ev.event == "file_start" or ev.event == "explore_start" then
        path = ev.file
        break
      end
    end
  end
  if not path then
    error(o.log .. ": the log names no topology file: give one " ..
      "(lunet replay EVENTS FILE)", 0)
  end
  local faults = {}
  for _, ev in ipairs(events) do
    if is_fault(ev) then faults[#faults + 1] = ev end
  end
  -- The file's own test cases and explorations are not run.
  local chunk, lerr = loadfile(path)
  if not chunk then error(lerr, 0) end
  local real_test = lunet.test
  lunet.test = function() end
  local ret
  local load = lunet.go(function() ret = chunk() end)
  local waited, done = pcall(lunet._wait, load, 600)
  lunet.test = real_test
  if not (waited and done and load.ok) then
    load:cancel()
    error(load.error or (waited and "loading timed out" or tostring(done)), 0)
  end
  lunet._cancel_all()
  lunet._failed()
  local nets = lunet._networks()
  local function net_of(ev)
    if #nets == 1 then return nets[1] end
    for _, n in ipairs(nets) do if n.name == ev.net then return n end end
    local main = lunet._explore.the_net(ret)
    return main
  end
  for _, n in ipairs(nets) do n:start() end
  say(string.format("replay: %d faults from %s on %s", #faults, o.log, path))
  local errors = 0
  local t0 = lunet.now()
  local task = lunet.go(function()
    local first = faults[1] and faults[1].t or 0
    local state = {}
    for _, ev in ipairs(faults) do
      local wait = t0 + (ev.t - first) - lunet.now()
      if wait > 0 then lunet.sleep(wait) end
      local net = net_of(ev)
      state[net] = state[net] or { parts = {}, flaps = {} }
      local ok, err = pcall(apply, net, ev, state[net])
      if ok then
        say(string.format("%8.3f %s", lunet.now() - t0, what(ev)))
      else
        errors = errors + 1
        say(string.format("%8.3f %s: cannot replay (%s:%d): %s", lunet.now() - t0,
          what(ev), o.log, ev.line, tostring(err)))
      end
    end
  end)
  local ok, fin = pcall(lunet._wait, task, 24 * 3600)
  if not ok then
    task:cancel()
    error(fin, 0)
  end
  if task.error then error(task.error, 0) end
  lunet._cancel_all()
  say(string.format("replay: %d faults in %.1f s, %d could not be replayed",
    #faults, lunet.now() - t0, errors))
  return { faults = #faults, errors = errors, seconds = lunet.now() - t0 }
end

return lunet
