-- Every kind of fault, checked with real traffic, and the reset between
-- tests that undoes them.
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$")
local net = dofile(here .. "/../_fabric.lua")
net:start()
-- A process from before the tests: a reset must keep it running.
local sleeper = net:node("h1"):spawn("sleep", "600")

local function reach(a, b)
  local r = net:probe(a, b, { rate = 50, duration = "0.4s", timeout = "0.3s" })
  return r.received > 0 and r.loss < 0.5, r
end

lunet.test("link down and up", function()
  local l = net:link_between("leaf1", "h1")
  l:down()
  assert(not reach("h1", "h2"), "h1 reaches h2 with its only link down")
  l:up()
  lunet.expect(function() return reach("h1", "h2") end, { within = "3s" })
  assert(#lunet.events{ event = "link_down", link = "leaf1-h1" } == 1)
end)

local spine_pid

lunet.test("a spine fails and recovers, its processes frozen meanwhile",
function()
  local spine = net:node("spine1")
  local pid = spine:spawn("sleep", "600")
  spine_pid = pid
  spine:fail()
  assert(spine:is_failed())
  local state = spine:cmd("cat /proc/" .. pid .. "/stat"):match("^%d+ %b() (%a)")
  assert(state == "T", "the spine's process is not stopped: " .. tostring(state))
  assert(reach("h1", "h2"), "no way around the failed spine")
  spine:recover()
  state = spine:cmd("cat /proc/" .. pid .. "/stat"):match("^%d+ %b() (%a)")
  assert(state ~= "T", "the spine's process is still stopped")
  -- Both spines failed: no way through.
  spine:fail()
  net:node("spine2"):fail()
  assert(not reach("h1", "h2"), "h1 reaches h2 with both spines down")
  -- Left failed on purpose: the reset must bring them back.
end)

lunet.test("the reset recovered the spines and killed the test's process",
function()
  assert(not net:node("spine1"):is_failed())
  assert(reach("h1", "h2"))
  -- The process started before the tests still runs.
  local out = net:node("h1"):cmd("kill -0 " .. sleeper .. " && echo alive")
  assert(out:match("alive"), "the reset stopped a process from before the tests")
  -- The one the previous test started on spine1 is gone.
  out = net:node("spine1"):cmd("kill -0 " .. spine_pid .. " 2>/dev/null || echo gone")
  assert(out:match("gone"), "the reset left a test's process running")
end)

lunet.test("a node killed and restarted", function()
  local h2 = net:node("h2")
  local pid = h2:spawn("sleep", "600")
  h2:fail{ kill = true }
  assert(h2:cmd("kill -0 " .. pid .. " 2>/dev/null || echo gone"):match("gone"))
  h2:recover()
  -- Started again: a "sleep 600" runs in h2's namespace under a new pid.
  local ns = h2:cmd("readlink /proc/self/ns/net")
  local found = h2:cmd("for p in $(pgrep -x sleep); do " ..
    "[ \"$(readlink /proc/$p/ns/net)\" = \"" .. ns:gsub("%s", "") ..
    "\" ] && [ $p != " .. pid .. " ] && echo restarted; done")
  assert(found:match("restarted"), "no process was started again in h2")
  assert(reach("h1", "h2"))
end)

lunet.test("a partition and its heal", function()
  local p = net:partition({ "leaf2", "h2" })
  assert(not reach("h1", "h2"), "the partition let traffic through")
  assert(#lunet.events("partition") == 1)
  -- A failed node inside a partition: healing one leaves the other.
  net:node("spine1"):fail()
  p:heal()
  assert(reach("h1", "h2"), "no way through spine2 after the heal")
  net:node("spine2"):fail()
  assert(not reach("h1", "h2"))
end)

lunet.test("a flap, while a probe runs", function()
  local l = net:link_between("leaf1", "h1")
  local flap = l:flap{ period = "300ms", down = "150ms", count = 3 }
  local r = net:probe("h1", "h2", { rate = 100, duration = "1.2s" })
  assert(flap:wait() == 3)
  assert(r.loss > 0.1 and r.loss < 0.8, r)
  assert(r.outages >= 2, r)
  assert(#lunet.events{ event = "link_down", cause = "flap" } == 3)
  assert(reach("h1", "h2"))
end)

lunet.test("UDP probes and many at once", function()
  local a = lunet.go(net.probe, net, "h1", "h2", { proto = "udp", rate = 50, duration = "0.5s" })
  local b = lunet.go(net.probe, net, "h2", "h1", { rate = 50, duration = "0.5s" })
  local ra, rb = a:wait(), b:wait()
  assert(ra.proto == "udp" and ra.loss == 0 and ra.rtt_avg > 0, ra)
  assert(rb.loss == 0, rb)
  local all = net:probe({ { "h1", "h2" }, { "h2", "h1" }, { "spine1", "h2" } },
    { rate = 20, duration = "0.3s" })
  assert(#all == 3 and all[3].src == "spine1" and all[3].loss == 0, all[3])
end)
