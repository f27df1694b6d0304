-- Time in scenarios: sleep, at, every, expect and tasks, without a network.
lunet.test("sleep, at and every run together", function()
  local t0, log = lunet.now(), {}
  lunet.at("100ms", function() log[#log + 1] = "at" end)
  local n = 0
  local ev = lunet.every(0.03, function() n = n + 1 end)
  lunet.sleep("250ms")
  ev:cancel()
  assert(log[1] == "at", "lunet.at did not run")
  assert(n >= 4 and n <= 9, "every ran " .. n .. " times")
  local dt = lunet.now() - t0
  assert(dt >= 0.25 and dt < 1, dt)
end)

lunet.test("expect polls until true", function()
  local t0 = lunet.now()
  local v = lunet.expect(function()
    return lunet.now() - t0 > 0.2 and "late enough"
  end, { within = "2s", every = "50ms" })
  assert(v == "late enough")
  local ok, err = pcall(lunet.expect, function() return false, "still no" end,
    { within = "100ms" })
  assert(not ok and err:match("still no"), err)
end)

lunet.test("tasks return values and errors", function()
  local t = lunet.go(function(a, b) lunet.sleep(0.01); return a + b end, 2, 3)
  assert(t:wait() == 5 and t.ok)
  local bad = lunet.go(function() lunet.sleep(0.01); error("inner") end)
  local ok, err = pcall(bad.wait, bad)
  assert(not ok and err:match("inner"), err)
  assert(lunet.duration("1.5s") == 1.5 and lunet.duration("20ms") == 0.02)
end)
