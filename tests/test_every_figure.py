"""Every registered report figure, built once through the figure script's own code path.

One module-scoped build (the slow part: real models, and a fine-tuning run on a cold cache)
writes every figure of ``vizlab.figures.all_figures()`` into a temporary folder with
``--out TMP --force``, exactly as ``scripts/make_figures.py`` does; new figures are picked up
automatically. The checks are then parametrized by figure id:

* PNG and SVG written, non-empty, valid, with the sha256 the manifest records;
* a manifest entry with no ``error`` flag, ``results`` recorded and JSON-serialisable, the
  fingerprint of every declared model, the Portuguese caption (and an English one in the registry);
* what was drawn (captured from the live figure at its last render, before the build closes it):
  axes with data, labelled colour bars whose range covers the values shown, no decimal point in
  the numbers of a Portuguese figure;
* the attention viewer page the build attaches draws its lines offline in headless Chromium;
* determinism: figures/ is up to date (by the build's own definition) and this build gives the same
  bytes and numbers as the committed figure (its source data included);
* the drawing alone: every committed figure is redrawn from its committed source data
  (``<id>.data.json``), in a process that imports no torch, byte for byte.

The cache is the test session's own (tests/conftest.py sets ``VIZLAB_CACHE``; only converted
model folders are linked in), so the fine-tuned model and every embedding are computed afresh.
``VIZLAB_TEST_FIGURES=id1,id2`` restricts the build to a few figures (for working on this file).
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import hashlib
import json
import os
import re
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from vizlab.figures import all_figures

ROOT = Path(__file__).resolve().parents[1]
SPECS = {s.id: s for s in all_figures()}
_ONLY = [x for x in os.environ.get("VIZLAB_TEST_FIGURES", "").split(",") if x]
IDS = [fid for fid in SPECS if not _ONLY or fid in _ONLY]
INPUT_KEYS = ("models", "data", "n", "seed")


# ----------------------------------------------------------------------------- fast: declarations


@pytest.mark.parametrize("fid", list(SPECS))
def test_declared_inputs_name_models_data_n_and_seed(fid):
    """The registry documents ``inputs`` as models, data, n (sample size), seed (+ anything else):
    the manifest records them, so each must be declared (``None`` where it does not apply)."""
    spec = SPECS[fid]
    missing = [k for k in INPUT_KEYS if k not in spec.inputs]
    assert not missing, f"{fid}: inputs lack {missing} (declare them, None where they do not apply)"
    models = spec.inputs["models"]
    assert isinstance(models, list) and models and all(isinstance(m, str) and m for m in models)
    assert isinstance(spec.inputs["data"], str) and spec.inputs["data"].strip()
    n, seed = spec.inputs["n"], spec.inputs["seed"]
    assert n is None or (isinstance(n, int) and not isinstance(n, bool) and n >= 1), f"n={n!r}"
    seeds = seed if isinstance(seed, list) else [seed]  # several seeds: e.g. texts sampled with seeds 0 and 1
    assert seed is None or all(isinstance(s, int) and not isinstance(s, bool) for s in seeds), f"seed={seed!r}"
    json.dumps(spec.inputs)  # recorded in the manifest as is


@pytest.mark.parametrize("fid", list(SPECS))
def test_caption_in_both_languages(fid):
    cap = SPECS[fid].caption
    assert set(cap) == {"pt", "en"}
    assert cap["pt"].strip() and cap["en"].strip() and cap["pt"] != cap["en"]


# ----------------------------------------------------------------------------- the one build


def _summary(fig) -> dict:
    """Plain data about what ``fig`` shows, taken at a render (tick labels exist only then)."""
    from matplotlib.text import Text

    axes = [{"has_data": ax.has_data(), "visible": ax.get_visible(), "title": ax.get_title(),
             "images": len(ax.images), "lines": len(ax.lines), "collections": len(ax.collections),
             "patches": len(ax.patches)} for ax in fig.axes]
    hidden = {id(t) for ax in fig.axes if not ax.axison
              for t in [*ax.get_xticklabels(), *ax.get_yticklabels()]}  # ticks of an axis turned off
    texts = [t.get_text() for t in fig.findobj(Text)
             if t.get_visible() and t.get_text().strip() and id(t) not in hidden]
    bars, seen = [], set()
    for ax in fig.axes:
        for m in [*ax.images, *ax.collections]:
            cb = getattr(m, "colorbar", None)
            if cb is None or id(cb) in seen:
                continue
            seen.add(id(cb))
            arr = m.get_array()
            vals = np.ma.compressed(np.ma.masked_invalid(np.ma.asarray(arr, dtype=float))) \
                if arr is not None and np.ndim(arr) <= 2 else np.array([])
            bars.append({"label": cb.ax.yaxis.label.get_text() or cb.ax.xaxis.label.get_text(),
                         "vmin": float(cb.norm.vmin), "vmax": float(cb.norm.vmax),
                         "data_min": float(vals.min()) if vals.size else None,
                         "data_max": float(vals.max()) if vals.size else None})
    return {"axes": axes, "texts": texts, "colorbars": bars}


def _recording(spec, drawn: dict):
    """The spec with a drawing that also remembers what its figure shows at each render."""
    draw = spec.drawing.draw

    @functools.wraps(draw)  # same __qualname__: the figure's key is the real one
    def recorded(src, ctx):
        fig = draw(src, ctx)
        if hasattr(fig, "canvas"):
            fig.canvas.mpl_connect("draw_event", lambda event: drawn.__setitem__(spec.id, _summary(fig)))
        return fig

    return dataclasses.replace(spec, drawing=dataclasses.replace(spec.drawing, draw=recorded))


def _check_isolated_cache() -> None:
    """tests/conftest.py points VIZLAB_CACHE at the session's own cache: never build on the user's."""
    from platformdirs import user_cache_dir

    env = os.environ.get("VIZLAB_CACHE")
    assert env, "tests/conftest.py should set VIZLAB_CACHE to the session's own cache"
    assert Path(env).expanduser().resolve() != Path(user_cache_dir("vizlab")).resolve(), \
        "the figures would be built on the user's cache"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Build every figure once: {"out", "rc", "entries" (by id), "drawn" (by id), "log", "seconds"}."""
    from vizlab.figures import build as figure_build
    from vizlab.figures.manifest import read_manifest

    tmp = tmp_path_factory.mktemp("every-figure")
    out = tmp / "figures"
    drawn: dict[str, dict] = {}
    log: list[str] = []
    # --jobs 1: in this process, so the recording drawings can note what each figure draws (the
    # figures/ it is compared with was built by worker processes: the bytes must not differ)
    args = figure_build.add_arguments(argparse.ArgumentParser()).parse_args(
        ["--out", str(out), "--force", "--jobs", "1"])
    specs = [_recording(s, drawn) for s in all_figures() if s.id in IDS]
    def sink(*parts, end="\n", **_):
        log.append(" ".join(map(str, parts)) + end)

    _check_isolated_cache()
    t0 = time.perf_counter()
    rc = figure_build.run(args, specs=specs, log=sink)
    seconds = time.perf_counter() - t0
    entries = {e["id"]: e for e in read_manifest(out)}
    return {"out": out, "rc": rc, "entries": entries, "drawn": drawn, "log": "".join(log), "seconds": seconds}


def _entry(built, fid) -> dict:
    assert fid in built["entries"], f"{fid} was not built:\n{built['log'][-3000:]}"
    return built["entries"][fid]


@pytest.mark.figures
def test_the_build_succeeds_for_every_figure(built):
    assert built["rc"] == 0, built["log"][-4000:]
    assert list(built["entries"]) == IDS  # report order, nothing missing, nothing extra
    print(f"\n{len(IDS)} figures built in {built['seconds']:.0f} s")


@pytest.mark.figures
@pytest.mark.parametrize("fid", IDS)
def test_files_and_manifest_entry(built, fid):
    entry, out = _entry(built, fid), built["out"]
    spec = SPECS[fid]
    assert "error" not in entry, entry.get("error")
    assert {f"{fid}.data.json", f"{fid}.png", f"{fid}.svg"} <= set(entry["files"])
    for name in entry["files"]:
        data = (out / name).read_bytes()
        assert data, f"{name} is empty"
        assert entry["sha256"][name] == hashlib.sha256(data).hexdigest(), f"{name} differs from the manifest"
    assert (out / f"{fid}.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert ET.fromstring((out / f"{fid}.svg").read_bytes()).tag == "{http://www.w3.org/2000/svg}svg"
    assert entry["section"] == spec.section and entry["lang"] == "pt"
    assert entry["caption"] == spec.caption["pt"]
    assert isinstance(entry["results"], dict) and entry["results"], f"{fid} records no result"
    assert json.loads(json.dumps(entry["results"], allow_nan=False)) == entry["results"]
    declared = spec.inputs.get("models") or []
    assert set([declared] if isinstance(declared, str) else declared) <= set(entry["fingerprints"])
    assert all(isinstance(v, str) and v for v in entry["fingerprints"].values())


@pytest.mark.figures
@pytest.mark.parametrize("fid", IDS)
def test_figure_shows_data_with_labelled_scales(built, fid):
    _entry(built, fid)
    drawn = built["drawn"].get(fid)
    assert drawn is not None, f"{fid}: the figure was never rendered"
    assert any(a["visible"] and a["has_data"] for a in drawn["axes"]), f"{fid}: no axes with data"
    assert drawn["texts"], f"{fid}: no text at all (title, labels)"
    for cb in drawn["colorbars"]:
        assert cb["label"].strip(), f"{fid}: a colour bar has no label"
        if cb["data_min"] is not None:
            tol = 1e-6 * max(1.0, abs(cb["vmax"] - cb["vmin"]))
            assert cb["vmin"] - tol <= cb["data_min"] and cb["data_max"] <= cb["vmax"] + tol, \
                f"{fid}: colour bar {cb['label']!r} [{cb['vmin']}, {cb['vmax']}] does not cover " \
                f"the values shown [{cb['data_min']}, {cb['data_max']}]"


@pytest.mark.figures
@pytest.mark.parametrize("fid", IDS)
def test_cold_forced_rebuild_reproduces_the_committed_figure(built, fid):
    """Determinism on the real figures: this build (its own empty cache, --force, one process)
    gives the same bytes and numbers as the committed figures/ (built by `make figures`, in worker
    processes). figures/ must be up to date by the build's own definition (the one `make
    check-figures` and `make figures` use); if it is not, that is the failure."""
    from vizlab.figures.status import figure_status

    entry = _entry(built, fid)
    (status,) = figure_status([SPECS[fid]], out=ROOT / "figures")
    assert status.up_to_date, f"figures/ is not up to date for {fid} ({status.reason}): run make figures"
    committed = status.old
    assert committed["study_key"] == entry["study_key"] and committed["drawing_key"] == entry["drawing_key"], \
        f"{fid}: this build's keys differ from the committed ones"
    assert entry["sha256"] == committed["sha256"], f"{fid}: a rebuild gives other bytes"
    def results(e):  # timings (keys ending in "seconds") are measurements of this machine, not results
        return {k: v for k, v in e["results"].items() if not k.endswith("seconds")}

    assert results(entry) == results(committed), f"{fid}: a rebuild records other numbers"


# a decimal point between digits, unless it is a thousands separator (1.234, 12.345.678)
_POINT = re.compile(r"(?<![\w.])\d+\.\d+(?![\w.])")
_THOUSANDS = re.compile(r"[1-9]\d{0,2}(\.\d{3})+")


@pytest.mark.figures
@pytest.mark.parametrize("fid", IDS)
def test_portuguese_numbers_use_a_decimal_comma(built, fid):
    _entry(built, fid)
    drawn = built["drawn"].get(fid)
    assert drawn is not None
    bad = sorted({t for t in drawn["texts"] for m in _POINT.finditer(t) if not _THOUSANDS.fullmatch(m.group())})
    assert not bad, f"{fid}: numbers with a decimal point in a Portuguese figure: {bad[:10]}"


@pytest.mark.figures
@pytest.mark.browser
def test_built_viewer_page_draws_its_lines_offline(built, tmp_path):
    from chromium import CHROMIUM, NO_CHROMIUM
    from test_viewer_page import check_viewer_page

    owners = [fid for fid, e in built["entries"].items() if "attention_viewer.html" in e["files"]]
    if "attention_head_grid" in IDS:
        assert owners == ["attention_head_grid"]
    if not owners:
        pytest.skip("the figure attaching attention_viewer.html was not built (VIZLAB_TEST_FIGURES)")
    page = built["out"] / "attention_viewer.html"
    assert page.stat().st_size > 10_000
    if CHROMIUM is None:
        pytest.skip(NO_CHROMIUM)
    drawn = check_viewer_page(page, tmp_path)
    assert len(drawn) == 3  # MiniLM sentence, MiniLM sentence pair, Gemma sentence


_REDRAW = """
import json, sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
from vizlab.figures import all_figures
from vizlab.figures.render import draw

out, ids = Path(sys.argv[1]), sys.argv[2].split(",")
specs = {s.id: s for s in all_figures()}
differ, english = [], []
for fid in ids:
    data = (out / f"{fid}.data.json").read_bytes()
    drawn = draw(specs[fid].drawing, data, lang="pt")
    differ += [name for name, data in drawn.files.items() if (out / name).read_bytes() != data]
    english += [name for name in draw(specs[fid].drawing, data, lang="en").files if name.endswith(".png")]
heavy = sorted(m for m in ("torch", "transformers", "captum", "vizlab.extraction") if m in sys.modules)
print(json.dumps({"differ": differ, "heavy": heavy, "english": len(english)}))
"""


@pytest.mark.figures
def test_every_committed_figure_redraws_from_its_source_data_alone():
    """What a drawing needs is its committed source data: redrawn from figures/<id>.data.json, in a
    process that never imports torch, transformers or the extraction code, every committed PNG, SVG
    and HTML comes out byte for byte; and every figure draws in English from the same data."""
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-c", _REDRAW, str(ROOT / "figures"), ",".join(IDS)],
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    got = json.loads(run.stdout.strip().splitlines()[-1])
    assert got == {"differ": [], "heavy": [], "english": len(IDS)}
