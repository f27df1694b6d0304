# lunet console: commands from a pipe (output, errors, exit status), on a
# real terminal (tmux: prompt, Tab completion, Ctrl-C of a node command,
# exit tearing down), attached to a "lunet up" emulation (exit leaves it
# up, down removes it and its daemon), and clean after the daemon is
# killed.
. "$(dirname "$0")/lib.sh"
export HOME=$TMP # the console's history goes to ~/.lunet_history
demo=$SRC/examples/demo.lua

# through a pipe: every command, errors on one line, the console goes on
e=$(emu_name pipe)
cat >"$TMP/x.lua" <<'L'
print("sourced", #net:hosts())
L
"$LUNET" console -n "$e" "$demo" >"$TMP/pipe.out" 2>&1 <<EOF
help
help link
nodes
links
net
dump
intfs
ports
pingall
pingpair
ping h1 h3
link s1 r1 down
links
ping h1 h3
link s1 r1 up
node r1 down
node r1 up
pingall 4
h1 ping -c1 -W2 h3
h2 ip -br addr show eth0
lua #net:nodes()
lua for _, n in ipairs(net:routers()) do print("router", n.name) end
source $TMP/x.lua
sh echo from the host
time ping h1 h2
iperf h1 h4 1
bogus
ping h1 nope
link h1 h2 down
lua error("boom")
h1 exit 3
nodes
EOF
rc=$?
cat "$TMP/pipe.out"
[ $rc -eq 3 ] || fail "exit status $rc, not the last failing command's (3)"
want() { grep -qE -- "$1" "$TMP/pipe.out" || fail "output lacks /$1/"; }
want "^lunet: $e up: 7 nodes, 6 links"
want "^  pingall +\[PAIRS\]"
want "^usage: link A B up\|down"
want "^hosts: h1 h2 h3 h4$"
want "^s1:eth2 <-> r1:eth0 down$"
want "^r1 eth0:s1:eth2 eth1:s2:eth2$"
want "^router r1: .*lo 10.255.0.1/32, eth0 10.0.0.254/24"
want "^s1: lo,br0,eth0,eth1,eth2$"
want "^s1 br0: 1 eth0 \(h1:eth0\)"
want "^pingall: 12/12 pairs reachable"
want "^h2 -> h1: [0-9.]+ ms$"
want "^h1 -> h3: no reply$"
want "^h1 -> h3: [0-9.]+ ms$"
want "^pingall: 4/4 pairs reachable"
want "1 received"
want "^eth0@if[0-9]+ +UP +10.0.0.2/24"
want "^7$"
want "^router	r1$"
want "^sourced	4$"
want "^from the host$"
want "^time: [0-9.]+ s$"
want "^iperf h1 -> h4: [0-9.]+ [KMG]?bits/sec sender|iperf3 is not installed"
want "^unknown command or node 'bogus' \(try 'help'\)$"
want "^ping: no node 'nope' in $e$"
want "^link: no link between h1 and h2$"
want "^lua:1: boom$"
want "^h1: exit status 3$"
[ "$(grep -c '^hosts:' "$TMP/pipe.out")" -eq 2 ] || fail "the console stopped after an error"
want "^lunet: $e down in"
assert_clean "$e"
echo 'ping h1 h2' | "$LUNET" console -n "$e" "$demo" >/dev/null 2>&1 ||
	fail "a console whose commands all worked exits $?"
assert_clean "$e"

# on a terminal, through tmux
e=$(emu_name tty)
tm="lunet-test-$$"
at_exit "tmux kill-session -t $tm"
screen() { tmux capture-pane -p -t "$tm" | grep -v "^$"; }
# wait_for PATTERN: until the terminal shows it (or 10 s)
wait_for() {
	local i
	for i in $(seq 100); do
		screen | grep -qE -- "$1" && return 0
		sleep 0.1
	done
	screen
	fail "the terminal never showed /$1/"
}
tmux new-session -d -s "$tm" -x 150 -y 50 \
	"HOME=$TMP $LUNET console -n $e $demo; echo CONSOLE-EXIT \$?; sleep 60"
wait_for "^lunet> ?$"
tmux send-keys -t "$tm" "ping h1 r" Tab
wait_for "^lunet> ping h1 r1 ?$"
tmux send-keys -t "$tm" Enter
wait_for "^h1 -> r1: [0-9.]+ ms"
tmux send-keys -t "$tm" "h1 ping h3" Enter
wait_for "bytes from 10.0.1.1"
tmux send-keys -t "$tm" C-c
wait_for "packets transmitted"
wait_for "^h1: (interrupted|exit status 1)$"
wait_for "^lunet> ?$"
tmux send-keys -t "$tm" "nodes" Enter
wait_for "^routers: r1$"
# changes: completion of what add and remove take, and of a node added
tmux send-keys -t "$tm" "add ho" Tab
wait_for "^lunet> add host ?$"
tmux send-keys -t "$tm" "h9 r" Tab
wait_for "^lunet> add host h9 r1 ?$"
tmux send-keys -t "$tm" Enter
wait_for "^lunet> ?$"
tmux send-keys -t "$tm" "remove node h" Tab Tab
wait_for "h9"
tmux send-keys -t "$tm" C-u "remove link h9 " Tab
wait_for "^lunet> remove link h9 r1 ?$"
tmux send-keys -t "$tm" Enter
tmux send-keys -t "$tm" "nodes" Enter
wait_for "^hosts: h1 h2 h3 h4 h9$"
[ -f "/run/lunet/$e/state" ] || fail "the emulation went away"
tmux send-keys -t "$tm" "exit" Enter
wait_for "^CONSOLE-EXIT [0-9]+$"
wait_for "^lunet: $e down in"
assert_clean "$e"
grep -qx "nodes" "$TMP/.lunet_history" || fail "no history kept"

# attached to an emulation left up: exit leaves it running
e=$(emu_name up)
expect_ok "$LUNET" up -n "$e" "$demo"
grep -q "$e is up" "$TMP/out" || fail "up did not say so"
daemon=$("$LUNET" ls | awk -v e="$e" '$1 == e { print $5 }')
alive "$daemon" || fail "no daemon owns $e (owner '$daemon')"
[ "$(stat -c %a "/run/lunet/$e/ctl")" = 600 ] || fail "ctl is not 0600"
printf 'pingall\nlink s2 r1 down\nping h1 h4\n' |
	"$LUNET" console --attach "$e" >"$TMP/att.out" 2>&1
rc=$?
cat "$TMP/att.out"
[ $rc -eq 1 ] || fail "attached console exit status $rc, not 1"
grep -q "^pingall: 12/12" "$TMP/att.out" || fail "no pingall through the socket"
grep -q "^h1 -> h4: no reply" "$TMP/att.out" || fail "link down had no effect"
alive "$daemon" || fail "exit from an attached console stopped $e"
printf 'links\nlink s2 r1 up\nping h1 h4\nh4 ip -br link show eth0\n' |
	"$LUNET" console --attach "$e" >"$TMP/att.out" 2>&1 ||
	{ cat "$TMP/att.out"; fail "second attach failed"; }
grep -q "^s2:eth2 <-> r1:eth1 down" "$TMP/att.out" || fail "the daemon forgot the link state"
grep -q "^eth0@if[0-9]* *UP" "$TMP/att.out" || fail "node command through attach"
expect_fail "no emulation named 'nope$$'" "$LUNET" console --attach "nope$$"
expect_ok "$LUNET" down "$e"
for i in $(seq 50); do alive "$daemon" || break; sleep 0.1; done
alive "$daemon" && fail "the daemon of $e survived down"
assert_clean "$e"

# a daemon killed with SIGKILL leaves a stale emulation that clean removes
e=$(emu_name kill)
expect_ok "$LUNET" up -n "$e" "$demo"
daemon=$("$LUNET" ls | awk -v e="$e" '$1 == e { print $5 }')
kill -9 "$daemon"
for i in $(seq 50); do
	"$LUNET" ls | grep -qE "^$e +stale" && break
	sleep 0.1
done
expect_ok "$LUNET" ls
grep -qE "^$e +stale" "$TMP/out" || fail "$e is not stale after its daemon died"
expect_ok "$LUNET" clean
grep -q "removed $e" "$TMP/out" || fail "clean did not remove $e"
assert_clean "$e"

# a console session's event log (--events) is replayed by lunet replay:
# the same faults in the same order at the same relative times
e=$(emu_name rec)
"$LUNET" console -n "$e" -e "$TMP/session.jsonl" "$demo" >"$TMP/out" 2>&1 <<EOF
link s1 r1 down
sh sleep 0.4
link s1 r1 up
node h1 down
node h1 up
EOF
cat "$TMP/out"
assert_clean "$e"
faults() { grep -o '"event":"link_[a-z]*","net":"[^"]*","cause":"manual","link":"[^"]*"' "$1" | sed 's/"net":"[^"]*",//'; }
[ "$(faults "$TMP/session.jsonl" | wc -l)" -eq 4 ] || fail "the session's log lacks its 4 link changes"
e=$(emu_name rep)
expect_ok "$LUNET" replay -n "$e" --events "$TMP/replay.jsonl" "$TMP/session.jsonl" "$demo"
grep -q "4 faults in" "$TMP/out" || fail "replay did not apply 4 faults"
[ "$(faults "$TMP/session.jsonl")" = "$(faults "$TMP/replay.jsonl")" ] ||
	fail "the replay's faults differ from the session's"
gap() { grep -o '"t":[0-9.]*' "$1" | sed -n '1p;2p' | cut -d: -f2 | paste -sd' ' | awk '{ print $2 - $1 }'; }
awk -v a="$(gap "$TMP/session.jsonl")" -v b="$(gap "$TMP/replay.jsonl")" \
	'BEGIN { d = a - b; exit !(a > 0.35 && (d < 0 ? -d : d) < 0.2) }' ||
	fail "the replay's timing ($(gap "$TMP/replay.jsonl") s) is not the session's ($(gap "$TMP/session.jsonl") s)"
assert_clean "$e"
