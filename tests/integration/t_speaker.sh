# Speakers: BGP routers that stand in for the outside world.  A speaker
# announcing 1,000 generated prefixes and one announcing a list, on a 2 x 2
# leaf-spine with FRR: every leaf and spine FIB holds them, converged{}
# knows it (and, once the speaker is cut off, that they are gone), and
# net:speaker's option errors name the file and line.
. "$(dirname "$0")/lib.sh"

# --- 1,000 prefixes into a 2 x 2 leaf-spine ---------------------------------
e=$(emu_name spk)
f=$(topo spk.lua <<'EOF'
local net = lunet.topo.leafspine{ spines = 2, leaves = 2, hosts_per_leaf = 1,
                                  routing = "bgp" }
local isp = net:speaker("isp", { asn = 64496, prefixes = 1000 })
local doc = net:speaker("doc", { asn = 64497,
                                 prefixes = { "203.0.113.0/24", "192.0.2.0/24" } })
net:link(isp, net:node("leaf1"))
net:link(doc, net:node("leaf2"))
net:start()
local c = net:converged{ within = "60s", ecmp = true }
print("converged", c.routers, #c.tripped, c.time)
-- Every fabric router holds all of them, from BGP: the leaves and spines
-- by count, and one each by its paths (leaf2 over both spines).
for _, name in ipairs{ "leaf1", "leaf2", "spine1", "spine2" } do
  local out = net:node(name):cmd("ip -4 route show proto bgp")
  local n = 0
  for line in out:gmatch("[^\n]+") do
    if line:match("^100%.6[4-7]%.%d+%.0/24 ") then n = n + 1 end
  end
  assert(n == 1000, name .. " holds " .. n .. " of isp's 1000 prefixes")
  assert(out:find("203.0.113.0/24", 1, true) and
         out:find("192.0.2.0/24", 1, true), name .. " lacks doc's prefixes")
end
local r = net:node("leaf2"):routes()
assert(r:find("100.64.0.0/24%s+2 paths proto bgp"), r:sub(1, 400))
assert(r:find("100.67.231.0/24%s+2 paths proto bgp"), "the 1000th /24")
assert(not r:find("100.67.232.0/24", 1, true), "a 1001st /24")
-- The speaker's own view: its session with leaf1, the fabric learnt.
local s = net:node("isp"):vtysh("show bgp summary json")
assert(s.ipv4Unicast.as == 64496 and s.ipv4Unicast.peerCount == 1,
       "isp: AS " .. tostring(s.ipv4Unicast.as) .. ", " .. tostring(s.ipv4Unicast.peerCount) .. " peers")
local info = net:node("isp"):routing()
assert(info.speaker and info.prefixes == 1000, "isp:routing()")
assert(net:node("isp"):routes():find("10.0.0.2/31%s+via"), "isp lacks rack 2")
-- The fabric still works for its hosts.
assert(net:pingall().loss == 0)
-- The speaker's link goes down: converged{} waits until no router holds
-- a route to its prefixes any more, not only until the others are there.
net:link_between("isp", "leaf1"):down()
c = net:converged{ within = "30s", every = "20ms" }
print("withdrawn", c.rounds, c.time)
for _, name in ipairs{ "leaf1", "leaf2", "spine1", "spine2" } do
  local out = net:node(name):cmd("ip -4 route show proto bgp")
  assert(not out:find("100.64.0.0/24", 1, true) and
         not out:find("100.67.231.0/24", 1, true),
         name .. " still holds isp's prefixes")
  assert(out:find("203.0.113.0/24", 1, true), name .. " lost doc's")
end
print("ok")
EOF
)
expect_ok "$LUNET" run --name "$e" "$f"
grep -q "^converged	6	0	" "$TMP/out" || fail "converged did not count 6 routers"
grep -q "^ok" "$TMP/out" || fail "the script did not finish"
assert_clean "$e"

# --- Option errors, with the file and line ------------------------------------
e=$(emu_name spkerr)
check() {
	local pat=$1
	f=$(topo err.lua <<EOF
local net = lunet.network("spkerr")
local r = net:router("r1", { routing = "bgp" })
$2
return net
EOF
)
	expect_fail "$pat" "$LUNET" run --name "$e" "$f"
}
check "err.lua:3: speaker s: unknown option 'colour' \(it takes: asn, bfd, daemon, extra, group, lo, prefixes, router_id\)" \
	'net:speaker("s", { prefixes = 10, colour = "red" })'
check "err.lua:3: speaker s: option 'prefixes' is needed" \
	'net:speaker("s", { asn = 64496 })'
check "err.lua:3: speaker s: prefixes\[2\] is not a prefix like \"203.0.113.0/24\" \(got bogus\)" \
	'net:speaker("s", { prefixes = { "192.0.2.0/24", "bogus" } })'
check "err.lua:3: speaker s: prefixes = 20000: a count is from 1 to 16384" \
	'net:speaker("s", { prefixes = 20000 })'
check "err.lua:3: speaker s: speakers need daemon 'frr'" \
	'net:speaker("s", { prefixes = 1, daemon = "bird" })'
check "err.lua:3: router r2: max_prefix is for BGP, and r2 runs ospf" \
	'net:router("r2", { routing = "ospf", max_prefix = 10 })'
# Mistakes the plan finds, named by the speaker.
check "speaker s \(.*err.lua:3\): no router to announce to" \
	'net:speaker("s", { prefixes = 1 })'
check "speaker s \(.*err.lua:3\): its ASN 64496 is that of router r9" \
	'net:link(net:speaker("s", { asn = 64496, prefixes = 1 }), net:router("r9", { asn = 64496 }))'
check "speaker s \(.*err.lua:3\): prefix 10.255.0.0/16 overlaps the loopback of router r1" \
	'net:link(net:speaker("s", { prefixes = { "10.255.0.0/16" } }), r)'
assert_clean "$e"
echo "t_speaker: ok"
