# Generated fabrics: every host reaches every other over the planned,
# aggregated, multipath routes, and nothing is left afterwards.
. "$(dirname "$0")/lib.sh"

# A k=4 fat-tree: 16 hosts, 20 routers, 240 pairs.
e=$(emu_name ft4)
expect_ok "$LUNET" run --name "$e" --topo fattree,k=4
grep -q "36 nodes, 48 links" "$TMP/out" || fail "fattree,k=4: wrong size"
grep -q "240/240 pairs reachable, 0% loss" "$TMP/out" ||
	fail "fattree,k=4: not all reachable"
assert_clean "$e"

# A k=8 fat-tree: 128 hosts, 16,256 pairs.
e=$(emu_name ft8)
expect_ok "$LUNET" run --name "$e" --topo fattree,k=8
grep -q "16256/16256 pairs reachable, 0% loss" "$TMP/out" ||
	fail "fattree,k=8: not all reachable"
assert_clean "$e"

# Past 256 nodes the build and teardown run on every CPU.
e=$(emu_name big)
expect_ok "$LUNET" run --name "$e" --topo leafspine,spines=4,leaves=16,hosts_per_leaf=16
grep -q "276 nodes, 320 links" "$TMP/out" || fail "leafspine: wrong size"
grep -q "65280/65280 pairs reachable, 0% loss" "$TMP/out" ||
	fail "leafspine: not all reachable"
assert_clean "$e"

# A leaf-spine: two spines, every leaf uplink carries traffic.
e=$(emu_name ls)
expect_ok "$LUNET" up --name "$e" --topo leafspine,spines=2,leaves=3,hosts_per_leaf=2
expect_ok "$LUNET" exec "$e" leaf1 ip route show 10.0.0.8/30
grep -q "nexthop via" "$TMP/out" || fail "leaf1: no multipath route"
[ "$(grep -c 'nexthop via' "$TMP/out")" -eq 2 ] ||
	fail "leaf1: want two next hops"
expect_ok "$LUNET" exec "$e" h1_1 ping -c1 -W2 10.0.0.9
expect_ok "$LUNET" down "$e"
assert_clean "$e"

# A script changes a generated network before starting it.
e=$(emu_name gen)
f=$(topo gen.lua <<'EOF'
local net = lunet.topo.leafspine{spines = 2, leaves = 2, hosts_per_leaf = 1}
local extra = net:host("extra")
net:link(extra, net:node("leaf2"))
net:start()
local r = net:pingall()
assert(r.pairs == 6 and r.loss == 0, lunet.format_pingall(r))
print("changed fabric ok")
EOF
)
expect_ok "$LUNET" run --name "$e" "$f"
grep -q "changed fabric ok" "$TMP/out" || fail "changed fabric"
assert_clean "$e"

# Mistakes in a --topo spec are named.
expect_fail "lunet.topo.fattree\{\}: option 'k' must be even \(got 3\)" "$LUNET" run --topo fattree,k=3
expect_fail "unknown option 'spine' \(it takes: bfd, daemon, hosts_per_leaf, leaves, name, routing, spines, unnumbered\)" "$LUNET" run --topo leafspine,spine=2
