"""Layer x head heatmaps of attention statistics and of the heads' pattern labels."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

__all__ = ["plot_head_stats", "PATTERN_COLORS"]

PATTERN_COLORS = {
    "[CLS]": "#1f77b4",
    "[SEP]": "#ff7f0e",
    "punct": "#9467bd",
    "prev": "#2ca02c",
    "self": "#8c564b",
    "next": "#17becf",
    "block": "#bcbd22",
    "broad": "#d62728",
    "mixed": "#c7c7c7",
}


def plot_head_stats(
    stats,
    *,
    metrics=("entropy", "cls", "sep", "prev", "same", "next"),
    titles: dict | None = None,
    pattern_names: dict | None = None,
    cell_names: dict | None = None,
    fig: Figure | None = None,
    ncols: int = 2,
    layer_label: str = "layer",
    head_label: str = "head",
    labels_title: str = "pattern",
    annotate: bool = True,
) -> Figure:
    """One layer x head heatmap per statistic, and a panel of the pattern labels.

    Parameters
    ----------
    stats : HeadStats
        From :func:`vizlab.analysis.attention.head_stats` (any object with the metric arrays
        of shape (n_layers, n_heads), ``labels`` and ``layers``).
    metrics : sequence of str
        Attributes to draw. Shares use a 0-1 scale, entropy its own.
    titles : dict, optional
        Panel title per metric (e.g. translated).
    pattern_names : dict, optional
        Display name per pattern label in the legend.
    cell_names : dict, optional
        Short name per pattern label written in the cells (default: the label).
    annotate : bool
        Write each value (shares in %, entropy with one decimal) in its cell.

    Returns
    -------
    Figure
        ``fig.metric_axes`` maps metric -> Axes; ``fig.labels_ax`` is the pattern panel.
    """
    titles = titles or {}
    pattern_names = pattern_names or {}
    cell_names = cell_names or {}
    labels = np.asarray(stats.labels)
    L, H = labels.shape
    panels = len(metrics) + 1
    nrows = int(np.ceil(panels / ncols))
    if fig is None:
        fig = plt.figure(figsize=(ncols * (0.42 * H + 1.6), nrows * (0.42 * L + 1.1)))
    gs = fig.add_gridspec(nrows, ncols, hspace=0.55, wspace=0.25)
    flat = [fig.add_subplot(gs[i // ncols, i % ncols]) for i in range(len(metrics))]
    # the pattern panel takes the rest of the last row
    flat.append(fig.add_subplot(gs[nrows - 1, len(metrics) % ncols:]))
    yt = list(stats.layers)
    metric_axes = {}
    for ax, m in zip(flat, metrics):
        v = np.asarray(getattr(stats, m), dtype=float)
        if v.shape != (L, H):
            raise ValueError(f"stats.{m} has shape {v.shape}, expected {(L, H)}")
        share = m != "entropy" and m != "distance"
        im = ax.imshow(v, cmap="viridis" if share else "magma", vmin=0, vmax=1 if share else float(v.max()),
                       aspect="auto", interpolation="nearest")
        if annotate:
            hi = im.norm(v) < 0.55
            for i in range(L):
                for j in range(H):
                    txt = f"{100 * v[i, j]:.0f}" if share else f"{v[i, j]:.1f}"
                    ax.text(j, i, txt, ha="center", va="center", fontsize=7,
                            color="white" if hi[i, j] else "black")
        ax.set_title(titles.get(m, m))
        fig.colorbar(im, ax=ax, fraction=0.04, pad=0.02)
        metric_axes[m] = ax
    ax = flat[len(metrics)]
    names = [p for p in PATTERN_COLORS if p in set(labels.ravel())]
    code = np.vectorize({p: i for i, p in enumerate(names)}.get)(labels)
    ax.imshow(code, cmap=ListedColormap([PATTERN_COLORS[p] for p in names]), vmin=-0.5,
              vmax=len(names) - 0.5, aspect="auto", interpolation="nearest")
    for i in range(L):
        for j in range(H):
            ax.text(j, i, cell_names.get(labels[i, j], labels[i, j].strip("[]")), ha="center", va="center", fontsize=8,
                    color="black" if labels[i, j] in ("mixed", "block", "next", "[SEP]") else "white")
    ax.set_title(labels_title)
    handles = [plt.Rectangle((0, 0), 1, 1, color=PATTERN_COLORS[p]) for p in names]
    ax.legend(handles, [pattern_names.get(p, p) for p in names], loc="upper left",
              bbox_to_anchor=(1.02, 1.0), frameon=False, fontsize=8)
    for a in [*metric_axes.values(), ax]:
        a.set_xticks(range(H))
        a.set_yticks(range(L), yt)
        a.set_xlabel(head_label)
        a.set_ylabel(layer_label)
        a.tick_params(length=0, labelsize=8)
    fig.metric_axes = metric_axes
    fig.labels_ax = ax
    return fig
