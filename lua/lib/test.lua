-- Scenarios: the Lua half of lunet's time, faults and tests, compiled into
-- the binary.  lunet.expect/at/every and link:flap are built on lunet.go and
-- lunet.sleep (lua/ltime.c); lunet.test and the runner's side of
-- "lunet test" (lunet._run_file) are here too.  See docs/scenarios.md.
local lunet = ...

-- ---- Values as text ---------------------------------------------------

-- inspect(v): a short, one-line rendering of v, for failure messages.
local function inspect(v, depth)
  depth = depth or 0
  if type(v) == "string" then
    return depth == 0 and v or string.format("%q", v)
  end
  if type(v) ~= "table" then return tostring(v) end
  local mt = getmetatable(v)
  if mt and mt.__tostring then return tostring(v) end
  if depth >= 2 then return "{...}" end
  local parts, n = {}, #v
  for i = 1, n do parts[#parts + 1] = inspect(v[i], depth + 1) end
  local keys = {}
  for k in pairs(v) do
    if not (math.type(k) == "integer" and k >= 1 and k <= n) then
      keys[#keys + 1] = k
    end
  end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  for _, k in ipairs(keys) do
    if #parts >= 24 then parts[#parts + 1] = "..."; break end
    local key = type(k) == "string" and k:match("^[%a_][%w_]*$") and k
      or "[" .. inspect(k, depth + 1) .. "]"
    local val = v[k]
    if math.type(val) == "float" then
      val = string.format("%.4g", val)
    else
      val = inspect(val, depth + 1)
    end
    parts[#parts + 1] = key .. "=" .. val
  end
  return "{" .. table.concat(parts, ", ") .. "}"
end
lunet.inspect = function(v) return inspect(v) end

local function fmt_duration(d)
  if d < 1 then return string.format("%gms", d * 1000) end
  return string.format("%gs", d)
end

-- ---- Time ---------------------------------------------------------------

-- lunet.at(t, fn, ...): runs fn(...) as a task t from now.
function lunet.at(t, fn, ...)
  local d = lunet.duration(t)
  if type(fn) ~= "function" then error("at: a function is required", 2) end
  return lunet.go(function(...)
    lunet.sleep(d)
    return fn(...)
  end, ...)
end

-- lunet.every(period, fn, ...): runs fn(...) every period, the first time
-- one period from now, until fn returns false or the task is cancelled.
function lunet.every(period, fn, ...)
  local d = lunet.duration(period)
  if d <= 0 then error("every: the period must be more than 0", 2) end
  if type(fn) ~= "function" then error("every: a function is required", 2) end
  return lunet.go(function(...)
    local next = lunet.now()
    while true do
      next = next + d
      local wait = next - lunet.now()
      if wait > 0 then lunet.sleep(wait) else next = lunet.now() end
      if fn(...) == false then return end
    end
  end, ...)
end

-- lunet.expect(fn, {within=, every=, message=}): calls fn until it returns
-- a true value (returned), or fails when within has passed, with what fn
-- returned (or raised) the last time.
function lunet.expect(fn, o)
  if type(fn) ~= "function" then error("expect: a function is required", 2) end
  o = lunet._check_opts(o, "lunet.expect()", { within = "duration",
    every = "duration", message = "string" }) or {}
  local within = lunet.duration(o.within or 5)
  local every = lunet.duration(o.every or 0.1)
  local start = lunet.now()
  local deadline, tries, last = start + within, 0, nil
  while true do
    tries = tries + 1
    local r = table.pack(pcall(fn))
    if r[1] and r[2] then
      lunet.event("expect_ok", { tries = tries,
        seconds = lunet.now() - start, message = o.message })
      return table.unpack(r, 2, r.n)
    end
    if r[1] then
      local seen = {}
      for i = 2, math.max(r.n, 2) do seen[#seen + 1] = inspect(r[i], 1) end
      last = table.concat(seen, ", ")
    else
      last = "error: " .. inspect(r[2])
    end
    local now = lunet.now()
    if now >= deadline then
      lunet.event("expect_failed", { tries = tries, last = last,
        message = o.message })
      error(string.format("%snot true within %s (%d tries); last seen: %s",
        o.message and (o.message .. ": ") or "expect: ", fmt_duration(within),
        tries, last), 2)
    end
    lunet.sleep(math.min(every, deadline - now))
  end
end

-- ---- Faults written in Lua ----------------------------------------------

local link_methods = lunet._methods.link

-- link:flap{period=, count=, down=, jitter=}: the link goes down for down
-- (half the period by default) and back up, every period, count times (or
-- until cancelled), as a task: the caller goes on at once.
function link_methods.flap(link, o)
  o = lunet._check_opts(o, "link " .. link.name .. ":flap{}", {
    period = "duration", down = "duration", count = "integer",
    jitter = "number" }) or {}
  local period = lunet.duration(o.period or 1)
  local down = o.down and lunet.duration(o.down) or period / 2
  local count, jitter = o.count and math.tointeger(o.count), o.jitter or 0
  if period <= 0 then error("flap: the period must be more than 0", 2) end
  if down <= 0 or down >= period then
    error("flap: down must be more than 0 and less than the period", 2)
  end
  if count ~= nil and count < 1 then
    error("flap: count must be an integer >= 1", 2)
  end
  if type(jitter) ~= "number" or jitter < 0 or jitter >= 1 then
    error("flap: jitter must be a fraction from 0 to 1", 2)
  end
  local net = link.a.net
  lunet.event("flap_start", { net = net.name, link = link.name,
    period = period, down = down, count = count, jitter = jitter })
  local function vary(d)
    if jitter == 0 then return d end
    return d * (1 + jitter * (2 * math.random() - 1))
  end
  return lunet.go(function()
    local held, flaps = false, 0
    -- Closed when the flap ends, fails or is cancelled: the link is never
    -- left held down by a flap that is gone.
    local guard <close> = setmetatable({}, { __close = function()
      if held then pcall(lunet._hold, link, -1, "flap") end
      lunet.event("flap_end", { net = net.name, link = link.name,
        flaps = flaps })
    end })
    local i = 0
    while count == nil or i < count do
      i = i + 1
      local d = vary(down)
      lunet._hold(link, 1, "flap")
      held = true
      lunet.sleep(d)
      lunet._hold(link, -1, "flap")
      held = false
      flaps = i
      if count == nil or i < count then
        lunet.sleep(math.max(vary(period) - d, 0))
      end
    end
    return flaps
  end)
end

-- ---- Tests ---------------------------------------------------------------

local registered = {}
local in_runner, warned = false, false

-- lunet.test(name, fn [, {timeout=, fresh=}]): a test case, run by
-- "lunet test" in the order given.
function lunet.test(name, fn, o)
  if type(name) ~= "string" then error("test: a name is required", 2) end
  if type(fn) ~= "function" then error("test: a function is required", 2) end
  lunet._check_opts(o, string.format("lunet.test(%q)", name),
    { timeout = "duration", fresh = "boolean" })
  if not in_runner and not warned then
    warned = true
    io.stderr:write("lunet: lunet.test() cases run under 'lunet test FILE'\n")
  end
  local info = debug.getinfo(2, "Sl")
  registered[#registered + 1] = { name = name, fn = fn, opts = o or {},
    where = info.short_src .. ":" .. info.currentline }
end

-- The runner's side of "lunet test": runs the test file path in this state.
local function xml_escape(s)
  s = tostring(s):gsub("[%z\1-\8\11\12\14-\31]", "")
  return (s:gsub("[&<>\"']", { ["&"] = "&amp;", ["<"] = "&lt;",
    [">"] = "&gt;", ['"'] = "&quot;", ["'"] = "&apos;" }))
end

local function yaml_str(s)
  return string.format("%q", tostring(s)):gsub("\\\n", "\\n")
end

local function running_nets()
  local list = {}
  for _, net in ipairs(lunet._networks()) do
    if net.running then list[#list + 1] = net end
  end
  return list
end

-- A string seed for test case i of file, from the run's seed.
local function case_seed(seed, file, name)
  local h = 2166136261
  for c in (file .. "\0" .. name):gmatch(".") do
    h = ((h ~ c:byte()) * 16777619) & 0xffffffff
  end
  return (seed ~ h) & 0x7fffffff
end

local function test_failure(task, timed_out, timeout)
  if timed_out then
    return { message = string.format("timed out after %s", fmt_duration(timeout)),
      type = "timeout" }
  end
  local err = task.err
  local kind = "error"
  local tb = task.traceback or ""
  if tb:match("in function 'assert'") or tb:match("in function 'lunet.expect'")
    or tb:match("in field 'expect'") or tb:match("in function 'error'") then
    kind = "assertion"
  end
  return { message = task.error, where = task.where, traceback = tb,
    type = kind, fail_t = task.fail_t, err = err }
end

-- For "lunet test --report": the counters of the links a case's faults
-- touched (links set down or up, flapped, impaired; every link of a
-- failed node), as one link_counters event per running network.
local REPORT_LINKS = 16
local record_counters, report_json
record_counters = function()
  local links, nodes = {}, {}
  for _, ev in ipairs(lunet.events()) do
    if ev.link then links[ev.link] = true end
    if ev.event == "node_fail" and ev.node then nodes[ev.node] = true end
  end
  if next(links) == nil and next(nodes) == nil then return end
  for _, net in ipairs(running_nets()) do
    local list = {}
    for _, st in ipairs(net:stats()) do
      local name = st.link.name
      if #list < REPORT_LINKS and (links[name] or nodes[st.a.node]
          or nodes[st.b.node]) then
        list[#list + 1] = { link = name, a = st.a.node, b = st.b.node,
          ab_packets = st.a.tx_packets, ba_packets = st.b.tx_packets,
          ab_bytes = st.a.tx_bytes, ba_bytes = st.b.tx_bytes,
          drops = st.a.tx_dropped + st.a.rx_dropped + st.b.tx_dropped
            + st.b.rx_dropped,
          errors = st.a.tx_errors + st.a.rx_errors + st.b.tx_errors
            + st.b.rx_errors }
      end
    end
    if #list > 0 then
      lunet.event("link_counters", { net = net.name, links = list })
    end
  end
end

-- A string as JSON.
local function json_str(v)
  return '"' .. tostring(v):gsub('[%c"\\]', function(c)
    return string.format("\\u%04x", c:byte())
  end) .. '"'
end

-- The cases of a file for "lunet test --report" (tools/report.c): one
-- JSON object whose events are the log's own lines.
report_json = function(file, cases)
  local out = {}
  for _, rec in ipairs(cases) do
    local f = rec.failure or {}
    out[#out + 1] = string.format('{"name":%s,"where":%s,"ok":%s,' ..
      '"time":%.6f,"message":%s,"type":%s,"at":%s,"events":[%s]}',
      json_str(rec.name), json_str(rec.where), tostring(not rec.failure),
      rec.time or 0, rec.failure and json_str(f.message) or "null",
      rec.failure and json_str(f.type) or "null",
      json_str(f.where or rec.where),
      table.concat(rec.log or {}, ","))
  end
  return string.format('{"file":%s,"cases":[%s]}', json_str(file),
    table.concat(out, ","))
end

-- Runs one case; returns its record.
local function run_case(case, o, file)
  local rec = { name = case.name, file = file, where = case.where }
  local seed = case_seed(o.seed, file, case.name)
  math.randomseed(seed)
  lunet._srandom(seed)
  local first_seq = lunet._mark()
  lunet.event("test_start", { test = case.name, file = file, seed = seed })
  local before = #lunet._networks()
  local t0 = lunet.now()
  lunet._in_test(true)
  local timeout = lunet.duration(case.opts.timeout or o.timeout or 300)
  local task = lunet.go(case.fn)
  local ok, done = pcall(lunet._wait, task, timeout)
  lunet._in_test(false)
  rec.time = lunet.now() - t0
  if not ok then
    -- Interrupted (SIGINT, SIGTERM): this case fails, the run stops.
    task:cancel()
    rec.failure = { message = tostring(done), type = "error" }
    o.interrupted = true
  elseif not done then
    task:cancel()
    rec.failure = test_failure(task, true, timeout)
  elseif task.error then
    rec.failure = test_failure(task)
  elseif task.cancelled then
    rec.failure = { message = "the test was cancelled", type = "error" }
  end
  lunet._cancel_all()
  if o.report then pcall(record_counters) end
  for _, bg in ipairs(lunet._failed()) do
    if not rec.failure then
      rec.failure = test_failure(bg)
      rec.failure.message = "background task failed: " .. rec.failure.message
    end
  end
  -- Networks made inside the test end with it.
  local nets = lunet._networks()
  for i = before + 1, #nets do
    if nets[i].running then pcall(nets[i].stop, nets[i]) end
  end
  local last_seq = lunet._mark()
  if rec.failure then
    local fail_t = rec.failure.fail_t or math.huge
    local lines, kept = lunet._event_lines(first_seq + 1, last_seq), {}
    for _, line in ipairs(lines) do
      local t = tonumber(line:match('^{"t":([%d%.]+)'))
      if t and t <= fail_t and not line:match('"event":"task_failed"')
          and not line:match('"event":"probe_series"') then
        kept[#kept + 1] = line
      end
    end
    rec.events = { table.unpack(kept, math.max(1, #kept - 7)) }
  end
  lunet.event("test_end", { test = case.name, ok = rec.failure == nil,
    seconds = rec.time, message = rec.failure and rec.failure.message })
  if o.report then rec.log = lunet._event_lines(first_seq + 1, lunet._mark()) end
  return rec
end

local function tap_result(n, rec, o)
  local label = rec.file .. ": " .. rec.name
  if not rec.failure then
    o.print(string.format("ok %d - %s # %.2f s", n, label, rec.time))
    return
  end
  local f = rec.failure
  o.print(string.format("not ok %d - %s # %.2f s", n, label, rec.time))
  o.print("  ---")
  o.print("  message: " .. yaml_str(f.message))
  o.print("  severity: " .. (f.type == "assertion" and "fail" or f.type))
  o.print("  at: " .. yaml_str(f.where or rec.where))
  if rec.events and #rec.events > 0 then
    o.print("  events:")
    for _, line in ipairs(rec.events) do o.print("    - " .. line) end
  end
  if o.trace and f.traceback and f.traceback ~= "" then
    o.print("  traceback: |")
    for line in f.traceback:gmatch("[^\n]+") do o.print("    " .. line) end
  end
  o.print("  ...")
end

local function junit_case(rec)
  local out = {}
  out[#out + 1] = string.format('    <testcase classname="%s" name="%s" time="%.3f"',
    xml_escape(rec.file), xml_escape(rec.name), rec.time)
  if not rec.failure then return out[1] .. "/>" end
  out[1] = out[1] .. ">"
  local f = rec.failure
  local tag = f.type == "assertion" and "failure" or "error"
  local body = { "at " .. (f.where or rec.where) }
  if rec.events and #rec.events > 0 then
    body[#body + 1] = "events before the failure:"
    for _, line in ipairs(rec.events) do body[#body + 1] = line end
  end
  if f.traceback and f.traceback ~= "" then body[#body + 1] = f.traceback end
  out[#out + 1] = string.format('      <%s message="%s" type="%s">%s</%s>', tag,
    xml_escape(f.message), xml_escape(f.type),
    xml_escape(table.concat(body, "\n")), tag)
  out[#out + 1] = "    </testcase>"
  return table.concat(out, "\n")
end

-- lunet._run_file(o): runs the file o.path; o.first is its first TAP
-- number, o.seed the run's seed, o.events the event log to write, o.fresh
-- rebuilds networks between tests instead of resetting them, o.timeout a
-- test's default time limit, o.trace adds tracebacks, o.print prints a
-- line.  Returns {tests=, failures=, errors=, time=, junit=}.
function lunet._run_file(o)
  registered = {}
  in_runner = true
  lunet._runner(true)
  o.print = o.print or function(line)
    io.write(line, "\n")
    io.flush()
  end
  if o.events then lunet._events_open(o.events) end
  local path = o.path
  local file = path
  local res = { tests = 0, failures = 0, errors = 0, time = 0, cases = {} }
  local t0 = lunet.now()
  -- print() in a scenario becomes a TAP comment, so the output stays TAP.
  local real_print = print
  print = function(...)
    local parts = table.pack(...)
    for i = 1, parts.n do parts[i] = tostring(parts[i]) end
    for line in (table.concat(parts, "\t", 1, parts.n) .. "\n"):gmatch("([^\n]*)\n") do
      o.print("# " .. line)
    end
  end
  lunet.event("file_start", { file = file })
  local chunk, lerr = loadfile(path)
  local ok, err = chunk ~= nil, lerr
  local load_task
  if chunk then
    load_task = lunet.go(chunk)
    local waited, done = pcall(lunet._wait, load_task, 600)
    ok = waited and done and load_task.ok
    if not ok then
      err = load_task.error or (waited and "loading timed out" or done)
      load_task:cancel()
    end
    lunet._cancel_all()
    lunet._failed()
  end
  local n = o.first
  if not ok then
    local rec = { name = "(loading the file)", file = file, time = lunet.now() - t0,
      where = file, failure = { message = tostring(err),
        where = load_task and load_task.where or file, type = "error" } }
    tap_result(n, rec, o)
    res.cases[1] = rec
  else
    if #registered == 0 then
      o.print("# " .. file .. ": no lunet.test() cases")
    end
    for i, case in ipairs(registered) do
      if i > 1 then
        for _, net in ipairs(running_nets()) do
          if o.fresh or case.opts.fresh then
            local tb = lunet.now()
            net:stop()
            net:start()
            o.print(string.format("# %s rebuilt in %.3f s", net.name, lunet.now() - tb))
          else
            local secs = net:reset()
            o.print(string.format("# %s reset in %.3f s", net.name, secs))
          end
        end
      end
      local rec = run_case(case, o, file)
      tap_result(n + i - 1, rec, o)
      res.cases[#res.cases + 1] = rec
      if o.interrupted then break end
    end
  end
  print = real_print
  res.time = lunet.now() - t0
  local xml = {}
  for _, rec in ipairs(res.cases) do
    res.tests = res.tests + 1
    if rec.failure then
      if rec.failure.type == "assertion" then
        res.failures = res.failures + 1
      else
        res.errors = res.errors + 1
      end
    end
    xml[#xml + 1] = junit_case(rec)
  end
  res.junit = string.format(
    '  <testsuite name="%s" tests="%d" failures="%d" errors="%d" skipped="0" time="%.3f">\n' ..
    '    <properties><property name="seed" value="%d"/></properties>\n%s\n  </testsuite>',
    xml_escape(file), res.tests, res.failures, res.errors, res.time, o.seed,
    table.concat(xml, "\n"))
  lunet.event("file_end", { file = file, tests = res.tests,
    failed = res.failures + res.errors })
  if o.report then res.report = report_json(file, res.cases) end
  res.cases = nil
  return res
end

return lunet
