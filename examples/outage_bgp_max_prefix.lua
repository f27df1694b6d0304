-- Outage: a peer floods a leaf with prefixes, and maximum-prefix cuts it.
--
-- An upstream, standing in for the internet (a speaker: see
-- docs/routing-speakers.md), peers with leaf1 and is expected to send a
-- few hundred routes; leaf1 guards the session with a limit of 1,000
-- prefixes (max_prefix: FRR's "neighbor X maximum-prefix 1000").  One
-- day the upstream sends 2,000 (a leak of routes it should have kept to
-- itself).  As soon as it has sent more than 1,000, leaf1 tears the
-- session down (a Cease notification, "Maximum Number of Prefixes
-- Reached") and keeps it down: the session shows Idle (PfxCt), and the
-- routes it had brought in are withdrawn from leaf1 and from the rest of
-- the fabric.  The fabric is safe from the flood, and cut off from the
-- upstream.  Raising the limit above what the upstream really sends
-- brings the session up with every route.
--
-- The plan knows about the limit, so net:converged{} expects leaf1's
-- session with the speaker down and the flood in nobody's FIB (it
-- returns the session in tripped), and checks with leaf1's BGP that the
-- session was torn down for that reason.
--
--   lunet test examples/outage_bgp_max_prefix.lua

-- Two spines, two leaves with a host each, the upstream on leaf1 with
-- flood prefixes, leaf1 with the limit.
local function fabric(name, limit, flood)
  local net = lunet.network(name)
  local spines = {}
  for s = 1, 2 do
    spines[s] = net:router("spine" .. s, { routing = "bgp",
                                           asn = 4200000000 })
  end
  for l = 1, 2 do
    local leaf = net:router("leaf" .. l, {
      routing = "bgp", asn = 4200001000 + l,
      max_prefix = l == 1 and limit or nil })
    net:link(leaf, net:host("h" .. l))
    for s = 1, 2 do net:link(leaf, spines[s]) end
  end
  local upstream = net:speaker("upstream", { asn = 64496, prefixes = flood })
  net:link(upstream, net:node("leaf1"))
  return net
end

-- How many routes to the upstream's prefixes (100.64.0.0/10) router
-- name's FIB holds.
local function flood_routes(net, name)
  local n = 0
  for line in net:node(name):routes():gmatch("[^\n]+") do
    if line:match("^100%.") then n = n + 1 end
  end
  return n
end

-- leaf1's view of its session with the upstream.
local function session(net)
  local addr = net:node("upstream"):intfs()[1].ip:match("^[^/]+")
  return net:node("leaf1"):vtysh("show bgp neighbors " .. addr .. " json")[addr]
end

lunet.test("2,000 prefixes against a limit of 1,000: the session is cut",
function()
  local net = fabric("mpflood", 1000, 2000)
  net:start()
  local c = net:converged{ within = "30s", ecmp = true }
  -- The plan expected it: leaf1's session with the upstream is down.
  assert(#c.tripped == 1, "no session expected down")
  local t = c.tripped[1]
  print(string.format("converged in %.2f s; %s's session with %s expected "
                      .. "down: offered %d prefixes, limit %d", c.time,
                      t.router, t.speaker, t.offered, t.max))
  local p = session(net)
  print(string.format("leaf1 <- upstream: %s, %s (limit %d)", p.bgpState,
                      p.lastNotificationReason,
                      p.addressFamilyInfo.ipv4Unicast.prefixAllowedMax))
  assert(p.bgpState == "Idle" and p.prefixesConfigExceedMax)
  assert(p.lastNotificationReason:find("Maximum Number of Prefixes"),
         p.lastNotificationReason)
  -- None of the flood is left in any FIB.
  for _, name in ipairs{ "leaf1", "leaf2", "spine1", "spine2" } do
    assert(flood_routes(net, name) == 0, name .. " holds the flood")
  end
  -- The fabric itself is fine.
  assert(net:pingall().loss == 0)
end)

lunet.test("the fix: a limit above what the upstream sends", function()
  local net = fabric("mpfixed", 5000, 2000)
  net:start()
  local c = net:converged{ within = "30s", ecmp = true }
  assert(#c.tripped == 0)
  local p = session(net)
  print(string.format("leaf1 <- upstream: %s, %d prefixes accepted (limit "
                      .. "%d)", p.bgpState,
                      p.addressFamilyInfo.ipv4Unicast.acceptedPrefixCounter,
                      p.addressFamilyInfo.ipv4Unicast.prefixAllowedMax))
  assert(p.bgpState == "Established")
  -- Every router holds every one of them (2,000 /24s).
  for _, name in ipairs{ "leaf1", "leaf2", "spine1", "spine2" } do
    assert(flood_routes(net, name) == 2000, name .. " holds "
           .. flood_routes(net, name))
  end
end)
