"""Similarity between labelled items: the matrix as a heatmap, and mean similarities compared."""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from vizlab.i18n import fmt_num, get_lang
from vizlab.palette import SEQUENTIAL_CMAP, role_color
from vizlab.plot.display import PlotResult
from vizlab.plot.glyphs import font_safe
from vizlab.plot.heatmap import heatmap, localize_axes

__all__ = ["plot_similarity", "plot_similarity_means"]


def plot_similarity(
    S: np.ndarray,
    *,
    labels: list[str],
    ax: Axes | None = None,
    vmin: float | None = None,
    vmax: float = 1.0,
    cmap: str = SEQUENTIAL_CMAP,
    annot: bool = True,
    cbar_label: str | None = None,
    wrap: int | None = 38,
    lang: str = "pt",
    fontsize: float | None = None,
    annot_kws: dict | None = None,
    cbar_kws: dict | None = None,
) -> PlotResult:
    """Draw a similarity matrix as an annotated heatmap with item labels on both axes.

    Parameters
    ----------
    S : ndarray of shape (n, n)
    labels : list of str, length n
        Item labels; shortened to ``wrap`` characters on one line, or kept whole (they may hold
        line breaks) when ``wrap`` is None.
    ax : Axes, optional
        Drawn into (a new figure when None).
    vmin, vmax : float
        Colour range (``vmin`` defaults to the smallest value, so every value is on the scale).
    annot : bool
        Write each value in its cell (two decimals in the ``lang`` format) when n <= 20.
    cbar_label : str, optional
        Default: the catalogue's ``similarity`` in ``lang``.

    Returns
    -------
    PlotResult
        From :func:`vizlab.plot.heatmap.heatmap`.
    """
    S = np.asarray(S, dtype=float)
    n = len(S)
    if S.shape != (n, n) or len(labels) != n:
        raise ValueError(f"S must be square and match labels: S {S.shape}, {len(labels)} labels")
    if ax is None:
        _, ax = plt.subplots(figsize=(0.55 * n + 4, 0.55 * n + 2))
    lo = float(np.min(S)) if vmin is None else min(float(vmin), float(np.min(S)))
    short = list(labels) if wrap is None else [textwrap.shorten(lab, wrap, placeholder="…") for lab in labels]
    res = heatmap(S, ax=ax, xticklabels=short, yticklabels=short, cmap=cmap, vmin=lo, vmax=vmax,
                  annot=annot and n <= 20, fmt=lambda v: fmt_num(0.0 if abs(v) < 0.005 else v, 2, lang=lang),
                  lang=lang, aspect="equal", annot_kws=annot_kws,
                  cbar_label=get_lang(lang).default(cbar_label, "similarity"), cbar_kws={"fraction": 0.046, "pad": 0.02, **(cbar_kws or {})})
    ax.set_xticks(range(n), [font_safe(s) for s in short], rotation=90 if wrap is None else 55,
                  ha="right", va="center", rotation_mode="anchor",
                  fontsize=fontsize)
    if fontsize:
        ax.tick_params(axis="y", labelsize=fontsize)
    return res


def plot_similarity_means(
    means,
    *,
    groups,
    series,
    ax: Axes | None = None,
    colors=None,
    ylabel: str | None = None,
    title: str | None = None,
    lang: str = "pt",
    bar_kws: dict | None = None,
    legend_kws: dict | None = None,
    values=None,
) -> PlotResult:
    """Grouped bars of mean similarities, each written on its bar (e.g. paraphrases vs unrelated, per language).

    Parameters
    ----------
    means : array-like of shape (n_groups, n_series)
    groups : list of str, length n_groups
        x tick labels (e.g. "paraphrases", "unrelated pairs").
    series : list of str, length n_series
        Legend entries (e.g. "English", "Portuguese").
    ylabel : str, optional
        Default: the catalogue's ``mean_similarity`` in ``lang``.
    values : nested list, optional
        ``values[group][series]``: the similarities each mean is over, drawn as dots on its bar
        (the spread behind the mean); ``artists_["values"]`` holds them.

    Returns
    -------
    PlotResult
        ``artists_["bars"]`` one BarContainer per series.
    """
    M = np.asarray(means, dtype=float)
    if M.shape != (len(groups), len(series)):
        raise ValueError(f"means must be (n_groups, n_series) = ({len(groups)}, {len(series)}), got {M.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(3.2, 3.5))
    colors = list(colors) if colors is not None else [role_color("series.1"), role_color("series.2")][: len(series)]
    w = 0.8 / len(series)
    x = np.arange(len(groups))
    containers, dots = [], []
    rng = np.random.default_rng(0)  # a fixed jitter: the same figure every time
    for k, (name, c) in enumerate(zip(series, colors)):
        off = (k - (len(series) - 1) / 2) * w
        containers.append(ax.bar(x + off, M[:, k], width=w, color=c, label=name, **(bar_kws or {})))
        for g, (xi, v) in enumerate(zip(x, M[:, k])):
            top = v
            if values is not None:
                vals = np.asarray(values[g][k], float)
                jitter = rng.uniform(-0.25, 0.25, len(vals)) * w
                dots.append(ax.scatter(xi + off + jitter, vals, s=6, color="0.15", linewidths=0, zorder=3))
                top = max(v, float(vals.max()))
            ax.text(xi + off, max(top, 0) + 0.02, fmt_num(v, 3, lang=lang), ha="center", va="bottom", fontsize=8)
    ax.set_xticks(x, groups)
    low = min(float(M.min()), min((float(np.min(v)) for row in values for v in row), default=0.0) if values else 0.0)
    ax.set_ylim(min(0.0, low - 0.05), 1.08)
    ax.axhline(0, color="0.5", lw=0.8)
    localize_axes(ax, lang=lang, axis="y")
    ax.set_ylabel(get_lang(lang).default(ylabel, "mean_similarity"))
    if title:
        ax.set_title(title)
    ax.legend(**{"loc": "upper right", **(legend_kws or {})})
    return PlotResult(ax_=ax, artists_={"bars": containers, "values": dots})
