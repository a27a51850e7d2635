/* vizlab attention viewer: vanilla JS, no external scripts, works from file://.
   Reads the JSON of the script element #vizlab-data, draws the head view (SVG lines between tokens)
   and the model view (one small heatmap per layer x head, viridis on a square-root scale from 0 to 1).
   Layers and heads are shown and addressed as readers number them: from 1 (layer 1 = first block).
   URL hash (same numbering): #example=0&layer=1&head=2&focus=3 */
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("vizlab-data").textContent);
  var L = DATA.labels;
  var SVGNS = "http://www.w3.org/2000/svg";
  var COLORS = DATA.head_colors;
  var CMAP = DATA.cmap.map(function (h) { return [1, 3, 5].map(function (i) { return parseInt(h.substr(i, 2), 16); }); });
  /* state.layer and state.head are 0-based positions in the arrays; readers see numbers from 1 */
  var state = { example: 0, layer: 0, head: 0, focus: null, special: true };

  function $(id) { return document.getElementById(id); }
  function el(tag, attrs, parent, ns) {
    var e = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
    for (var k in attrs) { if (Object.prototype.hasOwnProperty.call(attrs, k)) e.setAttribute(k, attrs[k]); }
    if (parent) parent.appendChild(e);
    return e;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function ex() { return DATA.examples[state.example]; }

  /* The selected map, with special tokens optionally removed (rows renormalised). */
  function current(layer, head) {
    var e = ex(), m = e.attn[layer][head], keep = [];
    for (var i = 0; i < e.tokens.length; i++) { if (state.special || !e.special[i]) keep.push(i); }
    var rows = keep.map(function (i) {
      var r = keep.map(function (j) { return m[i][j]; });
      if (!state.special) {
        var s = r.reduce(function (a, b) { return a + b; }, 0);
        r = r.map(function (v) { return s > 0 ? v / s : 0; });
      }
      return r;
    });
    return { tokens: keep.map(function (i) { return e.tokens[i]; }), m: rows };
  }

  function fillSelect(sel, n, names, value) {
    clear(sel);
    for (var i = 0; i < n; i++) { el("option", { value: String(i) }, sel).textContent = names ? names[i] : String(i); }
    sel.value = String(value);
  }

  function headNames(n) { var out = []; for (var i = 1; i <= n; i++) out.push(String(i)); return out; }

  function fillControls() {
    var e = ex();
    fillSelect($("example"), DATA.examples.length, DATA.examples.map(function (x) { return x.title; }), state.example);
    fillSelect($("layer"), e.layers.length, e.layers.map(String), state.layer);
    fillSelect($("head"), e.n_heads, headNames(e.n_heads), state.head);
    $("special").checked = state.special;
    $("model-name").textContent = e.model + " (" + e.kind + ")";
  }

  function drawHead() {
    var svg = $("lines");
    clear(svg);
    var cur = current(state.layer, state.head), n = cur.tokens.length;
    var rowH = 22, top = 30, width = 520, leftX = 150, rightX = width - 150;
    svg.setAttribute("viewBox", "0 0 " + width + " " + (top + n * rowH + 10));
    svg.setAttribute("height", String(top + n * rowH + 10));
    var color = COLORS[state.head % COLORS.length];
    el("text", { x: leftX - 8, y: 16, "text-anchor": "end", "class": "axis" }, svg).textContent = L.query;
    el("text", { x: rightX + 8, y: 16, "text-anchor": "start", "class": "axis" }, svg).textContent = L.key;
    var g = el("g", { id: "line-group" }, svg, SVGNS), count = 0;
    for (var i = 0; i < n; i++) {
      for (var j = 0; j < n; j++) {
        var w = cur.m[i][j];
        if (w < DATA.min_weight) continue;
        el("line", {
          x1: leftX, y1: top + i * rowH, x2: rightX, y2: top + j * rowH, "class": "attn-line",
          stroke: color, "stroke-width": (0.5 + 4 * w).toFixed(2), "stroke-opacity": Math.min(1, 0.08 + w).toFixed(3),
          "data-q": i, "data-k": j, "data-w": w.toFixed(3),
          "data-layer": ex().layers[state.layer], "data-head": state.head + 1
        }, g, SVGNS);
        count++;
      }
    }
    for (var t = 0; t < n; t++) {
      [["left", leftX - 8, "end"], ["right", rightX + 8, "start"]].forEach(function (side) {
        var txt = el("text", { x: side[1], y: top + t * rowH + 4, "text-anchor": side[2],
                               "class": "tok tok-" + side[0], "data-i": t }, svg, SVGNS);
        txt.textContent = cur.tokens[t];
        txt.addEventListener("mouseenter", function () { setFocus(Number(this.getAttribute("data-i")), side[0]); });
        txt.addEventListener("mouseleave", function () { setFocus(null); });
      });
    }
    document.body.setAttribute("data-lines", String(count));
    $("head-title").textContent = L.layer + " " + ex().layers[state.layer] + ", " + L.head + " " + (state.head + 1);
    applyFocus("left");
  }

  function setFocus(i, side) { state.focus = i; applyFocus(side || "left"); }

  function applyFocus(side) {
    var attr = side === "right" ? "data-k" : "data-q", lines = document.querySelectorAll("#line-group line");
    for (var x = 0; x < lines.length; x++) {
      var on = state.focus === null || Number(lines[x].getAttribute(attr)) === state.focus;
      lines[x].setAttribute("class", "attn-line" + (state.focus === null ? "" : on ? " active" : " dim"));
    }
    var toks = document.querySelectorAll("#lines .tok");
    for (var y = 0; y < toks.length; y++) {
      var sel = state.focus !== null && Number(toks[y].getAttribute("data-i")) === state.focus &&
                toks[y].getAttribute("class").indexOf("tok-" + side) >= 0;
      toks[y].classList.toggle("focused", sel);
      toks[y].style.fill = sel ? DATA.highlight : "";
    }
  }

  /* viridis colour of a weight in 0..1, square-root scale (the report's head grid uses the same) */
  function color(w) {
    var x = Math.sqrt(Math.max(0, Math.min(1, w))) * (CMAP.length - 1), i = Math.min(Math.floor(x), CMAP.length - 2), f = x - i;
    var c = [0, 1, 2].map(function (k) { return Math.round(CMAP[i][k] + f * (CMAP[i + 1][k] - CMAP[i][k])); });
    return "rgb(" + c.join(",") + ")";
  }

  function drawThumb(canvas, m) {
    var n = m.length, ctx = canvas.getContext("2d"), s = canvas.width / n;
    for (var i = 0; i < n; i++) {
      for (var j = 0; j < n; j++) {
        ctx.fillStyle = color(m[i][j]);
        ctx.fillRect(j * s, i * s, Math.ceil(s), Math.ceil(s));
      }
    }
  }

  function drawModel() {
    var grid = $("model-grid"), e = ex();
    clear(grid);
    grid.style.gridTemplateColumns = "40px repeat(" + e.n_heads + ", 58px)";
    el("div", { "class": "corner" }, grid);
    for (var h = 0; h < e.n_heads; h++) el("div", { "class": "col-label" }, grid).textContent = String(h + 1);
    for (var l = 0; l < e.layers.length; l++) {
      el("div", { "class": "row-label" }, grid).textContent = String(e.layers[l]);
      for (h = 0; h < e.n_heads; h++) {
        var sel = l === state.layer && h === state.head;
        var c = el("canvas", { width: 54, height: 54, "class": "thumb" + (sel ? " selected" : ""),
                               "data-layer": l, "data-head": h, title: L.layer + " " + e.layers[l] + ", " + L.head + " " + (h + 1) }, grid);
        drawThumb(c, current(l, h).m);
        c.addEventListener("click", function () {
          state.layer = Number(this.getAttribute("data-layer"));
          state.head = Number(this.getAttribute("data-head"));
          render();
        });
      }
    }
  }

  function render() {
    fillControls();
    drawHead();
    drawModel();
    document.body.setAttribute("data-rendered", "1");
    /* data-selected and the URL hash give reader numbers: example:layer:head */
    document.body.setAttribute("data-selected", state.example + ":" + ex().layers[state.layer] + ":" + (state.head + 1));
    try {
      history.replaceState(null, "", "#example=" + state.example + "&layer=" + ex().layers[state.layer] + "&head=" + (state.head + 1));
    } catch (err) { /* some file:// contexts forbid it; the hash is only a convenience */ }
  }

  function readHash() {
    var h = (window.location.hash || "").replace(/^#/, "").split("&");
    var init = DATA.initial || {}, want = { example: init.example || 0, layer: init.layer, head: init.head, focus: null };
    h.forEach(function (kv) {
      var p = kv.split("="), v = Number(p[1]);
      if (p[0] in want && p.length === 2 && p[1] !== "" && !isNaN(v)) want[p[0]] = v;
    });
    state.example = DATA.examples[want.example] ? want.example : 0;
    var row = ex().layers.indexOf(want.layer);          /* reader's layer number -> row */
    state.layer = row >= 0 ? row : 0;
    state.head = Math.max(0, Math.min((want.head || 1) - 1, ex().n_heads - 1));  /* head number -> index */
    state.focus = want.focus;
  }

  $("example").addEventListener("change", function () {
    state.example = Number(this.value);
    state.layer = Math.min(state.layer, ex().layers.length - 1);
    state.head = Math.min(state.head, ex().n_heads - 1);
    state.focus = null;
    render();
  });
  $("layer").addEventListener("change", function () { state.layer = Number(this.value); render(); });
  $("head").addEventListener("change", function () { state.head = Number(this.value); render(); });
  $("special").addEventListener("change", function () { state.special = this.checked; state.focus = null; render(); });
  readHash();
  var focus = state.focus;
  render();
  if (focus !== null) setFocus(focus, "left");
})();
