"""Embedding maps: labelled 2-D scatter plots, and how a word's contextual vectors separate by layer."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

__all__ = ["plot_embedding_map", "plot_sense_similarity", "SENTIMENT_COLORS", "marker_style"]

# Colour-blind-safe (Okabe-Ito) colours for the three sentiment labels; others cycle tab10.
SENTIMENT_COLORS = {"negative": "#D55E00", "neutral": "#999999", "positive": "#0072B2"}


def marker_style(n: int) -> tuple[float, float]:
    """Marker area and alpha suited to ``n`` points (small and translucent for thousands).

    >>> marker_style(100), marker_style(3000)
    ((30.0, 0.9), (6.0, 0.45))
    """
    s = float(np.clip(3000 / max(n, 1), 4, 30))
    alpha = float(np.clip(0.9 * np.sqrt(750 / max(n, 1)), 0.25, 0.9))
    return round(s, 1), round(alpha, 2)


def _colors(names, colors) -> dict:
    base = {**SENTIMENT_COLORS, **(colors or {})}
    cycle = plt.get_cmap("tab10").colors
    out, i = {}, 0
    for name in names:
        if name in base:
            out[name] = base[name]
        else:
            out[name] = cycle[i % len(cycle)]
            i += 1
    return out


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
) -> Axes:
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
        Colour of each label (default: :data:`SENTIMENT_COLORS`, then tab10).
    axis_name : str
        Axis labels become ``"<axis_name> 1"`` and ``"<axis_name> 2"``.

    Returns
    -------
    Axes
        ``ax.collections[0]`` holds the points in the shuffled order; the permutation is
        stored as ``ax.collections[0].vizlab_order``.
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
    sc = ax.scatter(xy[perm, 0], xy[perm, 1], c=[cmap[l] for l in labels[perm]], s=s or d_s,
                    alpha=alpha or d_alpha, linewidths=0, rasterized=len(xy) > 500)
    sc.vizlab_order = perm
    ax.set_xticks([])
    ax.set_yticks([])
    if axis_name:
        ax.set_xlabel(f"{axis_name} 1")
        ax.set_ylabel(f"{axis_name} 2")
    if legend:
        names = names or {}
        handles = [Line2D([], [], ls="", marker="o", ms=7, color=cmap[l], label=names.get(l, str(l)))
                   for l in order]
        ax.legend(handles=handles, loc=legend_loc, frameon=True, framealpha=0.9)
    return ax


def plot_sense_similarity(
    within,
    between,
    *,
    layers=None,
    ax: Axes | None = None,
    labels: tuple[str, str] = ("same sense", "different senses"),
    color: str = "#0072B2",
    title: str | None = None,
    xlabel: str = "layer",
    ylabel: str = "mean cosine similarity",
) -> Axes:
    """Per-layer similarity of a word's vectors within a sense vs between senses.

    Parameters
    ----------
    within, between : array-like of shape (n_layers,)
        Mean cosine similarity of pairs of occurrences with the same / a different sense.
    layers : array-like of int, optional
        x positions (default 0..n_layers-1).

    Returns
    -------
    Axes
        Two lines (``ax.lines[0]`` within, ``ax.lines[1]`` between) and the gap shaded.
    """
    w = np.asarray(within, dtype=float)
    b = np.asarray(between, dtype=float)
    if w.ndim != 1 or w.shape != b.shape:
        raise ValueError(f"within and between must be 1-D of the same length, got {w.shape} and {b.shape}")
    x = np.arange(len(w)) if layers is None else np.asarray(layers)
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(x, w, "-o", color=color, label=labels[0], ms=4)
    ax.plot(x, b, "--s", color=color, alpha=0.7, label=labels[1], ms=4)
    ax.fill_between(x, b, w, color=color, alpha=0.12, lw=0)
    ax.set_xticks(x)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(loc="best")
    return ax
