/* narratrace web app: draws a story's propagation graph from /api/stories/ID/graph.
 * Every string from the data goes through textContent or setAttribute (never innerHTML):
 * article text and metadata are untrusted. No library, nothing loaded from the network. */
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var W = 640, H = 380, ROWS = { source: 40, article: 150, outlet: 345 };
  var RADIUS = { article: 15, outlet: 9, source: 9 };
  var KINDS = ["translates", "partial_translation", "rewrites", "same_story", "cites", "published_by", "other"];

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, String(attrs[k])); });
    if (parent) { parent.appendChild(node); }
    return node;
  }

  function tip(node, text) { el("title", {}, node).textContent = text; }

  function short(s, n) {
    s = String(s == null ? "" : s);
    return s.length > n ? s.slice(0, n - 1) + "\u2026" : s;
  }

  function layout(data) {
    var order = {};
    ((data.graph && data.graph.timeline) || []).forEach(function (t, i) { order["article:" + t.id] = i; });
    var rows = { source: [], article: [], outlet: [] };
    data.nodes.forEach(function (n) { (rows[n.kind] || rows.source).push(n); });
    rows.article.sort(function (a, b) {
      var x = order[a.id] === undefined ? 1e9 : order[a.id], y = order[b.id] === undefined ? 1e9 : order[b.id];
      return x - y || (a.id < b.id ? -1 : 1);
    });
    var pos = {};
    Object.keys(rows).forEach(function (kind) {
      var list = rows[kind];
      list.forEach(function (n, i) { pos[n.id] = { x: (i + 1) * W / (list.length + 1), y: ROWS[kind], node: n }; });
    });
    return pos;
  }

  function markers(svg) {
    var defs = el("defs", {}, svg);
    KINDS.forEach(function (k) {
      [["a", RADIUS.article], ["s", RADIUS.source]].forEach(function (pair) {
        var m = el("marker", { id: "arrow-" + k + "-" + pair[0], viewBox: "0 0 10 10", refX: 10 + pair[1], refY: 5,
          markerWidth: 8, markerHeight: 8, markerUnits: "userSpaceOnUse", orient: "auto" }, defs);
        el("path", { d: "M0,0 L10,5 L0,10 z", "class": "arrow e-" + k }, m);
      });
    });
  }

  function draw(svg, data) {
    while (svg.firstChild) { svg.removeChild(svg.firstChild); }
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    markers(svg);
    var pos = layout(data);
    var edgesG = el("g", { "class": "edges" }, svg);
    var nodesG = el("g", { "class": "nodes" }, svg);
    var seen = {};
    data.links.forEach(function (e) {
      var a = pos[e.source], b = pos[e.target];
      if (!a || !b) { return; }
      var kind = KINDS.indexOf(e.kind) >= 0 ? e.kind : "other";
      var key = [e.source, e.target].sort().join("|");
      var k = seen[key] = (seen[key] || 0) + 1;
      var dx = b.x - a.x, dy = b.y - a.y, len = Math.sqrt(dx * dx + dy * dy) || 1;
      var nx = -dy / len, ny = dx / len, bend = 0;
      if (a.node.kind === "article" && b.node.kind === "article") {
        if (ny < 0) { nx = -nx; ny = -ny; } /* article to article: arcs below the row, apart by kind and count */
        bend = 70 + 0.16 * len + 26 * (k - 1);
      } else if (k > 1) {
        bend = 14 * k;
      }
      var cx = (a.x + b.x) / 2 + nx * bend, cy = (a.y + b.y) / 2 + ny * bend;
      var directed = e.direction === "source->target";
      var attrs = { d: "M" + a.x + "," + a.y + " Q" + cx + "," + cy + " " + b.x + "," + b.y,
        "class": "edge e-" + kind + (directed ? "" : " undirected"),
        "stroke-width": kind === "published_by" ? 1 : 1 + 3 * Math.max(0, Math.min(1, Number(e.score) || 0)) };
      if (directed) { attrs["marker-end"] = "url(#arrow-" + kind + "-" + (b.node.kind === "article" ? "a" : "s") + ")"; }
      var path = el("path", attrs, edgesG);
      tip(path, e.kind.replace(/_/g, " ") + " \u00b7 score " + (Number(e.score) || 0).toFixed(3) + " \u00b7 " +
        e.direction + "\n" + e.source + " \u2192 " + e.target);
    });
    Object.keys(pos).forEach(function (id) {
      var p = pos[id], n = p.node, kind = RADIUS[n.kind] ? n.kind : "source";
      var g = el("g", { "class": "node n-" + kind, transform: "translate(" + p.x + "," + p.y + ")" }, nodesG);
      var holder = g;
      if (kind === "article") {
        holder = el("a", { href: "/articles/" + encodeURIComponent(id.slice(8)) }, g);
      }
      el("circle", { r: RADIUS[kind] }, holder);
      var label = kind === "article" ? [n.lang || "?", n.outlet || id.slice(8, 11)].join(" \u00b7 ") : n.label;
      var text = el("text", { y: kind === "source" ? -14 : RADIUS[kind] + 14, "text-anchor": "middle", "class": "label" }, holder);
      text.textContent = short(label, 26);
      if (kind === "article") {
        var date = el("text", { y: RADIUS[kind] + 28, "text-anchor": "middle", "class": "label small" }, holder);
        date.textContent = n.published || "undated";
      }
      tip(g, (kind === "article" ? id.slice(8) + "\n" : kind + ": ") + (n.label || ""));
    });
    svg.setAttribute("data-rendered", String(data.nodes.length));
  }

  function fail(svg, message) {
    var t = el("text", { x: 20, y: 40, "class": "label error" }, svg);
    t.textContent = message;
    svg.setAttribute("data-rendered", "error");
  }

  function init() {
    var svg = document.getElementById("graph");
    if (!svg) { return; }
    var url = svg.getAttribute("data-graph-url");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .then(function (data) { draw(svg, data); })
      .catch(function (err) { fail(svg, "could not load the graph: " + err.message); });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
}());
