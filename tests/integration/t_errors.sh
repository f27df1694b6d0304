# Bad input: a clear message naming the place and the cause, a non-zero
# exit, and nothing half built.
. "$(dirname "$0")/lib.sh"
e=$(emu_name err)

check() { # PATTERN FILE
	expect_fail "$1" "$LUNET" run --name "$e" "$2"
	assert_clean "$e"
}

f=$(topo syntax.lua <<'L'
local net = lunet.network("x")
net:host("h1"
return net
L
)
check "syntax.lua:3: .*expected" "$f"

f=$(topo runtime.lua <<'L'
local net = lunet.network("x")
local h = net:host("h1")
h.nosuch.field = 1
return net
L
)
check "runtime.lua:3: attempt to index" "$f"

f=$(topo unknown.lua <<'L'
local net = lunet.network("x")
net:host("h1")
net:link("h1", "h9")
return net
L
)
check "unknown.lua:3: unknown node 'h9'" "$f"

f=$(topo dup.lua <<'L'
local net = lunet.network("x")
net:host("h1")
net:switch("h1")
return net
L
)
check "dup.lua:3: .*h1.*(twice|already|duplicate)" "$f"

f=$(topo self.lua <<'L'
local net = lunet.network("x")
local h = net:host("h1")
net:link(h, h)
return net
L
)
check "self.lua:3: .*itself" "$f"

f=$(topo badname.lua <<'L'
local net = lunet.network("x")
net:host("h 1")
return net
L
)
check "badname.lua:2: .*h 1" "$f"

f=$(topo longif.lua <<'L'
local net = lunet.network("x")
net:link(net:host("h1"), net:host("h2"), { ifname1 = "averyveryverylongname" })
return net
L
)
check "longif.lua:2: .*averyveryverylongname" "$f"

f=$(topo badnet.lua <<'L'
local net = lunet.network("bad-name")
return net
L
)
expect_fail "badnet.lua:1: .*bad-name" "$LUNET" run "$f"

f=$(topo conflict.lua <<'L'
local net = lunet.network("x")
local s = net:switch("s1")
net:link(net:host("h1", { ip = "10.9.0.1/24" }), s)
net:link(net:host("h2", { ip = "10.9.0.1/24" }), s)
return net
L
)
check "10.9.0.1.*h1.*h2|10.9.0.1.*h2.*h1|h1.*h2.*10.9.0.1" "$f"

f=$(topo ports.lua <<'L'
local net = lunet.network("x")
local s = net:switch("s1")
for i = 1, 1024 do net:link(net:host("h" .. i), s) end
return net
L
)
check "switch s1 has 1024 ports.*1023" "$f"

f=$(topo badmtu.lua <<'L'
local net = lunet.network("x")
net:link(net:host("h1"), net:host("h2"), { mtu = 10 })
return net
L
)
check "badmtu.lua:2: .*(MTU|mtu)" "$f"

# A missing file.
expect_fail "nosuchfile.lua" "$LUNET" run --name "$e" "$TMP/nosuchfile.lua"

# Not root: refused before anything is made.
if id nobody >/dev/null 2>&1; then
	cp "$LUNET" "$TMP/lunet-copy"
	chmod 755 "$TMP" "$TMP/lunet-copy"
	expect_fail "needs root" setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$TMP/lunet-copy" run --name "$e" "$SRC/examples/demo.lua"
	assert_clean "$e"
fi

# A kernel lacking a feature the topology needs: refused before anything
# is made, naming the feature and what needs it.  (This kernel has veth
# and bridges, so LUNET_KERNEL_LACKS makes lunet treat them as missing;
# t_doctor checks the probe itself against the real kernel.)
expect_fail "lacks bridge support \(CONFIG_BRIDGE\), which switch s1 needs" \
	env LUNET_KERNEL_LACKS=bridge "$LUNET" run --name "$e" "$SRC/examples/demo.lua"
assert_clean "$e"
expect_fail "lacks veth support" \
	env LUNET_KERNEL_LACKS=vxlan,veth "$LUNET" run --name "$e" "$SRC/examples/demo.lua"
assert_clean "$e"
