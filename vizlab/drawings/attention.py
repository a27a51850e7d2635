"""Drawings of the 'attention' section: head grid (and the offline viewer), one head, head statistics,
rollout, Q·K.

Every function takes the data of a :mod:`vizlab.studies.attention` study; layers and heads are
reader numbers, counted from 1 (:mod:`vizlab.numbering`), in the data and in the arguments.
"""

from __future__ import annotations

import textwrap
from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle
from matplotlib.text import Annotation

from vizlab.drawings import DrawContext, drawing
from vizlab.i18n import Lang
from vizlab.interactive.html import attention_html
from vizlab.numbering import (
    check_head_number,
    head_number,
    layer_head_label,
    layer_head_name,
    layer_index,
    position_of,
)
from vizlab.palette import HIGHLIGHT
from vizlab.plot.attention import plot_attention_lines, plot_attention_map, plot_head_grid, plot_rollout
from vizlab.plot.attention_output import sci_text
from vizlab.plot.attention_stats import plot_head_stats
from vizlab.plot.display import PlotResult
from vizlab.plot.qk import plot_qk_walkthrough
from vizlab.sourcedata import SourceData
from vizlab.tokens import display_tokens

__all__ = ["draw_attention", "draw_head_detail", "draw_head_stats", "draw_rollout", "draw_qk_walkthrough",
           "attention_viewer"]

STATS_SHOWN = ("entropy", "cls", "sep", "prev", "same", "next")


def _text(text) -> str:
    return text if isinstance(text, str) else " / ".join(text)


def _note(tr: Lang, n_layers: int, n_heads: int) -> str:
    return f"{tr('layers_note', n=n_layers)}; {tr('heads_note', n=n_heads)}"


def _note_below(ax, note: str) -> None:
    """The numbering footnote at the figure's left edge, under the x label (below long rotated tokens)."""
    ax.figure.add_artist(Annotation(note, xy=(0.01, 0), xycoords=("figure fraction", ax.xaxis.label),
                                    xytext=(0, -6), textcoords="offset points", ha="left", va="top",
                                    fontsize=8, color="0.35"))


def _fit_cbar_label(cb) -> None:
    """A colour bar shorter than its label (one or two rows of heads) gets the label written across,
    wrapped, right of its ticks, instead of along the bar past its ends."""
    fig, label = cb.ax.figure, cb.ax.yaxis.label
    renderer = fig.canvas.get_renderer()
    if label.get_window_extent(renderer).height > cb.ax.get_window_extent(renderer).height:
        label.set_text(textwrap.fill(label.get_text(), 16))
        label.set(rotation=0, ha="left", va="center")


def _fit_title(fig, title, *, lift: bool = False) -> None:
    """A user's long sentence in a title is wrapped to the figure's width, and a title that would
    touch the drawing (the head labels of a grid of one or two layers) is lifted just above it."""
    renderer = fig.canvas.get_renderer()
    width = fig.bbox.width
    box = title.get_window_extent(renderer)
    if box.width > width:
        lines = title.get_text().split("\n")
        chars = max(len(line) for line in lines) * width / box.width
        title.set_text("\n".join(textwrap.fill(line, max(20, int(chars * 0.95))) for line in lines))
        box = title.get_window_extent(renderer)
    if lift:
        axes = [ax.get_tightbbox(renderer) for ax in fig.axes if ax.get_visible()]
        top = max(b.y1 for b in axes)
        if box.y0 < top:  # lift it: its bottom a few points above the highest text of the drawing
            title.set(va="bottom", y=(top + 4 * fig.dpi / 72) / fig.bbox.height)


def draw_attention(src, *, layer: int | None = None, head: int | None = None,
                   highlight: tuple[int, int] | None = None, labels=None, title: str | None = None,
                   lang: str = "pt", fig=None, detail_below: bool = False) -> PlotResult:
    """The attention of one text: every head as a grid, one layer's heads, or one head.

    Layers and heads are numbered as readers see them: layer 1 is the first block, head 1 the first
    head, hidden state 0 the embedding output; negative numbers count from the end.

    Parameters
    ----------
    src : mapping
        :func:`vizlab.studies.attention.attention_maps` (or ``attention_data``) data.
    layer, head : int, optional
        Neither: every head of every layer; ``layer``: the heads of that layer; both: that one head
        as an annotated map. Numbers the data does not hold raise a ValueError naming the valid ones.
    highlight : (int, int), optional
        ``(layer, head)`` of a head framed in the grid and enlarged on the right.
    labels : array-like of str, shape (n_layers, n_heads), optional
        Text written under each small map (e.g. the head's pattern).
    title : str, optional
        Figure title (default: the text).
    lang : {"pt", "en"}
    fig : Figure, optional
        Drawn into (default: a new figure).
    detail_below : bool
        The highlighted head under the grid instead of right of it (a figure for a page's width).

    Returns
    -------
    PlotResult
    """
    from vizlab.plot.style import report_style

    tr = Lang(lang)
    if head is not None and layer is None:
        raise ValueError("head needs layer (e.g. layer=2, head=5; both count from 1)")
    attn, layers = np.asarray(src["attentions"]), [int(n) for n in src["layers"]]
    n_heads = attn.shape[1]
    tokens = display_tokens(src["tokens"])
    text = _text(src["text"])
    note = _note(tr, max(layers), n_heads)
    with report_style():
        if head is not None:
            row, h = position_of(layer, layers, what="layer"), check_head_number(head, n_heads, from_end=True)
            res = plot_attention_map(attn[row, h], tokens=tokens, annot=len(tokens) <= 24, vmin=0, vmax=1,
                                     ax=None if fig is None else fig.add_subplot(), lang=lang)
            res.ax_.set_title(title or f"{layer_head_name(layer_index(layers[row]), h, lang=lang)}\n“{text}”",
                              fontsize=10)
            _fit_title(res.figure_, res.ax_.title)
            _note_below(res.ax_, note)
            return res
        rows = list(range(len(layers))) if layer is None else [position_of(layer, layers, what="layer")]
        hl = None
        if highlight is not None:
            hrow = position_of(highlight[0], layers, what="layer")
            hh = check_head_number(highlight[1], n_heads, from_end=True)
            if hrow in rows:
                hl = (layers[hrow], head_number(hh))
        res = plot_head_grid(attn[rows], tokens=tokens, layers=[layers[r] for r in rows], highlight=hl,
                             labels=None if labels is None else np.asarray(labels)[rows], vmax=1.0, fig=fig,
                             lang=lang, detail_below=detail_below)
        _fit_cbar_label(res.colorbar_)
        sup = res.figure_.suptitle(title or tr.t(f"Atenção de cada cabeça: “{text}”", f"Attention of every head: “{text}”"),
                             y=0.995)
        _fit_title(res.figure_, sup, lift=True)
        res.figure_.text(0.01, 0.005, note, fontsize=8, color="0.35", ha="left", va="bottom")
        return res


def _activations(ex) -> SimpleNamespace:
    """What the viewer reads of an Activations, from :func:`attention_data` data."""
    return SimpleNamespace(text=ex["text"], tokens=ex["tokens"], special_mask=ex["special"],
                           attentions=ex["attentions"], attention_layers=[layer_index(n) for n in ex["layers"]],
                           model_name=ex["model"], kind=ex["kind"])


def attention_viewer(examples, *, titles=None, lang: str = "pt", initial: tuple[int, int] | None = None) -> str:
    """The offline viewer page (:func:`vizlab.interactive.html.attention_html`) of ``attention_data`` examples;
    ``initial`` is (layer, head), reader numbers."""
    return attention_html([_activations(ex) for ex in examples], titles=titles, lang=lang, initial=initial)


@drawing("attention_head_grid", section="attention")
def _head_grid(src: SourceData, ctx: DrawContext):
    grid, sentence = src["examples"][0], src["examples"][0]["text"]
    short = np.vectorize(lambda x: ctx.tr(f"pattern_short.{x}"))(src["patterns"])
    fig = draw_attention(grid, highlight=tuple(src["highlight"]), labels=short, lang=ctx.lang, detail_below=True,
                         title=ctx.t(f"Atenção de cada cabeça do MiniLM: “{sentence}”",
                                     f"Attention of every MiniLM head: “{sentence}”")).figure_
    titles = [f"{m} ({ctx.tr('sentence_pair')}): {_text(ex['text'])}" if not isinstance(ex["text"], str)
              else f"{m}: {ex['text']}" for m, ex in zip(src["example_models"], src["examples"])]
    ctx.attach("attention_viewer.html", attention_viewer(src["examples"], titles=titles, lang=ctx.lang,
                                                         initial=tuple(src["viewer_head"])))
    return fig


def draw_head_detail(src, *, lang: str = "pt", fig=None) -> PlotResult:
    """One head's map (the query's row framed) and the query's lines, from
    :func:`vizlab.studies.attention.head_detail` data."""
    tr = Lang(lang)
    a, q, key, k2 = src["attention"], src["query"], src["key"], src["second_key"]
    tokens = display_tokens(src["tokens"])
    fig = fig if fig is not None else plt.figure(figsize=(12, 6.2))
    gs = fig.add_gridspec(1, 2, width_ratios=[1.35, 1], wspace=0.25, bottom=0.2, top=0.84)
    ax0, ax1 = fig.add_subplot(gs[0]), fig.add_subplot(gs[1])
    plot_attention_map(a, tokens=tokens, ax=ax0, annot=True, vmin=0, vmax=1, lang=lang)
    ax0.add_patch(Rectangle((-0.5, q - 0.5), len(tokens), 1, fill=False, edgecolor=HIGHLIGHT, linewidth=2))
    plot_attention_lines(a, tokens=tokens, ax=ax1, query=q, min_weight=0.05, lang=lang)
    name = layer_head_label(src["layer"], src["head"], lang=lang)
    word, qt = src["query_token"], tokens[q]
    ax0.set_title(tr.t(f"{name}: mapa de atenção", f"{name}: attention map"))
    ax1.set_title(tr.t(f"só a linha de “{qt}” (pesos ≥ 0,05)", f"only the row of “{qt}” (weights ≥ 0.05)"), pad=30)
    kt, k2t = tokens[key].lstrip("␣"), tokens[k2].lstrip("␣")
    w, w2, col = tr.pct(src["weight"], 0), tr.pct(src["second_weight"], 0), tr.pct(src["key_mean_from_other_words"], 0)
    fig.suptitle(tr.t(f"Para onde olha o pronome “{word}”? Na {name} (a cabeça em que “{word}” "
                      f"mais olha para uma palavra anterior distante),\n{w} da atenção de "
                      f"“{word}” vai para “{kt}” e {w2} para “{k2t}” — mas as outras "
                      f"palavras também mandam, em média, {col} para “{kt}”",
                      f"Where does the pronoun “{word}” look? In {name} (the head in which "
                      f"“{word}” looks most at one distant earlier word),\n{w} of the "
                      f"attention of “{word}” goes to “{kt}” and {w2} to “{k2t}” — but "
                      f"the other words also send {col} to “{kt}” on average"),
                 x=0.01, ha="left", y=0.99, fontsize=11)
    fig.text(0.01, 0.01, _note(tr, src["n_layers"], src["n_heads"]), fontsize=8, color="0.35")
    return PlotResult(ax_=ax0, axes_={"map": ax0, "lines": ax1})


@drawing("attention_head_detail", section="attention")
def _head_detail(src: SourceData, ctx: DrawContext):
    return draw_head_detail(src, lang=ctx.lang).figure_


def draw_head_stats(src, *, lang: str = "pt", fig=None) -> PlotResult:
    """Layer × head maps of the statistics and the pattern labels, from
    :func:`vizlab.studies.attention.head_statistics` data."""
    stats = SimpleNamespace(**src["stats"], labels=src["labels"])
    res = plot_head_stats(stats, metrics=STATS_SHOWN, layers=src["layers"], lang=lang,  # drawn at the page's size
                          fig=fig if fig is not None else plt.figure(figsize=(7.6, 9.8)),
                          annot_kws={"fontsize": 6.5},
                          legend_kws={"loc": "upper center", "bbox_to_anchor": (0.5, -0.3), "ncols": 3})
    for m in STATS_SHOWN[1::2]:  # the right column: its rows are the left column's (room for the colour bars)
        res.axes_[m].set_ylabel("")
    L, H = np.shape(src["labels"])
    res.figure_.text(0.01, 0.005, _note(Lang(lang), L, H), fontsize=8, color="0.35")
    return res


@drawing("attention_head_stats", section="attention")
def _head_stats(src: SourceData, ctx: DrawContext):
    return draw_head_stats(src, lang=ctx.lang).figure_


def draw_rollout(src, *, lang: str = "pt", fig=None) -> PlotResult:
    """The last layer's attention next to the rollout, among words, from
    :func:`vizlab.studies.attention.attention_rollout` data."""
    tr = Lang(lang)
    n = src["n_layers"]
    p_raw, p_rol = tr.pct(src["sink_raw"], 0), tr.pct(src["sink_rolled"], 0)
    return plot_rollout(
        src["raw"], src["rolled"], tokens=src["words"], query=src["query"], lang=lang,
        fig=fig if fig is not None else plt.figure(figsize=(15, 5.6)),
        titles=(tr.t(f"camada {n} (a última; média das cabeças)\n{p_raw} vai para [CLS]/[SEP] (omitidos)",
                     f"layer {n} (the last; mean of heads)\n{p_raw} goes to [CLS]/[SEP] (left out)"),
                tr.t(f"rollout pelas camadas 1 a {n}\n{p_rol} vai para [CLS]/[SEP] (omitidos)",
                     f"rollout through layers 1 to {n}\n{p_rol} goes to [CLS]/[SEP] (left out)")),
        legend=(tr.t(f"camada {n}", f"layer {n}"), "rollout"),
        cbar_label=tr.t("atenção entre palavras\n(mesma escala nos dois mapas)",
                        "attention among words\n(same scale in both maps)"),
        bar_label=tr.t("atenção (entre palavras)", "attention (among words)"),
        query_label=tr.t("consulta (palavra)", "query (word)"), key_label=tr.t("chave (palavra)", "key (word)"),
    )


@drawing("attention_rollout", section="attention")
def _rollout(src: SourceData, ctx: DrawContext):
    return draw_rollout(src, lang=ctx.lang).figure_


def draw_qk_walkthrough(src, *, lang: str = "pt", fig=None) -> PlotResult:
    """Q, K, scores, softmax, the model's attention and one row, from
    :func:`vizlab.studies.attention.qk_walkthrough` data."""
    tr = Lang(lang)
    name = layer_head_label(src["layer"], src["head"], lang=lang)
    bound = src.get("error_bound")
    titles = {"q": tr.t(f"Q: consultas ({name})", f"Q: queries ({name})")}  # the rest: the catalogue's "qk.*"
    if bound is not None:
        titles["reference"] = tr.t(f"atenção do modelo (erro máx. < {sci_text(bound)})",
                                   f"model's attention (max error < {sci_text(bound)})")
    res = plot_qk_walkthrough(src["q"], src["k"], scores=src["scores"], weights=src["weights"],
                              reference=src["reference"], tokens=display_tokens(src["tokens"]), query=src["query"],
                              mask=src["mask"], titles=titles, lang=lang,
                              fig=fig if fig is not None else plt.figure(figsize=(9.5, 13.5)))
    res.figure_.text(0.01, 0.02, _note(tr, src["n_layers"], src["n_heads"]), fontsize=8, color="0.35")
    return res


@drawing("attention_qk_walkthrough", section="attention")
def _qk_walkthrough(src: SourceData, ctx: DrawContext):
    return draw_qk_walkthrough(src, lang=ctx.lang).figure_
