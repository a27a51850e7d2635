"""The figure script: incremental builds, manifest, failures, on a fake registry of tiny figures."""

from __future__ import annotations

import argparse
import importlib
import itertools
import json
import sys
from pathlib import Path

import pytest

from vizlab.cache import cache_key
from vizlab.figures.build import add_arguments, build_figures, check_figures, run
from vizlab.figures.keys import ModelFingerprints, path_stamp
from vizlab.figures.manifest import read_manifest
from vizlab.figures.registry import FigureSpec
from vizlab.provenance import environment_stamp, source_hash

_counter = itertools.count()

# The studies of the fake figures: what they compute (calc.py is a helper only they import).
STUDIES = '''
import numpy as np

CALLS = []
FAIL = False


def square(ctx):
    from {pkg}.calc import SLOPE

    CALLS.append("square")
    ctx.record("slope", np.float64(SLOPE))
    ctx.record("points", np.arange(2))
    return {{"x": np.array([0.0, 1.0]), "y": np.array([0.0, SLOPE], dtype=np.float32)}}


def viewer(ctx):
    CALLS.append("viewer")
    if FAIL:
        raise RuntimeError("boom")
    return {{"image": np.eye(3)}}


def not_a_figure(ctx):
    return {{}}


def dies(ctx):
    """A worker process that dies (as on running out of memory)."""
    import os

    os._exit(3)


BREAK = None


def fragile(ctx):
    ctx.record("value", 2.0)
    if BREAK == "result":
        ctx.record("model", object())
    return {{"y": [1, 0] if BREAK is None else [0, 1]}}  # a broken run computes something else
'''

# The drawings of the fake figures (helper.py is a helper only they import).
FIGS = '''
import matplotlib.pyplot as plt
import numpy as np

DRAWN = []


def square(src, ctx):
    from {pkg}.helper import LABEL

    DRAWN.append("square")
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot(src["x"], src["y"])
    ax.set_title(ctx.t("quadrado ", "square ") + LABEL)
    ax.set_xlabel(ctx.tr("layer"))  # a catalogue text: the figure depends on it
    return fig


def viewer(src, ctx):
    DRAWN.append("viewer")
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.imshow(src["image"])
    ctx.attach("viewer.html", "<html><body>" + ctx.t("olá", "hello") + "</body></html>")
    return fig


def not_a_figure(src, ctx):
    return 42


def dies(src, ctx):
    return None


BREAK = None


def fragile(src, ctx):
    """Draws fine, then breaks in the way BREAK says, after the drawing."""
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1], src["y"])
    ctx.attach("fragile.html", "<p>ok</p>")
    if BREAK == "attachment":
        ctx.attach("fragile.html", b"bytes, not text")
    elif BREAK == "render":
        ax.set_title("$x^{{$")  # mathtext that only fails when rendered
    return fig
'''


def make_spec(fid, studies, draws, name, section="embeddings", models=("m1",), needs=(), caption=None):
    """A FigureSpec of the study ``studies.<name>`` and the drawing ``draws.<name>``."""
    from vizlab.drawings import DrawingSpec
    from vizlab.studies import StudySpec

    inputs = {"models": list(models), "data": "none", "n": 2, "seed": 0}
    return FigureSpec(fid, section, caption or {"pt": f"legenda {fid}", "en": f"caption {fid}"},
                      StudySpec(fid, getattr(studies, name), inputs, studies.__name__, tuple(needs)),
                      DrawingSpec(fid, section, getattr(draws, name), draws.__name__))


@pytest.fixture
def fake(tmp_path, monkeypatch):
    """A package of tiny figures: studies in studies.py (importing calc.py), drawings in figs.py
    (importing helper.py)."""
    pkg = f"fakefigs_{next(_counter)}"
    root = tmp_path / "src" / pkg
    root.mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "helper.py").write_text('LABEL = "v1"\n')
    (root / "calc.py").write_text("SLOPE = 1.0\n")
    (root / "studies.py").write_text(STUDIES.format(pkg=pkg))
    (root / "figs.py").write_text(FIGS.format(pkg=pkg))
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    studies = importlib.import_module(f"{pkg}.studies")
    draws = importlib.import_module(f"{pkg}.figs")

    def spec(fid, name, section="embeddings", models=("m1",), needs=(), caption=None):
        return make_spec(fid, studies, draws, name, section, models, needs, caption)

    specs = [spec("fake_square", "square"), spec("fake_viewer", "viewer", section="attention")]
    fps = {"m1": "fingerprint-1"}
    yield argparse.Namespace(mod=studies, studies=studies, draws=draws, root=root, specs=specs, fps=fps,
                             spec=spec, out=tmp_path / "figs")
    for name in ("studies", "figs", "helper", "calc", "steps", "other", ""):
        sys.modules.pop(f"{pkg}.{name}" if name else pkg, None)


def _build(fake, **kw):
    lines = []
    kw.setdefault("specs", fake.specs)
    kw.setdefault("jobs", 1)  # in this process: tests flip the fake module's flags
    kw.setdefault("out", fake.out)
    report = build_figures(fingerprints=lambda m: fake.fps[m],
                           log=lambda *a, **k: lines.append(" ".join(map(str, a))), **kw)
    return report, "\n".join(lines)


def _snapshot(out):
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file() and not p.name.startswith(".")}


def test_first_build_writes_files_and_manifest(fake):
    report, log = _build(fake)
    assert report.built == ["fake_square", "fake_viewer"] and report.ok
    files = _snapshot(fake.out)
    assert {"fake_square.data.json", "fake_square.png", "fake_square.svg", "fake_viewer.data.json",
            "fake_viewer.png", "fake_viewer.svg", "viewer.html", "manifest.json"} == set(files)
    assert files["fake_square.png"].startswith(b"\x89PNG")
    assert "olá" in files["viewer.html"].decode()
    rows = read_manifest(fake.out)
    assert [r["id"] for r in rows] == ["fake_square", "fake_viewer"]
    sq, vw = rows
    for key in ("id", "section", "caption", "files", "models", "fingerprints", "data", "n", "seed",
                "versions", "seconds", "results", "drawing_key", "study_key", "texts", "sha256"):
        assert key in sq
    assert sq["caption"] == "legenda fake_square" and sq["section"] == "embeddings"
    assert sq["files"] == ["fake_square.data.json", "fake_square.png", "fake_square.svg"]
    assert vw["files"] == ["fake_viewer.data.json", "fake_viewer.png", "fake_viewer.svg", "viewer.html"]
    assert sq["texts"] == ["layer"] and vw["texts"] == []  # the catalogue texts each drawing read
    assert sq["results"] == {"slope": 1.0, "points": [0, 1]}
    assert sq["fingerprints"] == {"m1": "fingerprint-1"} and sq["models"] == ["m1"]
    assert sq["n"] == 2 and sq["seed"] == 0 and sq["data"] == "none"
    assert sq["versions"]["matplotlib"] and sq["versions"]["python"]
    assert "computed and drawn in" in log and "[1/2] fake_square" in log
    # the source data: what the study returned, with its dtypes, and the recorded numbers
    from vizlab.sourcedata import load_source_data

    src = load_source_data(fake.out / "fake_square.data.json")
    assert src["y"].dtype == "float32" and list(src["y"]) == [0.0, 1.0] and src.results == sq["results"]


def test_rebuild_with_no_change_recomputes_nothing_and_keeps_bytes(fake):
    _build(fake)
    before = _snapshot(fake.out)
    fake.studies.CALLS.clear()
    fake.draws.DRAWN.clear()
    report, log = _build(fake)
    assert report.cached == ["fake_square", "fake_viewer"] and report.built == []
    assert fake.studies.CALLS == [] and fake.draws.DRAWN == []
    assert _snapshot(fake.out) == before
    assert log.count("up to date") == 2


def test_force_rebuilds_byte_identical_files(fake):
    _build(fake)
    before = _snapshot(fake.out)
    report, _ = _build(fake, force=True)
    assert report.built == ["fake_square", "fake_viewer"]
    after = _snapshot(fake.out)
    for name in before:
        if name != "manifest.json":  # the manifest holds the wall time
            assert after[name] == before[name], name


def test_a_drawing_change_redraws_from_the_source_data_and_computes_nothing(fake):
    _build(fake)
    data = {n: b for n, b in _snapshot(fake.out).items() if n.endswith(".data.json")}
    fake.studies.CALLS.clear()
    (fake.root / "helper.py").write_text('LABEL = "v2"\n')  # imported inside the square drawing only
    sys.modules.pop(f"{fake.mod.__package__}.helper", None)
    assert _build(fake, dry_run=True)[1].count("would redraw (drawing code changed)") == 2
    report, log = _build(fake)
    # both drawings live in figs.py, whose import closure contains helper.py; no study ran
    assert set(report.built) == {"fake_square", "fake_viewer"} and report.computed == []
    assert fake.studies.CALLS == [] and log.count("drawn in") == 2
    assert {n: b for n, b in _snapshot(fake.out).items() if n.endswith(".data.json")} == data
    report, _ = _build(fake)
    assert report.built == []


def test_a_study_change_recomputes_and_redraws(fake):
    _build(fake)
    fake.studies.CALLS.clear()
    (fake.root / "calc.py").write_text("SLOPE = 2.0\n")  # imported inside the square study only
    sys.modules.pop(f"{fake.mod.__package__}.calc", None)
    assert _build(fake, dry_run=True)[1].count("would compute and draw (study code changed)") == 2
    report, _ = _build(fake)
    assert set(report.computed) == set(report.built) == {"fake_square", "fake_viewer"}
    assert read_manifest(fake.out)[0]["results"]["slope"] == 2.0


def test_an_edited_text_or_caption_redraws_only_the_figures_that_use_it(fake, monkeypatch):
    from vizlab import i18n

    _build(fake)
    monkeypatch.setitem(i18n.CATALOGUE, "layer", ("nível", "level"))  # read by the square drawing only
    report, log = _build(fake, dry_run=True)
    assert report.built == ["fake_square"] and report.cached == ["fake_viewer"], log
    assert "would redraw (texts changed)" in log
    report, _ = _build(fake)
    assert report.built == ["fake_square"] and report.computed == []
    assert b"n\xc3\xadvel" in (fake.out / "fake_square.svg").read_bytes() or report.ok  # text drawn as paths
    specs = [fake.specs[0], fake.spec("fake_viewer", "viewer", section="attention",
                                      caption={"pt": "nova legenda", "en": "new caption"})]
    report, log = _build(fake, specs=specs, dry_run=True)
    assert report.built == ["fake_viewer"] and "would redraw (captions changed)" in log, log
    report, _ = _build(fake, specs=specs)
    assert report.computed == [] and read_manifest(fake.out)[1]["caption"] == "nova legenda"


def test_redraw_draws_everything_from_the_source_data_alone(fake):
    _build(fake)
    before = _snapshot(fake.out)
    fake.studies.CALLS.clear()
    report, _ = _build(fake, redraw=True)
    assert report.built == ["fake_square", "fake_viewer"] and report.computed == [] and fake.studies.CALLS == []
    after = _snapshot(fake.out)
    assert all(after[n] == before[n] for n in before if n != "manifest.json")


def test_a_missing_or_edited_source_data_file_is_recomputed(fake):
    _build(fake)
    fake.studies.CALLS.clear()
    (fake.out / "fake_square.data.json").unlink()
    (fake.out / "fake_viewer.data.json").write_text("{}")
    report, log = _build(fake)
    assert report.computed == ["fake_square", "fake_viewer"], log
    assert sorted(fake.studies.CALLS) == ["square", "viewer"]


def test_the_build_leaves_the_global_random_state_as_it_found_it(fake):
    import random

    import numpy as np

    random.seed(123)
    np.random.seed(123)
    state = (random.getstate(), np.random.get_state()[1].copy())
    _build(fake, force=True)
    assert random.getstate() == state[0] and (np.random.get_state()[1] == state[1]).all()


OTHER = """
import matplotlib.pyplot as plt

VERSION = 1


def circle_data(ctx):
    return {"radius": 0.3}


def circle(src, ctx):
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.add_patch(plt.Circle((0.5, 0.5), 0.3))
    ax.set_title(f"v{VERSION}")
    return fig
"""


def test_a_change_in_one_figure_module_rebuilds_only_the_figures_it_holds(fake):
    """Two drawing modules side by side (as vizlab.drawings.attention and .embeddings are): editing
    one rebuilds its figures, not the other's."""
    pkg = fake.mod.__package__
    (fake.root / "other.py").write_text(OTHER)
    other = importlib.import_module(f"{pkg}.other")
    from vizlab.drawings import DrawingSpec
    from vizlab.studies import StudySpec

    circle = FigureSpec("fake_circle", "attention", {"pt": "c", "en": "c"},
                        StudySpec("fake_circle", other.circle_data, {"models": ["m1"], "data": "none", "n": 1,
                                                                     "seed": 0}, other.__name__),
                        DrawingSpec("fake_circle", "attention", other.circle, other.__name__))
    specs = [*fake.specs, circle]
    try:
        assert _build(fake, specs=specs)[0].built == ["fake_square", "fake_viewer", "fake_circle"]
        (fake.root / "other.py").write_text(OTHER.replace("VERSION = 1", "VERSION = 2"))
        report, log = _build(fake, specs=specs, dry_run=True)
        assert report.built == ["fake_circle"] and report.cached == ["fake_square", "fake_viewer"], log
        (fake.root / "figs.py").write_text((fake.root / "figs.py").read_text() + "\n# an edit\n")
        report, log = _build(fake, specs=specs, dry_run=True)
        assert report.built == ["fake_square", "fake_viewer", "fake_circle"], log
        _build(fake, specs=specs)
        (fake.root / "figs.py").write_text((fake.root / "figs.py").read_text() + "\n# another edit\n")
        report, log = _build(fake, specs=specs, dry_run=True)
        assert report.built == ["fake_square", "fake_viewer"] and report.cached == ["fake_circle"], log
    finally:
        sys.modules.pop(f"{pkg}.other", None)


@pytest.mark.processes
def test_two_workers_give_the_same_files_as_one(fake, tmp_path):
    """jobs=2 builds in worker processes (spawned, one thread each): same bytes, same results, one
    progress line per figure, the manifest in report order."""
    specs = [*fake.specs, fake.spec("fake_square_2", "square")]
    one, log1 = _build(fake, specs=specs, jobs=1)
    fake.out = tmp_path / "two"
    two, log2 = _build(fake, specs=specs, jobs=2)
    assert one.jobs == 1 and two.jobs == 2 and two.ok
    assert sorted(two.built) == sorted(one.built) == ["fake_square", "fake_square_2", "fake_viewer"]
    first, second = (_snapshot(tmp_path / "figs"), _snapshot(tmp_path / "two"))
    assert set(first) == set(second)
    for name in first:
        if name != "manifest.json":
            assert first[name] == second[name], name
    strip = lambda rows: [{k: v for k, v in r.items() if k != "seconds"} for r in rows]  # noqa: E731
    assert strip(read_manifest(tmp_path / "figs")) == strip(read_manifest(tmp_path / "two"))
    assert [r["id"] for r in read_manifest(tmp_path / "two")] == [s.id for s in specs]
    lines = [x for x in log2.splitlines() if x.startswith("[")]
    assert len(lines) == 3 and all("computed and drawn in" in x for x in lines), log2
    assert {x.split()[1] for x in lines} == {s.id for s in specs}


@pytest.mark.processes
def test_a_figure_failing_in_a_worker_is_reported_and_the_others_are_written(fake):
    specs = [*fake.specs, fake.spec("fake_int", "not_a_figure")]
    report, log = _build(fake, specs=specs, jobs=2)
    assert report.failed == [("fake_int", "TypeError: the drawing of 'fake_int' returned int, "
                                          "expected a matplotlib Figure")]
    assert sorted(report.built) == ["fake_square", "fake_viewer"]
    assert (fake.out / "fake_viewer.png").is_file() and not (fake.out / "fake_int.png").exists()
    assert "fake_int" in log and "FAILED" in log


@pytest.mark.processes
def test_a_worker_that_dies_ends_the_build_with_every_figure_accounted_for(fake):
    specs = [fake.spec("fake_dies", "dies"), *fake.specs]
    report, log = _build(fake, specs=specs, jobs=2)
    failed = dict(report.failed)
    assert "a worker process died" in failed["fake_dies"] and "--jobs 1" in failed["fake_dies"]
    assert set(report.built) | set(failed) == {s.id for s in specs}, log


def test_schedule_runs_steps_first_and_figures_once_their_steps_are_done(fake):
    from vizlab.figures.workers import Schedule, Task
    from vizlab.studies import Step

    train = Step("train", print)
    parts = [Step(f"part {k}", print, after=("train",)) for k in range(2)]

    def spec(fid, needs=(), data=None):
        return Task(fake.spec(fid, "square", needs=needs), data)

    specs = [spec("short"), spec("long"), spec("ft", [train]), spec("study", [train, *parts])]
    plan = Schedule(specs, {"short": 1, "long": 50, "ft": 30, "study": 400})
    assert len(plan) == 7  # 3 steps (declared twice, run once) + 4 figures
    assert plan.next() is train
    # the parts wait for the training; meanwhile the figures that need no step, longest first
    assert [plan.next().id, plan.next().id, plan.next()] == ["long", "short", None]
    plan.done(train)
    assert [plan.next(), plan.next()] == parts  # both parts can run side by side
    assert plan.next().id == "ft" and plan.next() is None  # "study" waits for both parts
    plan.done(parts[0])
    assert plan.next() is None
    plan.done(parts[1])
    assert plan.next().id == "study" and len(plan) == 0
    # a figure only redrawn (its study is up to date) needs no step
    plan = Schedule([spec("redrawn", [train], data=b"{}")], {})
    assert len(plan) == 1 and plan.next().id == "redrawn"


@pytest.mark.processes
def test_steps_run_in_workers_before_the_figures_that_need_them(fake, tmp_path):
    """A step writes into the cache what its figure then reads; a failing step is reported and
    its figure still gets built (it computes what it needs itself)."""
    (fake.root / "steps.py").write_text(STEPS)
    mod = importlib.import_module(f"{fake.mod.__package__}.steps")
    try:
        from vizlab.drawings import DrawingSpec
        from vizlab.studies import StudySpec

        specs = [FigureSpec("fake_stepped", "attention", {"pt": "s", "en": "s"},
                            StudySpec("fake_stepped", mod.figure, {"models": ["m1"], "data": "none", "n": 1,
                                                                   "seed": 0}, mod.__name__, (mod.GOOD, mod.BAD)),
                            DrawingSpec("fake_stepped", "attention", mod.draw, mod.__name__))]
        report, log = _build(fake, specs=specs, jobs=2)
        assert report.built == ["fake_stepped"] and report.ok, log
        assert "note: step:bad failed (RuntimeError: no)" in log
        assert read_manifest(fake.out)[0]["results"] == {"from_step": "computed by a step"}
    finally:
        sys.modules.pop(f"{fake.mod.__package__}.steps", None)


STEPS = """
from pathlib import Path

import matplotlib.pyplot as plt

from vizlab.studies import Step

OUT = Path(__file__).with_name("step.txt")  # where the step leaves its result (a cache, here)


def _good(ctx):
    OUT.write_text("computed by a step")


def _bad(ctx):
    raise RuntimeError("no")


GOOD, BAD = Step("good", _good), Step("bad", _bad, after=("good",))


def figure(ctx):
    ctx.record("from_step", OUT.read_text() if OUT.exists() else "computed by the figure")
    return {}


def draw(src, ctx):
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1], [0, 1])
    return fig
"""


def test_model_fingerprint_lang_and_inputs_are_part_of_the_key(fake):
    _build(fake)
    fake.fps["m1"] = "fingerprint-2"
    assert _build(fake)[0].built == ["fake_square", "fake_viewer"]
    report, _ = _build(fake, lang="en")  # another language: redrawn, not recomputed
    assert report.built == ["fake_square", "fake_viewer"] and report.computed == []
    assert read_manifest(fake.out)[0]["caption"] == "caption fake_square"
    changed = [fake.spec("fake_square", "square", models=("m1",)), fake.specs[1]]
    changed[0].inputs["n"] = 3
    report, _ = _build(fake, specs=changed, lang="en")
    assert report.built == report.computed == ["fake_square"] and report.cached == ["fake_viewer"]


def test_dry_run_says_what_would_be_built_and_why(fake):
    report, log = _build(fake, dry_run=True)
    assert report.built == ["fake_square", "fake_viewer"] and report.dry_run
    assert log.count("would compute and draw (not in the manifest)") == 2
    assert fake.studies.CALLS == [] and not (fake.out / "manifest.json").exists()
    _build(fake)
    fake.studies.CALLS.clear()
    (fake.out / "viewer.html").write_text("edited")
    fake.fps["m1"] = "fingerprint-2"
    report, log = _build(fake, dry_run=True, only=["fake_viewer"])
    assert "would compute and draw (models changed)" in log
    fake.fps["m1"] = "fingerprint-1"
    report, log = _build(fake, dry_run=True)
    assert report.cached == ["fake_square"] and "would redraw (viewer.html differs from the sha256 in the manifest)" in log
    assert fake.studies.CALLS == [] and (fake.out / "viewer.html").read_text() == "edited"


def test_deleted_or_edited_output_is_rebuilt(fake):
    _build(fake)
    (fake.out / "fake_square.svg").unlink()
    (fake.out / "viewer.html").write_text("edited")
    report, _ = _build(fake)
    assert report.built == ["fake_square", "fake_viewer"]
    assert "olá" in (fake.out / "viewer.html").read_text()


def test_failing_figure_is_reported_others_written_previous_files_kept(fake):
    _build(fake)
    good = _snapshot(fake.out)
    fake.studies.FAIL = True
    report, log = _build(fake, force=True)
    assert report.failed == [("fake_viewer", "RuntimeError: boom")]
    assert report.built == ["fake_square"]
    assert "FAILED" in log and "RuntimeError: boom" in log
    now = _snapshot(fake.out)
    for name in ("fake_viewer.data.json", "fake_viewer.png", "fake_viewer.svg", "viewer.html"):
        assert now[name] == good[name]
    rows = {r["id"]: r for r in read_manifest(fake.out)}
    assert rows["fake_viewer"]["error"] == "RuntimeError: boom"
    assert rows["fake_viewer"]["files"] == ["fake_viewer.data.json", "fake_viewer.png", "fake_viewer.svg",
                                            "viewer.html"]
    # once fixed, the flagged figure is rebuilt even though its code did not change
    fake.studies.FAIL = False
    report, _ = _build(fake)
    assert report.built == ["fake_viewer"] and report.cached == ["fake_square"]
    assert "error" not in {r["id"]: r for r in read_manifest(fake.out)}["fake_viewer"]


def test_run_exit_code_and_summary(fake):
    fake.studies.FAIL = True  # seen by this process only: build here, not in worker processes
    args = add_arguments(argparse.ArgumentParser()).parse_args(["--out", str(fake.out), "--jobs", "1"])
    lines = []
    code = run(args, specs=fake.specs, fingerprints=fake.fps.get,
               log=lambda *a, **k: lines.append(" ".join(map(str, a))))
    assert code == 1
    text = "\n".join(lines)
    assert "1 built (1 computed, 0 drawn from source data), 0 up to date, 1 failed" in text
    assert "FAILED fake_viewer: RuntimeError: boom" in text
    fake.studies.FAIL = False
    assert run(args, specs=fake.specs, fingerprints=fake.fps.get, log=lambda *a, **k: None) == 0


def test_bad_studies_and_drawings_fail_with_clear_messages(fake):
    specs = [fake.spec("fake_int", "not_a_figure")]
    report, _ = _build(fake, specs=specs)
    msg = "TypeError: the drawing of 'fake_int' returned int, expected a matplotlib Figure"
    assert report.failed == [("fake_int", msg)]
    assert not (fake.out / "fake_int.png").exists()
    fake.studies.not_a_figure = lambda ctx: [1, 2]
    report, _ = _build(fake, specs=[fake.spec("fake_list", "not_a_figure")])
    assert report.failed == [("fake_list", "TypeError: the study of 'fake_list' returned list, expected a dict of data")]


def test_only_and_section_select_figures(fake):
    assert _build(fake, only=["fake_viewer"])[0].built == ["fake_viewer"]
    assert _build(fake, section="embeddings")[0].built == ["fake_square"]
    assert [r["id"] for r in read_manifest(fake.out)] == ["fake_square", "fake_viewer"]
    with pytest.raises(ValueError, match="no figure.*'nope'.*known figures: fake_square, fake_viewer"):
        _build(fake, only=["nope"])
    with pytest.raises(ValueError, match="unknown section 'poetry'"):
        _build(fake, section="poetry")
    with pytest.raises(ValueError, match="lang must be"):
        _build(fake, lang="fr")


def test_list_option_prints_registry(fake):
    args = add_arguments(argparse.ArgumentParser()).parse_args(["--list", "--section", "attention"])
    lines = []
    assert run(args, specs=fake.specs, log=lines.append) == 0
    assert len(lines) == 1 and lines[0].startswith("fake_viewer") and "legenda fake_viewer" in lines[0]


def test_source_hash_follows_imports_inside_functions(fake):
    name = fake.draws.__name__
    h1 = source_hash([name])
    (fake.root / "helper.py").write_text('LABEL = "changed"\n')
    assert source_hash([name]) != h1
    (fake.root / "helper.py").write_text('LABEL = "v1"\n')
    assert source_hash([name]) == h1


def test_model_fingerprint_memo_matches_load_model(tmp_path, tiny_bert):
    from vizlab.extraction.models import load_model, model_from_config

    folder = tmp_path / "tiny"
    own = model_from_config(tiny_bert.model.config, tiny_bert.tokenizer)  # save_pretrained edits the config
    own.model.save_pretrained(folder)
    own.tokenizer.save_pretrained(folder)
    fps = ModelFingerprints(tmp_path / "memo.json")
    fp = fps(str(folder))
    assert fp == load_model(str(folder), device="cpu").fingerprint
    memo = json.loads((tmp_path / "memo.json").read_text())
    assert memo[str(folder)]["fingerprint"] == fp
    # a stored answer with the current stamp is trusted (no torch needed) ...
    stamp = cache_key(environment_stamp(), path_stamp(str(folder)))
    assert memo[str(folder)]["stamp"] == stamp
    (tmp_path / "memo.json").write_text(json.dumps({str(folder): {"stamp": stamp, "fingerprint": "x"}}))
    assert ModelFingerprints(tmp_path / "memo.json")(str(folder)) == "x"
    # ... and a change in the folder's files invalidates it
    (folder / "config.json").write_text((folder / "config.json").read_text() + "\n")
    changed = ModelFingerprints(tmp_path / "memo.json")(str(folder))
    assert changed not in ("x", fp)


REPORT_FIGURES = {
    "tokenization": ["tokenization_subwords", "tokenization_padding_mask"],
    "transformers": ["transformers_architecture", "transformers_softmax_temperature", "position_sources",
                     "architecture_masks"],
    "attention": ["attention_head_grid", "attention_head_detail", "attention_head_stats",
                  "attention_rollout", "attention_qkv_diagram", "attention_qk_walkthrough", "attention_output_walkthrough",
                  "attribution_vs_attention", "attribution_faithfulness", "attribution_generation"],
    "embeddings": ["embeddings_sentiment_map", "embeddings_similarity", "embeddings_contextual"],
    "pretraining": ["pretraining_next_word", "pretraining_masked_word", "pretraining_logit_lens"],
    "transfer_learning": ["transfer_layer_probes", "transfer_data_efficiency", "transfer_topic_holdout"],
    "fine_tuning": ["finetune_training_curves", "finetune_embedding_shift", "finetune_cka",
                    "finetune_attention_change", "finetune_probe_layers", "finetune_confusion",
                    "pipeline_steps", "dynamic_padding", "finetune_accelerate_ddp", "finetune_seeds"],
}


def test_registry_holds_exactly_the_report_figures():
    from vizlab.figures.registry import all_figures

    specs = all_figures()
    got = {s.id: s.section for s in specs}
    want = {fid: sec for sec, ids in REPORT_FIGURES.items() for fid in ids}
    assert got == want
    for s in specs:  # what the manifest and the incremental key rely on
        assert s.caption["pt"] and s.caption["en"], s.id
        assert isinstance(s.inputs.get("models", []), list), s.id
        assert s.study.module.startswith("vizlab.studies.") and s.drawing.module.startswith("vizlab.drawings.")


def test_a_study_without_a_drawing_or_a_drawing_without_a_study_is_an_error(fake):
    from vizlab.drawings import DrawingSpec
    from vizlab.figures.registry import join
    from vizlab.studies import StudySpec

    studies = {"a": StudySpec("a", print, {}, "pkg.studies.x"), "b": StudySpec("b", print, {}, "pkg.studies.x")}
    drawings = {"b": DrawingSpec("b", "attention", print, "pkg.drawings.x"),
                "c": DrawingSpec("c", "attention", print, "pkg.drawings.y")}
    with pytest.raises(ValueError) as err:
        join(studies, drawings)
    assert "study 'a' (pkg.studies.x) has no drawing" in str(err.value)
    assert "drawing 'c' (pkg.drawings.y) has no study" in str(err.value)


def test_every_module_of_the_studies_and_drawings_packages_is_registered(tmp_path):
    """A new section module is found by its package, not by a list to keep up to date."""
    import vizlab.drawings
    import vizlab.studies

    for pkg in (vizlab.studies, vizlab.drawings):
        names = {p.stem for p in Path(pkg.__file__).parent.glob("*.py") if not p.stem.startswith("_")}
        registered = vizlab.studies.registered_studies() if pkg is vizlab.studies else \
            vizlab.drawings.registered_drawings()
        modules = {spec.module.rsplit(".", 1)[-1] for spec in registered.values()}
        assert names == modules, pkg.__name__


# ----------------------------------------------------------------------------- failures keep files


@pytest.mark.parametrize("how", ["result", "attachment", "render"])
def test_failure_after_drawing_keeps_previous_files_and_entry_byte_identical(fake, how):
    """A failing study keeps every previous file and the entry (flagged); a drawing that fails after
    its study ran keeps the previous drawn files, and the new source data with its study key (flagged
    as a drawing failure), so the next build only redraws."""
    specs = [fake.spec("fake_fragile", "fragile")]
    assert _build(fake, specs=specs)[0].built == ["fake_fragile"]
    before = _snapshot(fake.out)
    entry = read_manifest(fake.out)[0]
    fake.studies.BREAK = fake.draws.BREAK = how
    report, log = _build(fake, specs=specs, force=True)
    assert [fid for fid, _ in report.failed] == ["fake_fragile"]
    stage = "study" if how == "result" else "draw"
    assert "FAILED after" in log and f"({stage})" in log
    after = _snapshot(fake.out)
    for name in ("fake_fragile.png", "fake_fragile.svg", "fragile.html"):
        assert after[name] == before[name], name
    flagged = read_manifest(fake.out)[0]
    assert flagged.pop("error") and flagged.pop("error_stage") == stage
    if stage == "study":
        assert flagged == entry and after["fake_fragile.data.json"] == before["fake_fragile.data.json"]
    else:  # the study ran: its new data is kept, the drawing is stale
        assert after["fake_fragile.data.json"] != before["fake_fragile.data.json"]
        assert flagged["drawing_key"] == entry["drawing_key"]
        fake.draws.BREAK = None
        fake.studies.CALLS.clear()
        report, _ = _build(fake, specs=specs)
        assert report.built == ["fake_fragile"] and report.computed == [] and fake.studies.CALLS == []
    assert not [p for p in fake.out.iterdir() if p.name.endswith(".tmp")]  # no temporary files left


def test_interrupt_while_writing_leaves_no_half_figure(fake, monkeypatch):
    import os

    import vizlab.figures.manifest as manifest

    _build(fake)
    before = _snapshot(fake.out)
    real = os.replace
    calls = []

    def interrupted(src, dst):  # Ctrl-C while the files are put in place
        calls.append(dst)
        raise KeyboardInterrupt

    monkeypatch.setattr(manifest.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _build(fake, force=True, only=["fake_viewer"])
    monkeypatch.setattr(manifest.os, "replace", real)
    assert calls and _snapshot(fake.out) == before
    assert not [p for p in fake.out.iterdir() if p.name.endswith(".tmp")]


# ----------------------------------------------------------------------------- --check


def _check(fake, **kw):
    lines = []
    kw.setdefault("specs", fake.specs)
    stale = check_figures(out=fake.out, fingerprints=lambda m: fake.fps[m],
                          log=lambda *a, **k: lines.append(" ".join(map(str, a))), **kw)
    return dict(stale), "\n".join(lines)


def test_check_lists_stale_figures_with_the_reason_and_builds_nothing(fake):
    stale, log = _check(fake)
    assert stale == {"fake_square": "not in the manifest", "fake_viewer": "not in the manifest"}
    assert not fake.out.exists() and fake.studies.CALLS == []
    _build(fake)
    assert _check(fake)[0] == {}
    fake.studies.CALLS.clear()
    before = _snapshot(fake.out)
    # code change
    (fake.root / "helper.py").write_text('LABEL = "v3"\n')
    assert _check(fake)[0] == {"fake_square": "drawing code changed", "fake_viewer": "drawing code changed"}
    (fake.root / "helper.py").write_text('LABEL = "v1"\n')
    assert _check(fake)[0] == {}
    # model change
    fake.fps["m1"] = "fingerprint-2"
    assert _check(fake)[0] == {"fake_square": "models changed", "fake_viewer": "models changed"}
    fake.fps["m1"] = "fingerprint-1"
    # missing and tampered files
    (fake.out / "fake_square.svg").unlink()
    (fake.out / "viewer.html").write_text("tampered")
    stale, log = _check(fake)
    assert stale == {"fake_square": "fake_square.svg is missing",
                     "fake_viewer": "viewer.html differs from the sha256 in the manifest"}
    assert "stale: fake_square: fake_square.svg is missing" in log and "2 of 2 figures stale" in log
    assert fake.studies.CALLS == [] and (fake.out / "viewer.html").read_text() == "tampered"
    # a build makes it clean again
    _build(fake)
    assert _check(fake)[0] == {} and _snapshot(fake.out)["viewer.html"] == before["viewer.html"]


def _other_numpy(fake, version="0.0.1"):
    """Make the manifest say fake_viewer was built with another numpy (key part and versions)."""
    from vizlab.figures.keys import drawing_key_of, drawing_versions, study_key_of, study_versions

    rows = read_manifest(fake.out)
    rows[1]["versions"] = {**rows[1]["versions"], "numpy": version}
    rows[1]["drawing_parts"]["packages"] = cache_key(drawing_versions(rows[1]["versions"]))
    rows[1]["study_parts"]["packages"] = cache_key(study_versions(rows[1]["versions"]))
    rows[1]["drawing_key"] = drawing_key_of(rows[1]["drawing_parts"])
    rows[1]["study_key"] = study_key_of(rows[1]["study_parts"])
    (fake.out / "manifest.json").write_text(json.dumps(rows))


def test_check_flags_failed_figures_and_package_versions_in_one_message(fake, tmp_path, monkeypatch):
    from vizlab.figures import build

    _build(fake)
    rows = read_manifest(fake.out)
    rows[0]["error"] = "RuntimeError: boom"
    (fake.out / "manifest.json").write_text(json.dumps(rows))
    _other_numpy(fake)
    import numpy

    # this environment is the lock's: the lock changed since the figures were built
    lock = tmp_path / "lock.txt"
    lock.write_text(f"numpy=={numpy.__version__} \\\n    --hash=sha256:00\n")
    monkeypatch.setattr(build, "LOCK", lock)
    stale, log = _check(fake)
    assert stale == {"fake_square": "flagged error in the manifest (last build failed)",
                     "fake_viewer": "packages changed"}
    assert "stale: fake_viewer" not in log  # not one line per figure: one message for all
    assert log.count(f"numpy 0.0.1 -> {numpy.__version__}") == 1
    assert "run `make figures` and commit the lock together with the rebuilt figures/" in log
    # this environment is not the lock's: install it
    lock.write_text("numpy==0.0.1\n")
    log = _check(fake)[1]
    assert f"numpy {numpy.__version__} installed, 0.0.1 locked" in log and "run `make install`" in log
    # the build agrees, and says the same once
    report, log = _build(fake, dry_run=True)
    assert report.built == ["fake_square", "fake_viewer"]
    assert "fake_viewer would compute and draw (packages changed)" in log and "run `make install`" in log


def test_check_build_and_tests_share_one_meaning_of_up_to_date(fake):
    """Every kind of staleness: --check lists exactly what a build would rebuild, and
    figure_status (what the tests use) says the same."""
    from vizlab.figures.status import figure_status

    def agree():
        checked = _check(fake)[0]
        would = _build(fake, dry_run=True)[0].built
        rows = figure_status(fake.specs, out=fake.out, fingerprints=fake.fps.get)
        assert set(checked) == set(would) == {r.spec.id for r in rows if not r.up_to_date}
        return checked

    assert set(agree()) == {"fake_square", "fake_viewer"}
    _build(fake)
    assert agree() == {}
    (fake.root / "helper.py").write_text('LABEL = "v2"\n')
    assert agree() == {"fake_square": "drawing code changed", "fake_viewer": "drawing code changed"}
    (fake.root / "helper.py").write_text('LABEL = "v1"\n')
    (fake.root / "calc.py").write_text("SLOPE = 3.0\n")
    assert agree() == {"fake_square": "study code changed", "fake_viewer": "study code changed"}
    (fake.root / "calc.py").write_text("SLOPE = 1.0\n")
    (fake.root / "helper.py").write_text('LABEL = "v1"\n')
    fake.fps["m1"] = "fingerprint-2"
    assert agree() == {"fake_square": "models changed", "fake_viewer": "models changed"}
    fake.fps["m1"] = "fingerprint-1"
    _other_numpy(fake)
    assert agree() == {"fake_viewer": "packages changed"}
    _build(fake)
    (fake.out / "fake_square.png").write_bytes(b"tampered")
    assert agree() == {"fake_square": "fake_square.png differs from the sha256 in the manifest"}


def test_check_option_exit_code(fake):
    args = add_arguments(argparse.ArgumentParser()).parse_args(["--check", "--out", str(fake.out)])
    quiet = {"specs": fake.specs, "fingerprints": fake.fps.get, "log": lambda *a, **k: None}
    assert run(args, **quiet) == 1 and not fake.out.exists()
    build = add_arguments(argparse.ArgumentParser()).parse_args(["--out", str(fake.out), "--jobs", "1"])
    assert run(build, **quiet) == 0
    assert run(args, **quiet) == 0
    (fake.out / "fake_square.png").write_bytes(b"tampered")
    assert run(args, **quiet) == 1


# ----------------------------------------------------------------------------- what recomputes, what redraws


def test_a_drawing_package_redraws_and_a_computing_package_recomputes(fake):
    from vizlab.figures.status import figure_status
    from vizlab.provenance import package_versions

    _build(fake)
    now = package_versions()

    def status(**changed):
        rows = figure_status(fake.specs, out=fake.out, fingerprints=fake.fps.get, versions={**now, **changed})
        return {r.spec.id: (r.reason, r.recompute) for r in rows}

    assert status(matplotlib="0.0.1") == {"fake_square": ("packages changed", False),
                                          "fake_viewer": ("packages changed", False)}
    assert status(torch="0.0.1") == {"fake_square": ("packages changed", True),
                                      "fake_viewer": ("packages changed", True)}


def test_redraw_needs_no_model_and_fails_clearly_without_source_data(fake):
    _build(fake)
    (fake.out / "fake_viewer.data.json").unlink()

    def no_models(name):
        raise RuntimeError(f"model {name!r} is not installed")

    lines = []
    report = build_figures(out=fake.out, specs=fake.specs, fingerprints=no_models, redraw=True, jobs=1,
                           log=lambda *a, **k: lines.append(" ".join(map(str, a))))
    assert report.built == ["fake_square"] and report.computed == [] and fake.studies.CALLS == ["square", "viewer"]
    assert report.failed == [("fake_viewer", "no source data to redraw from (fake_viewer.data.json is missing): "
                                             "run without --redraw")]
    with pytest.raises(ValueError, match="pass one of them"):
        build_figures(out=fake.out, specs=fake.specs, force=True, redraw=True)


def test_another_language_draws_from_the_source_data_of_the_first(fake, tmp_path):
    _build(fake)
    fake.studies.CALLS.clear()
    en = tmp_path / "en"
    report, _ = _build(fake, out=en, lang="en", data_from=fake.out)
    assert report.built == ["fake_square", "fake_viewer"] and report.computed == [] and fake.studies.CALLS == []
    assert (en / "fake_square.data.json").read_bytes() == (fake.out / "fake_square.data.json").read_bytes()
    assert "hello" in (en / "viewer.html").read_text()
    assert _build(fake, out=en, lang="en", data_from=fake.out)[0].built == []


def test_a_catalogue_prefix_read_by_a_drawing_is_recorded():
    from vizlab.i18n import Lang, recording_texts

    with recording_texts() as used:
        Lang("pt").texts("qk")
    assert "qk.*" in used


def test_one_id_registered_by_two_modules_is_an_error(monkeypatch):
    """A copied section module registering the same id with the same function name is caught."""
    import vizlab.drawings as drawings
    import vizlab.studies as studies

    monkeypatch.setattr(studies, "_STUDIES", {})
    monkeypatch.setattr(drawings, "_DRAWINGS", {})

    def _grid(ctx):
        return {}

    first = type(_grid)(_grid.__code__, {"__name__": "pkg.a"}, "_grid")
    second = type(_grid)(_grid.__code__, {"__name__": "pkg.b"}, "_grid")
    first.__module__, second.__module__ = "pkg.a", "pkg.b"
    first.__qualname__ = second.__qualname__ = "_grid"
    studies.study("x")(first)
    studies.study("x")(first)  # the same function again (a module imported twice): fine
    with pytest.raises(ValueError, match=r"study 'x' registered twice \(pkg\.a\._grid and pkg\.b\._grid\)"):
        studies.study("x")(second)
    drawings.drawing("x", section="attention")(first)
    with pytest.raises(ValueError, match="drawing 'x' registered twice"):
        drawings.drawing("x", section="attention")(second)


def test_measurements_of_the_machine_stay_out_of_the_source_data(fake):
    """A study's `*_seconds` results are measurements of this machine: they go in the manifest's
    results, not in the source data, so the source data is the same on every machine (and a redraw
    keeps them)."""
    import vizlab.figures.workers as workers

    fake.studies.square.__globals__["SECONDS"] = 1.5
    real = fake.studies.square

    def timed(ctx):
        data = real(ctx)
        ctx.record("train_seconds", fake.studies.square.__globals__["SECONDS"])
        return {**data, "train_seconds": 2.0}

    specs = [fake.spec("fake_square", "square")]
    specs[0] = dataclasses_replace(specs[0], timed)
    _build(fake, specs=specs)
    first = (fake.out / "fake_square.data.json").read_bytes()
    assert b"seconds" not in first
    assert read_manifest(fake.out)[0]["results"]["train_seconds"] == 1.5
    fake.studies.square.__globals__["SECONDS"] = 9.9  # another machine, another time
    _build(fake, specs=specs, force=True)
    assert (fake.out / "fake_square.data.json").read_bytes() == first
    _build(fake, specs=specs, redraw=True)
    assert read_manifest(fake.out)[0]["results"]["train_seconds"] == 9.9
    assert workers.split_measurements(first) == (first, {})


def test_the_committed_figures_keep_their_timings_out_of_the_source_data():
    """Every time a study records is named `*_seconds` (so the build moves it to the manifest):
    a timing under another name would make the source data differ from machine to machine, and a
    cold rebuild elsewhere would not reproduce the committed figure."""
    root = Path(__file__).resolve().parents[1] / "figures"

    def keys(node, path=""):
        if isinstance(node, dict):
            for k, v in node.items():
                yield f"{path}.{k}", k
                yield from keys(v, f"{path}.{k}")
        elif isinstance(node, list):
            for v in node:
                yield from keys(v, path)

    timing = lambda k: any(w in k.lower() for w in ("seconds", "elapsed", "duration", "wall_time"))  # noqa: E731
    for entry in read_manifest(root):
        named = [k for k in entry["results"] if timing(k) and not k.endswith("_seconds")]
        assert not named, f"{entry['id']}: timings {named} are not named *_seconds"
        data = json.loads((root / f"{entry['id']}.data.json").read_text(encoding="utf-8"))
        found = [p for p, k in keys(data) if timing(k)]
        assert not found, f"{entry['id']}: the source data holds timings {found}"


def dataclasses_replace(spec, compute):
    import dataclasses

    return dataclasses.replace(spec, study=dataclasses.replace(spec.study, compute=compute))
