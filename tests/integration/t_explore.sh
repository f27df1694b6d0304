# lunet explore and lunet replay on real namespaces: a fabric with a known
# weak point found by exhaustive and by random search and shrunk to the
# fault that explains it; the scenario it writes fails under lunet test
# with the same seed; a redundant fabric passes N-1; one seed, the same
# schedules and verdicts; a flaky invariant reported as flaky; bad input
# named; replay of an event log gives the same faults; an interrupted
# exploration leaves nothing; daemon kills with FRR.
. "$(dirname "$0")/lib.sh"
EX=$SRC/examples/explore_weak_fabric.lua

# Usage and bad input.
expect_fail "usage: lunet explore" "$LUNET" explore
expect_fail "nope.lua" "$LUNET" explore "$TMP/nope.lua"
expect_fail "usage: lunet replay" "$LUNET" replay
bad=$(topo bad.lua <<'EOF'
local net = lunet.topo.linear{ 2 }
lunet.invariant("x", function() return true end)
lunet.explore{ faults = { "link" }, exhaustve = true }
return net
EOF
)
expect_fail "bad.lua:3: lunet.explore\{\}: unknown option 'exhaustve'" \
	"$LUNET" explore -o "$TMP/o0" "$bad"
bad=$(topo bad2.lua <<'EOF'
local net = lunet.topo.linear{ 2 }
lunet.invariant("x", function() return true end)
lunet.explore{ faults = { "lnik" } }
return net
EOF
)
expect_fail "bad2.lua:3: lunet.explore\{\}: no fault kind 'lnik'" \
	"$LUNET" explore -o "$TMP/o0" "$bad"

# Exhaustive N-1 finds the spine both of racks 4 and 5 depend on, and
# nothing else; exit status 1.
e=$(emu_name ex1)
expect_fail 'FAIL "the hosts of live racks reach each other" after: node spine1 fails$' \
	"$LUNET" explore --seed 7 --name "$e" -o "$TMP/o1" "$EX"
grep -q "^explore: 8 schedules in .* exhaustive N-1" "$TMP/out" || fail "not 8 schedules"
grep -q "^explore: 1 failure, 0 flaky" "$TMP/out" || fail "not exactly one failure"
assert_clean "$e"
for f in explore-1.lua explore-1.events.jsonl explore.tap explore.xml explore.json \
	explore.events.jsonl; do
	[ -s "$TMP/o1/$f" ] || fail "no $f"
done
grep -q '"event":"node_fail".*"node":"spine1"' "$TMP/o1/explore-1.events.jsonl" ||
	fail "the failure's log lacks its fault"
python3 - "$TMP/o1" <<'PY' || fail "summaries"
import json, sys, xml.etree.ElementTree as ET
d = sys.argv[1]
j = json.load(open(d + "/explore.json"))
assert j["seed"] == 7 and j["schedules"] == 8 and j["mode"] == "exhaustive N-1", j
assert len(j["failures"]) == 1 and j["flaky"] == [], j
f = j["failures"][0]
assert f["faults"] == [{"kind": "node", "target": "spine1", "at": 0}], f
assert f["text"] == "node spine1 fails" and f["from"] == 1, f
assert j["invariants"][0]["ok"] is False
root = ET.parse(d + "/explore.xml").getroot()
assert root.get("failures") == "1", root.attrib
tap = open(d + "/explore.tap").read()
assert "not ok 1 - " in tap and "\n1..1\n" in tap, tap
PY

# The scenario written fails under lunet test, with the same seed, the
# same way.
e=$(emu_name ex2)
expect_fail "broke after: node spine1 fails: .* pairs unreachable" \
	"$LUNET" test --seed 7 --name "$e" "$TMP/o1/explore-1.lua"
grep -q "^# 0 passed, 1 failed" "$TMP/out" || fail "the scenario did not fail"
assert_clean "$e"

# Random search finds it too, shrunk to exactly that fault; the same seed
# twice gives the same schedules and verdicts.
rand() {
	e=$(emu_name "$1")
	expect_fail "after: node spine1 fails$" "$LUNET" explore --seed 2 --random \
		--trials 3 --name "$e" -o "$TMP/$1" "$EX"
	assert_clean "$e"
	grep -q "^explore: 1 failure, 0 flaky" "$TMP/out" || fail "random: not one failure"
	grep -q "shrunk from 3 faults to 1 in" "$TMP/out" || fail "random: not shrunk from 3"
	grep -E '"event":"schedule_(start|end)"' "$TMP/$1/explore.events.jsonl" |
		sed 's/^{"t":[0-9.]*,"ts":[0-9.]*,//; s/"net":"[^"]*",//' >"$TMP/$1.sched"
}
rand r1
rand r2
[ "$(grep -c schedule_start "$TMP/r1.sched")" -ge 3 ] || fail "random: too few runs"
cmp -s "$TMP/r1.sched" "$TMP/r2.sched" || {
	diff "$TMP/r1.sched" "$TMP/r2.sched"
	fail "one seed, two different explorations"
}

# A redundant fabric passes N-1: any one spine may fail.
ok=$(topo ok.lua <<'EOF'
local net = lunet.topo.leafspine{ spines = 2, leaves = 3, hosts_per_leaf = 1 }
lunet.invariant("all reach all", lunet.invariants.reachable(net))
lunet.explore{ faults = { "node" }, only = { name = "^spine" }, exhaustive = true }
return net
EOF
)
e=$(emu_name ex3)
expect_ok "$LUNET" explore --seed 3 --name "$e" -o "$TMP/o3" "$ok"
grep -q "^explore: 2 schedules" "$TMP/out" || fail "N-1 of 2 spines"
grep -q "^explore: 0 failures" "$TMP/out" || fail "a redundant fabric failed"
grep -q '^ok 1 - "all reach all" held in 2 schedules' "$TMP/o3/explore.tap" || fail "tap"
assert_clean "$e"

# A flaky invariant (it fails its second check only: the first is the
# check with no fault) is reported as flaky, not shrunk.
flaky=$(topo flaky.lua <<'EOF'
local net = lunet.topo.leafspine{ spines = 2, leaves = 2, hosts_per_leaf = 1 }
local calls = 0
lunet.invariant("flaky", function()
  calls = calls + 1
  return calls ~= 2, "it fails now and then"
end)
lunet.explore{ faults = { "node" }, only = { name = "^spine" }, exhaustive = true }
return net
EOF
)
e=$(emu_name ex4)
expect_fail 'FLAKY "flaky" after: node spine1 fails: failed once, then passed on re-run' \
	"$LUNET" explore --seed 3 --name "$e" -o "$TMP/o4" "$flaky"
grep -q "^explore: 0 failures, 1 flaky" "$TMP/out" || fail "flaky counted as a failure"
[ -e "$TMP/o4/explore-1.lua" ] && fail "a scenario written for a flaky failure"
assert_clean "$e"

# Replay: the faults of a lunet test run's event log, again, in order and
# at about the same times.
sc=$(topo faults.lua <<'EOF'
local net = lunet.topo.leafspine{ spines = 2, leaves = 2, hosts_per_leaf = 1 }
lunet.test("faults", function()
  net:start()
  local l = net:link_between("leaf1", "spine1")
  l:down()
  lunet.sleep(0.1)
  net:node("spine2"):fail()
  lunet.sleep(0.1)
  net:node("spine2"):recover()
  local p = net:partition({ "leaf2", "h2_1" })
  lunet.sleep(0.1)
  p:heal()
  l:up()
  net:link_between("leaf2", "spine2"):impair{ loss = 0.5, seed = 3 }
  net:link_between("leaf2", "spine1"):flap{ period = 0.1, count = 2 }:wait()
  net:reset()
end)
return net
EOF
)
e=$(emu_name ex5)
expect_ok "$LUNET" test --seed 5 --name "$e" --artifacts "$TMP/art" "$sc"
log=$(ls "$TMP"/art/*.events.jsonl)
expect_ok "$LUNET" replay --name "$e" --events "$TMP/replayed.jsonl" "$log"
grep -q "replay: 10 faults in .*, 0 could not be replayed" "$TMP/out" || fail "replay"
assert_clean "$e"
python3 - "$log" "$TMP/replayed.jsonl" <<'PY' || fail "the replay differs"
import json, sys
KINDS = {"link_down", "link_up", "node_fail", "node_recover", "partition", "heal",
         "flap_start", "flap_end", "impair", "reset"}
def faults(path):
    out = []
    for line in open(path):
        e = json.loads(line)
        if e["event"] not in KINDS:
            continue
        if e["event"] in ("link_down", "link_up") and e["cause"] != "manual":
            continue
        out.append((e["t"], e["event"], e.get("link") or e.get("node")
                    or e.get("nodes"), e.get("spec")))
    return out
a, b = faults(sys.argv[1]), faults(sys.argv[2])
assert [x[1:] for x in a] == [x[1:] for x in b], (a, b)
span_a, span_b = a[-1][0] - a[0][0], b[-1][0] - b[0][0]
assert abs(span_a - span_b) < 0.25, (span_a, span_b)
PY

# With FRR's BGP: a spine's daemons killed (its links up) is found by
# the convergence invariant; the reset starts them again.
bgp=$(topo bgp.lua <<'EOF'
local net = lunet.topo.leafspine{ spines = 2, leaves = 2, hosts_per_leaf = 1,
  routing = "bgp" }
lunet.invariant("converged", lunet.invariants.converged(net, { within = "3s" }))
lunet.explore{ faults = { "daemon" }, only = { "spine1" }, exhaustive = true,
  settle = "1s" }
return net
EOF
)
e=$(emu_name ex7)
expect_fail 'FAIL "converged" after: daemons of spine1 killed$' \
	"$LUNET" explore --seed 1 --name "$e" -o "$TMP/o7" "$bgp"
grep -q '"event":"daemon_kill".*"node":"spine1"' "$TMP/o7/explore-1.events.jsonl" ||
	fail "no daemon_kill event"
grep -q '"event":"daemons_restart".*"node":"spine1"' "$TMP/o7/explore.events.jsonl" ||
	fail "the reset did not start the daemons again"
assert_clean "$e"

# Interrupted: SIGINT ends the search, tears the network down, exits 1.
e=$(emu_name ex6)
"$LUNET" explore --seed 1 --random --budget 60s --name "$e" -o "$TMP/o6" "$EX" \
	>"$TMP/int.out" 2>&1 &
pid=$!
for _ in $(seq 100); do
	grep -q schedule_start "$TMP/o6/explore.events.jsonl" 2>/dev/null && break
	sleep 0.1
done
sleep 0.5
kill -INT "$pid"
wait "$pid" && fail "an interrupted exploration exited 0"
grep -q "explore: interrupted" "$TMP/int.out" || { cat "$TMP/int.out"; fail "not told"; }
assert_clean "$e"
[ -s "$TMP/o6/explore.json" ] || fail "no summary after an interruption"
exit 0
