# lunet graph: a topology file, a generated topology and a running
# emulation (a link set down in its console drawn down, a link carrying
# pings drawn with its rate), in SVG, DOT and PNG, each parsed and held
# against the network's links (tests/integration/graphcheck.py); a
# fat-tree of k=16 as a summary by pod; the console's graph and its
# completion; the errors.
. "$(dirname "$0")/lib.sh"
command -v dot >/dev/null || fail "Graphviz's dot is needed (tools/deps)"
check() { python3 "$SRC/tests/integration/graphcheck.py" "$@" || fail "graphcheck $*"; }

# the errors
expect_fail "usage: lunet graph" "$LUNET" graph
expect_fail "no file or running emulation named 'nosuch'" "$LUNET" graph nosuch
expect_fail "x.jpg: say which format" "$LUNET" graph "$SRC/examples/routers.lua" -o "$TMP/x.jpg"
expect_fail "no format 'gif'" "$LUNET" graph "$SRC/examples/routers.lua" -T gif
bad=$(topo bad.lua <<'LUA'
local net = lunet.network("bad")
net:link(net:host("h1"), net:host("h9"))
net:link(net:host("h1"), net:switch("s1"))
LUA
)
expect_fail "bad.lua:3: .*h1" "$LUNET" graph "$bad" -o "$TMP/bad.svg"

e=$(emu_name gr)
expect_ok "$LUNET" up --name "$e" "$SRC/examples/routers.lua"
echo links | "$LUNET" console --attach "$e" >"$TMP/links" 2>&1 ||
	fail "links: $(cat "$TMP/links")"
cat "$TMP/links"

# the file, drawn without building it: every node, every link, all up
expect_ok "$LUNET" graph "$SRC/examples/routers.lua" -o "$TMP/file.svg"
grep -q "8 nodes, 8 links" "$TMP/out" || fail "no count of what was drawn"
check "$TMP/file.svg" "$TMP/links"
expect_ok "$LUNET" graph "$SRC/examples/routers.lua" -o "$TMP/file.dot" --ifnames
check "$TMP/file.dot" "$TMP/links"
"$LUNET" graph "$SRC/examples/routers.lua" >"$TMP/stdout.dot" || fail "DOT on stdout"
check "$TMP/stdout.dot" "$TMP/links"
expect_ok "$LUNET" graph "$SRC/examples/routers.lua" -o "$TMP/file.png"
check "$TMP/file.png" "$TMP/links"

# the running emulation: r1-r2 down, pings on h1's link
echo "link r1 r2 down" | "$LUNET" console --attach "$e" || fail "link r1 r2 down"
echo links | "$LUNET" console --attach "$e" >"$TMP/links" 2>&1
grep -q "^r1:.* <-> r2:.* down" "$TMP/links" || fail "r1-r2 is not down"
gw=$("$LUNET" exec "$e" h1 ip -4 route show default | awk '{ print $3 }')
[ -n "$gw" ] || fail "h1 has no default route"
"$LUNET" exec "$e" h1 ping -c 100 -i 0.01 -s 1000 -q "$gw" >/dev/null &
ping_pid=$!
sleep 0.3
expect_ok "$LUNET" graph "$e" -o "$TMP/live.svg"
wait $ping_pid
check "$TMP/live.svg" "$TMP/links" --rate
expect_ok "$LUNET" graph "$e" -T dot --no-rates -o "$TMP/live.dot"
check "$TMP/live.dot" "$TMP/links"

# the console's graph, written by the daemon
printf 'graph -o %s --ifnames\n' "$TMP/console.svg" |
	"$LUNET" console --attach "$e" >"$TMP/c.out" 2>&1 || fail "console graph: $(cat "$TMP/c.out")"
grep -q "console.svg: 8 nodes, 8 links" "$TMP/c.out" || fail "console graph: $(cat "$TMP/c.out")"
check "$TMP/console.svg" "$TMP/links"
printf 'graph -o %s\n' "$TMP/x.gif" | "$LUNET" console --attach "$e" >"$TMP/c.out" 2>&1 &&
	fail "a .gif was accepted"
grep -q "x.gif: say which format" "$TMP/c.out" || fail "console graph -o x.gif: $(cat "$TMP/c.out")"
# its completion, asked through the control socket as an attached
# console's tab does: the options, then a file after -o (status 2)
python3 - "/run/lunet/$e/ctl" <<'PY' || fail "the console's completion of graph"
import socket, struct, sys
def frame(s):
    h = b""
    while len(h) < 5:
        h += s.recv(5 - len(h))
    n = struct.unpack(">I", h[1:5])[0]
    d = b""
    while len(d) < n:
        d += s.recv(n - len(d))
    return h[0:1], d
def complete(line):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    frame(s)
    s.sendall(b"C" + struct.pack(">I", len(line)) + line.encode())
    out = b""
    while True:
        t, d = frame(s)
        if t == b"O":
            out += d
        if t in (b"X", b"R"):
            return out.decode().split(), struct.unpack(">I", d)[0]
assert "graph" in complete("gra")[0]
assert complete("graph ")[0] == ["-o", "--ifnames", "--full"], complete("graph ")
assert complete("graph --if")[0] == ["--ifnames"]
assert complete("graph -o /tmp/x")[1] == 2, "no files after -o"
print("console completion of graph: ok")
PY
expect_ok "$LUNET" down "$e"

# generated fabrics: k=4 in full (36 nodes in tiers), k=16 as 17 boxes
expect_ok "$LUNET" graph --topo fattree,k=4 -o "$TMP/k4.svg"
python3 - "$TMP/k4.svg" <<'PY' || fail "k=4 is not 36 nodes and 48 links in tiers"
import sys, xml.etree.ElementTree as ET
S = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
y = {}
for g in root.iter(S + "g"):
    cls = g.get("class", "")
    if cls.startswith("node"):
        shape = g.find(S + "ellipse")
        if shape is None:
            shape = g.find(S + "polygon")
        t = g.findtext(S + "title")
        y[t] = float(shape.get("cy") or shape.get("points").split()[0].split(",")[1])
edges = [g for g in root.iter(S + "g") if g.get("class", "").startswith("edge")]
assert len(y) == 36 and len(edges) == 48, (len(y), len(edges))
# SVG's y grows downwards: hosts lowest, then edge, aggregation, core.
assert max(y[n] for n in y if n.startswith("h")) == min(y[n] for n in y if n.startswith("h"))
assert min(y[n] for n in y if n.startswith("h")) > max(y[n] for n in y if n.startswith("edge"))
assert min(y[n] for n in y if n.startswith("edge")) > max(y[n] for n in y if n.startswith("agg"))
assert min(y[n] for n in y if n.startswith("agg")) > max(y[n] for n in y if n.startswith("core"))
print("k=4: 36 nodes in 4 tiers, hosts at the bottom")
PY
expect_ok "$LUNET" graph --topo fattree,k=16 -o "$TMP/k16.svg"
grep -q "a summary by group" "$TMP/out" || fail "k=16 is not a summary"
check "$TMP/k16.svg" 3072 --summary 17
echo "t_graph: ok"
