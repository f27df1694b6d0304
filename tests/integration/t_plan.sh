# lunet plan: a topology placed on machines without building it; the
# placement's output, and the errors of bad specs and placements.
. "$(dirname "$0")/lib.sh"

# A fat-tree k=4 on three machines: pods are whole (8 nodes each), so two
# share a machine and the balance is out of reach: said, exit status 0.
expect_ok "$LUNET" plan --machines local:3 --topo fattree,k=4 >"$TMP/plan"
grep -q "^fattree on 3 machines: 36 nodes, 48 links$" "$TMP/plan" ||
	fail "no header"
for m in m1 m2 m3; do
	grep -qE "^$m +[0-9]+ +[0-9]+ +[0-9.]+%$" "$TMP/plan" ||
		fail "no line for $m"
done
# Loads add up to the 36 nodes; the heaviest is two pods (16).
total=$(awk '/^m[0-9]/ { s += $3 } END { print s }' "$TMP/plan")
[ "$total" = 36 ] || fail "loads add up to $total, not 36"
most=$(awk '/^m[0-9]/ && $3 > m { m = $3 } END { print m }' "$TMP/plan")
[ "$most" = 16 ] || fail "the heaviest machine carries $most, not 16"
cut=$(awk '/^cut:/ { print $2 }' "$TMP/plan")
pairs=$(awk '/^  m[0-9]+ - m[0-9]+:/ { s += $4 } END { print s }' "$TMP/plan")
[ -n "$cut" ] && [ "$cut" = "$pairs" ] ||
	fail "cut $cut, the pairs add up to $pairs"
grep -q "^warning: no placement within 10% found" "$TMP/plan" ||
	fail "no warning of the imbalance"

# -v: every node's machine, pods whole, only core-aggregation links cut.
expect_ok "$LUNET" plan -v --machines local:2 --topo fattree,k=4 >"$TMP/nodes"
grep -q "^m1 .* 18 .*50.0%$" "$TMP/nodes" || fail "k=4 on 2 is not 18/18"
grep -q "^cut: 8 of 48 links" "$TMP/nodes" || fail "k=4 on 2 cuts not 8"
for p in 1 2 3 4; do
	n=$(awk -v p="$p" '$1 ~ "^(agg|edge|h)" p "_" { print $2 }' \
		"$TMP/nodes" | sort -u | wc -l)
	[ "$n" = 1 ] || fail "pod $p is on $n machines"
done
grep -q warning "$TMP/nodes" && fail "a warning for an even placement"

# Named ssh machines and a manual placement from a file.
cat >"$TMP/t.lua" <<'LUA'
local net = lunet.topo.leafspine{}
net:place("spine2", "west")
return net
LUA
expect_ok "$LUNET" plan -v --machines "east=ssh://a,west=ssh://root@b:2222" \
	"$TMP/t.lua" >"$TMP/named"
grep -q "^spine2 *west$" "$TMP/named" || fail "spine2 is not on west"

# Errors: bad specs, a machine that is not there, a group too big, a file
# that builds.
expect_fail "machines 'local:0': '0' is not a number of machines" \
	"$LUNET" plan --machines local:0 --topo fattree,k=4
expect_fail "port '0' is not a number from 1 to 65535" \
	"$LUNET" plan --machines ssh://a,ssh://b:0 --topo fattree,k=4
expect_fail "none of local:N" "$LUNET" plan --machines bogus --topo linear,3
expect_fail "give the number of pods" \
	"$LUNET" plan --machines k8s:lab/emu --topo linear,3
expect_fail "node spine2 .*is placed on machine 'west', which is not one of the 2 machines \(m1, m2\)" \
	"$LUNET" plan "$TMP/t.lua"
expect_fail "group pod1 weighs 8, more than a machine may carry" \
	"$LUNET" plan --machines local:8 --topo fattree,k=4
expect_ok "$LUNET" plan --no-groups --machines local:8 --topo fattree,k=4
cat >"$TMP/start.lua" <<'LUA'
local net = lunet.network("x")
net:host("h1")
net:start()
LUA
expect_fail "start.lua:3: network 'x': this command only places" \
	"$LUNET" plan "$TMP/start.lua"
ls /run/netns 2>/dev/null | grep -q "^lunet-x-" && fail "plan built x"
expect_fail "unknown option '--bogus'" "$LUNET" plan --bogus
exit 0
