-- Outage: a link dies without going down, and how long BGP takes to see
-- it: hold timers against BFD.
--
-- A link that stops carrying packets but keeps its carrier (a unidirec-
-- tional optic, a broken transceiver, a switch in between that died) is
-- invisible to the kernel: the interface stays up, the route keeps its
-- path through it, and traffic hashed onto that path is lost.  Here the
-- link is cut that way with an impairment of 100% loss both ways, which
-- leaves both interfaces up.  Only the routing protocol can notice:
--
--   - with BGP alone, by the hold timer: no keepalive for the hold time,
--     and the session is declared dead.  The datacenter default is 9 s;
--     this fabric sets "timers bgp 1 3" (keepalives every second, hold
--     3 s), so detection takes 2 to 3 s;
--   - with BFD (bfd = true: FRR's bfdd and "neighbor X bfd"), by BFD's
--     own hellos: 3 missed at 300 ms, so under a second.
--
-- Detection is measured where it matters, in the FIB: the time from the
-- cut until the leaf's route to the other rack no longer has the dead
-- path.  leaf1 and spine1 run BFD, leaf2 and spine2 do not; the first
-- case cuts leaf2-spine2 (hold timers only), the second leaf1-spine1
-- (BFD).
--
--   lunet test examples/outage_bgp_bfd.lua
local net = lunet.network("bgpbfd")
local timers = { "router bgp {{asn}}", " timers bgp 1 3" }
for s = 1, 2 do
  net:router("spine" .. s, { routing = "bgp", asn = 4200000000,
                             bfd = s == 1, extra = timers })
end
for l = 1, 2 do
  local leaf = net:router("leaf" .. l, { routing = "bgp", asn = 4200001000 + l,
                                         bfd = l == 1, extra = timers })
  for h = 1, 2 do net:link(leaf, net:host(string.format("h%d_%d", l, h))) end
  for s = 1, 2 do net:link(leaf, net:node("spine" .. s)) end
end

-- The paths of router name's route to the loopback of router to.
local function paths(name, to)
  local lo = net:node(to):routing().router_id .. "/32"
  for line in net:node(name):routes():gmatch("[^\n]+") do
    local dst, rest = line:match("^(%S+)%s+(.*)")
    if dst == lo then return tonumber(rest:match("^(%d+) paths")) or 1 end
  end
  return 0
end

-- Every flow between the two racks, both ways.
local function flows()
  local f = {}
  for a = 1, 2 do
    for b = 1, 2 do
      f[#f + 1] = { "h1_" .. a, "h2_" .. b }
      f[#f + 1] = { "h2_" .. b, "h1_" .. a }
    end
  end
  return f
end

-- Cuts leaf-spine with 100% loss, returns how long until leaf's route to
-- the other leaf has 1 path, and the longest outage of the flows.
local function cut(leaf, spine, other)
  net:start()
  net:converged{ within = "30s", ecmp = true }
  assert(paths(leaf, other) == 2)
  local probe = lunet.go(net.probe, net, flows(),
    { rate = 100, duration = "4s" })
  lunet.sleep("500ms")
  local t0 = lunet.now()
  net:link_between(leaf, spine):impair{ loss = 1 }  -- both ways, still up
  lunet.expect(function() return paths(leaf, other) == 1 end,
    { within = "15s", every = "20ms" })
  local detect = lunet.now() - t0
  local worst = 0
  for _, r in ipairs(probe:wait()) do
    if r.outage > worst then worst = r.outage end
  end
  return detect, worst
end

local held -- the first case's detection time, for the second

lunet.test("hold timers: a silent link takes seconds to find", function()
  local detect, worst = cut("leaf2", "spine2", "leaf1")
  held = detect
  print(string.format("hold timer (1 s keepalives, 3 s hold): leaf2 drops "
                      .. "spine2's path %.2f s after the cut; longest "
                      .. "outage of 8 flows %.2f s", detect, worst))
  -- Not before the hold time less a keepalive (a loaded machine may
  -- take longer after it).
  assert(detect > 1.5 and detect < 8, detect)
  local s = net:node("leaf2"):vtysh("show bgp summary json")
  for _, p in pairs(s.ipv4Unicast.peers) do
    if p.desc == "spine2" then assert(p.state ~= "Established") end
  end
end)

lunet.test("BFD: the same cut found in under a second", function()
  net:start()
  -- The bfd option made working BFD sessions: bfdd runs on leaf1 and
  -- spine1 and their session is up (leaf1's with spine2 stays down:
  -- spine2 runs no BFD, and that does not hold BGP back).
  net:converged{ within = "30s", ecmp = true }
  local spine1 = net:node("spine1"):intfs()[1].ip -- leaf1-spine1, spine1's end
  lunet.expect(function()
    for _, p in ipairs(net:node("leaf1"):vtysh("show bfd peers json")) do
      if p.peer == spine1:match("^[^/]+") and p.status == "up" then
        return true
      end
    end
    return false, "leaf1's BFD session with spine1 is not up"
  end, { within = "10s" })
  local detect, worst = cut("leaf1", "spine1", "leaf2")
  print(string.format("BFD (3 x 300 ms): leaf1 drops spine1's path %.2f s "
                      .. "after the cut; longest outage of 8 flows %.2f s",
                      detect, worst))
  assert(detect < 2.5, detect)
  if held then
    print(string.format("BFD found it %.1f times as fast", held / detect))
    assert(detect < held, "BFD was no faster than the hold timer")
  end
  local bfd = net:node("leaf1"):vtysh("show bfd peers json")
  for _, p in ipairs(bfd) do
    if p.peer == spine1:match("^[^/]+") then
      assert(p.status == "down", "BFD did not see the cut")
    end
  end
end)
