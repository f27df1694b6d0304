# Link impairments with real traffic: delay (both ways, one way), jitter,
# loss (its rate, and the same losses again with the same seed),
# duplication, reordering, corruption, a rate cap measured by iperf3;
# clearing; the command line and the console; refusals; nothing left.
. "$(dirname "$0")/lib.sh"
e=$(emu_name imp)
f=$(topo imp.lua <<EOF
local net = lunet.network("$e")
local h1, h2, s1 = net:host("h1"), net:host("h2"), net:switch("s1")
local l = net:link(h1, s1, { delay = "10ms" })
net:link(s1, h2)
net:start()

local function rtt(out)
	local mn, avg, mx, mdev = out:match("= ([%d.]+)/([%d.]+)/([%d.]+)/([%d.]+) ms")
	return tonumber(mn), tonumber(avg), tonumber(mx), tonumber(mdev)
end
local function ping(args) return (h1:cmd("ping -n " .. args .. " " .. h2.ip)) end
local function check(cond, ...) if not cond then error(string.format(...), 2) end end
local function lost_seqs(out, n)
	local got, lost = {}, {}
	for s in out:gmatch("icmp_seq=(%d+)") do got[tonumber(s)] = true end
	for i = 1, n do if not got[i] then lost[#lost + 1] = i end end
	return table.concat(lost, ",")
end

-- Neighbours fixed, so that the only packets on the link are the pings.
local mac1 = h1:cmd("cat /sys/class/net/eth0/address"):gsub("%s", "")
local mac2 = h2:cmd("cat /sys/class/net/eth0/address"):gsub("%s", "")
h1:cmd("ip neigh replace " .. h2.ip .. " lladdr " .. mac2 .. " dev eth0 nud permanent")
h2:cmd("ip neigh replace " .. h1.ip .. " lladdr " .. mac1 .. " dev eth0 nud permanent")

-- delay, set with net:link(): 10 ms each way
local _, avg = rtt(ping("-c 20 -i 0.02"))
print("delay both ways: rtt avg", avg)
check(avg >= 19.5 and avg < 30, "10 ms each way gives an rtt of %s ms", avg)
l:impair{ delay = "10ms", from = "h1" }
l:impair{ from = "s1" }
_, avg = rtt(ping("-c 20 -i 0.02"))
print("delay one way: rtt avg", avg)
check(avg >= 9.5 and avg < 16, "10 ms one way gives an rtt of %s ms", avg)

-- jitter: 10 ms +/- 5 ms
l:impair{ delay = "10ms", jitter = "5ms", from = "h1" }
local mn, _, mx, mdev = rtt(ping("-c 50 -i 0.01"))
print("jitter: rtt min/max/mdev", mn, mx, mdev)
check(mn >= 4.9 and mx < 20 and mdev > 1, "jitter: min %s max %s mdev %s", mn, mx, mdev)

-- loss, both ways, 30 %: about 51 % of pings go unanswered
l:impair{ loss = 0.3, seed = 5 }
local out = ping("-c 400 -i 0.002")
local pct = tonumber(out:match("([%d.]+)%% packet loss"))
print("loss 30% both ways: ping loss", pct)
check(pct >= 39 and pct <= 63, "30%% loss each way lost %s%% of pings", pct)
local im = l:impairments()
check(im.a.lost > 0 and im.b.lost > 0 and im.a.seen >= 400,
      "counters: a seen %d lost %d, b lost %d", im.a.seen, im.a.lost, im.b.lost)
check(im.a.text == "loss 30% seed 5", "text %s", im.a.text)

-- the same seed, the same packets: the same losses
local runs = {}
for i = 1, 2 do
	l:impair{ loss = 0.2, seed = 9 }
	runs[i] = lost_seqs(ping("-c 200 -i 0.002"), 200)
	print("seeded run " .. i .. ": lost " .. runs[i])
end
check(runs[1] ~= "", "seeded loss lost nothing")
check(runs[1] == runs[2], "seeded runs differ:\n%s\n%s", runs[1], runs[2])
l:impair{ loss = 0.2, seed = 10 }
local other = lost_seqs(ping("-c 200 -i 0.002"), 200)
check(other ~= runs[1], "another seed lost the same packets")

-- duplication, what h1 sends: replies come twice
l:impair{ duplicate = 0.5, from = "h1", seed = 3 }
local cap = l:capture{ file = "$TMP/dup.pcap", filter = "icmp" }
out = ping("-c 40 -i 0.02")
cap:stop()
local _, dups = out:gsub("DUP!", "")
print("duplicate 50%: DUP replies", dups, "duplicated", l:impairments().a.duplicated)
check(dups >= 8 and l:impairments().a.duplicated >= 8, "%d duplicates", dups)

-- reordering: half the requests skip a 20 ms delay, replies come out of order
l:impair{ delay = "20ms", reorder = 0.5, from = "h1", seed = 4 }
cap = l:capture{ file = "$TMP/reorder.pcap", filter = "icmp" }
out = ping("-c 60 -i 0.005")
lunet.sleep(0.1)
cap:stop()
local last, inversions = 0, 0
for s in out:gmatch("icmp_seq=(%d+)") do
	s = tonumber(s)
	if s < last then inversions = inversions + 1 end
	last = s
end
print("reorder 50%: inversions", inversions, "reordered", l:impairments().a.reordered)
check(inversions >= 3, "only %d replies out of order", inversions)

-- corruption: every request has a bit flipped; none is answered
l:impair{ corrupt = 1, from = "h1" }
out = ping("-c 5 -i 0.05 -W 1")
print("corrupt 100%:", out:match("%d+ received"), "corrupted", l:impairments().a.corrupted)
check(out:match(" 0 received"), "corrupted pings were answered")
check(l:impairments().a.corrupted >= 5, "corrupted count")

-- a rate cap, measured by iperf3 (TCP, 3 s)
l:impair{}
h2:spawn("iperf3 -s -1 -p 5201")
lunet.sleep(0.3)
l:impair{ rate = "4mbit", from = "h1" }
out = h1:cmd("iperf3 -c " .. h2.ip .. " -p 5201 -t 3 -f k")
local kbit = tonumber(out:match("([%d.]+) Kbits/sec%s+receiver"))
print("rate 4mbit: iperf3 receiver", kbit, "kbit/s")
check(kbit and kbit > 2500 and kbit < 4600, "4mbit cap measured %s kbit/s", kbit)

-- cleared: nothing of lunet's on the end, no relay port
l:impair{}
_, avg = rtt(ping("-c 10 -i 0.01"))
check(avg < 5, "cleared link still slow: %s ms", avg)
local qd = h1:cmd("tc qdisc show dev eth0; tc filter show dev eth0 egress; ip -o link")
check(not qd:match("tbf") and not qd:match("clsact") and not qd:match("relay"), "left on h1:\n%s", qd)
print("impairments ok")
EOF
)
expect_ok "$LUNET" run "$f"
grep -q "impairments ok" "$TMP/out" || fail "script did not finish"

# In the captures (what each end of the link sent, read by tcpdump): the
# duplicated echo requests twice, the reordered ones out of order.
requests() {
	tcpdump -n -r "$1" 'icmp[icmptype] == icmp-echo' 2>/dev/null |
		sed -n 's/.*, seq \([0-9]*\),.*/\1/p'
}
twice=$(requests "$TMP/dup.pcap" | sort -n | uniq -d | wc -l)
echo "capture: $twice echo requests sent twice"
[ "$twice" -ge 8 ] || fail "the capture shows $twice duplicated requests"
inv=$(requests "$TMP/reorder.pcap" | awk '$1 < last { n++ } { last = $1 } END { print n + 0 }')
all=$(requests "$TMP/reorder.pcap" | sort -u | wc -l)
echo "capture: $inv requests out of order, $all requests"
[ "$inv" -ge 3 ] && [ "$all" = 60 ] || fail "the capture shows $inv reordered of $all"

# The command line and the console, on an emulation left up.
u=$(emu_name impup)
g=$(topo up.lua <<EOF
local net = lunet.network("$u")
local h1, h2, s1 = net:host("h1"), net:host("h2"), net:switch("s1")
net:link(h1, s1, { loss = "100%" })
net:link(s1, h2)
return net
EOF
)
expect_ok "$LUNET" up -q "$g"
ip2=$("$LUNET" exec "$u" h2 ip -4 -o addr show dev eth0 | awk '{print $4}' | cut -d/ -f1)
"$LUNET" exec "$u" h1 ping -c 2 -W 1 "$ip2" >/dev/null 2>&1 && fail "100% loss from the build let pings through"
expect_ok "$LUNET" impair "$u" h1 s1
grep -q "h1:eth0 -> s1:eth0  loss 100%" "$TMP/out" || fail "impair does not show the build's loss"
expect_ok "$LUNET" impair "$u" h1 s1 clear
# (ARP failed under 100% loss: the neighbour entry may need a retry)
ok=0
for _ in 1 2 3 4 5; do
	"$LUNET" exec "$u" h1 ping -c 1 -W 1 "$ip2" >/dev/null 2>&1 && { ok=1; break; }
	sleep 0.5
done
[ $ok = 1 ] || fail "no answer once the loss was cleared"
expect_ok "$LUNET" impair "$u" h1 s1 --delay 30ms --from h1
expect_ok "$LUNET" exec "$u" h1 ping -c 3 -i 0.2 "$ip2"
avg=$(sed -n 's/.*= [0-9.]*\/\([0-9.]*\)\/.*/\1/p' "$TMP/out")
awk -v a="$avg" 'BEGIN { exit !(a >= 29.5 && a < 45) }' || fail "30 ms from the command line gave $avg ms"
echo "impair s1 h2 loss=1% from=s1" | "$LUNET" console --attach "$u" >"$TMP/c" 2>&1 || { cat "$TMP/c"; fail "console impair"; }
grep -q "s1:eth1 -> h2:eth0  loss 1%" "$TMP/c" || { cat "$TMP/c"; fail "console impair output"; }
expect_ok "$LUNET" impair "$u"
[ "$(grep -c -- '->' "$TMP/out")" = 2 ] || fail "impair lists $(grep -c -- '->' "$TMP/out") directions, not 2"
expect_fail "no link between h1 and h2" "$LUNET" impair "$u" h1 h2 --delay 1ms
expect_fail "delay '5': a duration with its unit" "$LUNET" impair "$u" h1 s1 --delay 5
expect_fail "reorder needs a delay" "$LUNET" impair "$u" h1 s1 --reorder 10%
expect_fail "loss '150%': must be between 0 and 1" "$LUNET" impair "$u" h1 s1 --loss 150%
expect_fail "unknown impairment 'wobble'" "$LUNET" impair "$u" h1 s1 --wobble 3
expect_fail "no emulation named" "$LUNET" impair "${u}_none" h1 s1 --delay 1ms
ls /run/netns | grep -qF "lunet-$u-+relay" || fail "no relay namespace while delayed"
expect_ok "$LUNET" down "$u"
assert_clean "$u"

# Refused, not ignored, where the kernel lacks the path.
r=$(emu_name imprf)
h=$(topo rf.lua <<EOF
local net = lunet.network("$r")
local h1, h2 = net:host("h1"), net:host("h2")
net:link(h1, h2, { loss = 0.1 })
net:start()
EOF
)
LUNET_KERNEL_LACKS=tc-bpf expect_fail "loss: this kernel lacks BPF tc classifiers" "$LUNET" run "$h"
sed -i 's/loss = 0.1/rate = "10mbit"/' "$h"
LUNET_KERNEL_LACKS=tbf expect_fail "rate: this kernel lacks the tbf qdisc" "$LUNET" run "$h"
LUNET_KERNEL_LACKS=tbf expect_ok "$LUNET" doctor
grep -qE "^rate +refused: the kernel lacks the tbf qdisc" "$TMP/out" || fail "doctor does not say rate is refused"
assert_clean "$r"

# A daemon killed while it delays: clean leaves nothing (relay namespace
# included).
k=$(emu_name impk)
j=$(topo k.lua <<EOF
local net = lunet.network("$k")
local h1, h2 = net:host("h1"), net:host("h2")
net:link(h1, h2, { delay = "5ms" })
return net
EOF
)
expect_ok "$LUNET" up -q "$j"
# the delay line made before the daemon forked runs in the daemon
ipk=$("$LUNET" exec "$k" h2 ip -4 -o addr show dev eth0 | awk '{print $4}' | cut -d/ -f1)
expect_ok "$LUNET" exec "$k" h1 ping -c 5 -i 0.05 "$ipk"
avg=$(sed -n 's/.*= [0-9.]*\/\([0-9.]*\)\/.*/\1/p' "$TMP/out")
awk -v a="$avg" 'BEGIN { exit !(a >= 9.5 && a < 25) }' || fail "5 ms each way in the daemon gave $avg ms"
pid=$(awk '$1 == "owner" {print $2}' "/run/lunet/$k/state")
[ -n "$pid" ] && kill -9 "$pid"
expect_ok "$LUNET" clean -q "$k"
assert_clean "$k"
