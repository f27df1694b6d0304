// The page of "lunet test --report": every case of every file, from the
// run's data (the script#data element, written by tools/report.c): its
// verdict, its faults in time, a plot per probe (loss and RTT, each fault
// a line on the time axis), the counters of the links its faults touched,
// and its event log.  Plots by uPlot, bundled into the page.
"use strict";

const FAULTS = {
  link_down: (e) => `${e.link} down (${e.cause || "manual"})`,
  link_up: (e) => `${e.link} up (${e.cause || "manual"})`,
  node_fail: (e) => `${e.node} fails (${e.mode || "stop"})`,
  node_recover: (e) => `${e.node} recovers`,
  partition: (e) => `partition ${e.id} (${e.links} links cut)`,
  heal: (e) => `partition ${e.id} healed`,
  flap_start: (e) => `${e.link} flaps every ${e.period} s`,
  flap_end: (e) => `${e.link} flapped ${e.flaps} times`,
  impair: (e) => `${e.link}: ${e.spec}${e.from && e.from !== "both" ? " from " + e.from : ""}`,
  daemon_down: (e) => `${e.node}: ${e.daemon || "daemon"} down`,
  daemon_up: (e) => `${e.node}: ${e.daemon || "daemon"} up`,
};
const MARK = { link_down: "#d62728", node_fail: "#d62728", partition: "#d62728",
  impair: "#ff7f0e", flap_start: "#ff7f0e", daemon_down: "#d62728" };

function el(tag, attrs, ...kids) {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") n.className = v;
    else n.setAttribute(k, v);
  }
  for (const k of kids) n.append(k);
  return n;
}

function fmt(n, d) {
  return typeof n === "number" ? n.toFixed(d) : String(n);
}

function table(head, rows) {
  return el("table", {}, el("tr", {}, ...head.map((h) => el("th", {}, h))),
    ...rows.map((r) => el("tr", {}, ...r.map((c) => el("td", {}, String(c))))));
}

// Vertical lines at the faults' times, labelled, drawn over the plot.
function markerPlugin(marks) {
  return {
    hooks: {
      draw: [(u) => {
        const ctx = u.ctx;
        ctx.save();
        for (const m of marks) {
          const x = u.valToPos(m.t, "x", true);
          if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
          ctx.strokeStyle = m.color;
          ctx.setLineDash([5, 3]);
          ctx.lineWidth = 1.5 * devicePixelRatio;
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
          ctx.fillStyle = m.color;
          ctx.font = `${10 * devicePixelRatio}px sans-serif`;
          ctx.fillText(m.label, x + 3, u.bbox.top + 12 * devicePixelRatio);
        }
        ctx.restore();
      }],
    },
  };
}

// The faults as bars in time, one row per link, node or partition:
// from the event that starts a fault to the one that ends it (or the end
// of the case).
const SPANS = {
  link_down: ["link_up", (e) => `link ${e.link}`, "down"],
  node_fail: ["node_recover", (e) => `node ${e.node}`, "failed"],
  partition: ["heal", (e) => `partition ${e.id}`, "cut"],
  flap_start: ["flap_end", (e) => `link ${e.link}`, "flapping"],
  daemon_down: ["daemon_up", (e) => `node ${e.node}`, "daemon down"],
};
const ENDS = Object.fromEntries(Object.entries(SPANS).map(([k, v]) => [v[0], k]));

function timeline(evs, start, end) {
  const rows = new Map(), open = new Map();
  const row = (name) => { if (!rows.has(name)) rows.set(name, []); return rows.get(name); };
  for (const e of evs) {
    const t = e.t - start;
    if (SPANS[e.event]) {
      const name = SPANS[e.event][1](e);
      open.set(`${e.event}|${name}`, { t, what: SPANS[e.event][2] });
      row(name);
    } else if (ENDS[e.event]) {
      const kind = ENDS[e.event], name = SPANS[kind][1](e), key = `${kind}|${name}`;
      const o = open.get(key);
      if (o) { row(name).push({ from: o.t, to: t, what: o.what }); open.delete(key); }
    } else if (e.event === "impair") {
      const name = `link ${e.link}`, key = `impair|${name}`, o = open.get(key);
      if (o) { row(name).push({ from: o.t, to: t, what: o.what }); open.delete(key); }
      if (e.spec && e.spec !== "none") open.set(key, { t, what: e.spec });
      row(name);
    }
  }
  for (const [key, o] of open) row(key.split("|")[1]).push({ from: o.t, to: end, what: o.what });
  if (!rows.size) return null;
  const W = 760, L = 170, H = 18, top = 6, n = rows.size, ht = top + n * H + 24;
  const x = (t) => L + (end > 0 ? (t / end) * (W - L - 10) : 0);
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  const add = (tag, attrs, text) => {
    const n = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
    if (text !== undefined) n.textContent = text;
    svg.append(n);
    return n;
  };
  svg.setAttribute("width", W);
  svg.setAttribute("height", ht);
  svg.setAttribute("class", "timeline");
  let i = 0, bars = 0;
  for (const [name, spans] of rows) {
    const y = top + i * H;
    add("text", { x: L - 6, y: y + 12, "text-anchor": "end", "font-size": 11 }, name);
    add("line", { x1: L, x2: W - 10, y1: y + 8, y2: y + 8, stroke: "#ddd" });
    for (const sp of spans) {
      bars++;
      const r = add("rect", { x: x(sp.from), y: y + 2, height: H - 6,
        width: Math.max(2, x(sp.to) - x(sp.from)), rx: 2,
        fill: sp.what === "down" || sp.what === "failed" || sp.what === "cut" ? "#d62728" : "#ff7f0e",
        class: "span" });
      r.append(Object.assign(document.createElementNS(ns, "title"),
        { textContent: `${name} ${sp.what}: ${sp.from.toFixed(3)} to ${sp.to.toFixed(3)} s` }));
    }
    i++;
  }
  const axisY = top + n * H + 4;
  add("line", { x1: L, x2: W - 10, y1: axisY, y2: axisY, stroke: "#888" });
  const step = end > 20 ? 5 : end > 5 ? 1 : end > 2 ? 0.5 : 0.25;
  for (let t = 0; t <= end + 1e-9; t += step) {
    add("line", { x1: x(t), x2: x(t), y1: axisY, y2: axisY + 4, stroke: "#888" });
    add("text", { x: x(t), y: axisY + 16, "text-anchor": "middle", "font-size": 10 }, `${+t.toFixed(2)} s`);
  }
  svg.dataset.rows = n;
  svg.dataset.spans = bars;
  return svg;
}

function plotProbe(box, ev, start, marks) {
  const xs = [], loss = [], rtt = [];
  ev.loss.forEach((l, i) => {
    xs.push(ev.t0 - start + i * ev.bin);
    loss.push(l * 100);
    rtt.push(typeof ev.rtt[i] === "number" ? ev.rtt[i] : null);
  });
  const name = `${ev.src}->${ev.dst}`;
  const div = el("div", { class: "plot", "data-probe": name,
    "data-series": `${name} loss,${name} rtt`, "data-points": xs.length,
    "data-markers": marks.length });
  box.append(el("h4", {}, `probe ${name}`), div);
  const opts = {
    width: Math.min(900, window.innerWidth - 80), height: 260,
    scales: { x: { time: false }, loss: { range: [0, 100] }, rtt: {} },
    axes: [
      { label: "seconds since the case began" },
      { scale: "loss", label: "loss %", stroke: "#d62728" },
      { scale: "rtt", side: 1, label: "RTT ms", stroke: "#1f77b4", grid: { show: false } },
    ],
    series: [
      {},
      { label: `${name} loss %`, scale: "loss", stroke: "#d62728", width: 2,
        fill: "rgba(214,39,40,0.1)" },
      { label: `${name} RTT ms`, scale: "rtt", stroke: "#1f77b4", width: 1.5,
        spanGaps: false },
    ],
    plugins: [markerPlugin(marks)],
  };
  new uPlot(opts, [xs, loss, rtt], div);
}

function renderCase(file, c, n) {
  const evs = c.events || [];
  const startEv = evs.find((e) => e.event === "test_start");
  const start = startEv ? startEv.t : (evs.length ? evs[0].t : 0);
  const sec = el("section", { class: "case " + (c.ok ? "pass" : "fail"),
    id: `case-${n}`, "data-verdict": c.ok ? "pass" : "fail",
    "data-name": c.name });
  sec.append(el("h2", {}, el("span", { class: "verdict" }, c.ok ? "PASS" : "FAIL"),
    ` ${c.name}`), el("p", { class: "where" },
    `${c.where} · ${fmt(c.time, 2)} s`));
  if (!c.ok) {
    sec.append(el("pre", { class: "failure" },
      `${c.type || "failure"} at ${c.at}: ${c.message}`));
  }
  const faults = evs.filter((e) => FAULTS[e.event]);
  const marks = faults.filter((e) => !(e.event === "link_down" && e.cause && e.cause.startsWith("node")))
    .map((e) => ({ t: e.t - start, color: MARK[e.event] || "#2ca02c",
      label: FAULTS[e.event](e) }));
  sec.append(el("h3", {}, "faults"));
  const endEv = evs.find((e) => e.event === "test_end");
  const tl = timeline(evs, start, endEv ? endEv.t - start : c.time || 0);
  if (tl) sec.append(tl);
  sec.append(faults.length ? table(["t (s)", "fault"],
    faults.map((e) => [fmt(e.t - start, 3), FAULTS[e.event](e)])) :
    el("p", {}, "none"));
  const series = evs.filter((e) => e.event === "probe_series");
  sec.append(el("h3", {}, "probes"));
  const ends = evs.filter((e) => e.event === "probe_end");
  if (ends.length) {
    sec.append(table(["probe", "sent", "received", "loss", "outage (s)", "RTT avg (ms)"],
      ends.map((e) => [`${e.src}->${e.dst} ${e.proto}`, e.sent, e.received,
        fmt(e.loss * 100, 1) + "%", fmt(e.outage, 3), fmt(e.rtt_avg, 3)])));
  } else {
    sec.append(el("p", {}, "none"));
  }
  for (const ev of series) plotProbe(sec, ev, start, marks);
  const counters = evs.filter((e) => e.event === "link_counters");
  if (counters.length) {
    sec.append(el("h3", {}, "counters of the links involved"));
    for (const cv of counters) {
      sec.append(table(["link", "A>B pkts", "B>A pkts", "A>B bytes", "B>A bytes", "drops", "errors"],
        cv.links.map((l) => [l.link, l.ab_packets, l.ba_packets, l.ab_bytes,
          l.ba_bytes, l.drops, l.errors])));
    }
  }
  const log = el("details", {}, el("summary", {}, `event log (${evs.length} events)`),
    el("pre", { class: "log" }, evs.map((e) => JSON.stringify(e)).join("\n")));
  sec.append(log);
  return sec;
}

function main() {
  const data = JSON.parse(document.getElementById("data").textContent);
  const root = document.getElementById("cases");
  let n = 0, failed = 0;
  const index = el("ul", { class: "index" });
  for (const f of data.files) {
    root.append(el("h1", { class: "file" }, f.file));
    for (const c of f.cases) {
      n++;
      if (!c.ok) failed++;
      index.append(el("li", { class: c.ok ? "pass" : "fail" },
        el("a", { href: `#case-${n}` }, `${c.ok ? "PASS" : "FAIL"} ${f.file}: ${c.name}`)));
      root.append(renderCase(f.file, c, n));
    }
  }
  const sum = document.getElementById("summary");
  sum.setAttribute("data-cases", n);
  sum.setAttribute("data-failed", failed);
  sum.append(el("p", {}, `${n - failed} passed, ${failed} failed · seed ${data.seed} · ${data.date}`), index);
  document.body.setAttribute("data-ready", "1");
}

main();
