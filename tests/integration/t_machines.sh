# One topology across simulated machines (--machines local:N): real sshd
# in each machine, real ssh from the coordinator, real VXLAN between the
# machines' nodes.  pingall across machines, the cut links are VXLAN with
# the underlay's MTU less 50 (don't-fragment pings of that size pass, one
# byte more fails), a node command on another machine gets a terminal,
# and down, clean after a killed coordinator and bad specs leave nothing:
# no namespaces, no mounts, no sshd.
. "$(dirname "$0")/lib.sh"

# sshd_pids EMU: the sshd of each simulated machine, from the record.
sshd_pids() {
	awk '$1 == "machine" { print $7 }' "/run/lunet/$1/machines"
}

# gone EMU PIDS...: nothing of EMU is left, on the host or in a machine:
# no namespace, record, sshd, mount, nor any process of its routers or
# workers (their command lines name its record, /run/lunet/EMU/).
gone() {
	local e=$1 p left
	shift
	assert_clean "$e"
	left=
	for p in /proc/[0-9]*/cmdline; do
		c=$( { tr '\0' ' ' <"$p"; } 2>/dev/null) || continue
		case "$c" in *"/run/lunet/$e/"*) left="$left
  $c" ;; esac
	done
	[ -z "$left" ] || fail "processes of $e left:$left"
	for p in "$@"; do
		alive "$p" && fail "sshd $p of $e still runs"
	done
	grep -F "lunet-$e-" /proc/self/mountinfo && fail "mounts of $e left"
	return 0
}

# run: build, pingall between machines, tear down.
e=$(emu_name run)
expect_ok "$LUNET" run --name "$e" --machines local:3 --topo fattree,k=4
grep -q "up on local:3: 36 nodes, 48 links" "$TMP/out" || fail "not built on 3 machines"
grep -q "pingall: 240/240 pairs reachable" "$TMP/out" || fail "pingall across machines failed"
gone "$e"

# up: left running; look inside.
e=$(emu_name up)
expect_ok "$LUNET" up --name "$e" --machines local:3 --topo fattree,k=4
pids=$(sshd_pids "$e")
[ "$(echo "$pids" | wc -w)" = 3 ] || fail "expected 3 sshd, got: $pids"
for p in $pids; do alive "$p" || fail "sshd $p is not running"; done
expect_ok "$LUNET" ls
grep -qE "^$e +up +36 +48" "$TMP/out" || fail "ls does not show $e up"
# The nodes live in the machines, not here: only the machines' own
# namespaces are on the host.
ls /run/netns | grep -F "lunet-$e-" | grep -qv -- "-+" && fail "node namespaces on the host"
[ "$(ls /run/netns | grep -cF "lunet-$e-+m")" = 3 ] || fail "not 3 machine namespaces"

# A core's links to the pods on other machines are VXLAN devices.
expect_ok "$LUNET" exec "$e" core1 ip -d -o link show
grep -q "vxlan id [0-9]* remote 198.19.0.[0-9]* local 198.19.0.[0-9]*" "$TMP/out" ||
	fail "core1 has no VXLAN link"
vx=$(awk -F': ' '/vxlan id/ { sub(/@.*/, "", $2); print $2; exit }' "$TMP/out")
mtu=$(grep -F " $vx@" "$TMP/out" | sed -n 's/.* mtu \([0-9]*\) .*/\1/p')
[ "$mtu" = 1450 ] || fail "VXLAN $vx has MTU '$mtu', not 1500 - 50"
# The other end of that link, from the record: "link A IF ADDR B IF ADDR".
peer=$(awk -v i="$vx" '$1 == "link" && $2 == "core1" && $3 == i { print $7 }
	$1 == "link" && $5 == "core1" && $6 == i { print $4 }' "/run/lunet/$e/state")
peer=${peer%/*}
[ -n "$peer" ] || fail "no peer address for core1 $vx"
expect_ok "$LUNET" exec "$e" core1 ping -c 1 -W 2 -M do -s $((mtu - 28)) "$peer"
expect_fail "message too long|Message too long" \
	"$LUNET" exec "$e" core1 ping -c 1 -W 2 -M do -s $((mtu - 27)) "$peer"

# A host in one pod pings a host in another, on another machine.
ip_of() { awk -v n="$1" '$1 == "link" && $5 == n { print $7 }' "/run/lunet/$e/state" | head -1; }
dst=$(ip_of h4_2_2)
expect_ok "$LUNET" exec "$e" h1_1_1 ping -c 1 -W 2 "${dst%/*}"

# A command on a node of another machine gets a terminal when we have one.
script -qec "$LUNET exec $e h4_2_2 tty" /dev/null >"$TMP/tty" 2>&1 || true
grep -aq "/dev/pts/" "$TMP/tty" || { cat "$TMP/tty"; fail "no terminal on the remote node"; }
"$LUNET" exec "$e" h4_2_2 tty >"$TMP/tty" 2>&1 </dev/null && fail "a terminal without one asked"
expect_fail "no node 'nosuch'" "$LUNET" exec "$e" nosuch true

# The console of the daemon that owns it: pingall from the machines, a
# link between machines (core1's VXLAN one) down and up on both ends.
console() { printf '%s\n' "$@" | "$LUNET" console --attach "$e" >"$TMP/out" 2>&1; cat "$TMP/out"; }
agg=$(awk -v i="$vx" '$1 == "link" && $2 == "core1" && $3 == i { print $5 }
	$1 == "link" && $5 == "core1" && $6 == i { print $2 }' "/run/lunet/$e/state")
console pingall
grep -q "pingall: 240/240" "$TMP/out" || fail "console pingall across machines"
console "iperf h1_1_1 h4_2_2 1"
grep -qE "iperf h1_1_1 -> h4_2_2: [0-9.]+ [GMK]bits/sec sender" "$TMP/out" || fail "console iperf across machines"
console "link core1 $agg down" "core1 ping -c 1 -W 1 $peer" pingall
grep -q " 1 received" "$TMP/out" && fail "core1 still reaches $agg over a link that is down"
grep -q "pingall: 240/240" "$TMP/out" && fail "a link between machines down changed nothing"
console "link core1 $agg up" "core1 ping -c 1 -W 2 $peer" pingall
grep -q " 1 received" "$TMP/out" || fail "core1 does not reach $agg once the link is up"
grep -q "pingall: 240/240" "$TMP/out" || fail "pingall not restored"

# A machine fails: every link between it and the others goes dark at
# once (its data plane cut, its worker still answering); it recovers.
console 'lua net:machine("m2"):fail()' pingall
grep -q "pairs reachable" "$TMP/out" || fail "no pingall after the machine failure"
grep -q "pingall: 240/240" "$TMP/out" && fail "a machine failure changed nothing"
console 'lua net:machine("m2"):recover()' pingall
grep -q "pingall: 240/240" "$TMP/out" || fail "pingall not restored after the machine recovered"
console 'lua net:machine("m9"):fail()'
grep -q "has no machine 'm9'" "$TMP/out" || fail "an unknown machine is not named"

# Impairments on a link between machines: each end's direction on its
# own machine, the seed drawn once for both.
expect_ok "$LUNET" impair "$e" core1 "$agg" --delay 20ms
expect_ok "$LUNET" exec "$e" core1 ping -c 3 -i 0.2 "$peer"
rtt=$(sed -n 's|.*= \([0-9.]*\)/.*|\1|p' "$TMP/out")
awk -v r="$rtt" 'BEGIN { exit !(r >= 40) }' || fail "min rtt $rtt ms over a link delayed 20 ms each way"
expect_ok "$LUNET" impair "$e" core1 "$agg"
[ "$(grep -c "delay 20ms seed" "$TMP/out")" = 2 ] || fail "both directions not shown delayed"
seeds=$(sed -n 's/.* seed \([0-9]*\) .*/\1/p' "$TMP/out" | sort -u | wc -l)
[ "$seeds" = 1 ] || fail "the two ends do not share one seed"
grep -q "seen [1-9]" "$TMP/out" || fail "no packets counted by the impaired ends"
expect_ok "$LUNET" impair "$e" core1 "$agg" clear
# The counters of every link, from the machines, from the shell.
expect_ok "$LUNET" stats "$e"
[ "$(grep -c ':eth[0-9]* -- ' "$TMP/out")" = 48 ] || fail "lunet stats does not list the 48 links"
grep -E "^core1:$vx -- |-- core1:$vx " "$TMP/out" | grep -qvE " 0 +0 +0 +0 " ||
	fail "no packets counted on core1's link between machines"
# lunet capture from the shell: through the daemon, until Ctrl-C.
"$LUNET" capture "$e" "core1-$agg" -w "$TMP/cli.pcap" icmp >"$TMP/cap.out" 2>&1 &
cap=$!
for i in $(seq 50); do grep -q "capturing" "$TMP/cap.out" && break; sleep 0.1; done
"$LUNET" exec "$e" core1 ping -c 2 -i 0.2 "$peer" >/dev/null
kill -INT "$cap"
wait "$cap" || { cat "$TMP/cap.out"; fail "lunet capture across machines failed"; }
cat "$TMP/cap.out"
[ "$(tcpdump -nr "$TMP/cli.pcap" 2>/dev/null | grep -c ICMP)" = 4 ] ||
	fail "lunet capture did not keep the 4 packets of both ends"
expect_fail "one TARGET" "$LUNET" capture "$e" core1 -c 5 -w "$TMP/x.pcap"

# A worker that dies leaves the emulation degraded, naming its machine;
# what runs in its nodes is still cleaned up, from inside the machine.
console 'lua for _, n in ipairs(net:nodes()) do n:spawn("sleep", "1002.'$$'") end'
for p in /proc/[0-9]*/cmdline; do
	case "$( { tr '\0' ' ' <"$p"; } 2>/dev/null)" in
	*"lunet worker $e ") w=${p#/proc/}; w=${w%/cmdline} ;;
	esac
done
[ -n "${w:-}" ] || fail "no worker of $e found"
kill -9 "$w"
for i in $(seq 50); do
	"$LUNET" ls | grep -qE "^$e +degraded" && break
	sleep 0.1
done
expect_ok "$LUNET" ls
grep -qE "^$e +degraded" "$TMP/out" || fail "ls does not show $e degraded"
grep -q "its worker is gone" "/run/lunet/$e/degraded" || fail "the record does not say which machine"
console pingall
grep -q "is gone: the emulation is degraded" "$TMP/out" || fail "pingall does not name the lost machine"

expect_ok "$LUNET" down "$e"
gone "$e" $pids
pgrep -x -f "sleep 1002.$$" && fail "the nodes of the machine whose worker died were not cleaned"

# A scenario across machines: a spine of a BGP fabric fails and recovers,
# the FIBs checked on each machine.
e=$(emu_name test)
sc=$(topo scenario.lua <<L
local net = lunet.topo.leafspine{ spines = 2, leaves = 4, hosts_per_leaf = 1,
                                  routing = "bgp", name = "$e" }
lunet.test("a spine dies and comes back, across machines", function()
  net:start()
  net:converged{ within = "30s", ecmp = true }
  net:node("spine1"):fail()
  net:converged{ within = "30s", ecmp = true }
  assert(net:pingall().loss == 0)
  net:node("spine1"):recover()
  net:converged{ within = "30s", ecmp = true }
  assert(net:node("leaf1"):vtysh("show bgp summary json").ipv4Unicast.peerCount == 2)
  -- Killed, its daemons start again on recover(), on its machine.
  net:node("spine2"):fail{ kill = true }
  assert(select(1, net:node("spine2"):daemons()) == 0, "spine2's daemons live")
  net:node("spine2"):recover()
  local alive, total = net:node("spine2"):daemons()
  assert(alive == total and total == 2, alive .. " of " .. total)
  -- A daemon that dies on its machine is an event here; reset starts it.
  net:node("leaf3"):cmd("sh -c 'kill -9 \$(cat /run/lunet/$e/routers/leaf3/bgpd.pid)'")
  lunet.expect(function() return #lunet.events{ event = "daemon_down", node = "leaf3" } == 1 end,
               { within = "5s" })
  net:reset()
  assert(select(1, net:node("leaf3"):daemons()) == 2)
  net:converged{ within = "30s", ecmp = true }
end)
L
)
expect_ok "$LUNET" test --machines local:2 "$sc"
grep -q "^ok 1" "$TMP/out" || fail "the scenario across machines failed"
gone "$e"

# Outage examples as they are, across two machines: a spine lost under
# a steady probe (static, then BGP), and a gray link found by its counters.
e=$(emu_name ex)
expect_ok "$LUNET" test --machines local:2 -n "$e" "$SRC/examples/outage_spine_loss.lua" \
	"$SRC/examples/outage_bgp_spine_loss.lua" "$SRC/examples/outage_gray_link.lua"
grep -q "^# 6 passed, 0 failed" "$TMP/out" || fail "outage examples across machines"
gone "$e"

# A routed fabric across two machines: FRR on each router, BGP sessions
# over VXLAN, every pair reachable once they are up; vtysh reaches the
# router's own daemons on its machine, words quoted as given.
e=$(emu_name bgp)
expect_ok "$LUNET" up --name "$e" --machines local:2 --topo leafspine,spines=2,leaves=4,routing=bgp
pids=$(sshd_pids "$e")
for i in $(seq 60); do
	"$LUNET" exec "$e" spine1 vtysh -c "show bgp summary" >"$TMP/bgp" 2>&1 || true
	[ "$(grep -cE '^leaf[0-9]' "$TMP/bgp")" = 4 ] &&
		! grep -qE '^leaf[0-9].*(Active|Connect|Idle|never)' "$TMP/bgp" && break
	sleep 1
done
cat "$TMP/bgp"
grep -q "Peers 4" "$TMP/bgp" || fail "vtysh on spine1 does not show its 4 peers"
grep -qE '^leaf[0-9].*(Active|Connect|Idle)' "$TMP/bgp" && fail "sessions of spine1 are not all up"
for i in $(seq 30); do
	"$LUNET" exec "$e" leaf4 ip route show proto bgp >"$TMP/out" 2>&1
	[ "$(grep -c "^10.255.0" "$TMP/out")" -ge 5 ] && break
	sleep 1
done
cat "$TMP/out"
[ "$(grep -c "^10.255.0" "$TMP/out")" -ge 5 ] || fail "leaf4 lacks BGP routes to the other loopbacks"
expect_ok "$LUNET" exec "$e" leaf4 sh -c 'echo "a b'"'"'c"'
grep -qx "a b'c" "$TMP/out" || fail "arguments not passed as given"
expect_ok "$LUNET" down "$e"
gone "$e" $pids
e=$(emu_name bgprun)
expect_ok "$LUNET" run --name "$e" --machines local:2 --topo leafspine,spines=2,leaves=4,routing=bgp
grep -q "converged in" "$TMP/out" || fail "no convergence across machines"
grep -q "pingall: 56/56 pairs reachable" "$TMP/out" || fail "routed pingall across machines failed"
gone "$e"

# Its daemon killed: the workers lose their coordinator and take their
# parts down (FRR included); "lunet clean" removes the machines.
e=$(emu_name bgpkill)
expect_ok "$LUNET" up --name "$e" --machines local:2 --topo leafspine,spines=2,leaves=4,routing=bgp
pids=$(sshd_pids "$e")
owner=$(awk '$1 == "owner" { print $2 }' "/run/lunet/$e/state")
alive "$owner" || fail "no daemon owns $e"
kill -9 "$owner"
for i in $(seq 50); do alive "$owner" || break; sleep 0.1; done
expect_ok "$LUNET" clean
grep -q "removed $e" "$TMP/out" || fail "clean did not remove $e"
gone "$e" $pids

# A link between two machines down breaks exactly the paths that the
# same link down breaks on one machine (the same failed pairs), and up
# restores them all.
cut=$(topo cut.lua <<'L'
local net = lunet.topo.fattree{ k = 4, name = os.getenv("E") }
net:place("core1", "m1"); net:place("agg3_1", "m2")  -- a link between machines
net:start()
local l = net:link_between("core1", "agg3_1")
l:down()
local lines = {}
for _, f in ipairs(net:pingall().failed) do lines[#lines + 1] = f[1] .. " " .. f[2] end
table.sort(lines)
print("failed " .. #lines)
for _, x in ipairs(lines) do print(x) end
l:up()
print("after up: loss " .. net:pingall().loss)
net:stop()
L
)
e1=$(emu_name cut1)
e3=$(emu_name cut3)
E=$e1 "$LUNET" run "$cut" 2>&1 | grep -v "^lunet:" >"$TMP/one" || true
E=$e3 "$LUNET" run --machines local:3 "$cut" 2>&1 | grep -v "^lunet:" >"$TMP/three" || true
grep -q "^failed [1-9]" "$TMP/one" || { cat "$TMP/one"; fail "the link down broke nothing on one machine"; }
diff "$TMP/one" "$TMP/three" || fail "across machines, the link down broke other paths than on one machine"
grep -q "after up: loss 0" "$TMP/three" || fail "the link up did not restore every path"
gone "$e1"
gone "$e3"

# A capture of a link between machines: each end captured by its own
# machine, the two brought back and merged in time order into one pcap.
e=$(emu_name cap)
capf=$(topo cap.lua <<L
local net = lunet.topo.fattree{ k = 4, name = "$e" }
net:place("core1", "m1"); net:place("agg3_1", "m2")
net:start()
local c = net:link_between("core1", "agg3_1"):capture{ file = "$TMP/link.pcap", filter = "icmp" }
local peer = net:node("agg3_1"):intfs()[3].ip:gsub("/.*", "")
net:node("core1"):cmd("ping -c 3 -i 0.2 " .. peer)
print("captured " .. c:stop())
-- node:spawn() on another machine: it runs in the node, and dies with it.
net:node("h4_2_2"):spawn("sleep", "1000.$$")
print("spawned " .. net:node("h4_2_2"):cmd("sh -c 'ps -eo args | grep -c \"^sleep 1000.$$\"'"))
net:stop()
L
)
expect_ok "$LUNET" run --machines local:2 "$capf"
grep -q "^captured 6$" "$TMP/out" || fail "the capture across machines did not keep 6 packets"
grep -q "^spawned 1" "$TMP/out" || fail "node:spawn() on another machine"
pgrep -x -f "sleep 1000.$$" && fail "the spawned process outlived its emulation"
tcpdump -tt -nr "$TMP/link.pcap" >"$TMP/dump" 2>/dev/null || fail "tcpdump cannot read the merged capture"
cat "$TMP/dump"
[ "$(grep -c "echo request" "$TMP/dump")" = 3 ] || fail "not the 3 requests (core1's end, m1)"
[ "$(grep -c "echo reply" "$TMP/dump")" = 3 ] || fail "not the 3 replies (agg3_1's end, m2)"
sort -n -c "$TMP/dump" 2>/dev/null || fail "the two ends are not merged in time order"
gone "$e"

# A coordinator killed mid-run: its workers take their parts down, and
# "lunet clean" removes the machines.
e=$(emu_name kill)
"$LUNET" run --name "$e" --machines local:2 --topo fattree,k=16 >"$TMP/kill.out" 2>&1 &
pid=$!
# Once both machines' sshd run and the build is under way.
for i in $(seq 300); do
	[ "$(sshd_pids "$e" 2>/dev/null | grep -cv '^0$')" = 2 ] && break
	sleep 0.1
done
sleep 1
pids=$(sshd_pids "$e")
kill -9 $pid
wait $pid 2>/dev/null
[ -e "/run/lunet/$e" ] || fail "nothing was left to clean (the test proves nothing)"
expect_ok "$LUNET" clean
grep -q "removed $e" "$TMP/out" || fail "clean did not remove $e"
gone "$e" $pids

# --push: this lunet copied to each machine, named after its contents,
# and the workers run that copy.
e=$(emu_name push)
expect_ok "$LUNET" up --name "$e" --push --machines local:2 --topo linear,2
bin=$(awk '$1 == "lunet" { print $2 }' "/run/lunet/$e/machines")
case $bin in /var/tmp/lunet/lunet-*) ;; *) fail "pushed to '$bin'" ;; esac
cmp -s "$bin" "$LUNET" || fail "$bin is not this lunet"
runs=0
for p in /proc/[0-9]*/cmdline; do
	case "$( { tr '\0' ' ' <"$p"; } 2>/dev/null)" in
	"$bin worker $e ") runs=$((runs + 1)) ;;
	esac
done
[ "$runs" = 2 ] || fail "$runs workers run the pushed lunet, not 2"
expect_ok "$LUNET" down "$e"
gone "$e"

# Bad specs name what is wrong and make nothing.
e=$(emu_name bad)
expect_fail "machines" "$LUNET" run --name "$e" --machines local:0 --topo linear,2
expect_fail "machines" "$LUNET" run --name "$e" --machines nowhere --topo linear,2
gone "$e"
echo "ok: machines"
