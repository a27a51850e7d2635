"""The logit lens: the top next token at every layer x position, and chosen tokens across layers."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle

from vizlab.i18n import get_lang
from vizlab.palette import CATEGORICAL, HIGHLIGHT, SEQUENTIAL_CMAP
from vizlab.plot.display import PlotResult
from vizlab.plot.glyphs import font_safe
from vizlab.plot.heatmap import heatmap, percent_axis

__all__ = ["plot_logit_lens", "plot_lens_paths"]


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def plot_logit_lens(
    values,
    *,
    top_tokens,
    input_tokens,
    row_labels=None,
    ax: Axes | None = None,
    cmap: str = SEQUENTIAL_CMAP,
    bold=None,
    outline=None,
    outline_color: str = HIGHLIGHT,
    max_chars: int = 9,
    cbar_label: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    lang: str = "pt",
    annot_kws: dict | None = None,
    cbar_kws: dict | None = None,
) -> PlotResult:
    """Heatmap over (layer, position), each cell labelled with the lens's most probable next token.

    Parameters
    ----------
    values : array-like of shape (n_layers, n_positions)
        The colour of each cell, a probability in 0..1 (for instance the probability the layer gives
        to the model's final prediction at that position); the colour bar is a percentage scale.
    top_tokens : array-like of str, shape (n_layers, n_positions)
        The text written in each cell (display tokens), shown through ``font_safe`` and clipped
        to ``max_chars`` characters.
    input_tokens : list of str, length n_positions
        The prompt's tokens (x tick labels).
    row_labels : list of str, optional
        Tick label of each row (default ``0..n_layers-1``); row 0 is drawn at the bottom.
    bold : array-like of bool, optional
        Cells whose text is bold (say in the figure what bold means).
    outline : array-like of bool, optional
        Cells framed in ``outline_color`` (a path the text discusses).
    cbar_label, xlabel, ylabel : str, optional
        Default: the catalogue's ``probability``, ``lens.position`` and ``hidden_layer_axis`` in ``lang``.

    Returns
    -------
    PlotResult
        From :func:`vizlab.plot.heatmap.heatmap` (``im_``, ``text_``, ``colorbar_``), plus
        ``artists_["outline"]``, the frame rectangles.
    """
    V = np.asarray(values, dtype=float)
    T = np.asarray(top_tokens, dtype=object)
    if V.ndim != 2 or T.shape != V.shape:
        raise ValueError(f"values and top_tokens must be 2-D of the same shape, got {V.shape} and {T.shape}")
    if len(input_tokens) != V.shape[1]:
        raise ValueError(f"{len(input_tokens)} input tokens for {V.shape[1]} positions")
    rows = [str(i) for i in range(V.shape[0])] if row_labels is None else [str(r) for r in row_labels]
    if len(rows) != V.shape[0]:
        raise ValueError(f"{len(rows)} row labels for {V.shape[0]} rows")
    if ax is None:
        _, ax = plt.subplots(figsize=(0.95 * V.shape[1] + 2, 0.32 * V.shape[0] + 1.5))
    tr = get_lang(lang)
    text = np.vectorize(lambda t: _clip(font_safe(str(t)), max_chars), otypes=[object])(T)
    res = heatmap(V, ax=ax, xticklabels=list(input_tokens), yticklabels=rows, xrotation=30, cmap=cmap,
                  vmin=0.0, vmax=1.0, annot=text, lang=lang, origin="lower",
                  annot_kws={"fontsize": 7.5, **(annot_kws or {})}, cbar_label=tr.default(cbar_label, "probability"),
                  cbar_kws={"fraction": 0.04, "pad": 0.02, **(cbar_kws or {})})
    for lab in ax.get_xticklabels():
        lab.set_ha("right")
        lab.set_rotation_mode("anchor")
    percent_axis(res.colorbar_.ax.yaxis, lang=lang)
    if bold is not None:
        for (i, j), b in np.ndenumerate(np.asarray(bold, dtype=bool)):
            if b and res.text_[i, j] is not None:
                res.text_[i, j].set_fontweight("bold")
    frames = []
    if outline is not None:
        for (i, j), o in np.ndenumerate(np.asarray(outline, dtype=bool)):
            if o:
                frames.append(ax.add_patch(Rectangle((j - 0.47, i - 0.45), 0.94, 0.9, fill=False,
                                                     ec=outline_color, lw=2.2, zorder=3)))
    ax.set_xlabel(tr.default(xlabel, "lens.position"))
    ax.set_ylabel(tr.default(ylabel, "hidden_layer_axis"))
    res.artists_["outline"] = frames
    return res


def plot_lens_paths(
    probs,
    *,
    labels,
    row_labels=None,
    ax: Axes | None = None,
    colors=None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    title: str | None = None,
    lang: str = "pt",
    line_kws: dict | None = None,
    legend_kws: dict | None = None,
) -> PlotResult:
    """Probability of a few chosen next tokens at every layer (layers bottom to top, like the lens).

    Parameters
    ----------
    probs : array-like of shape (n_tokens, n_layers)
        Probability each layer gives to each token.
    labels : list of str, length n_tokens
        The tokens (legend).
    row_labels : list of str, optional
        Tick label of each layer (default ``0..n_layers-1``).
    xlabel, ylabel : str, optional
        Default: the catalogue's ``probability`` and ``hidden_layer_axis`` in ``lang``.

    Returns
    -------
    PlotResult
        ``artists_["lines"]`` one Line2D per token.
    """
    P = np.asarray(probs, dtype=float)
    if P.ndim != 2 or len(labels) != P.shape[0]:
        raise ValueError(f"probs must be (n_tokens, n_layers) with one label per token: {P.shape}, {len(labels)}")
    if ax is None:
        _, ax = plt.subplots(figsize=(3, 0.32 * P.shape[1] + 1.5))
    colors = list(colors) if colors is not None else [CATEGORICAL[i % len(CATEGORICAL)] for i in range(len(P))]
    y = np.arange(P.shape[1])
    lines = [ax.plot(p, y, "-o", ms=3.5, color=c, label=font_safe(lab), **(line_kws or {}))[0]
             for p, lab, c in zip(P, labels, colors)]
    rows = [str(i) for i in y] if row_labels is None else [str(r) for r in row_labels]
    ax.set_yticks(y, rows)
    ax.set_ylim(-0.5, len(y) - 0.5)
    ax.set_xlim(0, 1)
    percent_axis(ax.xaxis, lang=lang)
    ax.grid(axis="x", color="0.9", lw=0.8)
    tr = get_lang(lang)
    ax.set_xlabel(tr.default(xlabel, "probability"))
    ax.set_ylabel(tr.default(ylabel, "hidden_layer_axis"))
    if title:
        ax.set_title(title)
    ax.legend(**{"loc": "lower right", **(legend_kws or {})})
    return PlotResult(ax_=ax, artists_={"lines": lines})
