// vizlab embedding explorer: draws the plotly figure written by vizlab/interactive/explorer.py and adds
// the search box and the before/after slider. Everything is in the page: no network.
(function () {
  "use strict";
  var FIG = JSON.parse(document.getElementById("vizlab-figure").textContent);
  var CFG = JSON.parse(document.getElementById("vizlab-config").textContent);
  var gd = document.getElementById(CFG.div);
  var LOCALE = CFG.lang === "pt" ? "pt-BR" : "en-US";

  if (CFG.lang === "pt") {
    Plotly.register({
      moduleType: "locale", name: "pt-BR",
      dictionary: {
        "Zoom": "Zoom", "Pan": "Mover", "Zoom in": "Ampliar", "Zoom out": "Reduzir",
        "Reset axes": "Restaurar eixos", "Download plot as a png": "Baixar o gráfico (png)",
        "Download plot": "Baixar o gráfico", "Double-click to zoom back out": "Clique duas vezes para voltar",
        "Show closest data on hover": "Mostrar o ponto mais próximo", "Compare data on hover": "Comparar ao passar o mouse",
        "Produced with Plotly.js": "Feito com Plotly.js", "Click to enter Colorscale title": "Título da escala",
      },
      format: { decimal: ",", thousands: ".", grouping: [3] },
    });
  }

  function fold(s) {
    return String(s).normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function decode(spec) {  // plotly typed-array spec {dtype, bdata} -> typed array
    if (!spec || typeof spec.bdata !== "string") return spec;
    var bin = atob(spec.bdata), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    var T = { f4: Float32Array, f8: Float64Array, i4: Int32Array, u4: Uint32Array, i2: Int16Array,
              u2: Uint16Array, i1: Int8Array, u1: Uint8Array }[spec.dtype];
    return new T(bytes.buffer);
  }

  // index of each point in the input order, per trace (customdata), decoded once
  var members = FIG.data.map(function (t) { return Array.from(decode(t.customdata)); });
  // searchable text of each point: its hover text (escaped, broken into lines) back to plain text, folded;
  // texts cut in the hover label come whole in CFG.long_texts
  var SEARCH = [];
  function unescape(h) {
    return h.split("<br><i>")[0].replace(/<br>/g, " ").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  }
  FIG.data.forEach(function (t, k) {
    members[k].forEach(function (i, j) { SEARCH[i] = CFG.long_texts[i] || fold(unescape(t.hovertext[j])); });
  });
  var total = SEARCH.length;
  var input = document.getElementById("search"), count = document.getElementById("count");

  function search(raw) {
    var q = fold(raw).trim();
    var selected = [], n = 0;
    members.forEach(function (idx) {
      if (!q) { selected.push(null); return; }
      var hit = [];
      for (var j = 0; j < idx.length; j++) if (SEARCH[idx[j]].indexOf(q) !== -1) hit.push(j);
      n += hit.length;
      selected.push(hit);
    });
    document.body.setAttribute("data-matches", q ? String(n) : "");
    count.textContent = q ? CFG.count.replace("{n}", n.toLocaleString(LOCALE))
                                     .replace("{total}", total.toLocaleString(LOCALE)).replace("{q}", raw.trim()) : "";
    return Plotly.restyle(gd, { selectedpoints: selected }).then(function () { return n; });
  }

  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { search(input.value); }, 120);
  });

  // before/after: positions interpolated between the two aligned maps
  var stage = 0, stageInput = document.getElementById("stage"), anim = null;
  var ST = CFG.stages && {
    before: CFG.stages.before.map(function (xy) { return xy.map(decode); }),
    after: CFG.stages.after.map(function (xy) { return xy.map(decode); }),
  };

  function setStage(t) {
    if (!ST) return Promise.resolve();
    stage = Math.max(0, Math.min(1, Number(t)));
    if (stageInput) stageInput.value = String(stage);
    var xs = [], ys = [];
    ST.before.forEach(function (b, i) {
      var a = ST.after[i], x = new Float32Array(b[0].length), y = new Float32Array(b[1].length);
      for (var j = 0; j < x.length; j++) {
        x[j] = b[0][j] + stage * (a[0][j] - b[0][j]);
        y[j] = b[1][j] + stage * (a[1][j] - b[1][j]);
      }
      xs.push(x); ys.push(y);
    });
    document.body.setAttribute("data-stage", String(stage));
    return Plotly.restyle(gd, { x: xs, y: ys });
  }

  function glide(to) {
    cancelAnimationFrame(anim);
    var from = stage, t0 = performance.now(), ms = 700;
    function step(now) {
      var u = Math.min(1, (now - t0) / ms);
      setStage(from + (to - from) * (u < 0.5 ? 2 * u * u : 1 - Math.pow(-2 * u + 2, 2) / 2));
      if (u < 1) anim = requestAnimationFrame(step);
    }
    anim = requestAnimationFrame(step);
  }

  if (ST) {
    stageInput.addEventListener("input", function () { cancelAnimationFrame(anim); setStage(stageInput.value); });
    document.getElementById("to-before").addEventListener("click", function () { glide(0); });
    document.getElementById("to-after").addEventListener("click", function () { glide(1); });
  }

  function fromHash() {
    var h = new URLSearchParams(location.hash.replace(/^#/, ""));
    var jobs = [];
    if (h.has("q")) { input.value = h.get("q"); jobs.push(search(input.value)); }
    if (h.has("stage") && ST) jobs.push(setStage(h.get("stage") === "after" ? 1 : h.get("stage") === "before" ? 0 : h.get("stage")));
    return Promise.all(jobs);
  }

  window.vizlabExplorer = { gd: gd, search: search, setStage: setStage, fold: fold, texts: SEARCH };
  Plotly.newPlot(gd, FIG.data, FIG.layout, CFG.plotly).then(fromHash).then(function () {
    window.addEventListener("hashchange", fromHash);
    document.body.setAttribute("data-rendered", "1");
  });
})();
