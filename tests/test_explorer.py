"""Offline embedding explorer: page contents, determinism, and behaviour in a real headless Chromium
(network off): loads without errors, points drawn, hover texts, search, legend, before/after slider."""

import base64
import json
import re
import time

import numpy as np
import pytest
from chromium import CHROMIUM, NO_CHROMIUM, Browser

from vizlab.i18n import Lang
from vizlab.interactive import (
    embedding_html,
    save_embedding_html,
    save_shift_html,
    shift_html,
    show_embeddings,
)
from vizlab.interactive.explorer import fold
from vizlab.palette import CLASS_COLORS

browser = pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)
CLASSES = ["negative", "neutral", "positive"]


def _corpus(n=60, seed=0):
    """Points on a grid (every point far from the others, so hovering one is unambiguous)."""
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n)))
    X = np.stack(np.divmod(np.arange(n), side), 1).astype(float) * 10 + rng.uniform(-1, 1, (n, 2))
    labels = [CLASSES[i % 3] for i in range(n)]
    words = ["filme", "ótimo", "não", "gostei", "péssimo", "tempo", "<b>", "e", "ação"]
    texts = [f"texto {i}: " + " ".join(rng.choice(words, 6)) for i in range(n)]
    texts[5] = "Não gostei & não volto </script>"
    return X, texts, labels


def _blob(page, name):
    m = re.search(rf'<script type="application/json" id="vizlab-{name}">(.*?)</script>', page, re.S)
    return json.loads(m.group(1).replace("<\\/", "</"))


def _decode(spec):
    return np.frombuffer(base64.b64decode(spec["bdata"]), dtype={"f4": "<f4", "i4": "<i4"}[spec["dtype"]])


def test_page_holds_every_text_in_class_traces_and_is_self_contained():
    X, texts, labels = _corpus()
    page = embedding_html(X, texts, labels)
    assert not re.search(r"<script[^>]*\bsrc\s*=", page) and "<link" not in page
    assert page.count("</script>") == page.count("<script")      # "</script>" in a text cannot break out
    fig = _blob(page, "figure")
    names = [t["name"] for t in fig["data"]]
    assert names == ["negativo (20)", "neutro (20)", "positivo (20)"]
    assert [t["marker"]["color"] for t in fig["data"]] == [CLASS_COLORS[c] for c in CLASSES]
    assert all(t["type"] == "scattergl" for t in fig["data"])
    seen = []
    for t, c in zip(fig["data"], CLASSES):
        idx = _decode(t["customdata"])
        np.testing.assert_allclose(_decode(t["x"]), X[idx, 0].astype(np.float32))
        for i, h in zip(idx, t["hovertext"]):
            assert labels[i] == c and "rótulo: " + Lang("pt")(c) in t["hovertemplate"]
            assert h.replace("<br>", " ") == texts[i].replace("&", "&amp;").replace(
                "<", "&lt;").replace(">", "&gt;")
        seen += idx.tolist()
    assert sorted(seen) == list(range(len(texts)))
    assert fig["layout"]["separators"] == ",."
    en = _blob(embedding_html(X, texts, labels, lang="en"), "figure")
    assert en["layout"]["separators"] == ".," and en["data"][0]["name"] == "negative (20)"


def test_same_input_same_bytes_and_projection_input(tmp_path):
    from vizlab.analysis.projection import project

    X, texts, labels = _corpus()
    a = save_embedding_html(X, texts, labels, path=tmp_path / "a.html").read_bytes()
    b = save_embedding_html(X, texts, labels, path=tmp_path / "b.html").read_bytes()
    assert a == b
    proj = project(np.random.default_rng(0).normal(size=(60, 8)), "pca", random_state=0, cache=False)
    fig = _blob(embedding_html(proj, texts), "figure")
    assert fig["layout"]["xaxis"]["title"]["text"] == "PCA 1" and fig["data"][0]["name"] == "textos (60)"
    assert "PCA de 60" in embedding_html(proj, texts)


def test_every_save_takes_the_data_then_the_path_then_options_by_keyword(tmp_path):
    """issue 23: one shape for every ``save_*`` (matplotlib's savefig, pandas' to_csv): data, the path
    (positional or ``path=``), then options by keyword only."""
    import inspect

    import vizlab.interactive as vi

    saves = {name: getattr(vi, name) for name in vi.__all__ if name.startswith("save_")}
    assert set(saves) >= {"save_attention_html", "save_embedding_html", "save_shift_html"}
    for name, f in saves.items():
        params = list(inspect.signature(f).parameters.values())
        names = [p.name for p in params]
        assert "path" in names, name
        i = names.index("path")
        assert params[i].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD, name
        assert all(p.kind in (p.KEYWORD_ONLY, p.VAR_KEYWORD) for p in params[i + 1:]), name

    X, texts, labels = _corpus()
    ref = save_embedding_html(X, texts, labels, path=tmp_path / "ref.html").read_bytes()  # the old call works
    assert save_embedding_html(X, texts, labels, tmp_path / "a.html").read_bytes() == ref  # a TypeError before
    assert save_embedding_html(X, texts, labels, str(tmp_path / "b.html"), lang="pt").read_bytes() == ref
    no_labels = save_embedding_html(X, texts, path=tmp_path / "c.html").read_bytes()
    assert save_embedding_html(X, texts, tmp_path / "d.html").read_bytes() == no_labels  # path after the texts
    with pytest.raises(TypeError, match=r"needs the path .*save_embedding_html\(p, texts, labels, 'map.html'\)"):
        save_embedding_html(X, texts, labels)
    with pytest.raises(TypeError, match="labels must hold one label per text"):
        embedding_html(X, texts, "map.html")
    after = X * 0.5
    ref = save_shift_html(X, after, texts, labels, labels, labels, path=tmp_path / "s.html").read_bytes()
    assert save_shift_html(X, after, texts, labels, labels, labels, tmp_path / "t.html").read_bytes() == ref
    plain = save_shift_html(X, after, texts, labels, path=tmp_path / "u.html").read_bytes()
    assert save_shift_html(X, after, texts, labels, tmp_path / "v.html").read_bytes() == plain
    with pytest.raises(TypeError, match="needs the path"):
        save_shift_html(X, after, texts, labels, labels)


def test_errors_and_notebook_display(tmp_path):
    X, texts, labels = _corpus()
    with pytest.raises(ValueError, match="texts for"):
        embedding_html(X, texts[:-1])
    with pytest.raises(ValueError, match="labels for"):
        embedding_html(X, texts, labels[:-1])
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        embedding_html(X[:, 0], texts)
    with pytest.raises(ValueError, match="NaN"):
        embedding_html(np.full((60, 2), np.nan), texts)
    with pytest.raises(ValueError, match="lang"):
        embedding_html(X, texts, lang="fr")
    with pytest.raises(ValueError, match=".html"):
        save_embedding_html(X, texts, path=tmp_path / "map.png")
    with pytest.raises(ValueError, match="same texts"):
        shift_html(X, X[:-1], texts, labels)
    view = show_embeddings(X, texts, labels, height=500)
    assert view._repr_html_().startswith("<iframe srcdoc=") and 'height="500"' in view._repr_html_()


def test_shift_page_holds_both_states_and_both_predictions():
    from vizlab.analysis.shift import embedding_shift

    X, texts, labels = _corpus()
    rng = np.random.default_rng(1)
    before, after = rng.normal(size=(60, 12)), rng.normal(size=(60, 12))
    shift = embedding_shift(before, after, labels)
    pb, pa = ["neutral"] * 60, labels
    page = shift_html(shift, None, texts, labels, pb, pa)
    fig, cfg = _blob(page, "figure"), _blob(page, "config")
    assert fig["layout"]["xaxis"]["title"]["text"] == "PCA 1"
    for k, t in enumerate(fig["data"]):
        idx = _decode(t["customdata"])
        np.testing.assert_allclose(_decode(cfg["stages"]["before"][k][0]), shift.before[idx, 0], rtol=1e-6)
        np.testing.assert_allclose(_decode(cfg["stages"]["after"][k][1]), shift.after[idx, 1], rtol=1e-6)
        i, h = idx[0], t["hovertext"][0]
        assert "rótulo verdadeiro: " + Lang("pt")(labels[i]) in h
        assert "previsão antes do ajuste: neutro " + ("✓" if labels[i] == "neutral" else "✗") in h
        assert "previsão após o ajuste: " + Lang("pt")(labels[i]) + " ✓" in h
    # the axes hold both states
    lo = fig["layout"]["xaxis"]["range"][0]
    assert lo <= min(shift.before[:, 0].min(), shift.after[:, 0].min())
    assert shift_html(shift, None, texts, labels, pb, pa) == page


def test_size_budget_for_10000_points(tmp_path):
    """Recorded: ~6 MB for 10,000 texts of ~90 characters (plotly.js is 4.7 MB of it); budget 10 MB."""
    n = 10_000
    rng = np.random.default_rng(0)
    texts = [" ".join(rng.choice(["filme", "ótimo", "não", "gostei", "péssimo", "tempo"], 14)) for _ in range(n)]
    path = save_embedding_html(rng.normal(size=(n, 2)), texts, [CLASSES[i % 3] for i in range(n)],
                               path=tmp_path / "big.html")
    size = path.stat().st_size
    print(f"explorer page, {n} points: {size / 1e6:.2f} MB")
    assert size < 10e6


# -- in the browser ---------------------------------------------------------------------------
RENDERED = "document.body.dataset.rendered === '1'"


def _open(b, path, suffix=""):
    page = b.open(path.as_uri() + suffix)
    page.wait_for(RENDERED)
    return page


def _pixel(page, trace, j):
    """Where point j of a trace is on the screen (CSS pixels)."""
    return page.eval(f"""(() => {{ const gd = vizlabExplorer.gd, fl = gd._fullLayout, t = gd._fullData[{trace}];
        const r = gd.getBoundingClientRect();
        return [r.left + fl.xaxis._offset + fl.xaxis.l2p(t.x[{j}]), r.top + fl.yaxis._offset + fl.yaxis.l2p(t.y[{j}])]; }})()""")


@browser
@pytest.mark.browser
def test_explorer_in_headless_chromium(tmp_path):
    import matplotlib.image as mpimg

    X, texts, labels = _corpus()
    path = save_embedding_html(X, texts, labels, path=tmp_path / "map.html")
    fig = _blob(path.read_text(encoding="utf-8"), "figure")
    with Browser(tmp_path) as b:
        page = _open(b, path)
        assert page.errors == []
        assert page.requests == [path.as_uri()], "the page asked the network for something"
        # points drawn: every class colour is on the WebGL canvas
        shot = mpimg.imread(page.screenshot(tmp_path / "map.png"))[..., :3] * 255
        for c in CLASSES:
            rgb = np.array([int(CLASS_COLORS[c][k:k + 2], 16) for k in (1, 3, 5)])
            blended = 0.75 * rgb + 0.25 * 255
            near = (np.abs(shot - blended).max(-1) < 14).sum()
            assert near > 100, f"{c}: {near} pixels of its colour"
        # hover: the label shows the point's text and class
        for trace, j in [(0, 1), (2, 3)]:
            i = int(_decode(fig["data"][trace]["customdata"])[j])
            x, y = _pixel(page, trace, j)
            page.mouse("mouseMoved", x + 1, y + 1)
            shown = page.wait_for("(document.querySelector('.hoverlayer .hovertext') || {}).textContent")
            assert texts[i].split(":")[0] + ":" in shown and Lang("pt")(labels[i]) in shown
            page.mouse("mouseMoved", 5, 5)
        # search (typed, accents and case ignored): exactly the texts that contain the word
        page.eval("document.getElementById('search').focus()")
        page.type_text("NAO")
        n = int(page.wait_for("document.body.dataset.matches"))
        expected = {i for i, t in enumerate(texts) if "nao" in fold(t)}
        assert n == len(expected) > 0
        assert page.eval("vizlabExplorer.texts") == [fold(t) for t in texts]
        selected = page.eval("""vizlabExplorer.gd._fullData.map(t => Array.from(t.selectedpoints || [])
                                 .map(j => t.customdata[j]))""")
        assert {i for s in selected for i in s} == expected
        assert f"{n} de 60 textos contêm «NAO»" == page.eval("document.getElementById('count').textContent")
        page.eval("vizlabExplorer.search('')")
        assert page.eval("vizlabExplorer.gd._fullData.every(t => !t.selectedpoints)")
        # legend: a click hides the class, a second click shows it again
        legend = "document.querySelectorAll('.legend .traces')[1].getBoundingClientRect()"
        box = page.eval(f"(() => {{ const r = {legend}; return [r.left + 20, r.top + r.height / 2]; }})()")
        page.click(*box)
        assert page.wait_for("vizlabExplorer.gd.data[1].visible") == "legendonly"
        assert page.eval("vizlabExplorer.gd.data[0].visible") in (None, True)
        time.sleep(0.5)  # plotly waits for a possible double click
        page.click(*box)
        page.wait_for("vizlabExplorer.gd.data[1].visible === true")
        # zoom with the wheel changes the x range
        r0 = page.eval("vizlabExplorer.gd._fullLayout.xaxis.range.slice()")
        page.mouse("mouseWheel", *_pixel(page, 0, 0), deltaX=0, deltaY=-300)
        page.wait_for(f"vizlabExplorer.gd._fullLayout.xaxis.range[0] !== {r0[0]}")
        assert page.errors == []


@browser
@pytest.mark.browser
def test_shift_page_slider_in_headless_chromium(tmp_path):
    X, texts, labels = _corpus()
    after = X[::-1] * 0.5 + 3
    path = save_shift_html(X, after, texts, labels, labels, labels, path=tmp_path / "shift.html", lang="en")
    with Browser(tmp_path) as b:
        page = _open(b, path)
        xs = page.eval("vizlabExplorer.gd._fullData.map(t => [Array.from(t.x), Array.from(t.customdata)])")
        for x, idx in xs:
            np.testing.assert_allclose(x, X[idx, 0], rtol=1e-6)
        page.click(*page.eval("(() => { const r = document.getElementById('to-after').getBoundingClientRect();"
                              " return [r.left + 5, r.top + 5]; })()"))
        page.wait_for("document.body.dataset.stage === '1'", timeout=10)
        for x, idx in page.eval("vizlabExplorer.gd._fullData.map(t => [Array.from(t.x), Array.from(t.customdata)])"):
            np.testing.assert_allclose(x, after[idx, 0], rtol=1e-5)
        page.eval("vizlabExplorer.setStage(0.5).then(() => true)")
        x, idx = page.eval("[Array.from(vizlabExplorer.gd._fullData[0].x), Array.from(vizlabExplorer.gd._fullData[0].customdata)]")
        np.testing.assert_allclose(x, (X[idx, 0] + after[idx, 0]) / 2, rtol=1e-5)
        assert page.errors == [] and page.requests == [path.as_uri()]


@browser
@pytest.mark.browser
def test_10000_points_load_without_errors(tmp_path):
    n = 10_000
    rng = np.random.default_rng(0)
    texts = [f"texto {i} " + " ".join(rng.choice(["filme", "ótimo", "não", "gostei"], 12)) for i in range(n)]
    path = save_embedding_html(rng.normal(size=(n, 2)), texts, [CLASSES[i % 3] for i in range(n)],
                               path=tmp_path / "big.html")
    with Browser(tmp_path) as b:
        t0 = time.perf_counter()
        page = _open(b, path)
        seconds = time.perf_counter() - t0
        assert page.eval("vizlabExplorer.gd._fullData.reduce((s, t) => s + t._length, 0)") == n
        t0 = time.perf_counter()
        page.eval("vizlabExplorer.search('ótimo')")
        search_s = time.perf_counter() - t0
        assert page.errors == []
    print(f"{n} points: {path.stat().st_size / 1e6:.2f} MB, open -> drawn {seconds:.1f} s, search {search_s:.2f} s")


def test_long_texts_are_cut_on_hover_but_searched_whole():
    X, texts, labels = _corpus()
    texts[7] = "palavra " * 100 + "Fim"
    page = embedding_html(X, texts, labels)
    assert _blob(page, "config")["long_texts"] == {"7": fold(texts[7]).strip()} or \
        _blob(page, "config")["long_texts"] == {"7": fold(texts[7])}
    hover = [h for t in _blob(page, "figure")["data"] for h in t["hovertext"] if h.startswith("palavra")][0]
    assert hover.endswith(" …") and "Fim" not in hover


def test_cli_embed_writes_the_explorer(tiny_bert, tmp_path, capsys):
    import copy

    import pandas as pd

    from vizlab.cli import main

    folder = tmp_path / "tiny-bert"
    copy.deepcopy(tiny_bert.model).save_pretrained(folder)  # save_pretrained edits the config it saves
    tiny_bert.tokenizer.save_pretrained(folder)
    texts = [f"frase número {i} sobre {'filmes' if i % 2 else 'comida'}" for i in range(12)]
    csv = tmp_path / "data.csv"
    pd.DataFrame({"texto": texts, "classe": ["negative", "positive"] * 6}).to_csv(csv, index=False)
    out = tmp_path / "map.html"
    argv = ["embed", str(csv), "--text-col", "texto", "--label-col", "classe", "--method", "pca",
            "--model", str(folder), "-o", str(out)]
    assert main(argv) == 0 and "12 textos" in capsys.readouterr().out
    page = out.read_text(encoding="utf-8")
    fig = _blob(page, "figure")
    assert [t["name"] for t in fig["data"]] == ["negativo (6)", "positivo (6)"]
    assert sorted(h for t in fig["data"] for h in t["hovertext"]) == sorted(texts)
    assert fig["layout"]["xaxis"]["title"]["text"] == "PCA 1" and "data.csv" in fig["layout"]["title"]["text"]


def test_shipped_shift_page_agrees_with_the_manifest():
    """figures/finetune_shift_explorer.html: the 600 held-out tweets, and its ✓ marks give the accuracies
    the training-curves figure records (fine-tuned classifier after, frozen-model probe before)."""
    import hashlib
    from pathlib import Path

    from vizlab.figures.manifest import read_manifest

    out = Path(__file__).resolve().parents[1] / "figures"
    page_path = out / "finetune_shift_explorer.html"
    assert page_path.exists(), "figures/finetune_shift_explorer.html is missing (make figures writes it)"
    entries = {e["id"]: e for e in read_manifest(out)}
    shift = entries["finetune_embedding_shift"]
    assert shift["sha256"]["finetune_shift_explorer.html"] == hashlib.sha256(page_path.read_bytes()).hexdigest()
    page = page_path.read_text(encoding="utf-8")
    hover = [h for t in _blob(page, "figure")["data"] for h in t["hovertext"]]
    assert len(hover) == 600
    tr = Lang("pt")
    results = entries["finetune_training_curves"]["results"]
    for key, recorded in (("pred_after", "accuracy_fine_tuned"), ("pred_before", "accuracy_frozen_probe")):
        marks = [re.search(re.escape(tr(key)) + r": [^<]* ([✓✗])", h).group(1) for h in hover]
        assert len(marks) == 600
        assert np.mean([m == "✓" for m in marks]) == pytest.approx(results[recorded]["value"], abs=1e-4)
