"""The shared conventions: numbering, palette, token display, language and glyph fallback."""

import doctest

import pytest

import vizlab.i18n
import vizlab.numbering
import vizlab.palette
import vizlab.plot.glyphs
import vizlab.tokens
from vizlab.i18n import CATALOGUE, Lang, fmt_num, fmt_pct
from vizlab.numbering import check_head_number, check_layer_number, layer_head_name
from vizlab.palette import CLASS_COLORS, ROLE_COLORS, class_colors
from vizlab.plot.glyphs import font_safe
from vizlab.tokens import display_tokens, token_scheme


@pytest.mark.parametrize("mod", [vizlab.i18n, vizlab.numbering, vizlab.palette, vizlab.tokens, vizlab.plot.glyphs])
def test_doctests(mod):
    res = doctest.testmod(mod)
    assert res.attempted > 0 and res.failed == 0


def test_numbers_follow_the_language():
    assert fmt_num(0.5, 2, lang="pt") == "0,50" and fmt_num(0.5, 2, lang="en") == "0.50"
    assert fmt_num(12345.678, 1, lang="pt") == "12.345,7"
    assert fmt_num(12345.678, 1, lang="en") == "12,345.7"
    assert fmt_pct(0.5749, 1, lang="pt") == "57,5 %" and fmt_pct(0.5749, 1, lang="en") == "57.5%"
    assert fmt_num(float("nan")) == "—"


def test_catalogue_has_both_languages_and_reports_unknown_keys():
    for key, (pt, en) in CATALOGUE.items():
        assert pt and en, key
    with pytest.raises(KeyError, match="texts.toml"):
        Lang("pt")("no-such-term")
    with pytest.raises(ValueError, match="pt, en"):
        Lang("fr")
    assert Lang("pt")("layers_note", n=6) == "camadas numeradas de 1 (primeiro bloco) a 6"


def test_numbering_validates_reader_numbers():
    assert check_layer_number(1, 6) == 0 and check_layer_number(6, 6) == 5
    assert check_head_number(12, 12) == 11
    for bad in (0, 7, -1, True, 2.0):
        with pytest.raises(ValueError, match="from 1 to 6"):
            check_layer_number(bad, 6)
    assert layer_head_name(0, 0) == "camada 1, cabeça 1"


def test_palette_is_colour_blind_safe_and_distinct():
    assert CLASS_COLORS["negative"] != CLASS_COLORS["positive"]
    assert len(set(ROLE_COLORS.values())) == len(ROLE_COLORS)
    cols = class_colors(["positive", "airline", "negative", "cars"])
    assert cols["positive"] == CLASS_COLORS["positive"] and cols["negative"] == CLASS_COLORS["negative"]
    assert len(set(cols.values())) == 4


@pytest.mark.parametrize(
    "raw, scheme, shown",
    [
        (["[CLS]", "the", "cat", "##s", ",", "[SEP]", "it", "[SEP]"], "wordpiece",
         ["[CLS]", "the", "␣cat", "s", ",", "[SEP]", "it", "[SEP]"]),
        (["<bos>", "O", "▁gato", "▁", "\n"], "sentencepiece", ["<bos>", "O", "␣gato", "␣", "↵"]),
        (["The", "Ġcat", "Ġs", "Ã£o", "ĊĊ", "ĉ"], "bytelevel", ["The", "␣cat", "␣s", "ão", "↵↵", "⇥"]),
    ],
)
def test_one_token_display_for_every_tokenizer(raw, scheme, shown):
    assert token_scheme(raw) == scheme
    assert display_tokens(raw) == shown


def test_partial_utf8_byte_is_shown_not_dropped():
    # the first byte of "ã" (0xC3) alone, as a byte-level BPE piece "Ã"
    out = display_tokens(["Ġa", "Ã"], scheme="bytelevel")
    assert out[1] == "<0xC3>"


def test_font_safe_never_leaves_a_missing_glyph(recwarn):
    import matplotlib.pyplot as plt

    text = font_safe("ok 中文 สวัสดี")
    assert "U+4E2D" in text and "ok" in text
    fig, ax = plt.subplots()
    ax.set_title(text)
    fig.canvas.draw()
    assert not [w for w in recwarn if "missing from font" in str(w.message)]
    plt.close(fig)


def test_heatmap_text_colour_follows_the_rendered_cell():
    import matplotlib.pyplot as plt
    import numpy as np

    from vizlab.plot.heatmap import heatmap, relative_luminance

    data = np.array([[0.0, 0.5], [0.98, np.nan]])
    res = heatmap(data, annot=True, fmt=2, cmap="viridis", vmin=0, vmax=1, cbar_label="atenção", lang="pt",
                  xticklabels=["a", "中"], yticklabels=["x", "y"])
    assert res.text_[0, 0].get_text() == "0,00" and res.text_[1, 0].get_text() == "0,98"
    assert res.text_[0, 0].get_color() == "white"  # viridis(0) is dark purple
    assert res.text_[1, 0].get_color() == "0.1"    # viridis(0.98) is light yellow
    assert res.text_[1, 1] is None                  # NaN cells stay blank
    assert res.colorbar_.ax.get_ylabel() == "atenção"
    assert res.values_ == {"vmin": 0.0, "vmax": 1.0}
    assert [t.get_text() for t in res.ax_.get_xticklabels()] == ["a", "U+4E2D"]
    assert relative_luminance("white") == 1.0 and relative_luminance("black") == 0.0
    res.figure_.canvas.draw()
    assert res.colorbar_.ax.get_yticklabels()[1].get_text() in ("0,2", "0,1")
    plt.close(res.figure_)


# Keywords that name a layer or a head (issue 23: one numbering rule for the whole Python API).
_LAYER_HEAD_KEYWORDS = {"layer", "head", "highlight", "layers", "heads", "start_layer", "include_layers",
                        "include_heads"}
# Keywords with one of those names that name something else.
_NOT_LAYER_HEAD = {
    "vizlab.plot.prediction.plot_topk_bars": "highlight is a list of bar labels",
    "vizlab.extraction.forward.run": "head says whether to run the model's output head",
}


def public_functions():
    """Every public function and method defined in vizlab (modules imported by walking the package)."""
    import importlib
    import inspect
    import pkgutil

    import vizlab

    seen = {}
    for info in pkgutil.walk_packages(vizlab.__path__, "vizlab."):
        if any(part.startswith("_") for part in info.name.split(".")[1:]) or info.name == "vizlab.cli":
            continue
        mod = importlib.import_module(info.name)
        for name, obj in vars(mod).items():
            if name.startswith("_"):
                continue
            members = [(name, obj)]
            if inspect.isclass(obj):
                members = [(f"{name}.{m}", f) for m, f in vars(obj).items()
                           if not m.startswith("_") and inspect.isfunction(f)]
            for qual, f in members:
                if inspect.isfunction(f) and f.__module__ == info.name:
                    seen[f"{info.name}.{qual}"] = f
    return seen


def test_every_layer_and_head_keyword_states_the_one_numbering_rule():
    """Every public function with a layer/head/highlight keyword says how they are numbered, in the one
    sentence of vizlab.numbering.RULE (layers and heads from 1, as readers see them)."""
    import inspect

    rule = " ".join(vizlab.numbering.RULE.split())
    checked, missing = [], []
    for qual, f in public_functions().items():
        names = set(inspect.signature(f).parameters) & _LAYER_HEAD_KEYWORDS
        if not names or qual in _NOT_LAYER_HEAD:
            continue
        checked.append(qual)
        if rule not in " ".join((f.__doc__ or "").split()):
            missing.append(f"{qual}({', '.join(sorted(names))})")
    assert not missing, "docstrings without vizlab.numbering.RULE:\n" + "\n".join(missing)
    for expected in ("vizlab.extraction.qk.trace_qk", "vizlab.plot.attention.plot_head_grid",
                     "vizlab.drawings.attention.draw_attention", "vizlab.extraction.run.embed"):
        assert expected in checked


def test_python_numbers_may_count_from_the_end():
    from vizlab.numbering import check_hidden_number, position_of

    assert check_layer_number(-1, 6, from_end=True) == 5 and check_layer_number(-6, 6, from_end=True) == 0
    assert check_head_number(-12, 12, from_end=True) == 0
    assert check_hidden_number(-1, 6) == 6 and check_hidden_number(0, 6) == 0 and check_hidden_number(-7, 6) == 0
    assert position_of(6, [2, 4, 6]) == 2 and position_of(-1, [2, 4, 6]) == 2
    for bad in (0, 7, -7, True, 2.0):
        with pytest.raises(ValueError, match=r"from 1 to 6, or -6 to -1 counting from the end \(layers count from 1\)"):
            check_layer_number(bad, 6, from_end=True)
    with pytest.raises(ValueError, match="from 0 .* to 6"):
        check_hidden_number(7, 6)
    with pytest.raises(ValueError, match="one of 2, 4, 6"):
        position_of(3, [2, 4, 6])
