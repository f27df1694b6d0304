# Link counters: "lunet stats" (table, --json, --interval CSV, --top),
# net:stats()/link:stats()/node:stats() in a script, the console's stats,
# all checked against a known number of real pings; and the errors.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || fail "jq is needed to read --json"
e=$(emu_name stats)
expect_ok "$LUNET" up --name "$e" "$SRC/examples/demo.lua"

# end_of SIDE NODE FIELD: FIELD of NODE's end of its link, from stats.json
end_of() {
	jq -r --arg n "$2" ".links[].$1 | select(.node == \$n) | .$3" \
		"$TMP/stats.json"
}

expect_ok "$LUNET" stats --json "$e"
cp "$TMP/out" "$TMP/stats.json"
jq -e ".emulation == \"$e\" and (.links | length) == 6" "$TMP/stats.json" ||
	fail "--json is not the document of 6 links"
h1_tx=$(end_of a h1 tx_packets)
s1_rx=$(end_of b s1 rx_packets | head -1) # s1's end towards h1: link 0
h3_rx=$(end_of a h3 rx_packets)

# 50 echo requests from h1 to h3 (10.0.1.1), through s1, r1 and s2.
expect_ok "$LUNET" exec "$e" h1 ping -c 50 -i 0.01 -W 2 -q 10.0.1.1
grep -q "50 received" "$TMP/out" || fail "pings lost"

expect_ok "$LUNET" stats --json "$e"
cp "$TMP/out" "$TMP/stats.json"
d_tx=$(($(end_of a h1 tx_packets) - h1_tx))
d_rx=$(($(end_of b s1 rx_packets | head -1) - s1_rx))
d_h3=$(($(end_of a h3 rx_packets) - h3_rx))
echo "h1 sent $d_tx, s1 got $d_rx from h1, h3 got $d_h3"
# 50 echo requests, and a few ARP packets (h3 also gets the broadcasts
# flooded on its switch: r1's and h4's ARP requests).
[ "$d_tx" -ge 50 ] && [ "$d_tx" -le 56 ] || fail "h1 sent $d_tx, not 50-56"
[ "$d_rx" -eq "$d_tx" ] || fail "s1 got $d_rx of h1's $d_tx"
[ "$d_h3" -ge 50 ] && [ "$d_h3" -le 60 ] || fail "h3 got $d_h3, not 50-60"
[ "$(end_of a h1 tx_bytes)" -ge $((50 * 98)) ] || fail "h1 sent too few bytes"

# the table
expect_ok "$LUNET" stats "$e"
grep -q "^LINK (A -- B)" "$TMP/out" || fail "no table header"
grep -Eq "^h1:eth0 -- s1:eth0 +[0-9]" "$TMP/out" || fail "no row for h1-s1"
[ "$(wc -l <"$TMP/out")" -eq 7 ] || fail "not one row per link"
expect_ok "$LUNET" stats "$e" --sort packets -n 2
[ "$(wc -l <"$TMP/out")" -eq 3 ] || fail "-n 2 is not 2 rows"

# the CSV time series: a header, then 6 rows per interval
expect_ok "$LUNET" stats "$e" --interval 0.2 --count 3
head -1 "$TMP/out" | grep -q "^time,link,a,a_intf,b,b_intf,ab_packets," ||
	fail "no CSV header"
[ "$(grep -c '^[0-9.]*,[0-9]*,' "$TMP/out")" -eq 18 ] ||
	fail "not 3 x 6 CSV rows"
[ "$(grep -c '^time,' "$TMP/out")" -eq 1 ] || fail "header repeated"

# --top, not on a terminal: successive blocks, busiest first
"$LUNET" exec "$e" h2 ping -c 40 -i 0.02 -q 10.0.1.2 >/dev/null &
ping_pid=$!
expect_ok "$LUNET" stats "$e" --top --interval 0.3 --count 2 -n 3
wait $ping_pid
[ "$(grep -c "^$e: 6 links, rates over" "$TMP/out")" -eq 2 ] ||
	fail "--top did not print 2 blocks"
grep -A1 "^LINK" "$TMP/out" | grep -Eq "^(h2:eth0|h4:eth0|s[12]:eth2)" ||
	fail "the busiest link is not first"

# a script: link:stats() before and after, net:stats() and node:stats()
s=$(emu_name lua)
topo script.lua >/dev/null <<EOF
local net = lunet.network("$s")
local h1, h2 = net:host("h1"), net:host("h2")
local l = net:link(h1, h2)
net:start()
local before = l:stats()
assert(before.a.node == "h1" and before.b.node == "h2", "ends")
assert(before.a.intf == "eth0" and before.b.peer == "h1", "names")
local out, st = h1:cmd("ping -c 20 -i 0.01 -q " .. h2.ip)
assert(st == 0, out)
local after = l:stats()
local d = after.tx_packets - before.tx_packets
assert(d >= 20 and d <= 24, "h1 sent " .. d)
assert(after.b.rx_packets - before.b.rx_packets == d, "h2 got less")
assert(after.rx_packets - before.rx_packets >= 20, "replies")
assert(after.a.tx_packets == after.tx_packets, "a is end a")
local all = net:stats()
assert(#all == 1 and all[l] == all[1], "net:stats() by link")
assert(all[1].link == l and all[1].tx_packets >= after.tx_packets)
local n = h2:stats()
assert(n.eth0.rx_packets >= after.b.rx_packets and n.eth0.peer == "h1")
print("lua stats ok", d)
EOF
expect_ok "$LUNET" run "$TMP/script.lua"
grep -q "lua stats ok" "$TMP/out" || fail "the script did not finish"

# the console, attached
"$LUNET" console --attach "$e" >"$TMP/con.out" 2>&1 <<EOF
stats
stats h1 s1
stats h1 h2
EOF
cat "$TMP/con.out"
[ "$(grep -c '^h1:eth0 -- s1:eth0 ' "$TMP/con.out")" -eq 2 ] ||
	fail "console stats lacks h1-s1"
grep -q "^s2:eth2 -- r1:eth1 " "$TMP/con.out" || fail "console stats lacks s2-r1"
grep -q "stats: no link between h1 and h2" "$TMP/con.out" ||
	fail "console stats h1 h2 did not fail"

# errors
expect_fail "no emulation named 'nosuch_$RUN_ID'" \
	"$LUNET" stats "nosuch_$RUN_ID"
expect_fail "--sort: no field 'nope'" "$LUNET" stats "$e" --sort nope
expect_fail "does not mix" "$LUNET" stats "$e" --json --interval 1
expect_fail "usage: lunet stats" "$LUNET" stats

expect_ok "$LUNET" down "$e"
expect_fail "no emulation named" "$LUNET" stats "$e"
assert_clean "$e" "$s"
