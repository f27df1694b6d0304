-- Outage: a spine of a BGP fabric dies (FRR, eBGP per RFC 7938).
--
-- Every leaf learns every other rack from both spines, and installs the
-- two paths as one multipath (ECMP) route.  When spine1 fails, all its
-- links go down at both ends.  Two things happen on each leaf, one after
-- the other: its kernel marks the next hop through spine1 dead at once
-- (the route still has 2 paths, 1 of them down, and forwards over the
-- other), and its BGP session with spine1 goes down with the interface,
-- so BGP withdraws what it had learnt from spine1 and zebra replaces the
-- route with a 1-path one.  Traffic carries on over spine2 throughout,
-- so a steady probe across the failure sees (close to) no outage: the
-- kernel moved before BGP did.  When spine1 comes back, its sessions come
-- up again and the routes grow back to 2 paths.
--
--   lunet test examples/outage_bgp_spine_loss.lua
local net = lunet.topo.leafspine{ spines = 2, leaves = 4, hosts_per_leaf = 1,
                                  routing = "bgp", name = "bgpspine" }

-- The paths of router name's route to prefix ("10.255.0.3/32"), and how
-- many of them are down (0, 0 when it has no route).
local function paths(name, prefix)
  for line in net:node(name):routes():gmatch("[^\n]+") do
    local dst, rest = line:match("^(%S+)%s+(.*)")
    if dst == prefix then
      return tonumber(rest:match("^(%d+) paths")) or 1,
             tonumber(rest:match("(%d+) down")) or 0
    end
  end
  return 0, 0
end

-- The BGP sessions of router name that are up.
local function established(name)
  local up, s = 0, net:node(name):vtysh("show bgp summary json")
  for _, peer in pairs(s.ipv4Unicast.peers) do
    if peer.state == "Established" then up = up + 1 end
  end
  return up
end

local function lo(name) return net:node(name):routing().router_id .. "/32" end

lunet.test("BGP routes around a dead spine: ECMP shrinks to 1 path",
function()
  net:start()
  local c = net:converged{ within = "30s", ecmp = true }
  print(string.format("converged in %.2f s", c.time))
  assert(paths("leaf1", lo("leaf4")) == 2, net:node("leaf1"):routes())
  assert(established("leaf1") == 2)
  -- A steady probe from rack 1 to rack 4 while spine1 dies under it.
  local probe = lunet.go(net.probe, net, "h1_1", "h4_1",
    { rate = 200, duration = "3s" })
  lunet.sleep("500ms")
  local t0 = lunet.now()
  net:node("spine1"):fail()   -- its links go down, its daemons freeze
  -- At once: the kernel forwards over the one path left ...
  local n, down = paths("leaf1", lo("leaf4"))
  print(string.format("right after: leaf1 -> leaf4 has %d paths, %d down",
                      n, down))
  assert(n - down == 1)
  -- ... which is all the plan expects without spine1 (converged{}
  -- counts the paths that forward) ...
  net:converged{ within = "10s", ecmp = true, every = "20ms" }
  -- ... and then BGP withdraws spine1's paths: 1 path, none down.
  lunet.expect(function()
    local k, d = paths("leaf1", lo("leaf4"))
    return k == 1 and d == 0
  end, { within = "10s", every = "20ms" })
  print(string.format("BGP's 1-path route in leaf1's FIB %.2f s after the "
                      .. "failure", lunet.now() - t0))
  assert(established("leaf1") == 1, "leaf1 still has its session with spine1")
  local r = probe:wait()
  print(tostring(r))
  print(string.format("outage h1_1 -> h4_1: %.3f s", r.outage))
  assert(r.outage < 1, r)
end)

lunet.test("the spine comes back: ECMP grows back to 2 paths", function()
  -- The runner reset the network between the cases: spine1's links are
  -- up again and its daemons go on.  BGP brings its sessions back.
  local t0 = lunet.now()
  net:converged{ within = "30s", ecmp = true, every = "50ms" }
  print(string.format("2 paths again %.2f s after the reset",
                      lunet.now() - t0))
  for _, leaf in ipairs{ "leaf1", "leaf2", "leaf3", "leaf4" } do
    assert(established(leaf) == 2, leaf .. " lacks a session")
  end
  assert(paths("leaf1", lo("leaf4")) == 2, net:node("leaf1"):routes())
  assert(net:pingall().loss == 0)
end)
