# A lunet killed with SIGKILL mid-build leaves namespaces behind; "lunet
# clean" removes all of them.  SIGINT and SIGTERM mid-build roll back by
# themselves.  Processes started in nodes die with the emulation.
. "$(dirname "$0")/lib.sh"
big=$(topo big.lua <<'L'
local net = lunet.network("big")
local r = net:router("r0")
for s = 1, 30 do
  local sw = net:switch("s" .. s)
  net:link(sw, r)
  for h = 1, 15 do net:link(net:host("h" .. s .. "_" .. h), sw) end
end
return net
L
)
count_ns() { ls /run/netns 2>/dev/null | grep -c -F "lunet-$1-" || true; }

# wait_ns EMU N: until at least N of its namespaces exist (or 20 s).
wait_ns() {
	local i
	for i in $(seq 200); do
		[ "$(count_ns "$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	fail "namespaces of $1 never appeared"
}

# SIGKILL mid-build, then clean.
e=$(emu_name kill)
"$LUNET" run --name "$e" "$big" >"$TMP/kill.out" 2>&1 &
pid=$!
wait_ns "$e" 40
kill -9 $pid
wait $pid 2>/dev/null
[ "$(count_ns "$e")" -gt 0 ] || fail "nothing was left to clean (the test proves nothing)"
expect_ok "$LUNET" ls
grep -E "^$e +stale" "$TMP/out" || fail "ls does not show $e as stale"
expect_ok "$LUNET" clean
grep -q "removed $e" "$TMP/out" || fail "clean did not remove $e"
assert_clean "$e"

# SIGINT and SIGTERM mid-build: lunet rolls back on its own.
for sig in INT TERM; do
	e=$(emu_name "sig$sig")
	"$LUNET" run --name "$e" "$big" >"$TMP/sig.out" 2>&1 &
	pid=$!
	wait_ns "$e" 40
	kill -s $sig $pid
	wait $pid && fail "lunet exited 0 after SIG$sig"
	grep -q "interrupted" "$TMP/sig.out" || { cat "$TMP/sig.out"; fail "no interrupted message"; }
	assert_clean "$e"
done

# A process spawned in a node outlives a killed lunet, and clean kills it.
e=$(emu_name spawn)
script=$(topo spawn.lua <<L
local net = lunet.network("sp")
local s = net:switch("s1")
local h1 = net:host("h1")
net:link(h1, s)
net:link(net:host("h2"), s)
net:start()
local pid = h1:spawn("sleep", "1000")
local f = assert(io.open("$TMP/pid", "w"))
f:write(pid, "\n")
f:close()
h1:cmd("sleep 100")
L
)
"$LUNET" run --name "$e" "$script" >"$TMP/spawn.out" 2>&1 &
pid=$!
for i in $(seq 100); do [ -s "$TMP/pid" ] && break; sleep 0.1; done
child=$(cat "$TMP/pid")
[ -n "$child" ] || fail "no spawned pid"
kill -9 $pid
wait $pid 2>/dev/null
alive "$child" || fail "spawned process died before clean (test proves nothing)"
expect_ok "$LUNET" clean
for i in $(seq 50); do alive "$child" || break; sleep 0.1; done
alive "$child" && fail "spawned process $child survived clean"
assert_clean "$e"
