"""The figure script: incremental builds, manifest, failures, on a fake registry of tiny figures."""

from __future__ import annotations

import argparse
import importlib
import itertools
import json
import sys

import pytest

from vizlab.cache import cache_key
from vizlab.figures.build import add_arguments, build_figures, check_figures, run
from vizlab.figures.keys import ModelFingerprints, path_stamp
from vizlab.figures.manifest import read_manifest
from vizlab.figures.registry import FigureSpec
from vizlab.provenance import environment_stamp, source_hash

_counter = itertools.count()

FIGS = '''
import matplotlib.pyplot as plt
import numpy as np

CALLS = []
FAIL = False


def square(ctx):
    from {pkg}.helper import LABEL

    CALLS.append("square")
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1], [0, 1])
    ax.set_title(ctx.t("quadrado ", "square ") + LABEL)
    ctx.record("slope", np.float64(1.0))
    ctx.record("points", np.arange(2))
    return fig


def viewer(ctx):
    CALLS.append("viewer")
    if FAIL:
        raise RuntimeError("boom")
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.imshow(np.eye(3))
    ctx.attach("viewer.html", "<html><body>" + ctx.t("olá", "hello") + "</body></html>")
    return fig


def not_a_figure(ctx):
    return 42


def dies(ctx):
    """A worker process that dies (as on running out of memory)."""
    import os

    os._exit(3)


BREAK = None


def fragile(ctx):
    """Draws fine, then breaks in the way BREAK says, after the drawing."""
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1], [1, 0] if BREAK is None else [0, 1])  # a broken run draws something else
    ctx.record("value", 2.0)
    ctx.attach("fragile.html", "<p>ok</p>")
    if BREAK == "result":
        ctx.record("model", object())
    elif BREAK == "attachment":
        ctx.attach("fragile.html", b"bytes, not text")
    elif BREAK == "render":
        ax.set_title("$x^{{$")  # mathtext that only fails when rendered
    return fig
'''


@pytest.fixture
def fake(tmp_path, monkeypatch):
    """A package with three tiny figure builders and a helper module they import."""
    pkg = f"fakefigs_{next(_counter)}"
    root = tmp_path / "src" / pkg
    root.mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "helper.py").write_text('LABEL = "v1"\n')
    (root / "figs.py").write_text(FIGS.format(pkg=pkg))
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    mod = importlib.import_module(f"{pkg}.figs")

    def spec(fid, fn, section="embeddings", models=("m1",)):
        return FigureSpec(fid, section, {"pt": f"legenda {fid}", "en": f"caption {fid}"}, fn,
                          {"models": list(models), "data": "none", "n": 2, "seed": 0}, mod.__name__)

    specs = [spec("fake_square", mod.square), spec("fake_viewer", mod.viewer, section="attention")]
    fps = {"m1": "fingerprint-1"}
    yield argparse.Namespace(mod=mod, root=root, specs=specs, fps=fps, spec=spec,
                             out=tmp_path / "figs")
    sys.modules.pop(f"{pkg}.figs", None)
    sys.modules.pop(f"{pkg}.helper", None)
    sys.modules.pop(pkg, None)


def _build(fake, **kw):
    lines = []
    kw.setdefault("specs", fake.specs)
    kw.setdefault("jobs", 1)  # in this process: tests flip the fake module's flags
    report = build_figures(out=fake.out, fingerprints=lambda m: fake.fps[m],
                           log=lambda *a, **k: lines.append(" ".join(map(str, a))), **kw)
    return report, "\n".join(lines)


def _snapshot(out):
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file() and not p.name.startswith(".")}


def test_first_build_writes_files_and_manifest(fake):
    report, log = _build(fake)
    assert report.built == ["fake_square", "fake_viewer"] and report.ok
    files = _snapshot(fake.out)
    assert {"fake_square.png", "fake_square.svg", "fake_viewer.png", "fake_viewer.svg",
            "viewer.html", "manifest.json"} == set(files)
    assert files["fake_square.png"].startswith(b"\x89PNG")
    assert "olá" in files["viewer.html"].decode()
    rows = read_manifest(fake.out)
    assert [r["id"] for r in rows] == ["fake_square", "fake_viewer"]
    sq, vw = rows
    for key in ("id", "section", "caption", "files", "models", "fingerprints", "data", "n", "seed",
                "versions", "seconds", "results", "key", "sha256"):
        assert key in sq
    assert sq["caption"] == "legenda fake_square" and sq["section"] == "embeddings"
    assert sq["files"] == ["fake_square.png", "fake_square.svg"]
    assert vw["files"] == ["fake_viewer.png", "fake_viewer.svg", "viewer.html"]
    assert sq["results"] == {"slope": 1.0, "points": [0, 1]}
    assert sq["fingerprints"] == {"m1": "fingerprint-1"} and sq["models"] == ["m1"]
    assert sq["n"] == 2 and sq["seed"] == 0 and sq["data"] == "none"
    assert sq["versions"]["matplotlib"] and sq["versions"]["python"]
    assert "built in" in log and "[1/2] fake_square" in log


def test_rebuild_with_no_change_recomputes_nothing_and_keeps_bytes(fake):
    _build(fake)
    before = _snapshot(fake.out)
    fake.mod.CALLS.clear()
    report, log = _build(fake)
    assert report.cached == ["fake_square", "fake_viewer"] and report.built == []
    assert fake.mod.CALLS == []
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


def test_code_change_in_an_imported_module_rebuilds_only_its_figures(fake):
    _build(fake)
    fake.mod.CALLS.clear()
    (fake.root / "helper.py").write_text('LABEL = "v2"\n')  # imported inside square() only
    sys.modules.pop(f"{fake.mod.__package__}.helper", None)
    assert _build(fake, dry_run=True)[1].count("would build (code changed)") == 2
    report, _ = _build(fake)
    # both builders live in figs.py, whose import closure contains helper.py
    assert set(report.built) == {"fake_square", "fake_viewer"}
    fake.mod.CALLS.clear()
    report, _ = _build(fake)
    assert report.built == [] and fake.mod.CALLS == []


OTHER = """
import matplotlib.pyplot as plt

VERSION = 1


def circle(ctx):
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.add_patch(plt.Circle((0.5, 0.5), 0.3))
    ax.set_title(f"v{VERSION}")
    return fig
"""


def test_a_change_in_one_figure_module_rebuilds_only_the_figures_it_holds(fake):
    """Two figure modules side by side (as vizlab.figures.attention and .embeddings are): editing
    one rebuilds its figures, not the other's."""
    pkg = fake.mod.__package__
    (fake.root / "other.py").write_text(OTHER)
    other = importlib.import_module(f"{pkg}.other")
    circle = FigureSpec("fake_circle", "attention", {"pt": "c", "en": "c"}, other.circle,
                        {"models": ["m1"], "data": "none", "n": 1, "seed": 0}, other.__name__)
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
    specs = [*fake.specs, fake.spec("fake_square_2", fake.mod.square)]
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
    assert len(lines) == 3 and all("built in" in x for x in lines), log2
    assert {x.split()[1] for x in lines} == {s.id for s in specs}


@pytest.mark.processes
def test_a_figure_failing_in_a_worker_is_reported_and_the_others_are_written(fake):
    specs = [*fake.specs, fake.spec("fake_int", fake.mod.not_a_figure)]
    report, log = _build(fake, specs=specs, jobs=2)
    assert report.failed == [("fake_int", "TypeError: the builder of 'fake_int' returned int, "
                                          "expected a matplotlib Figure")]
    assert sorted(report.built) == ["fake_square", "fake_viewer"]
    assert (fake.out / "fake_viewer.png").is_file() and not (fake.out / "fake_int.png").exists()
    assert "fake_int" in log and "FAILED" in log


@pytest.mark.processes
def test_a_worker_that_dies_ends_the_build_with_every_figure_accounted_for(fake):
    specs = [fake.spec("fake_dies", fake.mod.dies), *fake.specs]
    report, log = _build(fake, specs=specs, jobs=2)
    failed = dict(report.failed)
    assert "a worker process died" in failed["fake_dies"] and "--jobs 1" in failed["fake_dies"]
    assert set(report.built) | set(failed) == {s.id for s in specs}, log


def test_schedule_runs_steps_first_and_figures_once_their_steps_are_done(fake):
    from vizlab.figures.registry import Step
    from vizlab.figures.workers import Schedule

    train = Step("train", print)
    parts = [Step(f"part {k}", print, after=("train",)) for k in range(2)]

    def spec(fid, needs=()):
        return FigureSpec(fid, "attention", {}, fake.mod.square, {}, fake.mod.__name__, tuple(needs))

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


@pytest.mark.processes
def test_steps_run_in_workers_before_the_figures_that_need_them(fake, tmp_path):
    """A step writes into the cache what its figure then reads; a failing step is reported and
    its figure still gets built (it computes what it needs itself)."""
    (fake.root / "steps.py").write_text(STEPS)
    mod = importlib.import_module(f"{fake.mod.__package__}.steps")
    try:
        specs = [FigureSpec("fake_stepped", "attention", {"pt": "s", "en": "s"}, mod.figure,
                            {"models": ["m1"], "data": "none", "n": 1, "seed": 0}, mod.__name__,
                            (mod.GOOD, mod.BAD))]
        report, log = _build(fake, specs=specs, jobs=2)
        assert report.built == ["fake_stepped"] and report.ok, log
        assert "note: step:bad failed (RuntimeError: no)" in log
        assert read_manifest(fake.out)[0]["results"] == {"from_step": "computed by a step"}
    finally:
        sys.modules.pop(f"{fake.mod.__package__}.steps", None)


STEPS = """
from pathlib import Path

import matplotlib.pyplot as plt

from vizlab.figures.registry import Step

OUT = Path(__file__).with_name("step.txt")  # where the step leaves its result (a cache, here)


def _good(ctx):
    OUT.write_text("computed by a step")


def _bad(ctx):
    raise RuntimeError("no")


GOOD, BAD = Step("good", _good), Step("bad", _bad, after=("good",))


def figure(ctx):
    ctx.record("from_step", OUT.read_text() if OUT.exists() else "computed by the figure")
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1], [0, 1])
    return fig
"""


def test_model_fingerprint_lang_and_inputs_are_part_of_the_key(fake):
    _build(fake)
    fake.fps["m1"] = "fingerprint-2"
    assert _build(fake)[0].built == ["fake_square", "fake_viewer"]
    assert _build(fake, lang="en")[0].built == ["fake_square", "fake_viewer"]
    assert read_manifest(fake.out)[0]["caption"] == "caption fake_square"
    changed = [fake.spec("fake_square", fake.mod.square, models=("m1",)), fake.specs[1]]
    changed[0].inputs["n"] = 3
    report, _ = _build(fake, specs=changed, lang="en")
    assert report.built == ["fake_square"] and report.cached == ["fake_viewer"]


def test_dry_run_says_what_would_be_built_and_why(fake):
    report, log = _build(fake, dry_run=True)
    assert report.built == ["fake_square", "fake_viewer"] and report.dry_run
    assert log.count("would build (not in the manifest)") == 2
    assert fake.mod.CALLS == [] and not (fake.out / "manifest.json").exists()
    _build(fake)
    fake.mod.CALLS.clear()
    (fake.out / "viewer.html").write_text("edited")
    fake.fps["m1"] = "fingerprint-2"
    report, log = _build(fake, dry_run=True, only=["fake_viewer"])
    assert "would build (models changed)" in log
    fake.fps["m1"] = "fingerprint-1"
    report, log = _build(fake, dry_run=True)
    assert report.cached == ["fake_square"] and "would build (viewer.html differs from the sha256 in the manifest)" in log
    assert fake.mod.CALLS == [] and (fake.out / "viewer.html").read_text() == "edited"


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
    fake.mod.FAIL = True
    report, log = _build(fake, force=True)
    assert report.failed == [("fake_viewer", "RuntimeError: boom")]
    assert report.built == ["fake_square"]
    assert "FAILED" in log and "RuntimeError: boom" in log
    now = _snapshot(fake.out)
    for name in ("fake_viewer.png", "fake_viewer.svg", "viewer.html"):
        assert now[name] == good[name]
    rows = {r["id"]: r for r in read_manifest(fake.out)}
    assert rows["fake_viewer"]["error"] == "RuntimeError: boom"
    assert rows["fake_viewer"]["files"] == ["fake_viewer.png", "fake_viewer.svg", "viewer.html"]
    # once fixed, the flagged figure is rebuilt even though its code did not change
    fake.mod.FAIL = False
    report, _ = _build(fake)
    assert report.built == ["fake_viewer"] and report.cached == ["fake_square"]
    assert "error" not in {r["id"]: r for r in read_manifest(fake.out)}["fake_viewer"]


def test_run_exit_code_and_summary(fake):
    fake.mod.FAIL = True  # seen by this process only: build here, not in worker processes
    args = add_arguments(argparse.ArgumentParser()).parse_args(["--out", str(fake.out), "--jobs", "1"])
    lines = []
    code = run(args, specs=fake.specs, fingerprints=fake.fps.get,
               log=lambda *a, **k: lines.append(" ".join(map(str, a))))
    assert code == 1
    text = "\n".join(lines)
    assert "1 built, 0 up to date, 1 failed" in text and "FAILED fake_viewer: RuntimeError: boom" in text
    fake.mod.FAIL = False
    assert run(args, specs=fake.specs, fingerprints=fake.fps.get, log=lambda *a, **k: None) == 0


def test_bad_builders_fail_with_clear_messages(fake):
    specs = [fake.spec("fake_int", fake.mod.not_a_figure)]
    report, _ = _build(fake, specs=specs)
    msg = "TypeError: the builder of 'fake_int' returned int, expected a matplotlib Figure"
    assert report.failed == [("fake_int", msg)]
    assert not (fake.out / "fake_int.png").exists()


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
    name = fake.mod.__name__
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
                  "attention_rollout", "attention_qk_walkthrough", "attention_output_walkthrough",
                  "attribution_vs_attention"],
    "embeddings": ["embeddings_sentiment_map", "embeddings_similarity", "embeddings_contextual"],
    "pretraining": ["pretraining_next_word", "pretraining_masked_word", "pretraining_logit_lens"],
    "transfer_learning": ["transfer_layer_probes", "transfer_data_efficiency"],
    "fine_tuning": ["finetune_training_curves", "finetune_embedding_shift", "finetune_cka",
                    "finetune_attention_change", "finetune_probe_layers", "finetune_confusion",
                    "pipeline_steps", "dynamic_padding", "finetune_accelerate_ddp"],
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


# ----------------------------------------------------------------------------- failures keep files


@pytest.mark.parametrize("how", ["result", "attachment", "render"])
def test_failure_after_drawing_keeps_previous_files_and_entry_byte_identical(fake, how):
    specs = [fake.spec("fake_fragile", fake.mod.fragile)]
    assert _build(fake, specs=specs)[0].built == ["fake_fragile"]
    before = _snapshot(fake.out)
    entry = read_manifest(fake.out)[0]
    fake.mod.BREAK = how
    report, _ = _build(fake, specs=specs, force=True)
    assert [fid for fid, _ in report.failed] == ["fake_fragile"]
    after = _snapshot(fake.out)
    for name in ("fake_fragile.png", "fake_fragile.svg", "fragile.html"):
        assert after[name] == before[name], name
    flagged = read_manifest(fake.out)[0]
    assert flagged.pop("error") and flagged == entry
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
    assert not fake.out.exists() and fake.mod.CALLS == []
    _build(fake)
    assert _check(fake)[0] == {}
    fake.mod.CALLS.clear()
    before = _snapshot(fake.out)
    # code change
    (fake.root / "helper.py").write_text('LABEL = "v3"\n')
    assert _check(fake)[0] == {"fake_square": "code changed", "fake_viewer": "code changed"}
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
    assert fake.mod.CALLS == [] and (fake.out / "viewer.html").read_text() == "tampered"
    # a build makes it clean again
    _build(fake)
    assert _check(fake)[0] == {} and _snapshot(fake.out)["viewer.html"] == before["viewer.html"]


def _other_numpy(fake, version="0.0.1"):
    """Make the manifest say fake_viewer was built with another numpy (key part and versions)."""
    from vizlab.figures.keys import key_of

    rows = read_manifest(fake.out)
    rows[1]["versions"] = {**rows[1]["versions"], "numpy": version}
    rows[1]["key_parts"]["packages"] = cache_key(rows[1]["versions"])
    rows[1]["key"] = key_of(rows[1]["key_parts"])
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
    assert "fake_viewer would build (packages changed)" in log and "run `make install`" in log


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
    assert agree() == {"fake_square": "code changed", "fake_viewer": "code changed"}
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
