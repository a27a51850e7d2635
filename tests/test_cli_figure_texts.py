"""The CLI's figures of users' data, checked by their rendered text boxes (issue 23, item 4).

Each case draws what a ``vizlab attention / predict / embed`` command draws (the same study and
drawing functions, in the report's style), renders it, and checks every visible text: no two
overlap (beyond a pixel; tick labels of one axis included: "0,001 %0,002 %" is a clash too), none leaves the saved area (the CLI saves with ``bbox_inches="tight"``),
a colour bar's label fits along its bar. Tiny random models keep it fast; the defects first seen
on the real models (MiniLM ``--layer 3``, Gemma ``--layer 5 --head 3``) run as ``models`` tests.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np
import pytest
from matplotlib.text import Text

SHORT_EN = "The cat sat."
LONG_PT = ("O produto chegou quebrado, a embalagem estava amassada e ninguém respondeu às minhas "
           "mensagens durante a semana inteira.")
PT = "O gato subiu no telhado porque estava com medo do cachorro."
TOL = 1.0  # pixels


def rendered_texts(fig) -> list[Text]:
    """Every visible, non-empty text of the figure (titles, labels, tick labels, legend texts,
    colour-bar labels, cell values, footnotes)."""
    out = []
    for t in fig.findobj(Text):
        if not t.get_visible() or not t.get_text().strip():
            continue
        ax = t.axes
        if ax is not None and not ax.get_visible():
            continue
        if t.get_figure() is not fig:
            continue
        tick = _tick_of(t)
        if tick is not None and not (tick[0].axes.get_visible() and tick[0].axes.axison):
            continue  # the axes is hidden or switched off (``ax.axis("off")``): its tick labels are not drawn
        if tick is not None:  # tick labels past the axis limits are not drawn
            axis, loc = tick
            lo, hi = sorted(axis.get_view_interval())
            if not lo - 1e-9 * max(1.0, abs(hi - lo)) <= loc <= hi + 1e-9 * max(1.0, abs(hi - lo)):
                continue
        out.append(t)
    return out


def _tick_of(t: Text):
    """(axis, tick position) when ``t`` is a tick label, else None."""
    for ax in t.get_figure().axes:  # a tick label's own .axes is None: look for it
        for axis in (ax.xaxis, ax.yaxis):
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if t is tick.label1 or t is tick.label2:
                    return axis, tick.get_loc()
    return None


def check_texts(fig) -> None:
    """No two texts overlap, none leaves the tight saved area, colour-bar labels fit their bar."""
    from vizlab.plot.style import report_style

    with report_style():
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        texts = rendered_texts(fig)
        boxes = [t.get_window_extent(renderer) for t in texts]
        tight = fig.get_tightbbox(renderer).transformed(fig.dpi_scale_trans).padded(0.1 * fig.dpi)
    problems = []
    for t, b in zip(texts, boxes):
        if b.x0 < tight.x0 - TOL or b.x1 > tight.x1 + TOL or b.y0 < tight.y0 - TOL or b.y1 > tight.y1 + TOL:
            problems.append(f"{t.get_text()!r} crosses the figure edge")
    for (t1, b1), (t2, b2) in itertools.combinations(zip(texts, boxes), 2):
        w = min(b1.x1, b2.x1) - max(b1.x0, b2.x0)
        h = min(b1.y1, b2.y1) - max(b1.y0, b2.y0)
        if w > TOL and h > TOL:
            problems.append(f"{t1.get_text()!r} overlaps {t2.get_text()!r} ({w:.0f} x {h:.0f} px)")
    for ax in fig.axes:  # a colour bar's label along the bar stays within the bar's height
        cb = getattr(ax, "_colorbar", None)
        if cb is None:
            continue
        lab = ax.yaxis.label if cb.orientation == "vertical" else ax.xaxis.label
        if lab.get_text() and lab.get_rotation() % 180 == 90:
            if lab.get_window_extent(renderer).height > ax.get_window_extent(renderer).height + TOL:
                problems.append(f"colour-bar label {lab.get_text()!r} is longer than its bar")
    assert not problems, "\n".join(problems)


# ----------------------------------------------------------------------------- what the CLI draws


def attention_figure(lm, text, *, layer=None, head=None, lang="pt"):
    from vizlab.drawings.attention import draw_attention
    from vizlab.extraction.run import extract
    from vizlab.plot.style import report_style
    from vizlab.studies.attention import attention_data

    acts = extract(lm, [text], attentions=True, hidden_states=False)[0]
    with report_style():
        return draw_attention(attention_data(acts), layer=layer, head=head, lang=lang).figure_


def predict_figure(lm, text, *, temperature=1.0, k=10, lang="pt"):
    from vizlab.drawings.pretraining import draw_next_words
    from vizlab.plot.style import report_style
    from vizlab.studies.pretraining import next_words

    pred = next_words(lm, [text], k=k, temperature=temperature)
    with report_style():
        return draw_next_words(pred, lang=lang, model_name=lm.name, title="Próximo token mais provável").figure_


def embed_figure(X, method, labels, *, lang="pt"):
    from vizlab.drawings.embeddings import draw_embedding_map
    from vizlab.plot.style import report_style
    from vizlab.studies.embeddings import embedding_map

    n = len(X)
    data = embedding_map(X, method, seed=0, labels=labels, model_name="tiny-bert",
                         n_neighbors=min(15, n - 1), perplexity=min(30.0, (n - 1) / 3))
    with report_style():
        return draw_embedding_map(data, lang=lang).figure_


SENTIMENT = ["negativo", "neutro", "positivo"] * 8


def _vectors(n=24, dim=16, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(3, dim)) * 3
    return np.stack([centres[i % 3] + rng.normal(size=dim) for i in range(n)])


# ----------------------------------------------------------------------------- the text-box test


@pytest.mark.parametrize("text,lang", [(SHORT_EN, "en"), (LONG_PT, "pt"), (PT, "pt")])
@pytest.mark.parametrize("layer,head", [(None, None), (1, None), (2, None), (2, 3)])
@pytest.mark.parametrize("model", ["tiny_bert", "tiny_decoder"])
def test_attention_figures_have_no_clashing_text(model, layer, head, text, lang, request):
    lm = request.getfixturevalue(model)
    check_texts(attention_figure(lm, text, layer=layer, head=head, lang=lang))


@pytest.mark.parametrize("temperature", [0.3, 1.0, 2.0, 8.0])
@pytest.mark.parametrize("text,lang", [("O gato está em cima do", "pt"), ("The cat is on the", "en")])
def test_predict_figures_have_no_clashing_text(tiny_decoder, temperature, text, lang):
    check_texts(predict_figure(tiny_decoder, text, temperature=temperature, lang=lang))


@pytest.mark.parametrize("method", ["pca", "tsne", "umap"])
@pytest.mark.parametrize("labels,lang", [(SENTIMENT, "pt"), (["1", "4,5"] * 12, "pt"),
                                         (["negative", "neutral", "positive"] * 8, "en"), (None, "en")])
def test_embedding_maps_have_no_clashing_text(method, labels, lang):
    check_texts(embed_figure(_vectors(), method, labels, lang=lang))


@pytest.mark.models
def test_minilm_one_layer_grid_has_no_clashing_text(minilm):
    """Was: the colour-bar label, longer than the one row of heads, ran past the bar into the title."""
    check_texts(attention_figure(minilm, PT, layer=3))


@pytest.mark.models
def test_gemma_one_head_footnote_clears_the_tokens(gemma):
    """Was: the numbering footnote sat over Gemma's long rotated token labels."""
    check_texts(attention_figure(gemma, PT, layer=5, head=3))
    check_texts(predict_figure(gemma, "O gato está em cima do", temperature=2.0))


# ----------------------------------------------------------------------------- the other defects


def test_the_checker_sees_overlaps_and_long_colour_bar_labels():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3, 2))
    ax.set_title("a title")
    fig.text(0.5, 0.98, "a title too", ha="center", va="top")
    with pytest.raises(AssertionError, match="overlaps"):
        check_texts(fig)
    fig, ax = plt.subplots(figsize=(3, 1))
    fig.colorbar(ax.imshow([[0, 1]]), ax=ax, label="a label far longer than this short bar")
    with pytest.raises(AssertionError, match="longer than its bar"):
        check_texts(fig)


@pytest.mark.parametrize("temperature", [0.3, 2.0, 8.0])
def test_predict_ticks_are_distinct_and_exact(tiny_decoder, temperature):
    """Was: "0 %, 0 %, 0 %, 1 %, 1 %" under bars of 0,3 to 0,8 % (a high temperature)."""
    fig = predict_figure(tiny_decoder, "O gato está em cima do", temperature=temperature)
    fig.canvas.draw()
    ax = fig.axes[0]
    lo, hi = ax.get_xlim()
    shown = [(t, lab.get_text()) for t, lab in zip(ax.get_xticks(), ax.get_xticklabels()) if lo <= t <= hi]
    labels = [lab for _, lab in shown]
    assert len(set(labels)) == len(labels), labels
    for t, lab in shown:  # each label says its tick's value
        assert float(lab.replace(" %", "").replace(",", ".")) == pytest.approx(t * 100, abs=1e-6), (t, lab)


def test_a_flat_distribution_gets_decimal_ticks():
    from vizlab.drawings.pretraining import draw_next_words

    src = {"prompts": ["O gato"], "words": [["▁a", "▁b", "▁c"]], "probs": [[0.008, 0.006, 0.003]],
           "expected": [None], "expected_rank": [None], "expected_prob": [None], "temperature": 2.0}
    fig = draw_next_words(src, lang="pt").figure_
    fig.canvas.draw()
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert "0,5 %" in labels and len(set(labels)) == len(labels), labels


@pytest.mark.parametrize("names", [("negativo", "neutro", "positivo"), ("Negative", "NEUTRAL", "positive"),
                                   ("Negativa", "Neutra", "Positiva")])
def test_sentiment_classes_keep_their_colours_in_either_language(names):
    from vizlab.palette import CLASS_COLORS, class_color, class_colors

    roles = ("negative", "neutral", "positive")
    assert class_colors(list(names)) == {n: CLASS_COLORS[r] for n, r in zip(names, roles)}
    assert [class_color(n) for n in names] == [CLASS_COLORS[r] for r in roles]


def test_the_embedding_map_colours_portuguese_classes_by_role():
    from vizlab.palette import CLASS_COLORS

    fig = embed_figure(_vectors(), "pca", SENTIMENT)
    leg = fig.axes[0].get_legend()
    colours = {t.get_text(): h.get_color() for t, h in zip(leg.get_texts(), leg.legend_handles)}
    assert colours == {"negativo": CLASS_COLORS["negative"], "neutro": CLASS_COLORS["neutral"],
                       "positivo": CLASS_COLORS["positive"]}


def test_numeric_labels_are_drawn_as_written():
    fig = embed_figure(_vectors(), "pca", ["1", "4,5", "10"] * 8)
    assert sorted(t.get_text() for t in fig.axes[0].get_legend().get_texts()) == ["1", "10", "4,5"]


@pytest.mark.parametrize("method", ["pca", "tsne", "umap"])
def test_the_legend_stands_off_the_points(method):
    """Was: the t-SNE legend ("best" place inside the axes) covered points."""
    fig = embed_figure(_vectors(60), method, (["negativo", "neutro", "positivo"] * 20))
    fig.canvas.draw()
    ax = fig.axes[0]
    box = ax.get_legend().get_window_extent(fig.canvas.get_renderer())
    pts = ax.transData.transform(ax.collections[0].get_offsets())
    inside = (pts[:, 0] >= box.x0) & (pts[:, 0] <= box.x1) & (pts[:, 1] >= box.y0) & (pts[:, 1] <= box.y1)
    assert not inside.any()
    assert box.x0 >= ax.get_window_extent().x1  # right of the map


def test_readme_plots_display_tokens():
    """The documented Python examples (README and the site's pages) pass tokens to the plot functions as
    the CLI shows them (``␣gato``, no ``##to``): through :func:`vizlab.tokens.display_tokens`, never the raw
    ``acts.tokens``."""
    root = Path(__file__).resolve().parents[1]
    pages = [root / "README.md", *sorted((root / "docs").glob("**/*.md"))]
    for page in pages:
        raw = re.findall(r"plot_\w+\([^\n]*tokens=\w+(?:\[\d+\])?\.tokens", page.read_text(encoding="utf-8"))
        assert not raw, (page, raw)
    assert "display_tokens(acts[0].tokens)" in (root / "docs" / "how-to" / "attention.md").read_text(encoding="utf-8")
