# Every example builds, passes its reachability check and leaves nothing.
. "$(dirname "$0")/lib.sh"
for f in "$SRC"/examples/*.lua; do
	case "$f" in */outage_*) continue ;; esac
	e=$(emu_name "$(basename "$f" .lua | tr -c 'A-Za-z0-9_\n' _ | cut -c1-12)")
	expect_ok "$LUNET" run --name "$e" "$f"
	grep -q "pairs reachable, 0% loss" "$TMP/out" || fail "$f: not all reachable"
	assert_clean "$e"
done
# The built-in default topology, as "mn" alone would build.
e=$(emu_name default)
expect_ok "$LUNET" run --name "$e"
grep -q "2/2 pairs reachable" "$TMP/out" || fail "default topology"
assert_clean "$e"
