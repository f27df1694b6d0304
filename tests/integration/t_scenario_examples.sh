# The outage examples pass under lunet test, and leave nothing behind:
# those with static routes, and those with FRR's BGP (outage_bgp_*).
. "$(dirname "$0")/lib.sh"
e=$(emu_name ex)
expect_ok "$LUNET" test --name "$e" "$SRC"/examples/outage_*.lua
grep -q "^not ok" "$TMP/out" && fail "an example failed"
[ "$(grep -c '^ok ' "$TMP/out")" -ge 18 ] || fail "fewer than 18 cases"
assert_clean "$e"
