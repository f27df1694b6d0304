// The live view of "lunet web" (tools/cmd_web.c): the drawing of "lunet
// graph" inlined, its links recoloured from the server-sent events (red
// and dashed when down, thicker with their rate), and a panel for what
// is clicked: a node's interfaces, addresses, counters and FIB; a link's
// state, with the console's link down/up and impair.  The state is in the
// DOM for scripts and tests: data-state on every node and link element,
// data-bps on links, data-seq on the body.
"use strict";

const params = new URLSearchParams(location.search);
const token = params.get("token");

function api(path, args) {
  const q = new URLSearchParams(args || {});
  if (token) q.set("token", token);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

let topo = null;
let gen = null; // the topology's generation: a change redraws it
let linkEls = [];
let nodeEls = {};
let state = null;
let shown = null; // what the panel shows: ["node", name] or ["link", i]

function el(tag, attrs, ...kids) {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") n.className = v;
    else if (k.startsWith("on")) n.addEventListener(k.slice(2), v);
    else n.setAttribute(k, v);
  }
  for (const k of kids) n.append(k);
  return n;
}

function rate(bps) {
  const u = ["b/s", "kb/s", "Mb/s", "Gb/s", "Tb/s"];
  let i = 0;
  while (bps >= 1000 && i < u.length - 1) { bps /= 1000; i++; }
  return `${bps < 10 && i ? bps.toFixed(1) : Math.round(bps)} ${u[i]}`;
}

function setStatus(s) {
  const e = document.getElementById("status");
  e.textContent = s;
  document.body.dataset.status = s;
}

function linkName(i) {
  const l = topo.links[i];
  return `${l.a}:${l.a_if} -- ${l.b}:${l.b_if}`;
}

function update(st) {
  if (st.gen !== gen) {
    // A node or a link was added or removed: the drawing anew.
    gen = st.gen;
    load().then(() => update(st));
    return;
  }
  state = st;
  const downs = {};
  st.links.forEach((l, i) => {
    const e = linkEls[i];
    const ends = [topo.links[i].a, topo.links[i].b];
    for (const n of ends) {
      downs[n] = downs[n] || { all: 0, down: 0 };
      downs[n].all++;
      if (l.s === "down") downs[n].down++;
    }
    if (!e) return;
    e.dataset.state = l.s;
    e.dataset.bps = Math.round(l.bps);
    const w = l.s === "down" ? 2 : l.bps > 1e3 ? Math.min(8, 1 + Math.log10(l.bps / 1e3)) : 1;
    e.querySelectorAll("path:not(.hit)").forEach((p) => { p.style.strokeWidth = w; });
    if (l.bps > 1e3 && l.s === "up") e.dataset.busy = "1"; else delete e.dataset.busy;
    const t = e.querySelector("title");
    if (t) t.textContent = `${linkName(i)}: ${l.s}, ${rate(l.bps)}`;
  });
  for (const [n, e] of Object.entries(nodeEls)) {
    const d = downs[n];
    e.dataset.state = d && d.all && d.down === d.all ? "down" : "up";
  }
  document.body.dataset.seq = st.seq;
  if (st.gone) setStatus("the emulation ended");
  if (shown && shown[0] === "link") showLink(shown[1]);
}

function table(head, rows) {
  return el("table", {}, el("tr", {}, ...head.map((h) => el("th", {}, h))),
    ...rows.map((r) => el("tr", {}, ...r.map((c) => el("td", {}, String(c))))));
}

async function showNode(name) {
  shown = ["node", name];
  const panel = document.getElementById("panel");
  const r = await fetch(api("/api/node", { name }));
  const n = await r.json();
  panel.replaceChildren(el("h2", {}, `${n.kind} ${n.name}`),
    table(["interface", "address", "peer", "state", "tx pkts", "rx pkts", "tx bytes", "rx bytes", "drops"],
      n.interfaces.map((i) => [i.ifname, i.addr || "-", `${i.peer}:${i.peer_if}`,
        state && state.links[i.link] ? state.links[i.link].s : "?", i.counters.tx_packets, i.counters.rx_packets,
        i.counters.tx_bytes, i.counters.rx_bytes, i.counters.dropped])),
    el("h3", {}, "routes (its FIB)"), el("pre", { id: "routes" }, n.routes || "(none read)"));
  if (n.error) panel.append(el("p", { class: "error" }, n.error));
  panel.dataset.node = name;
}

async function linkOp(i, op, spec) {
  const res = document.getElementById("result");
  const args = { id: i, op };
  if (spec) args.spec = spec;
  const r = await fetch(api("/api/link", args), { method: "POST",
    headers: { "X-Lunet-Request": "1" } });
  let body;
  try { body = await r.json(); } catch (e) { body = { ok: false, err: await r.text() }; }
  if (res) {
    res.textContent = `${body.line || op}: ${body.ok ? "done" : "failed"} ${body.out || ""}${body.err || ""}`;
    res.dataset.ok = body.ok ? "1" : "0";
  }
}

function showLink(i) {
  const again = shown && shown[0] === "link" && shown[1] === i;
  shown = ["link", i];
  const panel = document.getElementById("panel");
  const l = state ? state.links[i] : { s: "?", bps: 0 };
  if (again && document.getElementById("link-state")) {
    document.getElementById("link-state").textContent = `${l.s}, ${rate(l.bps)}`;
    return;
  }
  const spec = el("input", { id: "spec", size: 28, placeholder: "delay 20ms loss 5%" });
  panel.replaceChildren(el("h2", {}, `link ${i}`), el("p", {}, linkName(i)),
    el("p", {}, "state: ", el("b", { id: "link-state" }, `${l.s}, ${rate(l.bps)}`)),
    el("p", {}, el("button", { id: "down", onclick: () => linkOp(i, "down") }, "set down"), " ",
      el("button", { id: "up", onclick: () => linkOp(i, "up") }, "set up")),
    el("p", {}, spec, " ", el("button", { id: "impair", onclick: () => linkOp(i, "impair", spec.value) }, "impair"),
      " ", el("button", { onclick: () => linkOp(i, "impair", "clear") }, "clear")),
    el("p", { id: "result" }));
  panel.dataset.link = i;
}

// The topology and its drawing, each element bound to its panel.
async function load() {
  topo = await (await fetch(api("/api/topo"))).json();
  const graph = document.getElementById("graph");
  graph.innerHTML = await (await fetch(api("/graph.svg"))).text();
  nodeEls = {};
  linkEls = [];
  for (const n of topo.nodes) {
    const e = document.getElementById(`node-${n.name}`);
    if (!e) continue;
    nodeEls[n.name] = e;
    e.dataset.state = "up";
    e.addEventListener("click", () => showNode(n.name));
  }
  topo.links.forEach((l, i) => {
    const e = document.getElementById(`link-${i}`);
    linkEls[i] = e;
    if (!e) return;
    e.dataset.state = "up";
    // A wide transparent copy of the line, easier to click than it.
    const p = e.querySelector("path");
    if (p) {
      const hit = p.cloneNode();
      hit.setAttribute("class", "hit");
      e.insertBefore(hit, p);
    }
    e.addEventListener("click", () => showLink(i));
  });
  graph.dataset.nodes = Object.keys(nodeEls).length;
  graph.dataset.links = linkEls.filter(Boolean).length;
  document.body.dataset.gen = gen;
}

async function main() {
  const st = await (await fetch(api("/api/state"))).json();
  gen = st.gen;
  await load();
  update(st);
  const es = new EventSource(api("/events"));
  es.onopen = () => setStatus("live");
  es.onmessage = (m) => update(JSON.parse(m.data));
  es.onerror = () => { if (!state || !state.gone) setStatus("reconnecting"); };
  // A link to the page may say what the panel shows: ?node=r1, ?link=4.
  if (params.get("node")) showNode(params.get("node"));
  else if (params.get("link")) showLink(Number(params.get("link")));
  document.body.dataset.ready = "1";
}

main().catch((e) => { setStatus(`error: ${e}`); });
