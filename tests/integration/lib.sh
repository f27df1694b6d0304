# Shared helpers for integration tests.  Source it first thing.
#
# Every emulation a test makes is named with emu_name, which is unique to
# this test run; the EXIT trap removes them all (and checks nothing of
# theirs is left), whether the test passed or not.
set -u
LUNET=${LUNET:-./lunet}
SRC=${LUNET_SRC:-.}
TMP=$(mktemp -d /tmp/lunet-test.XXXXXX)
EMUS=()
AT_EXIT=()
RUN_ID="t$$"

# at_exit CMD: run CMD (a string) when the test ends, however it ends.
at_exit() {
	AT_EXIT+=("$1")
}

# Called as e=$(emu_name x), in a subshell: the name is kept in a file,
# not in a variable of the subshell, for the EXIT trap to find.
emu_name() {
	local n="${RUN_ID}_$1"
	echo "$n" >>"$TMP/.emus"
	echo "$n"
}

leftovers() {
	local e
	for e in "$@"; do
		ls /run/netns 2>/dev/null | grep -F "lunet-$e-" || true
		[ -e "/run/lunet/$e" ] && echo "/run/lunet/$e"
	done
	return 0
}

cleanup() {
	local rc=$? e c
	for c in "${AT_EXIT[@]}"; do
		eval "$c" >/dev/null 2>&1 || true
	done
	for e in "${EMUS[@]}" $(cat "$TMP/.emus" 2>/dev/null); do
		"$LUNET" clean -q --all "$e" >/dev/null 2>&1 || true
	done
	rm -rf "$TMP"
	exit $rc
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# alive PID: the process exists and is not a zombie (a zombie is dead:
# it only waits for its parent, which here may be an init that never
# reaps).
alive() {
	local st
	st=$(awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# expect_ok CMD...: runs CMD, fails the test unless it exits 0.
expect_ok() {
	"$@" >"$TMP/out" 2>&1 || { cat "$TMP/out"; fail "expected success: $*"; }
	cat "$TMP/out"
}

# expect_fail PATTERN CMD...: CMD must exit non-zero and print PATTERN.
expect_fail() {
	local pat=$1
	shift
	if "$@" >"$TMP/out" 2>&1; then
		cat "$TMP/out"
		fail "expected failure: $*"
	fi
	cat "$TMP/out"
	grep -qE -- "$pat" "$TMP/out" || fail "output lacks /$pat/: $*"
}

# assert_clean EMU...: nothing of these emulations is left.
assert_clean() {
	local left
	left=$(leftovers "$@")
	[ -z "$left" ] || fail "left behind: $left"
}

topo() {
	cat >"$TMP/$1"
	echo "$TMP/$1"
}
