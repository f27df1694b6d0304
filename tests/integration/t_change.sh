# Changing a running network: nodes and links added and removed live
# from Lua, the console and "lunet apply", with real namespaces and
# packets; refused changes leave it as it was; a kill in the middle of a
# change then "lunet clean" leaves nothing.
. "$(dirname "$0")/lib.sh"

nsof() { ls /run/netns 2>/dev/null | grep -F "lunet-$1-" | grep -c -v -F "+relay"; }
need() { grep -qE -- "$1" "$TMP/out" || fail "output lacks /$1/"; }

# Lua: a host on a running switch, a router between two segments, a
# spine removed from a static leaf-spine (ECMP shrinks, all reachable).
e=$(emu_name lua)
f=$(topo live.lua <<'EOF'
local net = lunet.network("live")
local s1, s2 = net:switch("s1"), net:switch("s2")
net:link(net:host("h1"), s1)
net:link(net:host("h2"), s1)
net:link(net:host("h3"), s2)
local r1 = net:router("r1")
net:link(s1, r1)
net:link(r1, s2)
net:start()
local h9 = net:host("h9")
net:link(h9, s1)
print("h9", h9.ip)
print("ping h1 h9", net:ping("h1", "h9"))
print("pingall1", net:pingall().loss)
-- a second way between the segments, then the first one removed
local r2 = net:router("r2")
net:link(s1, r2)
net:link(r2, s2)
r1:remove()
print("r1 gone", net:node("r1") == nil, net:pingall().loss)
print("h1 route", (net:node("h1"):cmd("ip route show default")))
-- refused changes leave the network as it was
local h8 = net:host("h8")
local before = #net:nodes() .. "/" .. #net:links()
print("dup", pcall(net.host, net, "h9"))
print("clash", pcall(function()
  net:link(h8, s1, { ip1 = h9.ip .. "/24" })
end))
print("unknown", pcall(function() net:link(net:node("h1"), "nope") end))
print("self", pcall(function() net:link(s1, s1) end))
print("same", before == #net:nodes() .. "/" .. #net:links())
print("dead", pcall(function() return r1.name end))
print("pingall2", net:pingall().loss)
EOF
)
expect_ok "$LUNET" run -n "$e" "$f"
need "^h9	10.0.0.3$"
need "^ping h1 h9	true"
need "^pingall1	0.0"
need "^r1 gone	true	0.0"
need "^h1 route	default via 10.0.0.253 dev eth0"
need "^dup	false	.*node 'h9' is defined twice"
need "^clash	false	.*both have address 10.0.0.3"
need "^unknown	false	.*unknown node 'nope'"
need "^self	false	.*cannot be linked to itself"
need "^same	true"
need "^dead	false	.*this node was removed"
need "^pingall2	0.0"
assert_clean "$e"

# A static leaf-spine loses a spine: the leaves' routes go from two next
# hops to one, and every host still reaches every other.
e=$(emu_name ls)
f=$(topo ls.lua <<'EOF'
local net = lunet.topo.leafspine{ spines = 2, leaves = 3, hosts_per_leaf = 2 }
net:start()
local function hops()
  return select(2, net:node("leaf1"):cmd("ip route show 10.0.0.8/30"):gsub("nexthop", ""))
end
print("before", hops(), net:pingall().loss)
net:node("spine2"):remove()
print("after", hops(), net:pingall().loss)
return net
EOF
)
expect_ok "$LUNET" run -n "$e" "$f"
need "^before	2	0.0"
need "^after	0	0.0"
assert_clean "$e"

# A switch already at the bridge's 1023 ports: a host more is refused
# before anything is built, and the network stays as it was.
e=$(emu_name full)
f=$(topo full.lua <<'EOF'
local net = lunet.network("full")
local s1 = net:switch("s1")
for i = 0, 1022 do net:link(net:host("h" .. i), s1) end
net:start()
local function count()
  return io.popen("ls /run/netns | grep -c -F lunet-" .. net.name .. "-"):read("n")
end
local ns = count()
local ok, err = pcall(net.change, net, function()
  net:link(net:host("hx"), s1)
end)
print("full", ok, err)
print("same", #net:nodes(), net:node("hx"), count() == ns and ns == 1024)
net:stop()
EOF
)
expect_ok "$LUNET" run -n "$e" "$f"
need "^full	false	.*switch s1 has 1024 ports; a Linux bridge takes at most 1023"
need "^same	1024	nil	true$"
assert_clean "$e"

# A growth the kernel refuses is undone: a namespace lunet did not make
# stands where a new node's would go; the change fails naming it, the
# other new node and its veth are taken away, the stranger's namespace
# is left alone.
e=$(emu_name undo)
ip netns add "lunet-$e-hx"
at_exit "ip netns del lunet-$e-hx"
f=$(topo undo.lua <<'EOF'
local net = lunet.network("u")
local s1 = net:switch("s1")
net:link(net:host("h1"), s1)
net:start()
local ok, err = pcall(net.change, net, function()
  net:link(net:host("h8"), s1)
  net:link(net:host("hx"), s1)
end)
print("refused", ok, err)
print("left", #net:nodes(), net:node("h8"),
  (net:node("s1"):cmd("ip -o link show"):gsub("[^\n]*\n", "x")))
net:link(net:host("h2"), s1)
print("after", net:ping("h1", "h2"))
EOF
)
expect_ok "$LUNET" run -n "$e" "$f"
need "^refused	false	.*namespace /run/netns/lunet-$e-hx already exists and is not this emulation's"
need "^left	2	nil	xxx$"
need "^after	true"
[ -e "/run/netns/lunet-$e-hx" ] || fail "lunet removed a namespace it did not make"
[ ! -e "/run/netns/lunet-$e-h8" ] || fail "h8's namespace is still there"
ip netns del "lunet-$e-hx"
assert_clean "$e"

# Impairments and removals: a link before an impaired one is removed and
# the impaired one keeps its delay (its programs keep their slots), can
# be changed, is put back by the reset; a link added since the first
# impairment cannot be impaired, and says so.
e=$(emu_name imp)
f=$(topo imp.lua <<'EOF'
local net = lunet.network("ir")
local s1 = net:switch("s1")
net:link(net:host("h1"), s1)
net:link(net:host("h2"), s1)
net:link(net:host("h3"), s1, { delay = "20ms" })
net:start()
local function rtt(a, b) local ok, ms = net:ping(a, b); return ok and ms or -1 end
rtt("h1", "h3")
print("before", rtt("h1", "h3") > 39)
net:node("h2"):remove()
print("after", rtt("h1", "h3") > 39, net:link_between("h3", "s1"):impairments().a.delay)
net:link_between("h3", "s1"):impair{ delay = "40ms" }
print("changed", rtt("h1", "h3") > 79)
net:link(net:host("h9"), s1)
print("new", rtt("h1", "h9") < 10, pcall(function()
  net:link_between("h9", "s1"):impair{ delay = "5ms" }
end))
net:reset()
local r = rtt("h1", "h3")
print("reset", r > 39 and r < 79)
EOF
)
expect_ok "$LUNET" run -n "$e" "$f"
need "^before	true$"
need "^after	true	0.02$"
need "^changed	true$"
need "^new	true	false	.*added after the network's first impairment"
need "^reset	true$"
assert_clean "$e"

# net:change(): a rack added at once and removed at once; an error in
# the function takes its additions back; every change is an event.
e=$(emu_name batch)
f=$(topo batch.lua <<'EOF'
local net = lunet.topo.leafspine{ spines = 2, leaves = 2, hosts_per_leaf = 2 }
net:start()
net:change(function()
  local leaf = net:router("leaf3")
  for s = 1, 2 do net:link(leaf, net:node("spine" .. s)) end
  for h = 1, 4 do net:link(net:host("h3_" .. h), leaf) end
end)
print("rack", #net:nodes(), net:ping("h1_1", "h3_4"), net:pingall().loss)
local ok, err = pcall(net.change, net, function()
  net:link(net:host("x1"), net:node("leaf1"))
  error("changed my mind")
end)
print("undone", ok, err, net:node("x1"), #net:nodes())
net:change(function()
  for h = 1, 4 do net:node("h3_" .. h):remove() end
  net:node("leaf3"):remove()
end)
print("gone", #net:nodes(), net:node("leaf3"), net:pingall().loss)
local n = {}
for _, ev in ipairs(lunet.events()) do n[ev.event] = (n[ev.event] or 0) + 1 end
print("events", n.node_added, n.link_added, n.node_removed)
EOF
)
expect_ok "$LUNET" run -n "$e" "$f"
need "^rack	13	true	0.0$"
need "^undone	false	.*changed my mind	nil	13$"
need "^gone	8	nil	0.0$"
need "^events	5	6	5$"
[ ! -e "/run/netns/lunet-$e-x1" ] || fail "x1 was built"
assert_clean "$e"

# lunet test: the reset between cases undoes the changes a case made,
# like any fault (the drain-a-spine rehearsal, and a host added).
e=$(emu_name tst)
f=$(topo undo.lua <<'EOF'
local net = lunet.network("undo")
local s1 = net:switch("s1")
net:link(net:host("h1"), s1)
net:link(net:host("h2"), s1)
lunet.test("a case changes the network", function()
  net:start()
  net:link(net:host("h3"), s1)
  net:link_between("h2", "s1"):remove()
  assert(net:ping("h1", "h3"))
end)
lunet.test("the next case finds it as it was", function()
  assert(net:node("h3") == nil, "h3 was removed by the reset")
  assert(net:link_between("h2", "s1"), "h2-s1 is back")
  assert(net:ping("h1", "h2"))
end)
EOF
)
expect_ok "$LUNET" test --name "$e" "$f" "$SRC"/examples/change_drain_spine.lua
need "^# 4 passed, 0 failed"
assert_clean "$e"

# Routers with routing daemons: a BGP leaf added to a running FRR fabric
# gets its daemons and sessions (its spines reload their configs with the
# new neighbour), the fabric converges with ECMP and carries traffic; a
# spine removed takes its daemons with it and the rest converges.
e=$(emu_name bgp)
f=$(topo bgp.lua <<'EOF'
local net = lunet.topo.leafspine{ spines = 2, leaves = 2, hosts_per_leaf = 1,
                                  routing = "bgp" }
net:start()
assert(net:converged{ within = "60s" })
net:change(function()
  local leaf = net:router("leaf3", { routing = "bgp" })
  for s = 1, 2 do net:link(leaf, net:node("spine" .. s)) end
  net:link(net:host("h3_1"), leaf)
end)
print("daemons", net:node("leaf3"):daemons())
print("converged", net:converged{ within = "60s", ecmp = true } ~= nil)
print("pingall", net:pingall().loss)
local est = 0
for _, p in pairs(net:node("spine1"):vtysh("show bgp summary json").ipv4Unicast.peers) do
  if p.state == "Established" then est = est + 1 end
end
print("sessions", est)
net:node("spine2"):remove()
print("converged2", net:converged{ within = "60s" } ~= nil, net:pingall().loss)
EOF
)
expect_ok "$LUNET" run -n "$e" "$f"
need "^daemons	[1-9]"
need "^converged	true"
need "^pingall	0.0"
need "^sessions	3$"
need "^converged2	true	0.0"
assert_clean "$e"

# apply: a changed MTU is set in place, not by making the link again (its
# counters go on); a jumbo frame then crosses it.
e=$(emu_name mtu)
m1=$(topo m1.lua <<'EOF'
local net = lunet.network("m")
local s1 = net:switch("s1")
net:link(net:host("h1"), s1)
net:link(net:host("h2"), s1)
return net
EOF
)
m2=$(topo m2.lua <<'EOF'
local net = lunet.network("m")
local s1 = net:switch("s1")
net:link(net:host("h1"), s1, { mtu = 9000 })
net:link(net:host("h2"), s1, { mtu = 9000 })
return net
EOF
)
f=$(topo mtu.lua <<EOF
local net = dofile("$m1")
net:start()
local function tx()
  return tonumber((net:node("h1"):cmd("cat /sys/class/net/eth0/statistics/tx_packets")))
end
for i = 1, 5 do net:ping("h1", "h2") end
local before = tx()
for _, l in ipairs(net:apply("$m2")) do print(l) end
print("kept", tx() >= before, before > 0)
print("mtu", net:node("h1"):cmd("cat /sys/class/net/eth0/mtu"))
print("jumbo", net:node("h1"):cmd("ping -c1 -W2 -M do -s 8972 " .. net:node("h2").ip):match("1 received"))
print("again", #net:apply("$m2"))
EOF
)
expect_ok "$LUNET" run -n "$e" "$f"
need "^~ link h1-s1: mtu 1500 -> 9000$"
need "^kept	true	true$"
need "^mtu	9000"
need "^jumbo	1 received"
need "^again	0$"
assert_clean "$e"

# The console: add, remove, apply, with the record following.
e=$(emu_name con)
f1=$(topo f1.lua <<'EOF'
local net = lunet.network("f")
local s1, s2 = net:switch("s1"), net:switch("s2")
for i = 1, 3 do net:link(net:host("h" .. i), s1) end
net:link(s1, s2)
net:link(net:host("h4"), s2)
return net
EOF
)
f2=$(topo f2.lua <<'EOF'
local net = lunet.network("f")
local s1, s2 = net:switch("s1"), net:switch("s2")
for i = 1, 2 do net:link(net:host("h" .. i), s1) end
net:link(s1, s2, { delay = "5ms" })
net:link(net:host("h4"), s2)
net:link(net:host("h5"), s2)
net:link(net:host("h6"), s2)
return net
EOF
)
"$LUNET" console -n "$e" "$f1" >"$TMP/out" 2>&1 <<EOF
add host h9 s1 s2
nodes
h1 ping -c1 -W2 h9
remove link h9 s2
remove node h9
remove node nope
add gadget g1
apply $f2 --dry-run
apply $f2
nodes
h1 ping -c1 -W2 h6
apply $f2
EOF
cat "$TMP/out"
need "^hosts: h1 h2 h3 h4 h9$"
need "1 received"
need "remove: unknown node 'nope'"
need "add: 'gadget' is not one of host, switch, router, link"
need "^- host h3$"
need "^\+ host h6$"
need "^\+ link h6-s2$"
need "^~ link s1-s2: from eth.: delay 5ms"
need "apply: dry run, nothing changed"
need "^hosts: h1 h2 h4 h5 h6$"
need "apply: no difference"
[ "$(grep -c '^+ host h6$' "$TMP/out")" -eq 2 ] ||
	fail "the dry run and the apply should both print + host h6"
assert_clean "$e"

# lunet apply NAME FILE on a "lunet up" emulation builds exactly the
# difference: namespaces counted before and after, the record follows.
e=$(emu_name up)
expect_ok "$LUNET" up -n "$e" "$f1"
[ "$(nsof "$e")" -eq 6 ] || fail "want 6 namespaces, have $(nsof "$e")"
expect_ok "$LUNET" apply --dry-run "$e" "$f2"
[ "$(nsof "$e")" -eq 6 ] || fail "a dry run changed the namespaces"
expect_ok "$LUNET" apply "$e" "$f2"
[ "$(nsof "$e")" -eq 7 ] || fail "want 7 namespaces, have $(nsof "$e")"
[ ! -e "/run/netns/lunet-$e-h3" ] || fail "h3's namespace is still there"
expect_ok "$LUNET" ls
grep -E "^$e +up +7 +6 " "$TMP/out" || fail "lunet ls does not show 7 nodes, 6 links"
expect_ok "$LUNET" exec "$e" h1 ping -c1 -W2 10.0.0.5
expect_fail "no such file|No such file" "$LUNET" apply "$e" "$TMP/none.lua"
expect_ok "$LUNET" down "$e"
assert_clean "$e"

# kill -9 in the middle of a change, then lunet clean: nothing left.
e=$(emu_name kill)
f=$(topo grow.lua <<'EOF'
local net = lunet.network("grow")
local sw = {}
for k = 1, 4 do sw[k] = net:switch("s" .. k) end
net:link(net:host("h0"), sw[1])
net:start()
print("growing"); io.stdout:flush()
-- 100 hosts a switch: no subnet fills up before the kill.
for i = 1, 400 do net:link(net:host("h" .. i), sw[i % 4 + 1]) end
print("grown")
EOF
)
"$LUNET" run -n "$e" "$f" >"$TMP/grow.out" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q growing "$TMP/grow.out" && break; sleep 0.1; done
# In the middle of the changes: some hosts there, far from all 400.
for _ in $(seq 200); do [ "$(nsof "$e")" -gt 30 ] && break; sleep 0.02; done
kill -9 "$pid"
wait "$pid" 2>/dev/null
grep -q grown "$TMP/grow.out" && fail "the growth ended before the kill"
[ "$(nsof "$e")" -gt 6 ] || fail "no host was added before the kill"
expect_ok "$LUNET" clean "$e"
assert_clean "$e"
echo "t_change: ok"
