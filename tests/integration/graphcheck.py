#!/usr/bin/env python3
"""Reads a drawing of lunet graph, parsed, and checks it against a network.

  graphcheck.py FILE.svg|FILE.dot|FILE.png LINKS [--rate] [--summary N]

LINKS is the console's "links" output (or, with --summary, a number) of the network drawn ("a:eth0 <->
b:eth1 up", one line per link, in link order).  An SVG is parsed as XML,
a DOT file by Graphviz itself (dot -Tjson); every node must be drawn once
(an element id="node-NAME"), every link l as id="link-L" between its two
nodes, with the class "down" exactly when LINKS says so.  --rate: some
link carries a rate label.  --summary N: a summary of N groups instead,
whose links add up to LINKS's.  A PNG must have PNG's signature and a
size.  Prints what it found; exits 1 on the first mismatch.
"""
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"


def die(msg):
    print("graphcheck: " + msg, file=sys.stderr)
    sys.exit(1)


def from_svg(path):
    root = ET.parse(path).getroot()
    if root.tag != SVG + "svg":
        die(f"{path}: the root is {root.tag}, not svg")
    nodes, edges = {}, {}
    for g in root.iter(SVG + "g"):
        cls = g.get("class", "").split()
        title = g.findtext(SVG + "title") or ""
        texts = [t.text or "" for t in g.iter(SVG + "text")]
        if "node" in cls:
            nodes[g.get("id")] = {"name": title, "class": cls,
                                  "text": texts}
        elif "edge" in cls:
            a, _, b = title.partition("--")
            edges[g.get("id")] = {"ends": {a, b}, "class": cls,
                                  "text": texts}
    return nodes, edges


def from_dot(path):
    out = subprocess.run(["dot", "-Tjson", path], capture_output=True,
                         text=True)
    if out.returncode:
        die(f"{path}: Graphviz cannot read it: {out.stderr.strip()}")
    d = json.loads(out.stdout)
    objs = d.get("objects", [])
    nodes, edges = {}, {}
    for o in objs:
        nodes[o.get("id")] = {"name": o["name"],
                              "class": o.get("class", "").split(),
                              "text": [o.get("label", "")]}
    for e in d.get("edges", []):
        edges[e.get("id")] = {"ends": {objs[e["tail"]]["name"],
                                       objs[e["head"]]["name"]},
                              "class": e.get("class", "").split(),
                              "text": [e.get("label", "")]}
    return nodes, edges


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        die(__doc__)
    path, links_file = args[0], args[1]
    rate = "--rate" in args
    summary = int(args[args.index("--summary") + 1]) \
        if "--summary" in args else None
    if path.endswith(".png"):
        data = open(path, "rb").read()
        if data[:8] != b"\x89PNG\r\n\x1a\n" or len(data) < 1000:
            die(f"{path}: not a PNG image")
        print(f"graphcheck: {path}: a PNG of {len(data)} bytes")
        return
    nodes, edges = (from_svg if path.endswith(".svg") else from_dot)(path)
    links = []
    if summary is not None and links_file.isdigit():
        links = [("", "", "up")] * int(links_file)
    for line in [] if links else open(links_file):
        m = re.match(r"(\S+?):\S+ <-> (\S+?):\S+ (up|down)", line)
        if m:
            links.append((m.group(1), m.group(2), m.group(3)))
    if not links:
        die(f"{links_file}: no links")
    if summary is not None:
        groups = [k for k, v in nodes.items() if "group" in v["class"]]
        if len(groups) != summary:
            die(f"{len(groups)} groups drawn, not {summary}")
        total = 0
        for k, v in edges.items():
            m = re.search(r"(\d+) links?", " ".join(v["text"]))
            if not k.startswith("glink-") or not m:
                die(f"edge {k} is not a link between groups")
            total += int(m.group(1))
        inside = len(links) - total
        print(f"graphcheck: {path}: {len(groups)} groups, {len(edges)} "
              f"edges for {total} links ({inside} inside groups)")
        return
    names = {a for a, _, _ in links} | {b for _, b, _ in links}
    drawn = {v["name"] for k, v in nodes.items() if k and
             k.startswith("node-")}
    if drawn != names:
        die(f"nodes: missing {sorted(names - drawn)}, extra "
            f"{sorted(drawn - names)}")
    for k, v in nodes.items():
        if k != "node-" + v["name"]:
            die(f"node {v['name']} has the id {k}")
    rates = 0
    for i, (a, b, state) in enumerate(links):
        e = edges.get(f"link-{i}")
        if not e:
            die(f"link {i} ({a}-{b}) is not drawn")
        if e["ends"] != {a, b}:
            die(f"link {i} joins {sorted(e['ends'])}, not {a} and {b}")
        if ("down" in e["class"]) != (state == "down"):
            die(f"link {i} ({a}-{b}) is {state}, drawn {e['class']}")
        rates += any("/s" in t for t in e["text"])
    if len(edges) != len(links):
        die(f"{len(edges)} edges drawn for {len(links)} links")
    if rate and not rates:
        die("no link has a rate")
    down = sum(s == "down" for _, _, s in links)
    print(f"graphcheck: {path}: {len(drawn)} nodes, {len(links)} links "
          f"({down} down, {rates} with a rate)")


main()
