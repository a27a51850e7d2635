"""Attention maps: one head as a heatmap or as lines between tokens, every head as a grid.

All functions take attention arrays (rows = queries, columns = keys, rows sum to 1) and token
labels; none of them computes anything beyond picking what to draw.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

__all__ = ["plot_attention_map", "plot_attention_lines", "plot_head_grid", "plot_rollout"]

CMAP = "Blues"


def _check_map(attn, tokens, name="attn") -> np.ndarray:
    a = np.asarray(attn, dtype=float)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"{name} must be a square (n_tokens, n_tokens) map, got shape {a.shape}")
    if tokens is not None and len(tokens) != a.shape[0]:
        raise ValueError(f"{len(tokens)} tokens for a {a.shape[0]} x {a.shape[1]} map")
    return a


def plot_attention_map(
    attn,
    *,
    tokens,
    ax: Axes | None = None,
    vmin: float = 0.0,
    vmax: float | None = None,
    cmap: str = CMAP,
    colorbar: bool = True,
    colorbar_label: str = "attention",
    annotate: bool = False,
    query_label: str = "query",
    key_label: str = "key",
    masked=None,
) -> Axes:
    """One attention map as a heatmap with token labels.

    Parameters
    ----------
    attn : array-like of shape (n_tokens, n_tokens)
        Row ``i`` = attention of query token ``i`` over the keys.
    tokens : list of str
    ax : Axes, optional
        Drawn into (a new figure when None).
    vmin, vmax : float
        Colour range (default ``vmax``: the map's maximum).
    annotate : bool
        Write each weight in its cell (for small maps).
    masked : array-like of bool, shape (n_tokens, n_tokens), optional
        Cells drawn grey (e.g. the causal mask's forbidden entries).

    Returns
    -------
    Axes
        ``ax.images[0]`` holds the map.
    """
    a = _check_map(attn, tokens)
    if ax is None:
        n = len(tokens)
        _, ax = plt.subplots(figsize=(max(3.5, 0.32 * n + 1.8), max(3.0, 0.32 * n + 1.2)))
    data = np.ma.masked_array(a, mask=None if masked is None else np.asarray(masked, bool))
    cm = plt.get_cmap(cmap).with_extremes(bad="0.85")
    im = ax.imshow(data, cmap=cm, vmin=vmin, vmax=float(a.max()) if vmax is None else vmax,
                   interpolation="nearest", aspect="equal")
    n = a.shape[0]
    ax.set_xticks(range(n), tokens, rotation=90)
    ax.set_yticks(range(n), tokens)
    ax.set_xlabel(key_label)
    ax.set_ylabel(query_label)
    ax.tick_params(length=0)
    for s in ax.spines.values():
        s.set_visible(False)
    if annotate:
        hi = im.norm(a) > 0.6
        for i in range(n):
            for j in range(n):
                if (masked is None or not data.mask[i, j]) and a[i, j] >= 0.005:
                    ax.text(j, i, f"{a[i, j]:.2f}".lstrip("0") if a[i, j] < 1 else "1", ha="center",
                            va="center", fontsize=7, color="white" if hi[i, j] else "black")
    if colorbar:
        ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.03, label=colorbar_label)
    return ax


def plot_attention_lines(
    attn,
    *,
    tokens,
    ax: Axes | None = None,
    query: int | None = None,
    color: str = "tab:blue",
    min_weight: float = 0.01,
    left_label: str = "query",
    right_label: str = "key",
) -> Axes:
    """The "lines between tokens" view: queries on the left, keys on the right.

    Each line's opacity and width follow the weight; lines under ``min_weight`` are left out.

    Parameters
    ----------
    attn : array-like of shape (n_tokens, n_tokens)
    tokens : list of str
    query : int, optional
        Draw only this query token's lines (its label is highlighted).
    min_weight : float
        Weights below it are not drawn.

    Returns
    -------
    Axes
        ``ax.collections[0]`` is a LineCollection with one segment per drawn (query, key) pair,
        ``ax.collections[0].weights`` the matching weights.
    """
    a = _check_map(attn, tokens)
    n = a.shape[0]
    if query is not None and not 0 <= query < n:
        raise ValueError(f"query must be a token index in 0..{n - 1}, got {query}")
    if ax is None:
        _, ax = plt.subplots(figsize=(3.6, max(3.0, 0.3 * n + 0.8)))
    rows = range(n) if query is None else [query]
    segs, weights = [], []
    for i in rows:
        for j in range(n):
            if a[i, j] >= min_weight:
                segs.append([(0.0, -i), (1.0, -j)])
                weights.append(a[i, j])
    weights = np.asarray(weights)
    top = weights.max() if weights.size else 1.0
    rgba = np.array([to_rgba(color, alpha=float(min(1.0, 0.1 + 0.9 * w / top))) for w in weights]).reshape(-1, 4)
    lc = LineCollection(segs, colors=rgba, linewidths=0.5 + 3.0 * weights / top if weights.size else 1.0)
    lc.weights = weights
    ax.add_collection(lc)
    for i, tok in enumerate(tokens):
        strong = query is not None and i == query
        ax.text(-0.04, -i, tok, ha="right", va="center", fontsize=9,
                fontweight="bold" if strong else "normal", color=color if strong else "black")
        ax.text(1.04, -i, tok, ha="left", va="center", fontsize=9)
    ax.set_xlim(-0.6, 1.6)
    ax.set_ylim(-n + 0.4, 0.8)
    ax.text(-0.04, 0.6, left_label, ha="right", va="bottom", fontsize=9, style="italic")
    ax.text(1.04, 0.6, right_label, ha="left", va="bottom", fontsize=9, style="italic")
    ax.set_axis_off()
    return ax


def plot_head_grid(
    attn,
    *,
    tokens,
    layers=None,
    highlight: tuple[int, int] | None = None,
    labels=None,
    fig: Figure | None = None,
    vmax: float | None = None,
    cmap: str = CMAP,
    layer_label: str = "layer",
    head_label: str = "head",
    colorbar_label: str = "attention",
    query_label: str = "query",
    key_label: str = "key",
) -> Figure:
    """Every head of every layer as a small heatmap, one shared colour scale.

    With ``highlight=(layer_row, head)`` that head is framed in the grid and drawn large on the
    right with its tokens on the axes.

    Parameters
    ----------
    attn : array-like of shape (n_layers, n_heads, n_tokens, n_tokens)
    tokens : list of str
    layers : list of int, optional
        Names of the rows (default ``0..n_layers-1``).
    highlight : (int, int), optional
        Row and head index of the head to enlarge.
    labels : array-like of str, shape (n_layers, n_heads), optional
        Pattern labels written under each small map.
    fig : Figure, optional
    vmax : float, optional
        Top of the shared colour scale (default: the 99th percentile of all weights, so a few
        sink weights near 1 do not wash out the rest).

    Returns
    -------
    Figure
        ``fig.grid_axes`` is the (n_layers, n_heads) array of small axes, ``fig.detail_ax`` the
        enlarged head (or None).
    """
    a = np.asarray(attn, dtype=float)
    if a.ndim != 4 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"attn must have shape (n_layers, n_heads, n, n), got {a.shape}")
    L, H, n, _ = a.shape
    if len(tokens) != n:
        raise ValueError(f"{len(tokens)} tokens for maps of {n} tokens")
    layers = list(range(L)) if layers is None else list(layers)
    vmax = float(np.quantile(a, 0.99)) if vmax is None else vmax
    if fig is None:
        w = 0.62 * H + (4.6 if highlight else 0.8)
        fig = plt.figure(figsize=(w, max(0.62 * L + 0.9, 4.6 if highlight else 0)))
    if highlight is not None:
        outer = fig.add_gridspec(1, 2, width_ratios=[0.62 * H, 4.2], wspace=0.3)
        grid = outer[0].subgridspec(L, H, wspace=0.08, hspace=0.15 if labels is None else 0.45)
    else:
        grid = fig.add_gridspec(L, H, wspace=0.08, hspace=0.15 if labels is None else 0.45)
    axes = np.empty((L, H), dtype=object)
    im = None
    for li in range(L):
        for h in range(H):
            ax = fig.add_subplot(grid[li, h])
            im = ax.imshow(a[li, h], cmap=cmap, vmin=0, vmax=vmax, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if li == 0:
                ax.set_title(f"{h}", fontsize=9, pad=3)
            if h == 0:
                ax.set_ylabel(f"{layers[li]}", fontsize=9, rotation=0, ha="right", va="center", labelpad=4)
            if labels is not None:
                ax.set_xlabel(str(np.asarray(labels)[li, h]), fontsize=7, labelpad=1)
            if highlight == (li, h):
                for s in ax.spines.values():
                    s.set_visible(True)
                    s.set_edgecolor("crimson")
                    s.set_linewidth(2.5)
            axes[li, h] = ax
    axes[0, 0].annotate(head_label + " →", xy=(0, 1), xycoords="axes fraction", xytext=(-4, 14),
                        textcoords="offset points", ha="right", fontsize=9)
    fig.text(axes[-1, 0].get_position().x0 - 0.035, 0.5 * (axes[0, 0].get_position().y1 + axes[-1, 0].get_position().y0),
             layer_label, rotation=90, ha="center", va="center", fontsize=10)
    fig.grid_axes = axes
    fig.detail_ax = None
    if highlight is not None:
        li, h = highlight
        detail = fig.add_subplot(outer[1])
        plot_attention_map(a[li, h], tokens=tokens, ax=detail, vmin=0, vmax=vmax, cmap=cmap, colorbar=False,
                           query_label=query_label, key_label=key_label)
        detail.set_title(f"{layer_label} {layers[li]}, {head_label} {h}", color="crimson")
        fig.detail_ax = detail
        fig.colorbar(im, ax=detail, fraction=0.046, pad=0.03, label=colorbar_label)
    else:
        fig.colorbar(im, ax=axes.ravel().tolist(), fraction=0.02, pad=0.02, label=colorbar_label)
    return fig


def plot_rollout(
    raw,
    rolled,
    *,
    tokens,
    fig: Figure | None = None,
    query: int = 0,
    titles=("last layer (mean of heads)", "rollout through all layers"),
    bar_title: str | None = None,
    legend=("last layer", "rollout"),
    cmap: str = CMAP,
) -> Figure:
    """Raw attention next to attention rollout, plus one query's row from both as bars.

    Parameters
    ----------
    raw, rolled : array-like of shape (n_tokens, n_tokens)
    tokens : list of str
    query : int
        Row compared in the bar panel (0 = [CLS], the sentence representation of BERT).

    Returns
    -------
    Figure
        ``fig.axes[0]`` raw map, ``fig.axes[1]`` rollout map, ``fig.axes[2]`` the bars (colorbars follow).
    """
    raw = _check_map(raw, tokens, "raw")
    rolled = _check_map(rolled, tokens, "rolled")
    n = len(tokens)
    if not 0 <= query < n:
        raise ValueError(f"query must be a token index in 0..{n - 1}, got {query}")
    if fig is None:
        fig = plt.figure(figsize=(15, 5.2))
    gs = fig.add_gridspec(1, 3, width_ratios=[1, 1, 0.9], wspace=0.45)
    ax0, ax1, ax2 = (fig.add_subplot(gs[i]) for i in range(3))
    ims = []
    for ax, m, t in ((ax0, raw, titles[0]), (ax1, rolled, titles[1])):
        plot_attention_map(m, tokens=tokens, ax=ax, cmap=cmap, colorbar=False)
        ax.set_title(t)
        ims.append(ax.images[0])
        ax.add_patch(Rectangle((-0.5, query - 0.5), n, 1, fill=False, edgecolor="crimson", linewidth=1.5))
    y = np.arange(n)
    ax2.barh(y - 0.2, raw[query], height=0.4, color="tab:gray", label=legend[0])
    ax2.barh(y + 0.2, rolled[query], height=0.4, color="tab:blue", label=legend[1])
    ax2.set_yticks(y, tokens)
    ax2.invert_yaxis()
    ax2.set_xlabel("attention")
    ax2.set_title(bar_title or f"row of {tokens[query]!s}", color="crimson")
    ax2.legend(loc="lower right", frameon=False)
    for ax, im in zip((ax0, ax1), ims):
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.03)
    return fig
