"""Behind ``pipeline("text-classification")``: text -> tokens -> ids -> model -> logits -> softmax -> label."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from vizlab.i18n import fmt_num, fmt_pct, get_lang
from vizlab.palette import DIVERGING_CMAP, class_color, role_color
from vizlab.plot.display import PlotResult
from vizlab.plot.glyphs import font_safe
from vizlab.plot.heatmap import heatmap, localize_axes, percent_axis

__all__ = ["plot_classifier_pipeline"]

def _frame(ax) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    for s in ax.spines.values():
        s.set_visible(False)


def _token_table(ax, tokens: Sequence[str], ids: Sequence[int], *, row_names: tuple[str, str]) -> list:
    """Tokens above their ids, one column per token, in rounded boxes."""
    _frame(ax)
    n = len(tokens)
    ax.set_xlim(-1.6, n)
    ax.set_ylim(-1.0, 1.0)
    texts = []
    for j, (t, i) in enumerate(zip(tokens, ids)):
        for y, s, kw in ((0.45, font_safe(t), {"fontsize": 10}),
                         (-0.45, str(int(i)), {"fontsize": 8.5, "family": "monospace"})):
            ax.add_patch(FancyBboxPatch((j - 0.45, y - 0.3), 0.9, 0.6, boxstyle="round,pad=0.02",
                                        fc="0.95" if y > 0 else "white", ec="0.6", lw=0.8))
            texts.append(ax.text(j, y, s, ha="center", va="center", **kw))
    ax.text(-0.6, 0.45, row_names[0], ha="right", va="center", fontsize=9, color="0.35")
    ax.text(-0.6, -0.45, row_names[1], ha="right", va="center", fontsize=9, color="0.35")
    return texts


def plot_classifier_pipeline(
    logits,
    *,
    probabilities,
    labels: Sequence[str],
    label_names: Sequence[str] | None = None,
    text: str,
    tokens: Sequence[str],
    ids: Sequence[int],
    vector,
    n_layers: int,
    fig=None,
    titles: dict | None = None,
    lang: str = "pt",
    bar_kws: dict | None = None,
) -> PlotResult:
    """Draw every step of a text classifier on one text, with its numbers.

    Parameters
    ----------
    logits : ndarray of shape (n_labels,)
    probabilities : ndarray of shape (n_labels,)
        ``softmax(logits)``.
    labels : list of str
        Class names (their palette colours); ``label_names`` what the reader sees.
    text : str
        The raw text.
    tokens : list of str
        Tokens as shown to readers (:func:`vizlab.tokens.display_tokens`).
    ids : list of int
        Their ids.
    vector : ndarray of shape (hidden,)
        The vector the head reads (pooler output), drawn as a strip.
    n_layers : int
    titles : dict, optional
        Replaces panel texts: the catalogue's ``"pipeline.<name>"`` entries in ``lang`` (``text``,
        ``tokens``, ``id_row``, ``model``, ``vector``, ``logits``, ``probs``, ``label``, ``check``,
        ``dims``) and ``token_row``, ``probability``, ``logit`` (catalogue terms); ``{n_layers}``,
        ``{hidden}`` and ``{n_labels}`` are filled in.
    lang : {"pt", "en"}
        Language of the texts and number format.
    fig : Figure, optional

    Returns
    -------
    PlotResult
        ``axes_``: ``text, tokens, vector, logits, probs, label``; ``artists_["logit_dots"]`` (dots: a logit has no zero),
        ``["prob_bars"]``, ``["tokens"]`` (token and id texts), ``["label"]``;
        ``values_["predicted"]``.
    """
    z = np.asarray(logits, float)
    p = np.asarray(probabilities, float)
    v = np.asarray(vector, float)
    names = list(label_names or labels)
    if not (len(z) == len(p) == len(labels) == len(names)):
        raise ValueError("logits, probabilities and labels must have one entry per class")
    if len(tokens) != len(ids):
        raise ValueError(f"{len(tokens)} tokens but {len(ids)} ids")
    tt = get_lang(lang).texts("pipeline", terms={"token_row": "token", "probability": "probability", "logit": "logit"},
                              override=titles)
    fill = {"n_layers": n_layers, "hidden": len(v), "n_labels": len(z)}
    if fig is None:
        fig = plt.figure(figsize=(13, 7.4))
    # column 1 is a spacer that holds the class names and the arrow into the head
    gs = fig.add_gridspec(3, 5, height_ratios=[0.3, 0.8, 1.3], width_ratios=[1.25, 0.45, 1.1, 1.0, 0.8],
                          hspace=0.7, wspace=0.3)
    ax_text = fig.add_subplot(gs[0, :])
    ax_tok = fig.add_subplot(gs[1, :])
    ax_vec = fig.add_subplot(gs[2, 0])
    ax_z = fig.add_subplot(gs[2, 2])
    ax_p = fig.add_subplot(gs[2, 3])
    ax_lab = fig.add_subplot(gs[2, 4])
    colors = [class_color(x) for x in labels]
    pred = int(np.argmax(p))

    _frame(ax_text)
    ax_text.set_title(tt["text"], loc="left")
    ax_text.text(0.5, 0.45, font_safe("“" + text + "”"), ha="center", va="center", fontsize=12,
                 style="italic", transform=ax_text.transAxes,
                 bbox={"boxstyle": "round,pad=0.5", "fc": role_color("note"), "ec": "0.6"})
    ax_tok.set_title(tt["tokens"], loc="left")
    tok_texts = _token_table(ax_tok, tokens, ids, row_names=(tt["token_row"], tt["id_row"]))

    hm = heatmap(v[None, :], ax=ax_vec, cmap=DIVERGING_CMAP, vmin=-1, vmax=1, lang=lang,
                 cbar_label=tt["vector"], cbar_kws={"orientation": "horizontal", "pad": 0.35, "fraction": 0.12})
    ax_vec.set_yticks([])
    ax_vec.set_xticks([0, len(v) // 2, len(v) - 1], ["1", str(len(v) // 2 + 1), str(len(v))])
    ax_vec.set_xlabel(tt["dims"])
    ax_vec.set_title(tt["model"].format(**fill), loc="left", fontsize=10)

    y = np.arange(len(z))[::-1]
    bk = {"height": 0.6, **(bar_kws or {})}
    # a logit has no zero (softmax ignores a constant added to all): dots on the logits' own range
    span = max(float(z.max() - z.min()), 1e-9)
    lo, hi = float(z.min()) - 0.1 * span, float(z.max()) + 0.45 * span
    ax_z.hlines(y, lo, z, colors=colors, lw=1.2)
    zb = ax_z.scatter(z, y, c=colors, s=40, zorder=3)
    ax_z.set_xlim(lo, hi)
    ax_z.set_ylim(-0.6, len(z) - 0.4)
    for yi, zi in zip(y, z):
        ax_z.text(zi + 0.05 * span, yi, fmt_num(zi, 2, lang=lang), ha="left", va="center", fontsize=9)
    ax_z.set_yticks(y, names)
    ax_z.set_xlabel(tt["logit"])
    ax_z.set_title(tt["logits"].format(**fill), loc="left", fontsize=10)
    localize_axes(ax_z, lang=lang)

    pb = ax_p.barh(y, p, color=colors, **bk)
    ax_p.set_xlim(0, 1.25)
    for yi, pi in zip(y, p):
        ax_p.text(pi + 0.02, yi, fmt_pct(pi, 1, lang=lang), ha="left", va="center", fontsize=9)
    ax_p.set_yticks(y, [])
    ax_p.set_xticks([0, 0.5, 1])
    ax_p.set_xlabel(tt["probability"])
    ax_p.set_title(tt["probs"], loc="left", fontsize=10)
    percent_axis(ax_p.xaxis, lang=lang)  # probabilities are percentages, like the bar labels

    _frame(ax_lab)
    ax_lab.set_title(tt["label"], loc="left")
    lab = ax_lab.text(0.5, 0.62, names[pred], ha="center", va="center", fontsize=15, weight="bold",
                      color="white", transform=ax_lab.transAxes,
                      bbox={"boxstyle": "round,pad=0.5", "fc": colors[pred], "ec": "none"})
    ax_lab.text(0.5, 0.22, tt["check"], ha="center", va="center", fontsize=8.5, color="0.3",
                transform=ax_lab.transAxes)
    # arrows between the steps, in figure coordinates
    def arrow(xy0, xy1):
        fig.add_artist(FancyArrowPatch(xy0, xy1, transform=fig.transFigure, arrowstyle="-|>",
                                       mutation_scale=14, color="0.4", lw=1.2))

    pt, pk, pv = ax_text.get_position(), ax_tok.get_position(), ax_vec.get_position()
    arrow((0.5 * (pt.x0 + pt.x1), pt.y0 + 0.2 * pt.height), (0.5 * (pt.x0 + pt.x1), pk.y1 - 0.05 * pk.height))
    arrow((pv.x0 + 0.5 * pv.width, pk.y0 + 0.1 * pk.height), (pv.x0 + 0.5 * pv.width, pv.y1 + 0.09))
    for a, b in ((ax_vec, ax_z), (ax_z, ax_p), (ax_p, ax_lab)):
        pa, pb_ = a.get_position(), b.get_position()
        yy = (pa.y0 + pa.y1) / 2
        arrow((pa.x1 + 0.01, yy), (pb_.x0 - (0.065 if b is ax_z else 0.01), yy))
    return PlotResult(ax_=ax_p, axes_={"text": ax_text, "tokens": ax_tok, "vector": ax_vec, "logits": ax_z,
                                       "probs": ax_p, "label": ax_lab},
                      im_=hm.im_, colorbar_=hm.colorbar_,
                      artists_={"logit_dots": zb, "prob_bars": pb, "tokens": tok_texts, "label": lab},
                      values_={"predicted": pred, "probabilities": p})
