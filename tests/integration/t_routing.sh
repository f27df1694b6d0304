# Routers that run FRR: eBGP on a leaf-spine with the RFC 7938 ASNs,
# OSPF on a torus, the user's own config with placeholders, a config FRR
# refuses, vtysh from Lua, the console and lunet exec, node faults with
# the daemons, limits refused before a build, and lunet clean after
# kill -9.  Real daemons, real FIBs.
. "$(dirname "$0")/lib.sh"

# --- eBGP on a 2 x 4 leaf-spine --------------------------------------------
e=$(emu_name bgp)
f=$(topo bgp.lua <<'EOF'
local net = lunet.topo.leafspine{ spines = 2, leaves = 4, hosts_per_leaf = 1,
                                  routing = "bgp" }
net:start()
local c = net:converged{ within = "60s", ecmp = true }
print("converged", c.routers, c.time)
-- The leaves' routes are BGP's, and none is lunet's static one.
for _, name in ipairs{ "leaf1", "leaf4", "spine2" } do
  local r = net:node(name):routes()
  assert(r:find("proto bgp"), name .. " has no BGP route:\n" .. r)
  assert(not r:find("proto static"), name .. " has static routes:\n" .. r)
end
-- ECMP: leaf1 reaches leaf2's loopback over both spines.
local lo2 = net:node("leaf2"):routing().router_id
assert(net:node("leaf1"):routes():find(lo2 .. "/32%s+2 paths proto bgp"),
       net:node("leaf1"):routes())
-- vtysh: text, and a table for a json command.
local s = net:node("leaf1"):vtysh("show bgp summary json")
assert(s.ipv4Unicast.peerCount == 2, "peers: " .. tostring(s.ipv4Unicast.peerCount))
assert(s.ipv4Unicast.as == 4200001001, "leaf1's ASN " .. tostring(s.ipv4Unicast.as))
local sp = net:node("spine1"):vtysh("show bgp summary json")
assert(sp.ipv4Unicast.as == 4200000000 and sp.ipv4Unicast.peerCount == 4,
       "spine1: AS " .. tostring(sp.ipv4Unicast.as) .. ", " .. tostring(sp.ipv4Unicast.peerCount) .. " peers")
assert(net:node("leaf1"):vtysh("show running-config"):find("hostname leaf1"))
-- Each daemon read its own part of lunet's config, and took every line.
for _, rt in ipairs(net:routers()) do
  for _, d in ipairs{ "zebra", "bgpd" } do
    local dir = "/run/lunet/" .. net.name .. "/routers/" .. rt.name
    assert(io.open(dir .. "/" .. d .. ".conf"), rt.name .. ": no " .. d .. ".conf"):close()
    for line in io.lines(dir .. "/" .. d .. ".log") do
      assert(not line:find("config line"), rt.name .. " " .. d .. ": " .. line)
    end
  end
end
local r = net:pingall()
assert(r.loss == 0, lunet.format_pingall(r))
-- A spine fails: its sessions go, every leaf keeps one path, and it
-- comes back with both.
net:node("spine1"):fail()
net:converged{ within = "30s", ecmp = true }
assert(net:pingall().loss == 0)
local one = net:node("leaf1"):routes()
assert(not one:find(lo2 .. "/32%s+2 paths proto"), "one path expected:\n" .. one)
net:node("spine1"):recover()
net:converged{ within = "30s", ecmp = true }
-- Killed, its daemons are started again from their config by recover().
net:node("spine2"):fail{ kill = true }
assert(select(1, net:node("spine2"):daemons()) == 0, "spine2's daemons live")
net:node("spine2"):recover()
local alive, total = net:node("spine2"):daemons()
assert(alive == total and total == 2, alive .. " of " .. total)
net:converged{ within = "30s", ecmp = true }
assert(net:pingall().loss == 0)
-- A daemon that dies is an event; net:reset() starts it again.
local pid = io.open("/run/lunet/" .. net.name .. "/routers/leaf3/bgpd.pid"):read("n")
os.execute("kill -9 " .. pid)
lunet.expect(function() return #lunet.events{ event = "daemon_down", node = "leaf3" } == 1 end,
             { within = "5s" })
assert(select(1, net:node("leaf3"):daemons()) == 1)
net:reset()
assert(select(1, net:node("leaf3"):daemons()) == 2)
net:converged{ within = "30s", ecmp = true }
print("ok")
EOF
)
expect_ok "$LUNET" run --name "$e" "$f"
grep -q "^converged	6	" "$TMP/out" || fail "converged did not count 6 routers"
grep -q "^ok" "$TMP/out" || fail "the script did not finish"
assert_clean "$e"

# --- Unnumbered: sessions over IPv6 link-local, no IPv4 on the fabric ----
# RFC 5549: the links between routers have no IPv4 address at all; BGP
# carries IPv4 routes with the peer's link-local address as next hop, which
# FRR 8.4's zebra installs as 169.254.0.1 onlink (with a permanent
# neighbour entry for the peer's MAC), not as RTA_VIA.
e=$(emu_name unn)
f=$(topo unn.lua <<'EOF'
local net = lunet.topo.leafspine{ spines = 2, leaves = 4, hosts_per_leaf = 1,
                                  routing = "bgp", unnumbered = true }
net:start()
net:converged{ within = "60s", ecmp = true }
local leaf1, spine1 = net:node("leaf1"), net:node("spine1")
local s = leaf1:vtysh("show bgp summary json").ipv4Unicast.peers
for _, ifname in ipairs{ "eth1", "eth2" } do
  assert(s[ifname] and s[ifname].state == "Established",
         "no session on " .. ifname)
end
assert(leaf1:cmd("ip -6 addr show dev eth1"):find("fe80::"))
assert(not leaf1:cmd("ip -6 addr show dev eth0"):find("fe80::"),
       "a host port kept IPv6")
-- IPv4 only on the loopback and the host port; none on a spine's ports.
local function v4(node)
  local names = {}
  for line in node:cmd("ip -4 -o addr show"):gmatch("[^\n]+") do
    local name = line:match("^%d+: ([^%s@]+)")
    if name ~= names[#names] then names[#names + 1] = name end
  end
  return table.concat(names, " ")
end
assert(v4(leaf1) == "lo eth0", "leaf1 has IPv4 on: " .. v4(leaf1))
assert(v4(spine1) == "lo", "spine1 has IPv4 on: " .. v4(spine1))
for _, i in ipairs(leaf1:intfs()) do
  assert((i.ip ~= nil) == (i.name == "eth0"), i.name .. ": " .. tostring(i.ip))
end
-- Every BGP path through a spine is the peer's link-local address.
local fib = leaf1:cmd("ip route show proto bgp")
assert(not fib:find("via 10%."), "an IPv4 next hop:\n" .. fib)
assert(leaf1:cmd("ip route show 10.255.0.3"):find("proto bgp", 1, true))
local far = fib:match("\n10%.255%.0%.3 [^\n]*\n(.*)")
local n = 0
for line in far:gmatch("[^\n]+") do
  if not line:find("^%s+nexthop") then break end
  assert(line:find("nexthop via 169.254.0.1 dev eth%d weight 1 onlink"), line)
  n = n + 1
end
assert(n == 2, "leaf4's loopback on leaf1:\n" .. fib)
assert(fib:find("10.255.0.4 via 169.254.0.1 dev eth1 metric 20 onlink", 1, true),
       "spine1's loopback on leaf1:\n" .. fib)
assert(leaf1:cmd("ip neigh show 169.254.0.1"):find("PERMANENT"))
local routes = leaf1:routes()
assert(routes:find("10.255.0.3/32%s+2 paths proto bgp"), routes)
assert(routes:find("10.255.0.4/32%s+via 169.254.0.1 onlink dev eth1 proto bgp"),
       routes)
print("fib\t" .. fib:match("10%.255%.0%.4 via [^\n]*"))
assert(net:pingall().loss == 0)
-- Routers answer from their loopbacks: spine1's ports have no IPv4.
local te = net:node("h1_1"):cmd("ping -n -c1 -W2 -t 2 10.0.0.7")
assert(te:find("From 10%.255%.0%.[45] icmp_seq=1 Time to live exceeded"), te)
print("ok")
EOF
)
expect_ok "$LUNET" run --name "$e" "$f"
grep -q "^ok" "$TMP/out" || fail "unnumbered: the script did not finish"
assert_clean "$e"
# BIRD does not peer unnumbered: refused, naming the router.
expect_fail "router spine1: unnumbered is for BGP with daemon 'frr'" \
	"$LUNET" run --name "$e" --topo leafspine,routing=bgp,daemon=bird,unnumbered=true
assert_clean "$e"

# --- lunet run waits for convergence; OSPF ---------------------------------
e=$(emu_name ospf)
expect_ok "$LUNET" run --name "$e" --topo torus,3,routing=ospf
grep -q "$e converged in" "$TMP/out" || fail "run did not wait for OSPF"
grep -q "72/72 pairs reachable" "$TMP/out" || fail "OSPF torus: pingall"
assert_clean "$e"

# --- Limits: routers too many for the machine, refused before any is built -
# LUNET_LIMITS pretends the machine's values; the same fabric without
# daemons fits the memory that the routed one does not.
e=$(emu_name lim)
LUNET_LIMITS=MemAvailable=100M expect_fail "^lunet: $e needs about [0-9]+ MiB: [0-9]+ of kernel memory \(36 namespaces, 48 veth pairs\) and [0-9]+ for the 40 routing daemons of its 20 routers \(36 prefixes each may hold\), and 100 MiB are available" \
	"$LUNET" run --name "$e" --topo fattree,k=4,routing=bgp
LUNET_LIMITS=kernel.pid_max=220 expect_fail "^lunet: $e's 40 routing daemons run about 200 threads, each a pid; [0-9]+ tasks run already and kernel.pid_max is 220 \(raise it with sysctl\)" \
	"$LUNET" run --name "$e" --topo fattree,k=4,routing=bgp
assert_clean "$e"
LUNET_LIMITS=MemAvailable=100M expect_ok "$LUNET" run --name "$e" --topo fattree,k=4
assert_clean "$e"

# --- The user's own config, with placeholders; an unknown placeholder -------
e=$(emu_name conf)
cat >"$TMP/r9.conf" <<'EOF'
hostname {{name}}
router bgp {{asn}}
 bgp router-id {{router_id}}
 no bgp ebgp-requires-policy
 neighbor {{eth0.peer}} remote-as {{eth0.peer_asn}}
 address-family ipv4 unicast
  network {{lo}}/32
  network {{eth1.ip}}
 exit-address-family
EOF
f=$(topo conf.lua <<'EOF'
local net = lunet.network("conf")
local r1 = net:router("r1", { routing = "bgp" })
local r9 = net:router("r9", { routing = "bgp", asn = 65009, config = "r9.conf" })
net:link(r9, r1)
net:link(net:host("h1"), r1)
net:link(net:host("h9"), r9)
return net
EOF
)
expect_ok "$LUNET" run --name "$e" "$f"
grep -q "2/2 pairs reachable" "$TMP/out" || fail "own config: pingall"
printf 'hostname {{name}}\nrouter bgp {{asn}}\n neighbor {{eth7.peer}} remote-as 1\n' >"$TMP/r9.conf"
expect_fail "router r9: .*r9.conf:3: no value for \{\{eth7.peer\}\}" \
	"$LUNET" run --name "$e" "$f"
assert_clean "$e"

# --- A config FRR refuses: the router, FRR's words, and a rollback ----------
e=$(emu_name bad)
f=$(topo bad.lua <<'EOF'
local net = lunet.network("bad")
local r1 = net:router("r1", { routing = "bgp" })
local r2 = net:router("r2", { routing = "bgp", extra = { "router bgp 4210000001", " bogus words here" } })
net:link(r1, r2)
return net
EOF
)
expect_fail "router r2: FRR refused its config: .*Unknown command.*bogus words here" \
	"$LUNET" run --name "$e" "$f"
assert_clean "$e"

# --- lunet up, the console, exec, kill -9 and clean -------------------------
e=$(emu_name up)
expect_ok "$LUNET" up --name "$e" --topo leafspine,spines=2,leaves=2,hosts_per_leaf=1,routing=bgp
for i in $(seq 50); do
	"$LUNET" exec "$e" leaf1 vtysh -c "show ip route bgp" >"$TMP/route" 2>&1
	grep -q "^B>\* 10.255.0.1/32" "$TMP/route" && break
	sleep 0.2
done
grep -q "^B>\* 10.255.0.1/32" "$TMP/route" || { cat "$TMP/route"; fail "exec vtysh: no BGP route"; }
printf 'lua net:converged{ ecmp = true }\nvtysh leaf1 show bgp summary\nroutes leaf1\nleaf2 vtysh -c "show running-config"\nbirdc leaf1 show route\n' |
	"$LUNET" console --attach "$e" >"$TMP/console" 2>&1
grep -q "local AS number 4200001001" "$TMP/console" || { cat "$TMP/console"; fail "console vtysh"; }
grep -q "2 paths proto bgp" "$TMP/console" || { cat "$TMP/console"; fail "console routes"; }
grep -q "hostname leaf2" "$TMP/console" || { cat "$TMP/console"; fail "console NODE vtysh"; }
grep -q "birdc: leaf1 runs FRR: use vtysh" "$TMP/console" || { cat "$TMP/console"; fail "console birdc on FRR"; }
pids=$(cat /run/lunet/"$e"/routers/*/*.pid)
[ "$(echo "$pids" | wc -w)" -eq 8 ] || fail "expected 8 daemons, got: $pids"
for p in $pids; do alive "$p" || fail "daemon $p is not running"; done
owner=$(awk '/^owner /{print $2}' "/run/lunet/$e/state")
kill -9 "$owner"
for p in $pids; do alive "$p" || fail "daemon $p died with its owner"; done
expect_ok "$LUNET" clean "$e"
for p in $pids; do alive "$p" && fail "daemon $p survived lunet clean"; done
assert_clean "$e"
echo "t_routing: ok"
