#!/usr/bin/env python3
"""Drives the live view of "lunet web" in headless Chromium, through
chromedriver's WebDriver protocol (plain HTTP, no client library).

  webview.py URL LUNET EMU A B SHOT.png

Loads URL; every node of the topology (/api/topo) must be in the page
(an element id="node-NAME"), and every link; then runs "link A B down"
in the emulation's console (lunet console --attach EMU) and waits for the
link's element to say data-state="down": within a second, or it fails.
Then clicks the link and its "set up" button (the page's own way to the
console) and waits for "up"; clicks node A and finds its interfaces and
routes in the panel; adds a host to A in the console ("add host webnew
A") and waits for the page to draw it; takes a screenshot into SHOT.png,
which must be a PNG of some size.  Prints what it saw and how long things took.
"""
import base64
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

URL, LUNET, EMU, A, B, SHOT = sys.argv[1:7]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WebDriver:
    def __init__(self):
        self.port = free_port()
        self.proc = subprocess.Popen(
            ["chromedriver", f"--port={self.port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(100):
            try:
                self.call("GET", "/status")
                break
            except OSError:
                time.sleep(0.05)
        self.profile = tempfile.mkdtemp(prefix="lunet-chromium.")
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--no-first-run", "--window-size=1280,900",
                         f"--user-data-dir={self.profile}"]}}}}
        self.sid = self.call("POST", "/session", caps)["sessionId"]

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data,
                                     method=method)
        req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read() or b"{}").get("value", {})

    def s(self, method, path, body=None):
        return self.call(method, f"/session/{self.sid}{path}", body)

    def js(self, script, *args):
        return self.s("POST", "/execute/sync", {"script": script,
                                                  "args": list(args)})

    def wait(self, script, timeout, *args):
        end = time.time() + timeout
        while time.time() < end:
            v = self.js(script, *args)
            if v:
                return v
            time.sleep(0.02)
        return None

    def quit(self):
        try:
            self.s("DELETE", "")
        finally:
            self.proc.terminate()
            self.proc.wait(10)
            subprocess.run(["rm", "-rf", self.profile])


def console(line):
    r = subprocess.run([LUNET, "console", "--attach", EMU], input=line + "\n",
                       capture_output=True, text=True, timeout=20)
    if r.returncode:
        sys.exit(f"webview: console '{line}': {r.stdout}{r.stderr}")


def main():
    wd = WebDriver()
    try:
        t0 = time.time()
        wd.s("POST", "/url", {"url": URL})
        if not wd.wait("return document.body.dataset.ready === '1'", 15):
            sys.exit("webview: the page never got ready: " +
                     str(wd.js("return document.getElementById('status').textContent")))
        print(f"webview: page ready in {time.time() - t0:.2f} s")
        res = wd.js("""
            const q = new URLSearchParams(location.search);
            const x = new XMLHttpRequest();
            x.open('GET', '/api/topo' + (q.get('token') ? '?token=' + q.get('token') : ''), false);
            x.send();
            const topo = JSON.parse(x.responseText);
            const missing = topo.nodes.filter(n => !document.getElementById('node-' + n.name)).map(n => n.name);
            const links = topo.links.map((l, i) => document.getElementById('link-' + i) ? 1 : 0).reduce((a, b) => a + b, 0);
            const idx = topo.links.findIndex(l => (l.a === arguments[0] && l.b === arguments[1]) || (l.a === arguments[1] && l.b === arguments[0]));
            return {nodes: topo.nodes.length, missing, links, all: topo.links.length, idx};
        """, A, B)
        if res["missing"] or res["links"] != res["all"] or res["idx"] < 0:
            sys.exit(f"webview: not every node and link is drawn: {res}")
        idx = res["idx"]
        print(f"webview: {res['nodes']} nodes and {res['links']} links found; "
              f"{A}-{B} is link-{idx}")
        if not wd.wait("return document.body.dataset.status === 'live'", 5):
            sys.exit("webview: the event stream never opened")
        state = "return document.getElementById('link-' + arguments[0]).dataset.state"
        if wd.js(state, idx) != "up":
            sys.exit(f"webview: link-{idx} is not up at first")
        t = time.time()
        console(f"link {A} {B} down")
        done = time.time()
        if not wd.wait(state + " === 'down'", 1.0, idx):
            sys.exit(f"webview: link-{idx} not down within a second of "
                     f"'link {A} {B} down'")
        print(f"webview: link-{idx} down in the page {time.time() - done:.3f} s "
              f"after the console's command returned ({done - t:.3f} s)")
        # The page's own way: click the link, then "set up".
        wd.js("document.getElementById('link-' + arguments[0]).dispatchEvent(new MouseEvent('click', {bubbles: true}))", idx)
        if not wd.wait("return !!document.getElementById('up')", 5):
            sys.exit("webview: clicking the link shows no buttons")
        wd.js("document.getElementById('up').click()")
        if not wd.wait(state + " === 'up'", 3, idx):
            sys.exit(f"webview: 'set up' did not bring link-{idx} up: " +
                     str(wd.js("const r = document.getElementById('result'); return r && r.textContent")))
        print("webview: the page's 'set up' brought it up: " +
              wd.js("return document.getElementById('result').textContent"))
        wd.js("document.getElementById('node-' + arguments[0]).dispatchEvent(new MouseEvent('click', {bubbles: true}))", A)
        panel = wd.wait("""const p = document.getElementById('panel');
            return p.dataset.node === arguments[0] && p.querySelector('table') &&
              document.getElementById('routes') ? p.innerText : null""", 5, A)
        if not panel or "eth0" not in panel or "dev" not in panel:
            sys.exit(f"webview: node {A}'s panel: {panel!r}")
        print(f"webview: node {A}'s panel has its interfaces and routes")
        # A node added while it runs: the page draws it anew.
        console(f"add host webnew {A}")
        t = time.time()
        if not wd.wait("return !!document.getElementById('node-webnew')", 5):
            sys.exit("webview: the node added in the console is not drawn")
        print(f"webview: node webnew, added in the console, drawn after "
              f"{time.time() - t:.2f} s")
        png = base64.b64decode(wd.s("GET", "/screenshot"))
        with open(SHOT, "wb") as f:
            f.write(png)
        if png[:8] != b"\x89PNG\r\n\x1a\n" or len(png) < 5000:
            sys.exit(f"webview: the screenshot is empty ({len(png)} bytes)")
        print(f"webview: screenshot {SHOT}, {len(png)} bytes")
    finally:
        wd.quit()


main()
