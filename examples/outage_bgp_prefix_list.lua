-- Outage: a prefix-list typo blackholes a rack (FRR, eBGP).
--
-- leaf2 filters what it announces to the spines: its loopback and its
-- rack's subnet, nothing else (a policy against leaking whatever it might
-- learn).  The prefix-list was copied from leaf1's config, and the rack's
-- line still says leaf1's subnet, 10.1.0.0/24, where it should say
-- 10.2.0.0/24.  Every BGP session comes up and every loopback is
-- reachable, so a check of the sessions finds nothing wrong; but no
-- router outside leaf2 has a route to rack 2, and every host there is cut
-- off from the rest of the fabric (the way back still works: leaf2 learnt
-- every other rack).
--
-- The check that catches it is the one a CI job would run on every config
-- change: build the fabric with the config, wait for every BGP session,
-- then for the FIBs to hold what the plan says they should, and ping
-- every pair.  The first
-- case runs it on the broken config and expects it to FAIL, naming the
-- rack's subnet and the pairs that are lost; the second runs it on the
-- fixed config and expects it to pass.
--
--   lunet test examples/outage_bgp_prefix_list.lua

-- The outbound policy of leaf2 towards both spines (eth1, eth2; eth0 is
-- its host), with its rack's line given.
local function policy(rack_line)
  return {
    "ip prefix-list LEAF2-OUT seq 10 permit 10.255.0.0/16 ge 32",
    "ip prefix-list LEAF2-OUT seq 20 " .. rack_line,
    "route-map TO-SPINES permit 10",
    " match ip address prefix-list LEAF2-OUT",
    "exit",
    "router bgp {{asn}}",
    " address-family ipv4 unicast",
    "  neighbor {{eth1.peer}} route-map TO-SPINES out",
    "  neighbor {{eth2.peer}} route-map TO-SPINES out",
    " exit-address-family",
  }
end

local BROKEN = policy("permit 10.1.0.0/24") -- leaf1's line, copied
local FIXED = policy("permit 10.2.0.0/24")

-- Two spines (one ASN), three leaves (one each), a rack subnet and a
-- host per leaf: 10.L.0.0/24.  leaf2 gets the policy.
local function fabric(name, leaf2_policy)
  local net = lunet.network(name)
  local spines = {}
  for s = 1, 2 do
    spines[s] = net:router("spine" .. s, { routing = "bgp",
                                           asn = 4200000000 })
  end
  for l = 1, 3 do
    local leaf = net:router("leaf" .. l, {
      routing = "bgp", asn = 4200001000 + l,
      extra = l == 2 and leaf2_policy or nil })
    net:link(leaf, net:host("h" .. l, { ip = "10." .. l .. ".0.10/24" }))
    for s = 1, 2 do net:link(leaf, spines[s]) end
  end
  return net
end

-- Whether every BGP session of every router is up.
local function sessions_up(net)
  for _, r in ipairs(net:routers()) do
    local s = r:vtysh("show bgp summary json")
    for addr, p in pairs(s.ipv4Unicast.peers) do
      if p.state ~= "Established" then
        return false, r.name .. " <-> " .. addr .. " is " .. p.state
      end
    end
  end
  return true
end

-- The fabric check: every session up, the FIBs as the plan says they
-- should be once converged (5 s after the sessions are up is plenty, on
-- a loaded machine too), every pair reachable.  Returns true, or false and what is
-- wrong.
local function check(net)
  net:start()
  local ok, why = pcall(lunet.expect, function() return sessions_up(net) end,
                        { within = "20s", every = "200ms" })
  if not ok then return false, why end
  ok, why = pcall(net.converged, net, { within = "5s" })
  if not ok then return false, why end
  local r = net:pingall()
  if r.loss > 0 then return false, lunet.format_pingall(r) end
  return true
end

lunet.test("the check fails on the broken prefix-list: rack 2 is cut off",
function()
  local net = fabric("plbroken", BROKEN)
  local ok, why = check(net)
  assert(not ok, "the broken config passed the check")
  print("the check says: " .. why)
  -- It names rack 2's subnet, missing from the other routers' FIBs.
  assert(why:find("10.2.0.0/24", 1, true), why)
  assert(why:find("leaf1: ", 1, true) and why:find("spine1: ", 1, true), why)
  -- Every BGP session is up all the same: the sessions look healthy.
  assert(sessions_up(net))
  -- Traffic says the same as the FIBs: every pair with a host of rack 2
  -- is lost (a ping needs both ways), the others are not.
  local r = net:pingall()
  print(lunet.format_pingall(r))
  assert(#r.failed > 0)
  for _, f in ipairs(r.failed) do
    assert(f[1] == "h2" or f[2] == "h2", f[1] .. " -> " .. f[2] .. " lost")
  end
  assert(r.ok == 2, "h1 <-> h3 should work")
end)

lunet.test("the check passes on the fixed prefix-list", function()
  local net = fabric("plfixed", FIXED)
  local ok, why = check(net)
  assert(ok, why)
  assert(net:node("leaf1"):routes():find("10.2.0.0/24%s+2 paths proto bgp"),
         net:node("leaf1"):routes())
end)
