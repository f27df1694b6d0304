# The Lua API on a live network: cmd, spawn, ping, pingall, link down/up,
# nodes, links; a script that drives the network itself is torn down when
# it ends, and when it fails.
. "$(dirname "$0")/lib.sh"
e=$(emu_name api)
f=$(topo api.lua <<L
local net = lunet.network("api")
local s1 = net:switch("s1")
local r1, r2 = net:router("r1"), net:router("r2")
local h1, h2 = net:host("h1"), net:host("h2")
net:link(h1, s1)
net:link(s1, r1)
local l = net:link(r1, r2)
local s2 = net:switch("s2")
net:link(r2, s2)
net:link(h2, s2, { ifname1 = "uplink", ip1 = "192.168.7.10/24", mtu = 1400 })
assert(#net:nodes() == 6 and #net:links() == 5)
assert(net:node("h1") == h1, "node handles are stable")
assert(net:link_between("r2", "r1") == l)
net:start()
assert(net.running)

-- cmd: output and status
local out, st = h2:cmd("ip -br addr show uplink")
assert(st == 0 and out:find("192.168.7.10/24"), out)
out = h2:cmd("ip link show uplink")
assert(out:find("mtu 1400"), out)
local _, st2 = h1:cmd("exit 3")
assert(st2 == 3, st2)
out, st = h1:cmd("echo", "two words")
assert(out == "two words\n", out)

-- real packets through two routers
local ok, rtt = net:ping(h1, h2)
assert(ok and rtt > 0, "h1 cannot reach h2")
local r = net:pingall()
assert(r.pairs == 2 and r.ok == 2 and r.loss == 0)

-- a link down cuts the path, up restores it
l:down()
assert(not net:ping("h1", "h2"), "h1 reaches h2 with r1-r2 down")
r = net:pingall()
assert(r.loss == 1 and #r.failed == 2 and r.failed[1][1] == "h1")
l:up()
assert(net:ping("h1", "h2"), "h1 cannot reach h2 after link up")

-- spawn: a background process owned by the emulation
local pid = h1:spawn("sleep", "1000")
local f = assert(io.open("$TMP/pid", "w")); f:write(pid); f:close()
assert(h1:cmd("kill -0 " .. pid) ~= nil)

-- intfs
local ifs = h2:intfs()
assert(ifs[1].name == "uplink" and ifs[1].ip == "192.168.7.10/24" and ifs[1].peer == "s2")
print("api ok")
L
)
expect_ok "$LUNET" run --name "$e" "$f"
grep -q "api ok" "$TMP/out" || fail "script did not finish"
grep -q "$e down" "$TMP/out" || fail "script's network was not torn down"
assert_clean "$e"
child=$(cat "$TMP/pid")
alive "$child" && fail "spawned process survived teardown"

# A failing script still tears down what it started.
f=$(topo failing.lua <<'L'
local net = lunet.network("f")
net:link(net:host("h1"), net:host("h2"))
net:start()
error("boom")
L
)
expect_fail "failing.lua:4: boom" "$LUNET" run --name "$e" "$f"
assert_clean "$e"

# What cannot change while the network runs is refused clearly (nodes
# and links can: t_change).
f=$(topo frozen.lua <<'L'
local net = lunet.network("f")
net:link(net:host("h1"), net:host("h2"))
net:start()
net:speaker("isp", { asn = 64496, prefixes = 4 })
L
)
expect_fail "frozen.lua:4: .*running" "$LUNET" run --name "$e" "$f"
assert_clean "$e"
