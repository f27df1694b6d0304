# lunet test --report DIR: one self-contained page (no file or server
# beside it) that headless Chromium renders: the failing case shows its
# failure and its fault on a timeline, its probe's plot has the probe's
# series and a marker per fault, the counters of the link it set down are there, and the passing
# case says so.
. "$(dirname "$0")/lib.sh"
command -v chromium >/dev/null || fail "chromium is needed (tools/deps)"
e=$(emu_name rep)
f=$(topo report.lua <<LUA
local net = lunet.network("$e")
local r1 = net:router("r1")
net:link(net:host("h1"), r1)
net:link(net:host("h2"), r1)

lunet.test("no loss while r1-h2 is down", function()
  net:start()
  local probe = lunet.go(net.probe, net, "h1", "h2", { rate = 100, duration = "1.5s" })
  lunet.sleep("0.5s")
  net:link_between("r1", "h2"):down()
  lunet.sleep("0.4s")
  net:link_between("r1", "h2"):up()
  local r = probe:wait()
  assert(r.loss == 0, r)
end)

lunet.test("h1 reaches h2", function()
  assert(net:pingall().loss == 0)
end)
LUA
)
"$LUNET" test --report "$TMP/out" "$f" >"$TMP/tap" 2>&1 && fail "a failing case passed"
cat "$TMP/tap"
grep -q "^not ok 1 .*no loss while" "$TMP/tap" || fail "case 1 did not fail"
grep -q "^ok 2 " "$TMP/tap" || fail "case 2 did not pass"
grep -q "probe_series" "$TMP/tap" && fail "TAP lists the probe's series"
grep -q "the report: $TMP/out/index.html" "$TMP/tap" || fail "no word of the report"
[ -s "$TMP/out/index.html" ] || fail "no index.html"

# The page as Chromium makes it, after its script ran, from the file
# alone (no network: a page that needed one would be blank).
timeout 60 chromium --headless --no-sandbox --disable-gpu --no-first-run \
	--user-data-dir="$TMP/chromium" --dump-dom "file://$TMP/out/index.html" \
	>"$TMP/dom.html" 2>"$TMP/chromium.err" || { cat "$TMP/chromium.err"; fail "chromium"; }
python3 - "$TMP/out/index.html" "$TMP/dom.html" <<'PY' || fail "the report"
import html.parser, json, re, sys

class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.elems, self.stack, self.text, self.data = [], [], {}, None
        self.in_data = False
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.elems.append((tag, a))
        if tag == "script" and a.get("id") == "data":
            self.in_data = True
            self.data = ""
        self.stack.append((tag, a, len(self.elems) - 1))
    def handle_endtag(self, tag):
        self.in_data = False
    def handle_data(self, d):
        if self.in_data:
            self.data += d
        for _, a, i in self.stack[-3:]:
            self.text[i] = self.text.get(i, "") + d

src = Page(); src.feed(open(sys.argv[1]).read())
for tag, a in src.elems:
    assert not (tag == "script" and a.get("src")), "a script from elsewhere"
    assert not (tag == "link" and a.get("href")), "a stylesheet from elsewhere"
data = json.loads(src.data)
case = data["files"][0]["cases"][0]
assert not case["ok"] and "loss" in case["message"], case["message"]
kinds = [e["event"] for e in case["events"]]
assert "link_down" in kinds and "link_up" in kinds and "probe_series" in kinds, kinds
series = next(e for e in case["events"] if e["event"] == "probe_series")
assert max(series["loss"]) == 1 and series["loss"][0] == 0, series["loss"]

dom = open(sys.argv[2]).read()
page = Page(); page.feed(dom)
by = lambda tag, key: [a for t, a in page.elems if t == tag and key in a]
assert by("body", "data-ready"), "the page's script did not finish"
summary = by("div", "data-failed")[0]
assert summary["data-cases"] == "2" and summary["data-failed"] == "1", summary
cases = by("section", "data-verdict")
assert [c["data-verdict"] for c in cases] == ["fail", "pass"], cases
assert "failure" in dom and "27" in dom or "loss" in dom
fails = [i for i, (t, a) in enumerate(page.elems) if t == "pre" and a.get("class") == "failure"]
assert fails and "loss" in page.text[fails[0]], "the failure is not shown"
plots = by("div", "data-series")
assert len(plots) == 1, plots
p = plots[0]
assert p["data-series"] == "h1->h2 loss,h1->h2 rtt", p
assert int(p["data-markers"]) == 2 and int(p["data-points"]) >= 25, p
tl = by("svg", "data-spans")
assert tl and tl[0]["data-rows"] == "1" and tl[0]["data-spans"] == "1", tl
canvases = [a for t, a in page.elems if t == "canvas"]
assert canvases, "uPlot drew no canvas"
assert re.search(r"<td>h2-r1</td>", dom), "no counters of h2-r1"
print("report: case 1 fails with its message, its plot has", p["data-series"],
      "and", p["data-markers"], "fault markers; case 2 passes")
PY
echo "t_report: ok"
