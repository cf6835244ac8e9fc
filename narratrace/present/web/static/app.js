/* narratrace web app: draws a story's propagation graph from /api/stories/ID/graph.
 *
 * Layout: articles in columns by publication date (undated last, cited sources in a column of their own),
 * ordered within a column to keep edges short; labels sit right of their node, measured and cut to the
 * column's width, so no two labels overlap at any size (the full text is in the node's <title>). Each pair
 * of nodes gets one edge element (<g class="link">) holding a parallel stroke per link kind (translates and
 * same story, say), with one tooltip. Zoom and pan: mouse wheel, drag, the +/−/fit buttons, and +, −, 0 and
 * the arrow keys when the graph has the focus.
 *
 * Every string from the data goes through textContent or setAttribute (never innerHTML): article text and
 * metadata are untrusted. No library, nothing loaded from the network, no inline style (strict CSP). */
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var COL_W = 190, ROW_H = 30, HEAD = 44, PAD = 24, LEFT = 72, R = 7, LABEL_GAP = 5;
  var KINDS = ["translates", "partial_translation", "copy", "partial_copy", "rewrites", "same_story", "cites", "other"];
  var DERIVED = { translates: 1, partial_translation: 1, copy: 1, partial_copy: 1, rewrites: 1 };

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, String(attrs[k])); });
    if (parent) { parent.appendChild(node); }
    return node;
  }

  function tip(node, text) { el("title", {}, node).textContent = text; }

  function str(v) { return v === null || v === undefined ? "" : String(v); }

  /* Cut a <text>'s content until it is at most maxW wide (measured; by characters when not rendered). */
  function fit(text, full, maxW) {
    text.textContent = full;
    var width = text.getComputedTextLength ? text.getComputedTextLength() : 0;
    if (!width) {
      var n = Math.max(1, Math.floor(maxW / 6.4));
      if (full.length > n) { text.textContent = full.slice(0, n - 1) + "\u2026"; }
      return;
    }
    if (width <= maxW) { return; }
    var lo = 0, hi = full.length;
    while (lo < hi) { /* the longest prefix that fits with its ellipsis */
      var mid = Math.ceil((lo + hi) / 2);
      text.textContent = full.slice(0, mid) + "\u2026";
      if (text.getComputedTextLength() <= maxW) { lo = mid; } else { hi = mid - 1; }
    }
    text.textContent = full.slice(0, lo).replace(/\s+$/, "") + "\u2026";
  }

  function dayOf(n) { return n.published ? str(n.published).slice(0, 10) : ""; }

  function articleLabel(n) {
    var name = n.outlet || n.label || "untitled article";
    return (n.lang ? n.lang + " \u00b7 " : "") + name;
  }

  /* Columns of article nodes: by date, at most `perCol` a column (a busy day takes several columns,
   * quiet days share one); undated articles never share a column with dated ones. */
  function columns(articles, perCol) {
    var groups = [], byDay = {};
    articles.forEach(function (n) {
      var d = dayOf(n);
      if (!byDay.hasOwnProperty(d)) { byDay[d] = { day: d, items: [] }; groups.push(byDay[d]); }
      byDay[d].items.push(n);
    });
    var cols = [], cur = null;
    groups.forEach(function (g) {
      for (var i = 0; i < g.items.length; i += perCol) {
        var chunk = g.items.slice(i, i + perCol);
        if (cur && cur.items.length + chunk.length <= perCol && (cur.days[0] === "") === (g.day === "")) {
          cur.items = cur.items.concat(chunk);
          if (cur.days[cur.days.length - 1] !== g.day) { cur.days.push(g.day); }
        } else {
          cur = { days: [g.day], items: chunk.slice() };
          cols.push(cur);
        }
      }
    });
    return cols;
  }

  function header(col) {
    var first = col.days[0], last = col.days[col.days.length - 1];
    if (!first) { return "undated"; }
    return first === last ? first : first + " \u2026 " + last;
  }

  function layout(data, width) {
    var order = {};
    ((data.graph && data.graph.timeline) || []).forEach(function (t, i) { order["article:" + t.id] = i; });
    var articles = [], sources = [];
    data.nodes.forEach(function (n) {
      if (n.kind === "article") { articles.push(n); } else if (n.kind !== "outlet") { sources.push(n); }
    });
    function rank(n) { return order.hasOwnProperty(n.id) ? order[n.id] : 1e9; }
    articles.sort(function (a, b) {
      var da = dayOf(a), db = dayOf(b);
      if ((da === "") !== (db === "")) { return da === "" ? 1 : -1; }
      return (da < db ? -1 : da > db ? 1 : 0) || rank(a) - rank(b) || (a.id < b.id ? -1 : 1);
    });
    var fitCols = Math.max(2, Math.floor((width - LEFT - PAD) / COL_W) - (sources.length ? 1 : 0));
    var perCol = Math.max(4, Math.ceil(articles.length / fitCols));
    var cols = columns(articles, perCol);
    var neighbours = {};
    data.links.forEach(function (e) {
      (neighbours[e.source] = neighbours[e.source] || []).push(e.target);
      (neighbours[e.target] = neighbours[e.target] || []).push(e.source);
    });
    var row = {}, pos = {};
    function barycentre(n, fallback) { /* mean row of the neighbours placed already */
      var rows = (neighbours[n.id] || []).filter(function (m) { return row.hasOwnProperty(m); })
        .map(function (m) { return row[m]; });
      return rows.length ? rows.reduce(function (s, r) { return s + r; }, 0) / rows.length : fallback;
    }
    cols.forEach(function (col, c) {
      if (c > 0) {
        var keyed = col.items.map(function (n, i) { return { n: n, k: barycentre(n, i), i: i }; });
        keyed.sort(function (a, b) { return a.k - b.k || a.i - b.i; });
        col.items = keyed.map(function (x) { return x.n; });
      }
      col.items.forEach(function (n, i) {
        row[n.id] = i;
        pos[n.id] = { x: LEFT + c * COL_W, y: HEAD + i * ROW_H, node: n, col: c };
      });
    });
    var keyed = sources.map(function (n, i) { return { n: n, k: barycentre(n, i), i: i }; });
    keyed.sort(function (a, b) { return a.k - b.k || a.i - b.i; });
    var sx = LEFT + cols.length * COL_W + (cols.length ? 20 : 0);
    keyed.forEach(function (x, i) { pos[x.n.id] = { x: sx, y: HEAD + i * ROW_H, node: x.n, col: cols.length }; });
    var rows = Math.max(keyed.length, cols.reduce(function (m, c) { return Math.max(m, c.items.length); }, 0), 1);
    return { pos: pos, cols: cols, sourcesX: sources.length ? sx : null,
      width: sx + (sources.length ? COL_W + 20 : 0) + PAD, height: HEAD + (rows - 1) * ROW_H + PAD + 8 };
  }

  function markers(svg) {
    var defs = el("defs", {}, svg);
    KINDS.forEach(function (k) { /* -c: the tip on a node's circle; -p: at the end of its label (its port) */
      [["c", 10 + R * 10 / 7], ["p", 10]].forEach(function (end) {
        var m = el("marker", { id: "arrow-" + k + "-" + end[0], viewBox: "0 0 10 10", refX: end[1], refY: 5,
          markerWidth: 7, markerHeight: 7, markerUnits: "userSpaceOnUse", orient: "auto" }, defs);
        el("path", { d: "M0,0 L10,5 L0,10 z", "class": "arrow e-" + k }, m);
      });
    });
  }

  /* Control points of the edge a -> b (a left of b): between columns it leaves a from the end of its label
   * (so it never crosses it) and enters b at its circle; within a column, an arc beside it. */
  function curve(a, b) {
    if (a.x === b.x) {
      var bulge = Math.min(COL_W * 0.4, 16 + 0.3 * Math.abs(b.y - a.y));
      return [[a.x - R, a.y], [a.x - R - bulge, a.y], [b.x - R - bulge, b.y], [b.x - R, b.y]];
    }
    var start = a.x + (a.port || R), mid = Math.max(20, (b.x - start) / 2);
    return [[start, a.y], [start + mid, a.y], [b.x - mid, b.y], [b.x, b.y]];
  }

  /* The curve moved `offset` px sideways (parallel strokes of one pair), drawn backwards when `reverse`. */
  function pathOf(pts, offset, reverse) {
    var a = pts[0], b = pts[3], dx = b[0] - a[0], dy = b[1] - a[1], len = Math.sqrt(dx * dx + dy * dy) || 1;
    var nx = a[0] === b[0] ? offset : -dy / len * offset, ny = a[0] === b[0] ? 0 : dx / len * offset;
    var p = pts.map(function (q) { return (q[0] + nx).toFixed(1) + "," + (q[1] + ny).toFixed(1); });
    if (reverse) { p.reverse(); }
    return "M" + p[0] + " C" + p[1] + " " + p[2] + " " + p[3];
  }

  /* One entry per unordered pair of drawn nodes, with every link between them. */
  function pairs(data, pos) {
    var byKey = {}, list = [];
    data.links.forEach(function (e) {
      if (e.kind === "published_by" || !pos[e.source] || !pos[e.target] || e.source === e.target) { return; }
      var ends = [e.source, e.target].sort(), key = ends.join("\u0000");
      if (!byKey[key]) { byKey[key] = { a: ends[0], b: ends[1], links: [] }; list.push(byKey[key]); }
      byKey[key].links.push(e);
    });
    return list;
  }

  function shortId(id) { return id.indexOf("article:") === 0 ? id.slice(8) : id; }

  function drawEdges(group, list, pos) {
    list.forEach(function (p) {
      var a = pos[p.a], b = pos[p.b];
      if (b.x < a.x || (b.x === a.x && b.y < a.y)) { var t = a; a = b; b = t; }
      var pts = curve(a, b), k = p.links.length;
      var kinds = p.links.map(function (e) { return e.kind; });
      var g = el("g", { "class": "link", "data-kinds": kinds.join(" "),
        "data-source": shortId(a.node.id), "data-target": shortId(b.node.id) }, group);
      p.links.forEach(function (e, i) {
        var kind = KINDS.indexOf(e.kind) >= 0 ? e.kind : "other";
        var directed = e.direction === "source->target";
        var attrs = { d: pathOf(pts, (i - (k - 1) / 2) * 3.2, e.source !== a.node.id),
          "class": "edge e-" + kind + (directed ? "" : " undirected"),
          "stroke-width": kind === "cites" ? 1.2 : (1 + 2.5 * Math.max(0, Math.min(1, Number(e.score) || 0))).toFixed(2) };
        if (directed && (DERIVED[kind] || kind === "cites")) {
          var toLeft = e.source !== a.node.id, port = toLeft && a.x !== b.x;
          attrs["marker-end"] = "url(#arrow-" + kind + (port || a.x === b.x ? "-p" : "-c") + ")";
        }
        el("path", attrs, g);
      });
      tip(g, p.links.map(function (e) {
        return e.kind.replace(/_/g, " ") + " \u00b7 score " + (Number(e.score) || 0).toFixed(3) + " \u00b7 " +
          e.direction + "\n  " + shortId(e.source) + " \u2192 " + shortId(e.target);
      }).join("\n"));
    });
  }

  function drawNodes(group, pos, edgesG) {
    Object.keys(pos).forEach(function (id) {
      var p = pos[id], n = p.node, isArticle = n.kind === "article";
      var g = el("g", { "class": "node " + (isArticle ? "n-article" : "n-source"), "data-id": shortId(id),
        transform: "translate(" + p.x + "," + p.y + ")" }, group);
      var holder = isArticle ? el("a", { href: "/articles/" + encodeURIComponent(shortId(id)) }, g) : g;
      el("circle", { r: R }, holder);
      var bg = el("rect", { x: R + LABEL_GAP - 2, y: -8, height: 15, rx: 2, "class": "label-bg" }, holder);
      var text = el("text", { x: R + LABEL_GAP, y: 4, "class": "label" }, holder);
      var full = isArticle ? articleLabel(n) : str(n.label || shortId(id));
      fit(text, full, COL_W - 2 * R - 2 * LABEL_GAP);
      var width = text.getComputedTextLength ? text.getComputedTextLength() : 0;
      bg.setAttribute("width", (width + 4).toFixed(1)); /* hides the edges that pass under the label */
      p.port = R + LABEL_GAP + width + 4;
      tip(g, isArticle
        ? [str(n.label), [n.outlet || "unknown outlet", n.lang || "?", n.published || "undated"].join(" \u00b7 "),
           shortId(id)].join("\n")
        : "cited source: " + str(n.label) + (n.source_id ? " (" + n.source_id + ")" : ""));
      g.addEventListener("mouseenter", function () { highlight(edgesG, shortId(id), true); });
      g.addEventListener("mouseleave", function () { highlight(edgesG, shortId(id), false); });
    });
  }

  function highlight(edgesG, id, on) {
    var svg = edgesG.ownerSVGElement;
    svg.classList.toggle("focusing", on);
    Array.prototype.forEach.call(edgesG.querySelectorAll("g.link"), function (g) {
      var mine = g.getAttribute("data-source") === id || g.getAttribute("data-target") === id;
      g.classList.toggle("hl", on && mine);
    });
  }

  function drawHeaders(group, lay) {
    lay.cols.forEach(function (col, c) {
      var t = el("text", { x: LEFT + c * COL_W - R, y: 18, "class": "col-head" }, group);
      fit(t, header(col), COL_W - 12);
    });
    if (lay.sourcesX !== null) {
      el("text", { x: lay.sourcesX - R, y: 18, "class": "col-head" }, group).textContent = "cited sources";
    }
  }

  function draw(svg, data) {
    while (svg.firstChild) { svg.removeChild(svg.firstChild); }
    var lay = layout(data, svg.clientWidth || svg.parentNode.clientWidth || 960);
    svg.setAttribute("viewBox", "0 0 " + lay.width + " " + lay.height);
    markers(svg);
    var view = el("g", { "class": "view" }, svg);
    drawHeaders(el("g", { "class": "heads" }, view), lay);
    var edgesG = el("g", { "class": "edges" }, view), nodesG = el("g", { "class": "nodes" }, view);
    drawNodes(nodesG, lay.pos, edgesG); /* first: edges start where the labels end */
    var list = pairs(data, lay.pos);
    drawEdges(edgesG, list, lay.pos);
    var shown = svg.clientWidth || 960;
    var scale = Math.min(1, shown / lay.width);
    svg.setAttribute("height", String(Math.round(Math.max(160, Math.min(720, lay.height * scale)))));
    svg.setAttribute("data-rendered", String(Object.keys(lay.pos).length));
    svg.setAttribute("data-edges", String(list.length));
    return { x: 0, y: 0, w: lay.width, h: lay.height };
  }

  /* Zoom and pan by moving the viewBox: wheel at the cursor, drag, buttons, keys. */
  function zoomable(svg, home, buttons) {
    var vb = { x: home.x, y: home.y, w: home.w, h: home.h };
    function apply() {
      svg.setAttribute("viewBox", [vb.x, vb.y, vb.w, vb.h].map(function (v) { return v.toFixed(1); }).join(" "));
      svg.setAttribute("data-zoom", (home.w / vb.w).toFixed(3));
    }
    function zoomAt(cx, cy, factor) {
      var w = Math.max(home.w / 8, Math.min(home.w * 2, vb.w * factor)), f = w / vb.w;
      vb.x = cx - (cx - vb.x) * f; vb.y = cy - (cy - vb.y) * f; vb.w = w; vb.h = vb.h * f;
      apply();
    }
    function centre(factor) { zoomAt(vb.x + vb.w / 2, vb.y + vb.h / 2, factor); }
    function reset() { vb = { x: home.x, y: home.y, w: home.w, h: home.h }; apply(); }
    function toUser(clientX, clientY) {
      var m = svg.getScreenCTM();
      if (!m) { return [vb.x + vb.w / 2, vb.y + vb.h / 2]; }
      var pt = new DOMPoint(clientX, clientY).matrixTransform(m.inverse());
      return [pt.x, pt.y];
    }
    svg.addEventListener("wheel", function (ev) {
      ev.preventDefault();
      var p = toUser(ev.clientX, ev.clientY);
      zoomAt(p[0], p[1], ev.deltaY < 0 ? 1 / 1.2 : 1.2);
    }, { passive: false });
    var drag = null, moved = false;
    svg.addEventListener("pointerdown", function (ev) {
      if (ev.button !== 0) { return; }
      drag = { x: ev.clientX, y: ev.clientY, vx: vb.x, vy: vb.y };
      moved = false;
    });
    window.addEventListener("pointermove", function (ev) {
      if (!drag) { return; }
      var m = svg.getScreenCTM(), s = m ? m.a : 1;
      if (Math.abs(ev.clientX - drag.x) + Math.abs(ev.clientY - drag.y) > 3) { moved = true; svg.classList.add("panning"); }
      vb.x = drag.vx - (ev.clientX - drag.x) / s;
      vb.y = drag.vy - (ev.clientY - drag.y) / s;
      apply();
    });
    window.addEventListener("pointerup", function () { drag = null; svg.classList.remove("panning"); });
    svg.addEventListener("click", function (ev) { /* a drag that ends on a node does not open it */
      if (moved) { ev.preventDefault(); ev.stopPropagation(); moved = false; }
    }, true);
    svg.addEventListener("keydown", function (ev) {
      var step = 0.1, done = true;
      if (ev.key === "+" || ev.key === "=") { centre(1 / 1.25); }
      else if (ev.key === "-" || ev.key === "_") { centre(1.25); }
      else if (ev.key === "0") { reset(); }
      else if (ev.key === "ArrowLeft") { vb.x -= vb.w * step; apply(); }
      else if (ev.key === "ArrowRight") { vb.x += vb.w * step; apply(); }
      else if (ev.key === "ArrowUp") { vb.y -= vb.h * step; apply(); }
      else if (ev.key === "ArrowDown") { vb.y += vb.h * step; apply(); }
      else { done = false; }
      if (done) { ev.preventDefault(); }
    });
    Array.prototype.forEach.call(buttons, function (b) {
      b.addEventListener("click", function () {
        var what = b.getAttribute("data-zoom");
        if (what === "in") { centre(1 / 1.25); } else if (what === "out") { centre(1.25); } else { reset(); }
      });
    });
    apply();
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
    var figure = document.getElementById("graph-figure") || svg.parentNode;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .then(function (data) { zoomable(svg, draw(svg, data), figure.querySelectorAll("button.graph-zoom")); })
      .catch(function (err) { fail(svg, "could not load the graph: " + err.message); });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
}());
