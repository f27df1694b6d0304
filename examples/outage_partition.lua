-- Outage: a rack is cut off from the fabric (its fiber bundle is cut).
--
-- Both uplinks of leaf4 go down together: the hosts of rack 4 still reach
-- each other through their leaf, nothing outside reaches them, and the
-- rest of the fabric does not notice.  Healing the partition brings both
-- uplinks back with their routes.  A probe that runs across the whole
-- episode measures the outage: as long as the partition lasted.
--
--   lunet test examples/outage_partition.lua
local leafspine = lunet.topo.leafspine

local net = leafspine{ spines = 2, leaves = 4, hosts_per_leaf = 2 }
local rack4 = { "leaf4", "h4_1", "h4_2" }

lunet.test("rack 4 cut off for a second", function()
  net:start()
  local probe = lunet.go(net.probe, net, "h1_1", "h4_1",
    { rate = 100, duration = "4s" })
  lunet.sleep("1s")
  local p = net:partition(rack4)
  lunet.sleep("1s")
  p:heal()
  local r = probe:wait()
  -- One outage, as long as the partition lasted: the event log says when
  -- the rack's uplinks went down and came back.
  local down = lunet.events{ event = "link_down", link = "leaf4-spine1" }[1]
  local up = lunet.events{ event = "link_up", link = "leaf4-spine1" }[1]
  assert(r.outages == 1, r)
  assert(math.abs(r.outage - (up.t - down.t)) < 0.3, r)
end)

lunet.test("inside and outside the partition", function()
  local p = net:partition(rack4)
  local inside = net:probe("h4_1", "h4_2", { rate = 50, duration = "0.5s" })
  assert(inside.loss == 0, inside)
  local across = net:probe("h1_1", "h4_1", { rate = 50, duration = "0.5s" })
  assert(across.received == 0, across)
  -- Exactly the pairs with one end in rack 4 fail: 2 hosts to and from
  -- the 6 others.
  local r = net:pingall()
  assert(#r.failed == 24, r)
  p:heal()
  lunet.expect(function() return net:pingall().loss == 0 end,
    { within = "5s" })
end)
