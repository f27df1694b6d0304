-- Rehearse a change: drain a spine, remove it, and check that nothing is
-- lost on the way, as an operator would before doing it in production.
--
-- A leaf-spine fabric with three spines carries steady traffic between
-- racks.  The change has two steps, each under a steady probe: first the
-- spine is drained (its links set down, so the leaves' equal-cost routes
-- drop it and traffic moves to the other two), then, with no traffic left
-- on it, it is removed from the running fabric (the leaves' routes are
-- rewritten with two next hops, then its namespace and links go), which
-- must lose nothing.  The second case checks that the reset between cases
-- puts the spine back, so the rehearsal can be run again.
--
--   lunet test examples/change_drain_spine.lua
local net = lunet.topo.leafspine{ spines = 3, leaves = 4, hosts_per_leaf = 2 }

-- The next hops of leaf1's route towards h4_2 (rack 4).
local function paths()
  local out = net:node("leaf1"):cmd("ip route show match " ..
                                    net:node("h4_2").ip)
  local n = 0
  for line in out:gmatch("[^\n]+") do
    if line:find(" via ") and not line:find("dead") then n = n + 1 end
  end
  return n
end

lunet.test("a drained spine is removed without loss", function()
  net:start()
  assert(net:pingall().loss == 0)
  assert(paths() == 3, "three paths before the change")
  -- Step 1: drain.  Every link of spine3 down: the leaves stop using it.
  -- The packets on those links at that moment are lost, as they would
  -- be in a fabric whose routes do not move first.
  local drain = lunet.go(net.probe, net, "h1_1", "h4_2",
    { rate = 200, duration = "1s" })
  lunet.sleep("300ms")
  for _, l in ipairs(net:links()) do
    if l.a.name == "spine3" or l.b.name == "spine3" then l:down() end
  end
  lunet.expect(function() return paths() == 2 end, { within = "2s" })
  local r = drain:wait()
  assert(r.outage < 0.1, r)
  -- Step 2: remove the drained spine while traffic flows over the other
  -- two: the leaves' routes are rewritten before its links go, so not
  -- one packet may be lost.
  local probe = lunet.go(net.probe, net, "h1_1", "h4_2",
    { rate = 200, duration = "1s" })
  lunet.sleep("300ms")
  net:node("spine3"):remove()
  assert(net:node("spine3") == nil)
  r = probe:wait()
  assert(r.loss == 0, r)
  assert(paths() == 2, "two paths after the change")
  assert(net:pingall().loss == 0)
end)

lunet.test("the reset puts the spine back", function()
  local spine3 = net:node("spine3")
  assert(spine3, "spine3 is back")
  assert(paths() == 3, "three paths again")
  assert(net:pingall().loss == 0)
end)

return net
