"""Drawings of the 'pretraining' section: next-word prediction, fill-in-the-blank, the logit lens.

:func:`draw_next_words` is public: the ``vizlab predict`` command draws its bars with it, the same
way the report figure does.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from vizlab.drawings import DrawContext, drawing
from vizlab.i18n import Lang
from vizlab.numbering import hidden_label
from vizlab.palette import role_color
from vizlab.plot.display import PlotResult
from vizlab.plot.heatmap import percent_axis
from vizlab.plot.lens import plot_lens_paths, plot_logit_lens
from vizlab.plot.prediction import plot_blank_scores, plot_topk_bars
from vizlab.plot.style import report_style
from vizlab.sourcedata import SourceData
from vizlab.tokens import display_tokens

__all__ = ["draw_next_words"]


def _shown(words) -> list[str]:
    return display_tokens(list(words), scheme="plain")


def _tick_decimals(ax) -> int:
    """Decimals the x ticks (probabilities, written as percentages) need to be exact and distinct:
    0 for ticks at whole percentages, 1 for 0,2 %, 0,4 %, … (a high temperature flattens the bars)."""
    lo, hi = ax.get_xlim()
    ticks = [t * 100 for t in ax.get_xticks() if lo - 1e-12 <= t <= hi + 1e-12]
    for d in range(5):
        if all(abs(round(t, d) - t) < 1e-6 for t in ticks):
            return d
    return 4


def _value_decimals(probs) -> int:
    """Decimals of the bar values: one (as in ``12,3 %``), more when the largest is under 1 % (a high
    temperature, a large vocabulary), so that it keeps two significant digits."""
    top = float(np.max(probs)) * 100 if len(probs) else 0.0
    return 1 if top >= 1 or top <= 0 else min(6, 1 - int(np.floor(np.log10(top))))


def _next_word_panel(ax, src, i: int, *, tr: Lang, name: str):
    """One prompt's top-k bars, its expected word highlighted (or below a dotted line with its rank)."""
    tokens = _shown(src["words"][i])
    expected = src["expected"][i]
    shown = _shown([expected])[0] if expected is not None else None
    extra = None
    if shown is not None and shown not in tokens:
        rank = src["expected_rank"][i]
        extra = (shown, src["expected_prob"][i], tr.t(f"(posição {tr.int(rank)})", f"(rank {tr.int(rank)})"))
    T = src["temperature"]
    temp = f"T = {tr.num(T, 1)}" if T != 1 else ""
    sub = f" ({name}{temp})".replace(", )", ")") if (name or temp) else ""
    res = plot_topk_bars(src["probs"][i], labels=tokens, ax=ax, highlight=shown, extra=extra,
                         title=f"“{src['prompts'][i]} …”{sub}", lang=tr.code,
                         decimals=_value_decimals(src["probs"][i]))
    if _tick_decimals(ax):  # ticks below 1 %: "0,2 %", not "0 %" five times; fewer, wider labels
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10]))
        percent_axis(ax.xaxis, lang=tr.code, decimals=_tick_decimals(ax))
    return res


def draw_next_words(src, *, lang: str = "pt", title: str | None = None, model_name: str | None = None,
                    ncols: int = 2, fig=None) -> PlotResult:
    """One bar panel per prompt of a :func:`vizlab.studies.pretraining.next_words` result.

    Top-k bars; the expected word, when given, highlighted, or below a dotted line with its
    probability and rank when it is not among the k.

    Parameters
    ----------
    src : mapping
        The result of ``next_words`` (or its :class:`~vizlab.sourcedata.SourceData`).
    lang : {"pt", "en"}
    title : str, optional
        The figure's title.
    model_name : str, optional
        Written in the panel's title when there is one prompt.
    ncols : int
    fig : Figure, optional
        Drawn into (default: a new figure sized for the panels).

    Returns
    -------
    PlotResult
        ``ax_`` the first panel; ``axes_["prompt<i>"]`` each prompt's panel.
    """
    tr = Lang(lang)
    n = len(src["prompts"])
    cols = min(ncols, n)
    rows = -(-n // cols)
    k = max(len(w) for w in src["words"])
    name = f"{model_name}, " if model_name and n == 1 else ""
    with report_style():
        if fig is None:
            fig, axes = plt.subplots(rows, cols, figsize=(5 * cols, (0.33 * (k + 1) + 1.3) * rows), squeeze=False)
        else:
            axes = fig.subplots(rows, cols, squeeze=False)
        panels = list(axes.flat)
        for i, ax in enumerate(panels[:n]):
            _next_word_panel(ax, src, i, tr=tr, name=name)
        if n > 1:  # panels compared side by side: one 0-100 % scale, so 9,9 % and 90,8 % look it
            for ax in panels[:n]:
                ax.set_xlim(0, 1.2)
                ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
                percent_axis(ax.xaxis, lang=tr.code)
        for ax in panels[n:]:
            ax.set_visible(False)
        if title:
            fig.suptitle(title)
        fig.tight_layout()
        if any(e is not None for e in src["expected"]):
            fig.subplots_adjust(bottom=0.1 if rows > 1 else 0.2)
            fig.text(0.5, 0.01, tr.t("Em destaque (cor de vinho): a palavra que uma pessoa esperaria. Abaixo da linha "
                                     "pontilhada, quando ela não está entre as primeiras: sua probabilidade e sua "
                                     "posição no vocabulário inteiro.",
                                     "Highlighted (wine red): the word a person would expect. Below the dotted line, "
                                     "when it is not among the first: its probability and its rank in the whole "
                                     "vocabulary."), ha="center", va="bottom", fontsize=9, wrap=True)
    return PlotResult(ax_=panels[0], axes_={f"prompt{i}": ax for i, ax in enumerate(panels[:n])})


@drawing("pretraining_next_word", section="pretraining")
def _next_word(src: SourceData, ctx: DrawContext):
    k = src["probs"].shape[1]
    return draw_next_words(src, lang=ctx.lang, title=ctx.t(f"Gemma-3-270m: as {k} próximas palavras mais prováveis",
                                                           f"Gemma-3-270m: the {k} most probable next words")).figure_


def _blank_panel(ax, b, tr: Lang) -> None:
    expected, added = b["expected"], b["added"]
    names = [c + ("*" if added and c == expected else "") for c in b["candidates"]]
    plot_blank_scores(b["left_probs"], b["probs"], candidates=names, ax=ax, lang=tr.code,
                      marked={expected, expected + "*"}, title=f"“{b['template']}”",
                      legend_kws={"loc": "upper center", "bbox_to_anchor": (0.5, -0.17), "ncol": 2,
                                  "frameon": False})
    if added:
        prefix, rank = b["prefix"], tr.int(b["expected_rank"])
        ax.text(0.5, -0.3, tr.t(f"* acrescentada aos candidatos: como próxima palavra depois de\n"
                                f"“{prefix}” ela fica na posição {rank} do vocabulário",
                                f"* added to the candidates: as the next word after\n"
                                f"“{prefix}” it is at rank {rank} in the vocabulary"),
                transform=ax.transAxes, ha="center", va="top", fontsize=8.5, color="0.2")


@drawing("pretraining_masked_word", section="pretraining")
def _masked_word(src: SourceData, ctx: DrawContext):
    fig, axes = plt.subplots(1, len(src["blanks"]), figsize=(11, 5.2))
    for ax, b in zip(axes, src["blanks"]):
        _blank_panel(ax, b, ctx.tr)
    fig.suptitle(ctx.t("Preencher a lacuna: o contexto à direita muda a resposta (Gemma-3-270m)",
                       "Fill in the blank: the right-hand context changes the answer (Gemma-3-270m)"))
    fig.tight_layout()
    return fig


@drawing("pretraining_logit_lens", section="pretraining")
def _logit_lens(src: SourceData, ctx: DrawContext):
    tr = ctx.tr
    rows = [hidden_label(i, lang=tr.code) for i in src["layers"]]
    shown = np.array([_shown(row) for row in src["top_words"]], dtype=object)
    path = " → ".join(w.lstrip("␣") for w in _shown(src["path"]))  # the study's path, e.g. southwest → Norte → Sul
    final, last = _shown([src["final_word"]])[0].lstrip("␣"), display_tokens(src["tokens"])[-1].lstrip("␣")
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12.5, 8.4), gridspec_kw={"width_ratios": [3.8, 1], "wspace": 0.25})
    plot_logit_lens(src["final_prob"], top_tokens=shown, input_tokens=display_tokens(src["tokens"]),
                    row_labels=rows, ax=ax, bold=src["bold"], outline=src["outline"], lang=tr.code,
                    cbar_label=tr.t("probabilidade da previsão final do modelo (última linha)",
                                    "probability of the model's final prediction (last row)"),
                    max_chars=9, annot_kws={"fontsize": 7})  # 9: the cell of a 6-pt label at the printed size
    ax.set_title(tr.t("Texto: token mais provável da lente; negrito: já é a previsão final;\n"
                      f"moldura: o caminho {path} na última posição",
                      "Text: the lens's most probable token; bold: already the final prediction;\n"
                      f"frame: the path {path} at the last position"), fontsize=9.5)
    plot_lens_paths(src["path_probs"], labels=_shown(src["path"]), row_labels=rows, ax=ax2, lang=tr.code,
                    colors=[role_color(f"series.{i}") for i in (1, 2, 3)], ylabel="",
                    title=tr.t(f"Última posição (“{last}”):\nprobabilidade de cada token",
                               f"Last position (“{last}”):\nprobability of each token"))
    fig.suptitle(tr.t(f"Lente de logits (Gemma-3-270m): como a previsão “{final}” se forma ao longo das camadas",
                      f"Logit lens (Gemma-3-270m): how the prediction “{final}” forms across layers"), y=0.98)
    return fig
