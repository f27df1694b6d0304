# up, exec, ls, down; the namespaces are visible to ip netns.
. "$(dirname "$0")/lib.sh"
e=$(emu_name life)
expect_ok "$LUNET" up --name "$e" "$SRC/examples/demo.lua"
grep -q "$e is up" "$TMP/out" || fail "up did not say so"
[ -f "/run/lunet/$e/state" ] || fail "no state file"

# exec runs inside the node, with its exit status.
expect_ok "$LUNET" exec "$e" h1 ip -br addr
grep -q "10.0.0.1/24" "$TMP/out" || fail "h1 lacks 10.0.0.1/24"
grep -q "^eth0" "$TMP/out" || fail "h1 lacks eth0"
"$LUNET" exec "$e" h1 sh -c 'exit 7'
[ $? -eq 7 ] || fail "exec exit status not passed through"
expect_fail "no node 'nope'" "$LUNET" exec "$e" nope true

# The usual tools see the nodes.
expect_ok ip netns exec "lunet-$e-h1" ping -c1 -W2 10.0.1.1
expect_ok ip netns exec "lunet-$e-r1" cat /proc/sys/net/ipv4/ip_forward
grep -qx 1 "$TMP/out" || fail "r1 does not forward"
expect_ok ip netns exec "lunet-$e-s1" ip -d link show br0
grep -q "bridge" "$TMP/out" || fail "s1 has no bridge"

expect_ok "$LUNET" ls
grep -E "^$e +up +7 +6" "$TMP/out" || fail "ls does not list $e"

# A second emulation with the same name is refused; the first survives.
expect_fail "already running" "$LUNET" up --name "$e" "$SRC/examples/demo.lua"
expect_ok "$LUNET" exec "$e" h2 ping -c1 -W2 10.0.0.1

expect_ok "$LUNET" down "$e"
assert_clean "$e"
expect_fail "no emulation named" "$LUNET" down "$e"
