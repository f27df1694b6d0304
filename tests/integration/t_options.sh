# No input taken silently: every options table refuses a key it does not
# take and a value of the wrong type, naming both and the file:line of the
# call; a topology file must return a network (or start its own); every
# command names an unknown flag; console commands name a word too many.
. "$(dirname "$0")/lib.sh"
e=$(emu_name opt)

# Every table at once, in one run: each case is one line, the error must
# begin with this file's name and that line.  Valid options of each kind
# go through too, on a running network.
f=$(topo cases.lua <<L
local file = debug.getinfo(1, "S").short_src
local cases = 0
local function case(want, fn)
  local line = debug.getinfo(2, "l").currentline
  local ok, err = pcall(fn)
  local prefix = file .. ":" .. line .. ": " .. want
  assert(not ok, "line " .. line .. ": accepted, should say: " .. want)
  assert(err:sub(1, #prefix) == prefix,
    "line " .. line .. ": got\n  " .. err .. "\nwanted\n  " .. prefix)
  cases = cases + 1
end
local LINK = "(it takes: corrupt, delay, duplicate, ifname1, ifname2, ip1, ip2, jitter, limit, loss, mac1, mac2, mtu, rate, reorder, seed)"
local IMPAIR = "(it takes: corrupt, delay, duplicate, from, jitter, limit, loss, rate, reorder, seed)"
local CAPTURE = "(it takes: count, file, files, filter, size, snaplen)"

case([[lunet.network("y"): unknown option 'bogus' (it takes none)]], function() lunet.network("y", { bogus = 1 }) end)
case([[lunet.network("y"): options must be a table (got number 5)]], function() lunet.network("y", 5) end)

local net = lunet.network("opts")
local h1, h2 = net:host("h1", { ip = "10.0.0.1/24" }), net:host("h2")
local s1 = net:switch("s1", { stp = false })
local r1 = net:router("r1", { lo = "10.255.0.1/32" })
local l = net:link(h1, s1, { delay = "1ms", loss = 0, mtu = 1500.0, ifname1 = "eth0" })
net:link(h2, s1, { rate = "100mbit", limit = 1000, seed = 3, dup = 0 })
net:link(r1, s1)

case("host h9: unknown option 'ipp' (it takes: group, ip)", function() net:host("h9", { ipp = "10.0.0.5/24" }) end)
case("host h9: option 'ip' must be a string (got number 5)", function() net:host("h9", { ip = 5 }) end)
case("switch s9: unknown option 'stpp' (it takes: group, stp)", function() net:switch("s9", { stpp = true }) end)
case("switch s9: option 'stp' must be a boolean (got number 1)", function() net:switch("s9", { stp = 1 }) end)
case("router r9: unknown option 'ip' (it takes: asn, bfd, config, daemon, extra, group, lo, max_prefix, router_id, routing, unnumbered)", function() net:router("r9", { ip = "10.0.0.9/24" }) end)
case("router r9: option 'lo' must be a string (got boolean)", function() net:router("r9", { lo = true }) end)
case("speaker sp9: unknown option 'prefix' (it takes: asn, bfd, daemon, extra, group, lo, prefixes, router_id)", function() net:speaker("sp9", { prefix = 10 }) end)
case("speaker sp9: option 'prefixes' must be an integer or a table (got number 1.5)", function() net:speaker("sp9", { prefixes = 1.5 }) end)
case("net:link(h1, s1): unknown option 'colour' " .. LINK, function() net:link(h1, s1, { colour = "red" }) end)
case("net:link(h1, s1): unknown option 'dealy' " .. LINK, function() net:link(h1, s1, { dealy = "20ms" }) end)
case("net:link(h1, s1): unknown option [1] " .. LINK, function() net:link(h1, s1, { "20ms" }) end)
case("net:link(h1, s1): option 'mtu' must be an integer (got string)", function() net:link(h1, s1, { mtu = "1500" }) end)
case("net:link(h1, s1): option 'mtu' must be an integer (got number 1.5)", function() net:link(h1, s1, { mtu = 1.5 }) end)
case("net:link(h1, s1): option 'delay' must be a number or a string (got boolean)", function() net:link(h1, s1, { delay = true }) end)
case("net:link(h1, s1): options must be a table (got string)", function() net:link(h1, s1, "fast") end)
case("link h1-s1:impair{}: unknown option 'dealy' " .. IMPAIR, function() l:impair{ dealy = "20ms" } end)
case("link h1-s1:impair{}: option 'from' must be a node or a string (got number 1)", function() l:impair{ from = 1 } end)
case("link h1-s1:capture{}: unknown option 'fille' " .. CAPTURE, function() l:capture{ fille = "x.pcap" } end)
case("link h1-s1:capture{}: unknown option 'intf' " .. CAPTURE, function() l:capture{ file = "x.pcap", intf = "eth0" } end)
case("link h1-s1:capture{}: option 'count' must be an integer (got string)", function() l:capture{ file = "x.pcap", count = "x" } end)
case("node h1:capture{}: unknown option 'filtre' (it takes: count, file, files, filter, intf, size, snaplen)", function() h1:capture{ file = "x.pcap", filtre = "icmp" } end)
case("node h1:capture{}: option 'snaplen' must be an integer (got number 1.5)", function() h1:capture{ file = "x.pcap", snaplen = 1.5 } end)
case("link h1-s1:flap{}: unknown option 'perod' (it takes: count, down, jitter, period)", function() l:flap{ perod = 1 } end)
case("link h1-s1:flap{}: option 'count' must be an integer (got string)", function() l:flap{ count = "x" } end)
case("lunet.expect(): unknown option 'withn' (it takes: every, message, within)", function() lunet.expect(function() return true end, { withn = 1 }) end)
case("lunet.expect(): option 'within' must be a number or a string (got boolean)", function() lunet.expect(function() return true end, { within = true }) end)
case([[lunet.test("t"): unknown option 'timout' (it takes: fresh, timeout)]], function() lunet.test("t", function() end, { timout = 1 }) end)
case([[lunet.test("t"): option 'fresh' must be a boolean (got string)]], function() lunet.test("t", function() end, { fresh = "yes" }) end)
case("lunet.topo.linear{}: unknown option 'bogus' (it takes: n, name)", function() lunet.topo.linear{ n = 2, bogus = 1 } end)
case("lunet.topo.linear{}: option 'n' must be an integer (got string)", function() lunet.topo.linear{ n = "x" } end)
case("lunet.topo.tree{}: unknown option 'depht' (it takes: depth, fanout, name)", function() lunet.topo.tree{ depht = 2 } end)
case("lunet.topo.tree{}: option 'fanout' must be an integer (got number 2.5)", function() lunet.topo.tree{ fanout = 2.5 } end)
case("lunet.topo.fattree{}: unknown option 'K' (it takes: bfd, daemon, k, name, routing, unnumbered)", function() lunet.topo.fattree{ K = 4 } end)
case("lunet.topo.fattree{}: option 'k' must be even (got 3)", function() lunet.topo.fattree{ k = 3 } end)
case("lunet.topo.leafspine{}: unknown option 'spine' (it takes: bfd, daemon, hosts_per_leaf, leaves, name, routing, spines, unnumbered)", function() lunet.topo.leafspine{ spine = 2 } end)
case("lunet.topo.leafspine{}: option 'leaves' must be an integer between 1 and 4000 (got 0)", function() lunet.topo.leafspine{ leaves = 0 } end)
case("lunet.topo.torus{}: unknown option 'z' (it takes: bfd, daemon, name, routing, switch, unnumbered, x, y)", function() lunet.topo.torus{ z = 3 } end)
case("lunet.topo.torus{}: option 'switch' must be an integer, a string or a boolean (got table)", function() lunet.topo.torus{ switch = {} } end)

net:start()
case("net:pingall{}: unknown option 'smaple' (it takes: from, sample, timeout, to, tries)", function() net:pingall{ smaple = 2 } end)
case("net:pingall{}: option 'sample' must be an integer (got string)", function() net:pingall{ sample = "x" } end)
case("net:probe(): unknown option 'durration' (it takes: duration, proto, rate, timeout)", function() net:probe(h1, h2, { durration = 1 }) end)
case("net:probe(): option 'rate' must be a number (got string)", function() net:probe(h1, h2, { rate = "fast" }) end)
case("node h1:fail{}: unknown option 'kil' (it takes: kill)", function() h1:fail{ kil = true } end)
case("node h1:fail{}: option 'kill' must be a boolean (got string)", function() h1:fail{ kill = "yes" } end)

-- What is valid still is.
assert(net:pingall{ sample = 2 }.pairs == 2)
assert(net:probe(h1, h2, { duration = "200ms", rate = 20, proto = "icmp" }).sent > 0)
l:impair{ delay = 0.001, from = h1, seed = 2 }
local c = l:capture{ file = "$TMP/opts.pcap", count = 1, snaplen = 128 }
c:stop()
h2:fail{ kill = false }
h2:recover()
lunet.expect(function() return true end, { within = "1s", every = 0.1, message = "m" })
l:flap{ period = 0.2, count = 1.0 }:wait()
print("option cases ok: " .. cases)
L
)
expect_ok "$LUNET" run --name "$e" "$f"
grep -q "option cases ok: 46" "$TMP/out" || fail "not every option case ran"
assert_clean "$e"

# End to end: the message, its file:line and exit status 1.
run_fails() { # PATTERN FILE
	"$LUNET" run --name "$e" "$2" >"$TMP/out" 2>&1
	local rc=$?
	cat "$TMP/out"
	[ "$rc" = 1 ] || fail "$2: exit status $rc, not 1"
	grep -qE -- "$1" "$TMP/out" || fail "output lacks /$1/: $2"
	assert_clean "$e"
}
f=$(topo colour.lua <<'L'
local net = lunet.network("x")
local h1, s1 = net:host("h1"), net:switch("s1")
net:link(h1, s1, { colour = "red" })
return net
L
)
run_fails "^lunet: $f:3: net:link\(h1, s1\): unknown option 'colour' \(it takes: corrupt, delay, .*\)$" "$f"
f=$(topo ipp.lua <<'L'
local net = lunet.network("x")
net:host("h1", { ipp = "10.0.0.5/24" })
return net
L
)
run_fails "^lunet: $f:2: host h1: unknown option 'ipp' \(it takes: group, ip\)$" "$f"
f=$(topo mtu.lua <<'L'
local net = lunet.network("x", {})
net:link(net:host("h1"), net:host("h2"), { mtu = "1500" })
return net
L
)
run_fails "^lunet: $f:2: net:link\(h1, h2\): option 'mtu' must be an integer \(got string\)$" "$f"
f=$(topo netopt.lua <<'L'
local net = lunet.network("x", { bogus = 1 })
return net
L
)
run_fails "^lunet: $f:1: lunet.network\(\"x\"\): unknown option 'bogus' \(it takes none\)$" "$f"
# "return f{...}" is a tail call: Lua keeps no line of it, the file is named.
f=$(topo tail.lua <<'L'
return lunet.topo.linear{ n = 2, bogus = 1 }
L
)
run_fails "^lunet: $f: lunet.topo.linear\{\}: unknown option 'bogus' \(it takes: n, name\)$" "$f"
expect_fail "^lunet: lunet.topo.linear\{\}: unknown option 'K' \(it takes: n, name\)$" \
	"$LUNET" run --name "$e" --topo linear,K=3

# What a file returns.
f=$(topo ret42.lua <<'L'
local net = lunet.network("x")
net:host("h1")
return 42
L
)
run_fails "^lunet: $f: returned a number \(42\), not a network \(end the file with 'return net'\)$" "$f"
f=$(topo retnone.lua <<'L'
local net = lunet.network("x")
net:host("h1")
L
)
run_fails "^lunet: $f: returned nothing and started no network" "$f"
expect_fail "$f: returned nothing and started no network" "$LUNET" up --name "$e" "$f"
assert_clean "$e"
# A script that starts (and stops) its network itself needs return nothing.
f=$(topo own.lua <<'L'
local net = lunet.network("x")
net:link(net:host("h1"), net:host("h2"))
net:start()
assert(net:ping("h1", "h2"))
net:stop()
print("own ok")
L
)
expect_ok "$LUNET" run --name "$e" "$f"
grep -q "own ok" "$TMP/out" || fail "own.lua did not run"
assert_clean "$e"

# lunet test: a case's options, from the file's line.
f=$(topo opts_test.lua <<'L'
lunet.test("a case", function() end, { timout = 5 })
L
)
expect_fail "$f:1: lunet.test\(.*a case.*\): unknown option 'timout' \(it takes: fresh, timeout\)" "$LUNET" test "$f"

# Flags: every command names an unknown one, lunet-style, exit status 1.
for c in run up console test down exec ls impair capture stats clean doctor version; do
	"$LUNET" "$c" --bogus >"$TMP/out" 2>&1
	rc=$?
	[ "$rc" = 1 ] || fail "$c --bogus: exit status $rc"
	grep -qx "lunet $c: unknown option '--bogus'" "$TMP/out" || { cat "$TMP/out"; fail "$c --bogus"; }
	grep -qx "Try 'lunet $c --help'." "$TMP/out" || fail "$c --bogus: no hint"
done
expect_fail "^lunet run: option '--name' needs a value$" "$LUNET" run --name
expect_fail "^lunet test: option '--fresh' takes no value$" "$LUNET" test --fresh=yes x.lua
expect_fail "^lunet capture: unknown option '-Z'$" "$LUNET" capture -Z x h1
expect_fail "^lunet ls: unexpected argument 'extra'$" "$LUNET" ls extra
expect_fail "^lunet run: unexpected argument 'b.lua'$" "$LUNET" run a.lua b.lua

# Console commands name a word they do not take.
"$LUNET" console -n "$e" >"$TMP/con.out" 2>&1 <<'EOF'
pingall 2 extra
stats s1 h1 extra
impair s1 h1 delay 20ms bogus
impair s1 h1 dealy=20ms
capture stop 1 2
link s1 h1 sideways
EOF
cat "$TMP/con.out"
for want in "pingall: unexpected 'extra' \(usage: pingall \[PAIRS\]\)" \
	"stats: unexpected 'extra'" \
	"impair: unknown impairment 'bogus'" \
	"impair: unknown impairment 'dealy'" \
	"capture: unexpected '2'" \
	"link: 'sideways': say up or down"; do
	grep -qE "^$want" "$TMP/con.out" || fail "console lacks /$want/"
done
assert_clean "$e"
