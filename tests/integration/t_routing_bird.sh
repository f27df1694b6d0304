# Routers that run BIRD: a leaf-spine of eBGP sessions converges, with a
# multipath route over both spines, and carries every host's traffic on
# BIRD's routes alone; an OSPF ring converges and pings; a config BIRD
# refuses fails the run naming the router and BIRD's words; and "lunet
# clean" after a killed "lunet up" leaves no bird running.
. "$(dirname "$0")/lib.sh"
[ -x /usr/sbin/bird ] && [ -x /usr/sbin/birdc ] ||
	fail "BIRD 2 is not installed (make deps installs bird2)"

# birds EMU: the pids of the bird processes of that emulation still alive.
birds() {
	local f pid
	for f in /proc/[0-9]*/cmdline; do
		pid=${f#/proc/}
		pid=${pid%/cmdline}
		tr '\0' ' ' <"$f" 2>/dev/null | grep -q "^/usr/sbin/bird .*/run/lunet/$1/routers/" &&
			alive "$pid" && echo "$pid"
	done
	return 0
}

# wait_no_birds EMU: until none is left (or 5 s), then fails naming them.
wait_no_birds() {
	local i left
	for i in $(seq 50); do
		left=$(birds "$1")
		[ -z "$left" ] && return 0
		sleep 0.1
	done
	fail "bird processes of $1 left: $left"
}

# Two spines sharing an ASN, four leaves with a host each (RFC 7938).
fabric=$(topo fabric.lua <<'L'
local net = lunet.network("fabric")
local spines = {}
for i = 1, 2 do
  spines[i] = net:router("spine" .. i, {routing = "bgp", daemon = "bird",
                                        asn = 4200000000})
end
for i = 1, 4 do
  local leaf = net:router("leaf" .. i, {routing = "bgp", daemon = "bird",
                                        asn = 4200000100 + i})
  net:link(leaf, spines[1])
  net:link(leaf, spines[2])
  net:link(net:host("h" .. i), leaf)
end
return net
L
)

e=$(emu_name fab)
script=$(topo fab_run.lua <<L
local net = dofile("$fabric")
net:start()
local c = net:converged{within = "30s"}
print(string.format("converged in %.2f s", c.time))
c = net:converged{within = "30s", ecmp = true}
print(string.format("converged with ecmp in %.2f s", c.time))
print(net:node("leaf1"):routes())
local out, status = net:node("leaf1"):cmd("ip route")
assert(status == 0, "ip route: " .. out)
print(out)
for i = 1, 4 do
  local p = net:node("leaf" .. i):birdc("show protocols")
  print(p)
  local _, up = p:gsub("\n%S+%s+BGP%s+%S+%s+up%s+%S+%s+Established", "")
  assert(up == 2, "leaf" .. i .. ": " .. up .. " of 2 sessions established")
end
local p = net:node("spine1"):birdc("show protocols")
local _, up = p:gsub("\n%S+%s+BGP%s+%S+%s+up%s+%S+%s+Established", "")
assert(up == 4, "spine1: " .. up .. " of 4 sessions established\n" .. p)
print(lunet.format_pingall(net:pingall()))
L
)
expect_ok "$LUNET" run --name "$e" "$script"
grep -q "converged with ecmp in" "$TMP/out" || fail "fabric: not converged"
# leaf1 reaches leaf2's loopback (10.255.0.4) over both spines.
grep -qE "^10\.255\.0\.4/32 +2 paths proto bird" "$TMP/out" ||
	fail "leaf1: no 2-path BIRD route to leaf2's loopback"
grep -q "proto bird" "$TMP/out" || fail "leaf1: no route from BIRD"
grep -q "proto static" "$TMP/out" && fail "leaf1: static routes in a BIRD fabric"
grep -q "12/12 pairs reachable, 0% loss" "$TMP/out" ||
	fail "fabric: not every host reaches every other"
assert_clean "$e"
[ -z "$(birds "$e")" ] || fail "bird left running after lunet run"

# An OSPF ring of four BIRD routers, a host on each.
e=$(emu_name ring)
script=$(topo ring.lua <<'L'
local net = lunet.network("ring")
local r = {}
for i = 1, 4 do
  r[i] = net:router("r" .. i, {routing = "ospf", daemon = "bird"})
  net:link(net:host("h" .. i), r[i])
end
for i = 1, 4 do net:link(r[i], r[i % 4 + 1]) end
net:start()
local c = net:converged{within = "60s", ecmp = true}
print(string.format("ring converged in %.2f s", c.time))
print(net:node("r1"):routes())
print(net:node("r1"):birdc("show ospf neighbors"))
print(lunet.format_pingall(net:pingall()))
L
)
expect_ok "$LUNET" run --name "$e" "$script"
# r3's loopback (10.255.0.3) is two hops away either way round.
grep -qE "^10\.255\.0\.3/32 +2 paths proto bird" "$TMP/out" ||
	fail "r1: no 2-path OSPF route to r3"
[ "$(grep -c "Full/PtP" "$TMP/out")" -eq 2 ] ||
	fail "r1: want two point-to-point neighbours in Full"
grep -q "12/12 pairs reachable, 0% loss" "$TMP/out" ||
	fail "ring: not every host reaches every other"
assert_clean "$e"

# A config BIRD refuses: the run fails, naming the router and what BIRD
# said, and rolls back every router's daemon.
e=$(emu_name bogus)
script=$(topo bogus.lua <<'L'
local net = lunet.network("bogus")
local a = net:router("r1", {routing = "bgp", daemon = "bird"})
local b = net:router("r2", {routing = "bgp", daemon = "bird",
                            extra = "bogus;"})
net:link(a, b)
net:start()
L
)
expect_fail "router r2: BIRD refused its config: bird: /run/lunet/$e/routers/r2/bird\.conf:[0-9]+:[0-9]+ syntax error" \
	"$LUNET" run --name "$e" "$script"
assert_clean "$e"
[ -z "$(birds "$e")" ] || fail "bird left running after a refused config"

# "lunet up", its daemon killed with SIGKILL: "lunet clean" kills every
# bird it left.
e=$(emu_name up)
expect_ok "$LUNET" up --name "$e" "$fabric"
pids=$(cat /run/lunet/"$e"/routers/*/bird.pid)
[ "$(echo "$pids" | wc -w)" -eq 6 ] || fail "want 6 bird pid files, have: $pids"
for p in $pids; do alive "$p" || fail "bird $p is not running"; done
[ "$(birds "$e" | wc -l)" -eq 6 ] || fail "want 6 birds running"
owner=$(awk '$1 == "owner" { print $2 }' "/run/lunet/$e/state")
[ -n "$owner" ] && alive "$owner" || fail "no live owner in /run/lunet/$e/state"
kill -9 "$owner"
for i in $(seq 50); do alive "$owner" || break; sleep 0.1; done
expect_ok "$LUNET" ls
grep -qE "^$e +stale" "$TMP/out" || fail "ls does not show $e as stale"
for p in $pids; do alive "$p" || fail "bird $p died with lunet (test proves nothing)"; done
expect_ok "$LUNET" clean "$e"
for i in $(seq 50); do
	left=""
	for p in $pids; do alive "$p" && left="$left $p"; done
	[ -z "$left" ] && break
	sleep 0.1
done
[ -z "$left" ] || fail "bird survived lunet clean:$left"
wait_no_birds "$e"
assert_clean "$e"
