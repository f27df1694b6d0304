# lunet test on scenarios that must pass and scenarios that must fail: exit
# status, TAP, JUnit XML that parses, the event log; and determinism: one
# seed, the same faults.
. "$(dirname "$0")/lib.sh"
e=$(emu_name sc)
S=$SRC/tests/scenarios

# Usage errors.
expect_fail "usage: lunet test" "$LUNET" test
expect_fail "nope.lua" "$LUNET" test "$TMP/nope.lua"
expect_fail "seed" "$LUNET" test --seed -3 "$S/pass/time.lua"
mkdir "$TMP/empty"
expect_fail "no scenario files" "$LUNET" test "$TMP/empty"

# Scenarios that must pass: every fault kind, with traffic.
expect_ok "$LUNET" test --name "$e" --seed 7 --junit "$TMP/pass.xml" \
	--artifacts "$TMP/art" "$S/pass"
grep -qx "TAP version 13" "$TMP/out" || fail "no TAP header"
grep -q "^# lunet test: seed 7 " "$TMP/out" || fail "the seed is not printed"
grep -q "^not ok" "$TMP/out" && fail "a scenario that must pass failed"
n=$(grep -c "^ok " "$TMP/out")
[ "$n" -ge 10 ] || fail "only $n cases ran"
grep -qx "1\.\.$n" "$TMP/out" || fail "no plan 1..$n"
grep -q "^# $e reset in [0-9.]* s" "$TMP/out" || fail "no reset between cases"
assert_clean "$e"

python3 - "$TMP/pass.xml" "$n" <<'PY' || fail "pass.xml"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "testsuites", root.tag
cases = root.findall("./testsuite/testcase")
assert len(cases) == int(sys.argv[2]) == int(root.get("tests")), len(cases)
assert root.get("failures") == "0" and root.get("errors") == "0"
assert not root.findall(".//failure") and not root.findall(".//error")
assert all(c.get("name") and float(c.get("time")) >= 0 for c in cases)
seeds = root.findall("./testsuite/properties/property[@name='seed']")
assert seeds and all(p.get("value") == "7" for p in seeds)
PY

log=$TMP/art/$(echo "$S/pass/faults" | sed 's|^\./||; s|/|_|g').events.jsonl
[ -s "$log" ] || log=$(ls "$TMP"/art/*faults.events.jsonl)
python3 - "$log" <<'PY' || fail "the event log of faults.lua"
import json, sys
events = [json.loads(line) for line in open(sys.argv[1])]
kinds = {e["event"] for e in events}
need = {"file_start", "test_start", "test_end", "link_down", "link_up",
        "node_fail", "node_recover", "partition", "heal", "flap_start",
        "flap_end", "probe_start", "probe_end", "reset", "process_start"}
assert need <= kinds, need - kinds
ts = [e["t"] for e in events]
assert ts == sorted(ts), "timestamps go back"
assert all("ts" in e for e in events)
fails = [e for e in events if e["event"] == "node_fail"]
assert {e["mode"] for e in fails} == {"stop", "kill"}, fails
downs = [e for e in events if e["event"] == "link_down"]
assert all(e["link"] and e["cause"] and e["net"] for e in downs)
assert any(e["cause"] == "flap" for e in downs)
assert any(e["cause"].startswith("partition") for e in downs)
assert any(e["cause"].startswith("node ") for e in downs)
ends = [e for e in events if e["event"] == "test_end"]
assert ends and all(e["ok"] for e in ends)
PY

# Scenarios that must fail: each case its own way, the run goes on.
expect_fail "^not ok" "$LUNET" test --name "$e" --junit "$TMP/fail.xml" \
	--artifacts "$TMP/art2" "$S/fail"
[ "$(grep -c '^not ok' "$TMP/out")" -eq 7 ] || fail "not 7 failures"
grep -q "^ok .* this one passes" "$TMP/out" || fail "a failure stopped the run"
grep -qx "1\.\.8" "$TMP/out" || fail "no plan 1..8"
grep -q 'message: ".*failing.lua:4: arithmetic is broken"' "$TMP/out" ||
	fail "the assertion's message"
grep -q 'at: ".*failing.lua:4"' "$TMP/out" || fail "the assertion's file:line"
grep -q '"event":"before_the_failure"' "$TMP/out" ||
	fail "the events before the failure"
grep -q "not true within 200ms.*last seen: false" "$TMP/out" ||
	fail "expect's message"
grep -q "failing.lua:17: attempt to index a nil value" "$TMP/out" ||
	fail "a Lua error"
grep -q "background task failed: .*background boom" "$TMP/out" ||
	fail "a background task's error"
grep -q "timed out after 300ms" "$TMP/out" || fail "the time limit"
grep -q "{loss=0.75, sent=100}" "$TMP/out" || fail "a table as the message"
grep -q "syntax.lua:3: ')' expected" "$TMP/out" || fail "a file that does not load"

python3 - "$TMP/fail.xml" <<'PY' || fail "fail.xml"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
cases = root.findall("./testsuite/testcase")
assert len(cases) == 8 and root.get("tests") == "8", len(cases)
assert int(root.get("failures")) + int(root.get("errors")) == 7
assert int(root.get("errors")) >= 2  # the Lua error, the time-out, the load
bad = [c for c in cases if c.find("failure") is not None or c.find("error") is not None]
assert len(bad) == 7
ok = [c.get("name") for c in cases if c not in bad]
assert ok == ["this one passes"], ok
first = cases[0].find("failure")
assert "arithmetic is broken" in first.get("message")
assert "failing.lua:4" in first.text and "before_the_failure" in first.text
PY

# The same seed, the same faults; another seed, others.
faults() {
	python3 - "$1" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["event"] in ("chaos", "link_down", "link_up", "node_fail"):
        print(e["event"], e.get("link") or e.get("node"))
PY
}
for run in a b c; do
	seed=42
	[ $run = c ] && seed=43
	expect_ok "$LUNET" test --name "$e" --seed $seed --artifacts \
		"$TMP/seed$run" "$S/pass/chaos.lua"
	faults "$TMP"/seed$run/*.events.jsonl >"$TMP/faults.$run"
done
[ "$(grep -c '^chaos' "$TMP/faults.a")" -eq 6 ] || fail "no chaos events"
cmp "$TMP/faults.a" "$TMP/faults.b" || fail "seed 42 twice: other faults"
cmp -s "$TMP/faults.a" "$TMP/faults.c" && fail "seeds 42 and 43: same faults"
assert_clean "$e"
echo "scenario runner ok"
