/* vizlab attribution of generated text: vanilla JS, no external scripts, works from file://.
   Reads the JSON of #vizlab-data: tokens (prompt then generated, as shown), n_prompt, rows (row i: the
   attribution of generated token i to the n_prompt + i tokens before it), gaps, probabilities, vmax.
   Hover or click a generated token (in the text or a row of the table) to colour the tokens it rests on.
   URL hash: #row=3 (generated tokens counted from 1). */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("vizlab-data").textContent);
  var L = D.labels, N = D.tokens.length, P = D.n_prompt, G = N - P;
  var CMAP = D.cmap.map(function (h) { return [1, 3, 5].map(function (i) { return parseInt(h.substr(i, 2), 16); }); });
  var LOCALE = D.lang === "pt" ? "pt-BR" : "en-US";
  var state = { row: null, pinned: null };

  function $(id) { return document.getElementById(id); }
  function el(tag, attrs, parent) {
    var e = document.createElement(tag);
    for (var k in attrs) { if (Object.prototype.hasOwnProperty.call(attrs, k)) e.setAttribute(k, attrs[k]); }
    if (parent) parent.appendChild(e);
    return e;
  }
  function num(x, d) {
    return x.toLocaleString(LOCALE, { minimumFractionDigits: d, maximumFractionDigits: d }).replace("-", "\u2212");
  }
  function signed(x, d) { return (x > 0 ? "+" : "") + num(x, d); }
  function pct(x) { var s = num(100 * x, 1); return D.lang === "pt" ? s + " %" : s + "%"; }

  /* RdBu_r on -vmax..vmax (the same scale for every row) */
  function color(v) {
    var t = Math.max(0, Math.min(1, (v / D.vmax + 1) / 2)) * (CMAP.length - 1);
    var i = Math.min(Math.floor(t), CMAP.length - 2), f = t - i;
    var c = [0, 1, 2].map(function (k) { return Math.round(CMAP[i][k] + f * (CMAP[i + 1][k] - CMAP[i][k])); });
    return c;
  }
  function css(c) { return "rgb(" + c.join(",") + ")"; }
  function ink(c) {  /* dark text on light cells, white on dark (relative luminance, as the figures) */
    var l = c.map(function (x) { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
    return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2] > 0.408 ? "#1a1a1a" : "#fff";
  }

  function buildText() {
    var box = $("text");
    for (var j = 0; j < N; j++) {
      var s = el("span", { "class": "tok" + (j >= P ? " gen" : ""), "data-j": j }, box);
      s.textContent = D.tokens[j];
      if (j >= P) {
        s.setAttribute("data-row", j - P);
        s.addEventListener("mouseenter", function () { show(Number(this.getAttribute("data-row"))); });
        s.addEventListener("mouseleave", function () { show(state.pinned); });
        s.addEventListener("click", function () { pin(Number(this.getAttribute("data-row"))); });
      }
    }
  }

  function buildLegend() {
    var lg = $("legend");
    el("span", {}, lg).textContent = signed(-D.vmax, 2);
    var bar = el("canvas", { "class": "bar", width: 220, height: 12 }, lg), ctx = bar.getContext("2d");
    for (var x = 0; x < 220; x++) { ctx.fillStyle = css(color((x / 219 * 2 - 1) * D.vmax)); ctx.fillRect(x, 0, 1, 12); }
    el("span", {}, lg).textContent = signed(D.vmax, 2);
    el("span", { "class": "note" }, lg).textContent = L.cbar;
  }

  function buildMatrix() {
    var t = $("matrix"), head = el("thead", {}, t), hr = el("tr", {}, head);
    el("th", {}, hr);
    for (var j = 0; j < N; j++) el("th", {}, hr).textContent = D.tokens[j];
    var body = el("tbody", {}, t);
    for (var i = 0; i < G; i++) {
      var tr = el("tr", { "data-row": i }, body);
      var th = el("th", { "data-row": i }, tr);
      th.textContent = D.tokens[P + i];
      th.addEventListener("mouseenter", function () { show(Number(this.getAttribute("data-row"))); });
      th.addEventListener("mouseleave", function () { show(state.pinned); });
      th.addEventListener("click", function () { pin(Number(this.getAttribute("data-row"))); });
      for (j = 0; j < N; j++) {
        var td = el("td", {}, tr);
        if (j < P + i) {
          var v = D.rows[i][j];
          td.style.background = css(color(v));
          td.title = D.tokens[P + i] + " \u2190 " + D.tokens[j] + ": " + signed(v, 3);
        }
      }
    }
  }

  function show(row) {
    state.row = row;
    var toks = document.querySelectorAll("#text .tok");
    for (var j = 0; j < toks.length; j++) {
      var s = toks[j];
      s.classList.toggle("focused", row !== null && j === P + row);
      s.classList.toggle("later", row !== null && j > P + row);
      if (row !== null && j < P + row) {
        var c = color(D.rows[row][j]);
        s.style.background = css(c); s.style.color = ink(c);
        s.setAttribute("data-score", String(D.rows[row][j]));
      } else {
        s.style.background = ""; s.style.color = ""; s.removeAttribute("data-score");
      }
    }
    var trs = document.querySelectorAll("#matrix tbody tr");
    for (var r = 0; r < trs.length; r++) trs[r].classList.toggle("focused", r === row);
    var panel = $("panel");
    while (panel.firstChild) panel.removeChild(panel.firstChild);
    document.body.setAttribute("data-row", row === null ? "" : String(row + 1));
    if (row === null) { el("p", { "class": "note" }, panel).textContent = L.hint; return; }
    var head = el("p", {}, panel), b = el("b", {}, head);
    b.textContent = D.tokens[P + row];
    head.appendChild(document.createTextNode("  " + L.probability + " " + pct(D.probabilities[row]) +
                                             " \u00b7 " + L.gap + " " + pct(D.gaps[row])));
    var order = D.rows[row].map(function (v, j) { return j; }).filter(function (j) { return !D.special[j]; });
    order.sort(function (a, c) { return Math.abs(D.rows[row][c]) - Math.abs(D.rows[row][a]); });
    var tab = el("table", { id: "top-sources" }, panel);
    order.slice(0, 5).forEach(function (j) {
      var tr = el("tr", {}, tab), v = D.rows[row][j], cc = color(v);
      var t1 = el("td", {}, tr); t1.textContent = D.tokens[j];
      t1.style.background = css(cc); t1.style.color = ink(cc);
      el("td", {}, tr).textContent = signed(v, 3);
      el("td", { "class": "note" }, tr).textContent = j < P ? L.prompt : L.generated;
    });
  }

  function pin(row) { state.pinned = state.pinned === row ? null : row; show(state.pinned === null ? row : state.pinned); }

  buildText();
  buildLegend();
  buildMatrix();
  var m = /(?:^|[#&])row=(\d+)/.exec(window.location.hash || ""), first = m ? Number(m[1]) - 1 : null;
  if (first !== null && (first < 0 || first >= G)) first = null;
  state.pinned = first;
  show(first);
  document.body.setAttribute("data-rendered", "1");
})();
