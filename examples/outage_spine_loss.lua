-- Outage: a spine router of a leaf-spine fabric dies.
--
-- Every leaf reaches every other leaf through both spines, over equal-cost
-- multipath (ECMP) static routes.  When spine1 fails, all its links go
-- down at both ends: each leaf sees its own link to spine1 go down, and its
-- kernel drops that next hop from the multipath routes at once.  No leaf
-- keeps sending to the dead spine, so traffic moves to spine2 with no
-- outage to speak of, which a steady probe across the failure measures.
-- When spine1 recovers, its links come back with their routes, and both
-- spines carry traffic again.
--
--   lunet test examples/outage_spine_loss.lua
local leafspine = lunet.topo.leafspine

local net = leafspine{ spines = 2, leaves = 4, hosts_per_leaf = 2 }

lunet.test("traffic survives the loss of one spine", function()
  net:start()
  assert(net:pingall().loss == 0)
  -- A steady probe from rack 1 to rack 4 while spine1 dies under it.
  local probe = lunet.go(net.probe, net, "h1_1", "h4_2",
    { rate = 100, duration = "2s" })
  lunet.sleep("500ms")
  net:node("spine1"):fail()          -- all its links go down, its processes stop
  lunet.expect(function() return net:pingall().loss == 0 end, { within = "5s" })
  local r = probe:wait()
  assert(r.outage < 0.5, r)
  net:node("spine1"):recover()
end)

lunet.test("a recovered spine carries traffic again", function()
  -- The runner reset the network: spine1 is back.  Take spine2 away and
  -- everything must go through spine1.
  net:node("spine2"):fail()
  lunet.expect(function()
    local r = net:probe("h2_1", "h3_2", { rate = 50, duration = "0.5s" })
    return r.loss == 0, r
  end, { within = "3s" })
  assert(net:pingall().loss == 0)
end)
