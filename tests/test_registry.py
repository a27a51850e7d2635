"""The figure registry and its caption catalogue (vizlab/figures/captions.toml)."""

from __future__ import annotations

import importlib
import itertools
import re
import sys

import pytest

from vizlab.figures import registry
from vizlab.figures.build import build_figures, check_figures
from vizlab.figures.keys import drawing_parts
from vizlab.figures.registry import CAPTIONS_FILE, FigureSpec, all_figures, read_captions, with_captions

_counter = itertools.count()


def _spec(fid="demo", **inputs):
    from vizlab.drawings import DrawingSpec
    from vizlab.studies import StudySpec

    return FigureSpec(fid, "attention", {}, StudySpec(fid, print, {"models": [], "data": "none", "n": 3, "seed": 0,
                                                                   **inputs}), DrawingSpec(fid, "attention", print))


def _error(specs, captions) -> str:
    with pytest.raises(ValueError) as err:
        with_captions(specs, captions)
    msg = str(err.value)
    assert CAPTIONS_FILE in msg  # says which file to edit
    return msg


# ----------------------------------------------------------------------------- the shipped catalogue


def test_every_figure_has_both_captions_from_the_catalogue_in_report_order():
    specs = all_figures()
    cat = read_captions()
    assert list(cat) == [s.id for s in specs]  # one table per figure, in report order
    for s in specs:
        assert set(s.caption) == {"pt", "en"} and s.caption["pt"].strip() and s.caption["en"].strip(), s.id
        assert s.caption["pt"] == cat[s.id]["pt"].format_map(s.inputs)
    assert CAPTIONS_FILE == "vizlab/figures/captions.toml"


def test_fields_in_captions_are_the_declared_inputs():
    specs = {s.id: s for s in all_figures()}
    stats = specs["attention_head_stats"]
    assert "{n}" in read_captions()["attention_head_stats"]["pt"]
    assert f"sobre {stats.inputs['n']} tweets" in stats.caption["pt"]
    assert f"over {stats.inputs['n']} tweets" in stats.caption["en"]
    soft = specs["transformers_softmax_temperature"]
    assert f"os {soft.inputs['top_k']} tokens" in soft.caption["pt"] and f"“{soft.inputs['prompt']}”" in soft.caption["en"]
    assert not any(re.search(r"\{\w*\}", t) for s in specs.values() for t in s.caption.values())


def test_no_study_or_drawing_module_carries_captions():
    import inspect

    for mod in {m for s in all_figures() for m in (s.study.module, s.drawing.module)}:
        src = inspect.getsource(importlib.import_module(mod))
        assert "caption_pt" not in src and "caption_en" not in src, mod


# ----------------------------------------------------------------------------- mismatches are clear errors


def test_figure_without_caption_table_is_an_error():
    msg = _error([_spec("demo"), _spec("other")], {"demo": {"pt": "a", "en": "b"}})
    assert "[other]: figure registered without a caption table" in msg


def test_caption_table_without_figure_is_an_error():
    msg = _error([_spec("demo")], {"demo": {"pt": "a", "en": "b"}, "demo_typo": {"pt": "a", "en": "b"}})
    assert "[demo_typo]: caption table without a registered figure" in msg


@pytest.mark.parametrize("table, words", [({"pt": "a"}, "[demo]: no en text"),
                                          ({"en": "b"}, "[demo]: no pt text"),
                                          ({"pt": "  ", "en": "b"}, "[demo]: no pt text"),
                                          ({"pt": "a", "en": "b", "es": "c"}, "[demo]: unknown keys ['es']")])
def test_table_missing_a_language_is_an_error(table, words):
    assert words in _error([_spec("demo")], {"demo": table})


def test_unknown_field_or_lone_brace_is_an_error():
    msg = _error([_spec("demo")], {"demo": {"pt": "{n} e {k} frases", "en": "{n} sentences"}})
    assert "[demo] pt: {k} names no declared input" in msg
    assert "{{ and }}" in _error([_spec("demo")], {"demo": {"pt": "a { b", "en": "b"}})
    assert with_captions([_spec("demo")], {"demo": {"pt": "{{x}} {n}", "en": "{n}"}})[0].caption == \
        {"pt": "{x} 3", "en": "3"}


def test_all_figures_raises_when_the_catalogue_misses_a_figure(monkeypatch):
    cat = dict(read_captions())
    gone = next(iter(cat))
    del cat[gone]
    monkeypatch.setattr(registry, "read_captions", lambda: cat)
    with pytest.raises(ValueError, match=re.escape(f"edit {CAPTIONS_FILE}") + f"(?s:.*)\\[{gone}\\]"):
        all_figures()


# ----------------------------------------------------------------------------- captions are part of the key


def test_caption_edit_changes_the_key_and_check_says_captions(tmp_path, monkeypatch):
    pkg = f"fakecaps_{next(_counter)}"
    (tmp_path / pkg).mkdir()
    (tmp_path / pkg / "__init__.py").write_text("")
    (tmp_path / pkg / "figs.py").write_text(
        "import matplotlib.pyplot as plt\n\n\ndef data(ctx):\n    return {}\n\n\ndef square(src, ctx):\n"
        "    fig, ax = plt.subplots(figsize=(1, 1))\n    ax.plot([0, 1])\n    return fig\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    mod = importlib.import_module(f"{pkg}.figs")
    try:
        from vizlab.drawings import DrawingSpec
        from vizlab.studies import StudySpec

        bare = FigureSpec("fake_square", "attention", {},
                          StudySpec("fake_square", mod.data, {"models": [], "data": "none", "n": 1, "seed": 0},
                                    mod.__name__), DrawingSpec("fake_square", "attention", mod.square, mod.__name__))
        cat = {"fake_square": {"pt": "legenda", "en": "caption"}}
        [spec] = with_captions([bare], cat)
        out = tmp_path / "figs"
        assert build_figures(out=out, specs=[spec], log=lambda *a, **k: None).built == ["fake_square"]
        assert check_figures(out=out, specs=[spec], log=lambda *a, **k: None) == []
        [edited] = with_captions([bare], {"fake_square": {"pt": "legenda nova", "en": "caption"}})
        old, new = (drawing_parts(s, lang="pt", versions={}, texts="", data=None) for s in (spec, edited))
        assert old["code"] == new["code"] and old["figure"] != new["figure"]
        assert check_figures(out=out, specs=[edited], log=lambda *a, **k: None) == \
            [("fake_square", "captions changed")]
        # the English caption is part of the Portuguese figure's key too (one catalogue entry)
        [en_edit] = with_captions([bare], {"fake_square": {"pt": "legenda", "en": "new caption"}})
        assert check_figures(out=out, specs=[en_edit], log=lambda *a, **k: None) != []
    finally:
        for name in (f"{pkg}.figs", pkg):
            sys.modules.pop(name, None)


@pytest.mark.processes
def test_report_order_does_not_depend_on_which_module_was_imported_first():
    import subprocess
    import sys

    code = ("import importlib, sys; importlib.import_module(sys.argv[1]); "
            "from vizlab.figures.registry import all_figures; print(' '.join(s.id for s in all_figures()))")
    orders = {subprocess.run([sys.executable, "-c", code, first], capture_output=True, text=True,
                             check=True).stdout for first in ("vizlab.studies.mechanics", "vizlab.drawings.accelerate",
                                                              "vizlab.drawings.pretraining")}
    assert len(orders) == 1, orders
