-- The runner of "lunet explore" (lunet._explore_run): loads the exploring
-- file, goes through its schedules (every single or double failure, or
-- seeded random ones within a budget), tells flaky failures from real
-- ones, shrinks the real ones, and writes each as a scenario file with
-- its event log, then the summary as TAP, JUnit XML and JSON.  Tools/
-- cmd_explore.c calls it; see docs/explore.md.
local lunet = ...
local X = lunet._explore

local function xml_escape(s)
  s = tostring(s):gsub("[%z\1-\8\11\12\14-\31]", "")
  return (s:gsub("[&<>\"']", { ["&"] = "&amp;", ["<"] = "&lt;",
    [">"] = "&gt;", ['"'] = "&quot;", ["'"] = "&apos;" }))
end

local function yaml_str(s)
  return (string.format("%q", tostring(s)):gsub("\\\n", "\\n"))
end

local function write_file(path, text)
  local f, err = io.open(path, "w")
  if not f then error(err, 0) end
  f:write(text)
  f:close()
end

local function plural(n, word)
  return n .. " " .. word .. (n == 1 and "" or "s")
end

-- Whether the things of a known failure are all among those of s.
local function explained(failed_sets, s)
  local mine = {}
  for _, f in ipairs(s) do mine[X.thing(f)] = true end
  for _, set in ipairs(failed_sets) do
    if #set < #s then
      local all = true
      for _, th in ipairs(set) do if not mine[th] then all = false end end
      if all then return true end
    end
  end
  return false
end

-- ---- The summary ------------------------------------------------------------

local function points(res)
  local list = {}
  for _, inv in ipairs(X.invariants()) do
    local any = false
    for _, f in ipairs(res.failures) do
      if f.invariant == inv.name then
        any = true
        list[#list + 1] = { ok = false, failure = f, name = string.format(
          "%q broke after: %s", f.invariant, X.describe_all(f.schedule)) }
      end
    end
    for _, f in ipairs(res.flaky) do
      if f.invariant == inv.name then
        any = true
        list[#list + 1] = { ok = false, flaky = f, name = string.format(
          "%q is flaky after: %s", f.invariant, f.after) }
      end
    end
    if not any then
      list[#list + 1] = { ok = true, name = string.format("%q held in %d schedules",
        inv.name, res.schedules) }
    end
  end
  for _, f in ipairs(res.failures) do
    if f.invariant:sub(1, 1) == "(" then
      list[#list + 1] = { ok = false, failure = f, name = f.invariant .. " after: " ..
        X.describe_all(f.schedule) }
    end
  end
  return list
end

local function tap_text(res, o)
  local lines = { "TAP version 13", string.format(
    "# lunet explore %s: seed %d, %d schedules in %.1f s", o.path, o.seed,
    res.schedules, res.seconds) }
  local list = points(res)
  for i, p in ipairs(list) do
    lines[#lines + 1] = (p.ok and "ok " or "not ok ") .. i .. " - " .. p.name
    local f = p.failure or p.flaky
    if f then
      lines[#lines + 1] = "  ---"
      lines[#lines + 1] = "  message: " .. yaml_str(f.message)
      lines[#lines + 1] = "  severity: " .. (p.flaky and "flaky" or "fail")
      if p.failure then
        lines[#lines + 1] = "  shrunk: " .. yaml_str(string.format(
          "from %d faults to %d in %d steps", f.from, #f.schedule, f.steps))
        lines[#lines + 1] = "  replay: " .. yaml_str(f.replay)
        lines[#lines + 1] = "  events: " .. yaml_str(f.events)
      else
        lines[#lines + 1] = "  runs: " .. yaml_str(f.runs)
      end
      lines[#lines + 1] = "  ..."
    end
  end
  if res.interrupted then lines[#lines + 1] = "Bail out! interrupted" end
  lines[#lines + 1] = "1.." .. #list
  return table.concat(lines, "\n") .. "\n"
end

local function junit_text(res, o)
  local list, cases, failed = points(res), {}, 0
  for _, p in ipairs(list) do
    local head = string.format('    <testcase classname="%s" name="%s" time="%.3f"',
      xml_escape(o.path), xml_escape(p.name), p.failure and p.failure.seconds or 0)
    if p.ok then
      cases[#cases + 1] = head .. "/>"
    else
      failed = failed + 1
      local f = p.failure or p.flaky
      local body = p.failure and (f.replay .. "\nevents: " .. f.events) or f.runs
      cases[#cases + 1] = head .. ">\n" .. string.format(
        '      <failure message="%s" type="%s">%s</failure>\n    </testcase>',
        xml_escape(f.message), p.flaky and "flaky" or "invariant",
        xml_escape(body))
    end
  end
  return string.format('<?xml version="1.0" encoding="UTF-8"?>\n' ..
    '<testsuites name="lunet explore" tests="%d" failures="%d" errors="0" time="%.3f">\n' ..
    '  <testsuite name="%s" tests="%d" failures="%d" errors="0" skipped="0" time="%.3f">\n' ..
    '    <properties><property name="seed" value="%d"/><property name="schedules" value="%d"/></properties>\n' ..
    '%s\n  </testsuite>\n</testsuites>\n', #list, failed, res.seconds,
    xml_escape(o.path), #list, failed, res.seconds, o.seed, res.schedules,
    table.concat(cases, "\n"))
end

local function json_text(res, o)
  local invs = {}
  for _, inv in ipairs(X.invariants()) do
    local nf, nk = 0, 0
    for _, f in ipairs(res.failures) do if f.invariant == inv.name then nf = nf + 1 end end
    for _, f in ipairs(res.flaky) do if f.invariant == inv.name then nk = nk + 1 end end
    invs[#invs + 1] = { name = inv.name, ok = nf + nk == 0, failures = nf, flaky = nk }
  end
  local failures = {}
  for i, f in ipairs(res.failures) do
    failures[i] = { invariant = f.invariant, message = f.message, after = f.after,
      faults = setmetatable(f.schedule, #f.schedule == 0 and X.array or nil),
      text = X.describe_all(f.schedule), from = f.from, steps = f.steps,
      scenario = f.scenario, events = f.events, seed = f.seed,
      found = f.found, seen = f.count }
  end
  return X.json({ file = o.path, seed = o.seed, mode = res.mode,
    schedules = res.schedules, skipped = res.skipped, runs = res.runs,
    seconds = res.seconds, interrupted = res.interrupted,
    invariants = setmetatable(invs, X.array),
    failures = setmetatable(failures, X.array),
    flaky = setmetatable(res.flaky, X.array) }) .. "\n"
end

-- ---- The search -------------------------------------------------------------

-- lunet._explore_run(o): o.path the exploring file, o.seed, o.out the
-- directory of what is written, o.junit/o.json extra report paths,
-- o.trials/o.budget overriding the file's, o.tty for progress, o.print.
-- Returns {schedules=, failures=, flaky=, interrupted=}.
function lunet._explore_run(o)
  X.set_explore(true)
  lunet._runner(true)
  local say = o.print or function(line) io.write(line, "\n"); io.flush() end
  local out = o.out
  lunet._events_open(out .. "/explore.events.jsonl")
  lunet.event("explore_start", { file = o.path, seed = o.seed })
  local chunk, lerr = loadfile(o.path)
  if not chunk then error(lerr, 0) end
  local ret
  local load = lunet.go(function() ret = chunk() end)
  local waited, done = pcall(lunet._wait, load, 600)
  if not (waited and done and load.ok) then
    load:cancel()
    error(load.error or (waited and "loading timed out" or tostring(done)), 0)
  end
  lunet._cancel_all()
  lunet._failed()
  local sp = X.spec()
  if not sp then error(o.path .. ": no lunet.explore{}: nothing to search", 0) end
  if #X.invariants() == 0 then
    error(o.path .. ": no lunet.invariant(): nothing to check", 0)
  end
  local net = X.the_net(ret)
  net:start()
  local cands = lunet._explore_candidates(net, sp)
  if #cands == 0 then
    error(sp.where .. ": lunet.explore{}: nothing may fail (every " ..
      "candidate excluded)", 0)
  end
  local exhaustive = sp.exhaustive and not o.random
  local trials = o.trials or sp.trials
  local budget = o.budget or (sp.budget and lunet.duration(sp.budget))
  if not exhaustive and not trials and not budget then budget = 60 end
  local confirm = sp.confirm or 1
  local res = { schedules = 0, skipped = 0, runs = 0, failures = {}, flaky = {},
    mode = exhaustive and ("exhaustive N-" .. sp.at_most) or "random" }
  local runopts = function(seed, n)
    return { seed = seed, settle = sp.settle, timeout = sp.timeout and
      lunet.duration(sp.timeout), n = n }
  end
  local t0 = lunet.now()
  local last_progress = 0
  local function progress(force)
    if not o.tty then return end
    local now = lunet.now()
    if not force and now - last_progress < 0.25 then return end
    last_progress = now
    io.stderr:write(string.format("\r\27[Kexplore: %d schedules, %d failures, " ..
      "%d flaky, %.1f/s", res.schedules, #res.failures, #res.flaky,
      res.schedules / math.max(now - t0, 1e-3)))
    io.stderr:flush()
  end
  local function tell(line)
    if o.tty then io.stderr:write("\r\27[K") end
    say(line)
  end
  local function run(s, seed, n)
    res.runs = res.runs + 1
    return X.run_task(net, s, runopts(seed, n))
  end
  local function run_logged(s, seed, n)
    local mark = lunet._mark()
    local f = run(s, seed, n)
    return f, table.concat(lunet._event_lines(mark + 1, lunet._mark()), "\n")
  end

  -- Base line: the invariants hold with no fault at all.
  local base = run({}, X.schedule_seed(o.seed, 0), 0)
  if base then
    error(string.format("%s: invariant %q fails with no fault: %s", o.path,
      base.invariant, base.message), 0)
  end

  -- seen: the failures found, by invariant and minimal schedule, which
  -- shrinking takes as known to fail without running them again.
  local seen, failed_sets = {}, {}
  local function flaky(f, runs, seed)
    local k = { invariant = f.invariant, message = f.message, after = f.after,
      runs = runs, seed = seed }
    res.flaky[#res.flaky + 1] = k
    tell(string.format("FLAKY %q after: %s: %s", f.invariant, f.after, runs))
  end
  local function found(s, seed, f, n)
    local t1 = lunet.now()
    local minimal, steps = s, 0
    if sp.shrink ~= false then
      minimal, steps = X.shrink(s, function(c)
        if seen[f.invariant .. "\0" .. X.key(c)] then return true end
        local w = run(c, seed, n)
        return w ~= nil and w.invariant == f.invariant
      end)
    end
    local key = f.invariant .. "\0" .. X.key(minimal)
    if seen[key] then
      seen[key].count = seen[key].count + 1
      return
    end
    -- A new failure: run again (confirm times, once at least, for its
    -- events), to tell a flaky invariant from a broken one.
    local last, lines
    for _ = 1, math.max(confirm, 1) do
      last, lines = run_logged(minimal, seed, n)
      if not last or last.invariant ~= f.invariant then break end
    end
    if not last or last.invariant ~= f.invariant then
      flaky(f, string.format("failed once, then %s on re-run%s",
        last and ("broke " .. last.invariant) or "passed",
        #minimal < #s and " (shrunk to: " .. X.describe_all(minimal) .. ")" or ""),
        seed)
      return
    end
    local set = {}
    for _, g in ipairs(minimal) do set[#set + 1] = X.thing(g) end
    failed_sets[#failed_sets + 1] = set
    local i = #res.failures + 1
    local base_name = out .. "/explore-" .. i
    local rec = { invariant = f.invariant, message = last.message,
      after = last.after, schedule = minimal, from = #s, steps = steps,
      seed = seed, found = n, count = 1, scenario = base_name .. ".lua",
      events = base_name .. ".events.jsonl", seconds = lunet.now() - t1 }
    rec.replay = "lunet test " .. rec.scenario .. " --seed " .. o.seed
    seen[key] = rec
    res.failures[i] = rec
    write_file(rec.scenario, X.scenario_text({ file = o.abspath or o.path,
      seed = o.seed, schedule_seed = seed, invariant = f.invariant,
      schedule = minimal, settle = sp.settle and lunet.duration(sp.settle),
      from = #s, steps = steps }))
    write_file(rec.events, lines .. "\n")
    tell(string.format("FAIL %q after: %s", f.invariant, X.describe_all(minimal)))
    tell(string.format("  shrunk from %s to %d in %s; replay: %s",
      plural(#s, "fault"), #minimal, plural(steps, "step"), rec.replay))
  end

  local function over()
    if trials and res.schedules >= trials then return true end
    if budget and lunet.now() - t0 >= budget then return true end
    return false
  end

  local ok, err = pcall(function()
    if exhaustive then
      for size = 1, sp.at_most do
        for s in X.enumerate(cands, size) do
          if over() then return end
          if not sp.supersets and explained(failed_sets, s) then
            res.skipped = res.skipped + 1
          else
            res.schedules = res.schedules + 1
            local n = res.schedules
            local seed = X.schedule_seed(o.seed, n)
            local f = run(s, seed, n)
            if f then found(s, seed, f, n) end
          end
          progress()
        end
      end
    else
      local r = X.rng(o.seed)
      local gen = { at_most = sp.at_most, max_faults = sp.max_faults,
        window = sp.window and lunet.duration(sp.window) or 1 }
      while not over() do
        res.schedules = res.schedules + 1
        local n = res.schedules
        local s = X.generate(r, cands, gen)
        local seed = X.schedule_seed(o.seed, n)
        local f = run(s, seed, n)
        if f then found(s, seed, f, n) end
        progress()
      end
    end
  end)
  if not ok then
    res.interrupted = true
    tell("explore: interrupted (" .. tostring(err) .. ")")
  end
  progress(true)
  if o.tty then io.stderr:write("\r\27[K") end
  lunet._cancel_all()
  pcall(net.reset, net)
  res.seconds = lunet.now() - t0
  say(string.format("explore: %d schedules in %.0f s (%d runs%s), seed %d, %s",
    res.schedules, res.seconds, res.runs, res.skipped > 0 and
    string.format(", %d supersets of failures skipped", res.skipped) or "",
    o.seed, res.mode))
  say(string.format("explore: %s, %d flaky; summary in %s/explore.tap, " ..
    "explore.xml, explore.json", plural(#res.failures, "failure"), #res.flaky, out))
  write_file(out .. "/explore.tap", tap_text(res, o))
  write_file(out .. "/explore.xml", junit_text(res, o))
  write_file(out .. "/explore.json", json_text(res, o))
  if o.junit then write_file(o.junit, junit_text(res, o)) end
  if o.json then write_file(o.json, json_text(res, o)) end
  lunet.event("explore_end", { schedules = res.schedules,
    failures = #res.failures, flaky = #res.flaky })
  return { schedules = res.schedules, failures = #res.failures,
    flaky = #res.flaky, interrupted = res.interrupted or false }
end

return lunet
