"""Embedding maps: labelled 2-D scatter plots, and how a word's contextual vectors separate by layer."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from vizlab.i18n import get_lang
from vizlab.palette import class_colors, role_color
from vizlab.plot.display import PlotResult
from vizlab.plot.heatmap import localize_axes

__all__ = ["plot_embedding_map", "plot_sense_similarity", "marker_style"]


def marker_style(n: int) -> tuple[float, float]:
    """Marker area and alpha suited to ``n`` points (small and translucent for thousands).

    >>> marker_style(100), marker_style(3000)
    ((30.0, 0.9), (4.0, 0.45))
    """
    s = float(np.clip(3000 / max(n, 1), 4, 30))
    alpha = float(np.clip(0.9 * np.sqrt(750 / max(n, 1)), 0.25, 0.9))
    return round(s, 1), round(alpha, 2)


def _colors(names, colors) -> dict:
    """Colour per label: ``colors`` first, then the palette (sentiment classes keep theirs)."""
    return {**class_colors(list(names)), **(colors or {})}


def plot_embedding_map(
    coords,
    *,
    labels,
    ax: Axes | None = None,
    order=None,
    names: dict | None = None,
    colors: dict | None = None,
    s: float | None = None,
    alpha: float | None = None,
    axis_name: str = "",
    legend: bool = True,
    legend_loc: str = "best",
    seed: int = 0,
    scatter_kws: dict | None = None,
    legend_kws: dict | None = None,
) -> PlotResult:
    """Scatter a 2-D map of points coloured by label.

    Points are drawn in one scatter in a shuffled (seeded) order, so no label is painted over
    the others just because it came last; marker size and alpha follow the number of points
    (:func:`marker_style`) unless given.

    Parameters
    ----------
    coords : array-like of shape (n_points, 2)
    labels : array-like of shape (n_points,)
    ax : Axes, optional
        Drawn into (a new figure when None).
    order : list, optional
        Label order in the legend (default: sorted).
    names : dict, optional
        Display name of each label in the legend (e.g. Portuguese names).
    colors : dict, optional
        Colour of each label (default: :func:`vizlab.palette.class_colors`: sentiment classes keep
        their colours, other labels follow ``CATEGORICAL``).
    axis_name : str
        Axis labels become ``"<axis_name> 1"`` and ``"<axis_name> 2"``.
    scatter_kws, legend_kws : dict, optional
        Passed to ``ax.scatter`` and ``ax.legend``.

    Returns
    -------
    PlotResult
        ``artists_["points"]`` the scatter (points in the shuffled order),
        ``values_["order"]`` that permutation, ``values_["colors"]`` the colour of each label.
    """
    xy = np.asarray(coords, dtype=float)
    labels = np.asarray(labels)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ValueError(f"coords must be (n_points, 2), got shape {xy.shape}")
    if len(labels) != len(xy):
        raise ValueError(f"{len(labels)} labels for {len(xy)} points")
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 5))
    order = list(order) if order is not None else sorted(set(labels.tolist()))
    missing = set(labels.tolist()) - set(order)
    if missing:
        raise ValueError(f"labels {sorted(missing)} are not in order={order}")
    cmap = _colors(order, colors)
    d_s, d_alpha = marker_style(len(xy))
    perm = np.random.default_rng(seed).permutation(len(xy))
    kws = {"s": s or d_s, "alpha": alpha or d_alpha, "linewidths": 0, "rasterized": len(xy) > 500,
           **(scatter_kws or {})}
    sc = ax.scatter(xy[perm, 0], xy[perm, 1], c=[cmap[l] for l in labels[perm]], **kws)
    ax.set_xticks([])
    ax.set_yticks([])
    if axis_name:
        ax.set_xlabel(f"{axis_name} 1")
        ax.set_ylabel(f"{axis_name} 2")
    if legend:
        names = names or {}
        handles = [Line2D([], [], ls="", marker="o", ms=7, color=cmap[l], label=names.get(l, str(l)))
                   for l in order]
        ax.legend(handles=handles, **{"loc": legend_loc, "frameon": True, "framealpha": 0.9, **(legend_kws or {})})
    return PlotResult(ax_=ax, artists_={"points": sc}, values_={"order": perm, "colors": cmap})


def plot_sense_similarity(
    within,
    between,
    *,
    layers=None,
    ax: Axes | None = None,
    xticklabels=None,
    labels: tuple[str, str] | None = None,
    color: str = role_color("series.1"),
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    lang: str = "pt",
    line_kws: dict | None = None,
    legend_kws: dict | None = None,
    within_pairs=None,
    between_pairs=None,
) -> PlotResult:
    """Per-layer similarity of a word's vectors within a sense vs between senses.

    Layers and heads are numbered as readers see them: layer 1 is the first block, head 1 the first
    head, hidden state 0 the embedding output; negative numbers count from the end.

    Parameters
    ----------
    within, between : array-like of shape (n_layers,)
        Mean cosine similarity of pairs of occurrences with the same / a different sense.
    layers : array-like of int, optional
        Hidden-state number of each value, its x position (default ``0..n - 1``: the embedding output,
        then layers 1, 2, ...).
    xticklabels : list of str, optional
        Tick label of each position (e.g. :func:`vizlab.numbering.hidden_label`: ``emb.``, 1, 2 ...).
    labels : (str, str), optional
        Legend names of the two lines (default: the catalogue's ``same_sense`` and ``different_senses``).
    xlabel, ylabel : str, optional
        Default: the catalogue's ``hidden_layer_axis`` and ``mean_similarity``.
    lang : {"pt", "en"}
        Language of the default texts and decimal separator of the y tick labels.
    within_pairs, between_pairs : array-like of shape (n_layers, n_pairs), optional
        The similarity of each pair whose mean is ``within`` / ``between``; when given, a bar at
        each point spans their middle half (25th to 75th percentile): how far the mean stands for
        its pairs.

    Returns
    -------
    PlotResult
        ``artists_["within"]``, ``artists_["between"]`` the two lines, ``artists_["gap"]`` the shading,
        ``artists_["within_spread"]``, ``artists_["between_spread"]`` the bars (when pairs are given).
    """
    w = np.asarray(within, dtype=float)
    b = np.asarray(between, dtype=float)
    if w.ndim != 1 or w.shape != b.shape:
        raise ValueError(f"within and between must be 1-D of the same length, got {w.shape} and {b.shape}")
    x = np.arange(len(w)) if layers is None else np.asarray(layers)
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.5))
    tr = get_lang(lang)
    labels = labels or (tr("same_sense"), tr("different_senses"))
    kws = {"ms": 4, **(line_kws or {})}
    (lw,) = ax.plot(x, w, "-o", color=color, label=labels[0], **kws)
    (lb,) = ax.plot(x, b, "--s", color=color, alpha=0.7, label=labels[1], **kws)
    gap = ax.fill_between(x, b, w, color=color, alpha=0.12, lw=0)
    spread = {}
    for key, pairs, mean, dx in (("within_spread", within_pairs, w, -0.08), ("between_spread", between_pairs, b, 0.08)):
        if pairs is None:
            continue
        P = np.asarray(pairs, dtype=float)
        if P.ndim != 2 or P.shape[0] != len(mean):
            raise ValueError(f"{key.split('_')[0]}_pairs must be (n_layers, n_pairs) with {len(mean)} layers, "
                             f"got {P.shape}")
        q1, q3 = np.percentile(P, [25, 75], axis=1)
        spread[key] = ax.vlines(x + dx, q1, q3, color=color, lw=2.2, alpha=0.45 if dx > 0 else 0.6)
    ax.set_xticks(x, None if xticklabels is None else list(xticklabels))
    localize_axes(ax, lang=lang, axis="y")
    ax.set_xlabel(tr.default(xlabel, "hidden_layer_axis"))
    ax.set_ylabel(tr.default(ylabel, "mean_similarity"))
    if title:
        ax.set_title(title)
    ax.legend(**{"loc": "best", **(legend_kws or {})})
    return PlotResult(ax_=ax, artists_={"within": lw, "between": lb, "gap": gap, **spread})
