# Packet capture: lunet capture on an interface (count, filter), to a pipe,
# on a whole node (a file per interface), on a link (every packet once),
# a ring of files; link:capture() from Lua; the console's capture; errors;
# a capture ends with its emulation and leaves nothing behind.
. "$(dirname "$0")/lib.sh"
command -v tcpdump >/dev/null || fail "tcpdump is needed to read the files"
e=$(emu_name cap)
e2=$(emu_name lua)
e3=$(emu_name con)
# emu_name runs in a subshell here, so lib.sh's own list misses them.
at_exit "\"$LUNET\" clean -q $e $e2 $e3"
demo=$SRC/examples/demo.lua
expect_ok "$LUNET" up -n "$e" "$demo"
PIDS=()
at_exit 'for p in "${PIDS[@]}"; do kill -INT $p; done'

# start_capture LOG ARGS...: lunet capture in the background; returns once
# it says it is capturing.  $cap_pid is its pid.
start_capture() {
	local log=$1 i
	shift
	"$LUNET" capture "$e" "$@" 2>"$log" &
	cap_pid=$!
	PIDS+=("$cap_pid")
	for i in $(seq 50); do
		grep -q "capturing on" "$log" && return 0
		alive "$cap_pid" || break
		sleep 0.1
	done
	cat "$log"
	fail "capture did not start: $*"
}

# wait_gone PID: the capture ends within 5 s.
wait_gone() {
	local i
	for i in $(seq 50); do
		alive "$1" || { wait "$1" 2>/dev/null; return 0; }
		sleep 0.1
	done
	fail "capture $1 still running"
}

ping_h3() {
	"$LUNET" exec "$e" h1 ping -c "$1" -i 0.2 -W 2 10.0.1.1 >/dev/null ||
		fail "h1 cannot ping h3"
}

# 1. One interface, a filter, a count: it stops by itself after 4 packets,
#    the echo requests and replies, and none of the TCP the filter drops.
start_capture "$TMP/c1.err" h1:eth0 -c 4 -w "$TMP/c1.pcap" icmp
"$LUNET" exec "$e" h1 bash -c 'echo hi >/dev/tcp/10.0.1.1/5000' 2>/dev/null
ping_h3 3
wait_gone "$cap_pid"
cat "$TMP/c1.err"
grep -q "4 packets captured, 0 dropped" "$TMP/c1.err" || fail "count"
tcpdump -nr "$TMP/c1.pcap" >"$TMP/c1.txt" 2>/dev/null || fail "tcpdump -r"
cat "$TMP/c1.txt"
[ "$(grep -c 'ICMP echo request' "$TMP/c1.txt")" = 2 ] || fail "requests"
[ "$(grep -c 'ICMP echo reply' "$TMP/c1.txt")" = 2 ] || fail "replies"
[ "$(wc -l <"$TMP/c1.txt")" = 4 ] || fail "the filter let more through"
grep -q "10.0.0.1 > 10.0.1.1" "$TMP/c1.txt" || fail "addresses"

# 2. A pcap stream on stdout, read by tcpdump from a pipe.
("$LUNET" capture "$e" h1:eth0 -w - -c 2 -f icmp 2>"$TMP/c2.err" |
	tcpdump -nr - >"$TMP/c2.txt" 2>/dev/null) &
PIDS+=($!)
pipe_pid=$!
for i in $(seq 50); do
	grep -q "capturing on" "$TMP/c2.err" && break
	sleep 0.1
done
ping_h3 2
wait_gone "$pipe_pid"
cat "$TMP/c2.txt"
[ "$(grep -c 'ICMP echo' "$TMP/c2.txt")" = 2 ] || fail "stdout stream"

# 3. A whole node: one file per interface, named after the prefix.
start_capture "$TMP/c3.err" s1 -w "$TMP/s1"
ping_h3 2
kill -INT "$cap_pid"
wait_gone "$cap_pid"
cat "$TMP/c3.err"
for i in 0 1 2; do
	[ -s "$TMP/s1-eth$i.pcap" ] || fail "no $TMP/s1-eth$i.pcap"
	tcpdump -nr "$TMP/s1-eth$i.pcap" >/dev/null 2>&1 || fail "s1-eth$i"
done
[ "$(tcpdump -nr "$TMP/s1-eth0.pcap" icmp 2>/dev/null | wc -l)" = 4 ] ||
	fail "s1:eth0 lacks the pings"
[ "$(tcpdump -nr "$TMP/s1-eth2.pcap" icmp 2>/dev/null | wc -l)" = 4 ] ||
	fail "s1:eth2 (towards r1) lacks the pings"

# 4. A link: what each end sends, so every request appears exactly once,
#    and before its reply.
start_capture "$TMP/c4.err" s1-r1 -w "$TMP/link.pcap" icmp
ping_h3 3
kill -INT "$cap_pid"
wait_gone "$cap_pid"
tcpdump -nr "$TMP/link.pcap" >"$TMP/c4.txt" 2>/dev/null
cat "$TMP/c4.txt"
for s in 1 2 3; do
	[ "$(grep -c "echo request.*seq $s," "$TMP/c4.txt")" = 1 ] ||
		fail "request $s not exactly once on the link"
	[ "$(grep -c "echo reply.*seq $s," "$TMP/c4.txt")" = 1 ] ||
		fail "reply $s not exactly once on the link"
done
head -1 "$TMP/c4.txt" | grep -q "echo request" || fail "reply before request"

# 5. A ring of at most 3 files of 10 KiB.
start_capture "$TMP/c5.err" h1:eth0 -C 10k -W 3 -w "$TMP/ring.pcap"
"$LUNET" exec "$e" h1 ping -f -c 300 -s 200 10.0.1.1 >/dev/null
kill -INT "$cap_pid"
wait_gone "$cap_pid"
cat "$TMP/c5.err"
ls -l "$TMP"/ring.pcap*
n=$(ls "$TMP"/ring.pcap* | wc -l)
[ "$n" = 3 ] || fail "ring has $n files, not 3"
[ -e "$TMP/ring.pcap3" ] && fail "ring went past 3 files"
for f in "$TMP"/ring.pcap*; do
	tcpdump -nr "$f" >/dev/null 2>&1 || fail "$f unreadable"
	[ "$(stat -c %s "$f")" -lt 20000 ] || fail "$f is too big"
done

# 6. Errors: one line naming what is wrong, exit status 1.
expect_fail "no node 'nope' in emulation '$e'" \
	"$LUNET" capture "$e" nope -w "$TMP/x.pcap"
expect_fail "no interface 'eth9' on node 'h1'" \
	"$LUNET" capture "$e" h1:eth9 -w "$TMP/x.pcap"
expect_fail "bad filter 'icmp and and': .*syntax error" \
	"$LUNET" capture "$e" h1:eth0 -w "$TMP/x.pcap" icmp and and
expect_fail "no link between 'h1' and 'h2'" \
	"$LUNET" capture "$e" h1-h2 -w "$TMP/x.pcap"
expect_fail "no emulation named 'nope_$RUN_ID'" \
	"$LUNET" capture "nope_$RUN_ID" h1 -w "$TMP/x.pcap"
[ "$(wc -l <"$TMP/out")" = 1 ] || fail "error is more than one line"

# 7. A capture ends when its emulation goes away, and holds nothing up.
start_capture "$TMP/c7.err" h1-s1 -w "$TMP/gone.pcap"
start_capture "$TMP/c7b.err" s1 -w "$TMP/gone"
expect_ok "$LUNET" down "$e"
wait_gone "$cap_pid"
grep -q "is gone; capture stopped" "$TMP/c7.err" || fail "not told"
assert_clean "$e"

# 8. Lua: link:capture{} and node:capture{} record while the script
#    sleeps; stop() returns the count; errors are Lua errors.
f=$(topo cap.lua <<L
local net = dofile("$demo")
net:start()
local l = net:link_between("s1", "r1")
local cap = l:capture{ file = "$TMP/lua-link.pcap", filter = "icmp" }
local one = net:node("h1"):capture{ file = "$TMP/lua-h1.pcap",
                                    intf = "eth0", filter = "icmp", count = 2 }
local all = net:node("r1"):capture{ file = "$TMP/lua-r1" }
net:node("h1"):cmd("ping -c3 -i0.2 10.0.1.1")
lunet.sleep("200ms")
assert(one:count() == 2 and not one:running(), "count limit")
local n = cap:stop()
assert(n == 6, "link capture wrote " .. n)
assert(cap:count() == 6 and not cap:running())
assert(all:stop() >= 12)
local ok, err = pcall(l.capture, l, { file = "$TMP/x.pcap", filter = "bad (" })
assert(not ok and err:find("bad filter"), err)
ok, err = pcall(net:node("h1").capture, net:node("h1"),
                { file = "$TMP/x.pcap", intf = "eth7" })
assert(not ok and err:find("no interface 'eth7' on node 'h1'"), err)
do
  local c <close> = net:node("h2"):capture{ file = "$TMP/lua-h2.pcap" }
end
-- left open: stopped when the network stops
lopen = l:capture{ file = "$TMP/lua-open.pcap" }
print("lua capture ok")
L
)
expect_ok "$LUNET" run -n "$e2" "$f"
grep -q "lua capture ok" "$TMP/out" || fail "script did not finish"
[ "$(tcpdump -nr "$TMP/lua-link.pcap" 2>/dev/null | wc -l)" = 6 ] ||
	fail "lua link file"
[ "$(tcpdump -nr "$TMP/lua-h1.pcap" 2>/dev/null | wc -l)" = 2 ] ||
	fail "lua count file"
[ -s "$TMP/lua-r1-eth0.pcap" ] && [ -s "$TMP/lua-r1-eth1.pcap" ] ||
	fail "lua node files"
tcpdump -nr "$TMP/lua-open.pcap" >/dev/null 2>&1 || fail "open capture file"
assert_clean "$e2"

# 9. The console: captures run while other commands go on.
"$LUNET" console -n "$e3" "$demo" >"$TMP/con.out" 2>&1 <<EOF
capture h1 s1 $TMP/con-link.pcap icmp
capture s2 $TMP/con-s2
capture h9 $TMP/x.pcap
capture h1 $TMP/x.pcap bad (
h1 ping -c2 -i0.2 h3
capture
capture stop 1
capture stop 7
capture stop
EOF
cat "$TMP/con.out"
want() { grep -qE -- "$1" "$TMP/con.out" || fail "console lacks /$1/"; }
want "^capture 1: h1-s1 into $TMP/con-link.pcap$"
want "^capture 2: s2 into $TMP/con-s2-\*.pcap$"
want "^capture: no node 'h9' in emulation '$e3'$"
want "bad filter 'bad \('"
want "^1 +h1-s1 .*packets$"
want "^1 +h1-s1 .* 4 packets, stopped$"
want "^capture: no capture 7$"
want "^2 +s2 .*packets, stopped$"
[ "$(tcpdump -nr "$TMP/con-link.pcap" 2>/dev/null | wc -l)" = 4 ] ||
	fail "console link file"
[ -s "$TMP/con-s2-eth0.pcap" ] || fail "console node files"
assert_clean "$e3"

# Nothing of ours is left running.
for p in "${PIDS[@]}"; do
	alive "$p" && fail "capture $p still running"
done
pgrep -f "lunet capture $e" && fail "a lunet capture is left"
true
