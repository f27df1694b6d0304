-- Outage: a leaf uplink flaps under BGP, and the churn it causes.
--
-- leaf1's link to spine1 goes down and up.  Each time it goes down, the
-- session between leaf1 and spine1 goes down with the interface and
-- spine1 withdraws rack 1 (and leaf1's loopback) from every other leaf;
-- once it is back up, the session comes back and spine1 announces them
-- again.  So a flap costs the whole fabric BGP updates, not only the two
-- routers at its ends: here they are counted from FRR's own message
-- counters (show bgp neighbors json) on leaf1 and on leaf2, a leaf whose
-- links never move.  With static routes (outage_flap.lua) nothing tells
-- leaf2; with BGP, leaf2 hears of every flap.
--
-- How much it hears depends on the flap.  A slow flap (down 2 s) costs
-- leaf2 a withdrawal and an announcement.  How long the session takes to
-- come back after it depends on FRR's connect-retry timer (10 s in the
-- datacenter defaults): a connection attempt that failed while the link
-- was down is tried again only when the timer fires, so the fabric may
-- take from about a second to over ten to have both paths again.  A fast one (1 s) does
-- not: leaf1's session with spine1 comes back in each up phase (its
-- counters say so), but spine1's news for the other leaves does not keep
-- pace (FRR sends updates to a group of peers in batches, and news that
-- a later batch undoes is never sent), so leaf2 hears about as much for
-- four fast flaps as for one.
--
--   lunet test examples/outage_bgp_flap.lua
local net = lunet.topo.leafspine{ spines = 2, leaves = 4, hosts_per_leaf = 1,
                                  routing = "bgp", name = "bgpflap" }

-- Router name's BGP counters per neighbour (by its description): updates
-- received and sent, sessions established and dropped.
local function counters(name)
  local out = {}
  for _, p in pairs(net:node(name):vtysh("show bgp neighbors json")) do
    out[p.nbrDesc] = { recv = p.messageStats.updatesRecv,
                       sent = p.messageStats.updatesSent,
                       up = p.connectionsEstablished,
                       dropped = p.connectionsDropped }
  end
  return out
end

-- Flaps leaf1-spine1 count times, waits for BGP to settle, prints the
-- counters of leaf1 and leaf2 before and after; returns the differences
-- of leaf1's session with spine1 and of leaf2's.
local function flap(period, count)
  net:start()
  net:converged{ within = "30s", ecmp = true }
  local before = { leaf1 = counters("leaf1"), leaf2 = counters("leaf2") }
  local f = net:link_between("leaf1", "spine1"):flap{ period = period,
                                                       count = count }
  assert(f:wait() == count)
  -- Once it stops, BGP settles with both paths again.
  local c = net:converged{ within = "30s", ecmp = true, every = "50ms" }
  print(string.format("%d flap(s) of %s: converged %.2f s after the last",
                      count, period, c.time))
  local diff = {}
  for _, leaf in ipairs{ "leaf1", "leaf2" } do
    for peer, a in pairs(counters(leaf)) do
      local b = before[leaf][peer]
      print(string.format("  %s <- %s: updates received %d -> %d, sent "
                          .. "%d -> %d, sessions established %d -> %d, "
                          .. "dropped %d -> %d", leaf, peer, b.recv, a.recv,
                          b.sent, a.sent, b.up, a.up, b.dropped, a.dropped))
      if peer == "spine1" then
        diff[leaf] = { recv = a.recv - b.recv, up = a.up - b.up,
                       dropped = a.dropped - b.dropped }
      end
    end
  end
  assert(net:pingall().loss == 0)
  return diff.leaf1, diff.leaf2
end

lunet.test("a slow flap: rack 1 withdrawn, then announced again", function()
  local leaf1, leaf2 = flap("4s", 1)
  -- leaf1's session with spine1 went down with the link and came back.
  assert(leaf1.dropped == 1 and leaf1.up == 1, "leaf1's session: "
         .. leaf1.dropped .. " drops, " .. leaf1.up .. " comebacks")
  -- leaf2's session never dropped, and it was told: a withdrawal and
  -- an announcement.
  assert(leaf2.dropped == 0, "leaf2's own session dropped")
  print(string.format("leaf2 got %d updates from spine1 for 1 flap of a "
                      .. "link it does not touch", leaf2.recv))
  assert(leaf2.recv >= 2, "leaf2 got " .. leaf2.recv .. " updates")
end)

lunet.test("a fast flap: the other leaves hear less than every flap",
function()
  local leaf1, leaf2 = flap("1s", 4)
  assert(leaf1.dropped >= 1, "leaf1's session never dropped")
  print(string.format("leaf2 got %d updates from spine1 for 4 flaps",
                      leaf2.recv))
  -- Told, but less than a withdrawal and an announcement a flap.
  assert(leaf2.recv > 0 and leaf2.recv < 2 * 4, "leaf2 got " .. leaf2.recv)
end)
