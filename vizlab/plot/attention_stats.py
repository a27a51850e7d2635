"""Layer x head heatmaps of attention statistics and of the heads' pattern labels."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure

from vizlab.i18n import get_lang
from vizlab.palette import SEQUENTIAL_CMAP, role_color
from vizlab.plot.display import PlotResult
from vizlab.plot.heatmap import heatmap

__all__ = ["plot_head_stats", "PATTERN_COLORS", "SHARE_METRICS", "METRIC_TITLES"]

# One colour per pattern label (vizlab.analysis.attention.PATTERNS), from the shared categorical palette.
PATTERN_COLORS = {
    "[CLS]": role_color("pattern.cls"),
    "[SEP]": role_color("pattern.sep"),
    "punct": role_color("pattern.punct"),
    "prev": role_color("pattern.prev"),
    "self": role_color("pattern.self"),
    "next": role_color("pattern.next"),
    "block": role_color("pattern.block"),
    "broad": role_color("pattern.broad"),
    "mixed": role_color("pattern.mixed"),
}

# Statistics that are shares of attention (drawn as percentages on a 0-100 % scale).
SHARE_METRICS = ("cls", "sep", "punct", "prev", "same", "next", "norm_entropy", "segment")

# Catalogue key (vizlab.i18n.CATALOGUE) of each statistic's panel title.
METRIC_TITLES = {"entropy": "entropy_nats", "norm_entropy": "norm_entropy", "distance": "attention_distance",
                 **{m: f"share_{m}" for m in ("cls", "sep", "punct", "prev", "same", "next", "segment")}}


def plot_head_stats(
    stats,
    *,
    metrics=("entropy", "cls", "sep", "prev", "same", "next"),
    titles: dict | None = None,
    pattern_names: dict | None = None,
    cell_names: dict | None = None,
    fig: Figure | None = None,
    ncols: int = 2,
    layers=None,
    heads=None,
    layer_label: str | None = None,
    head_label: str | None = None,
    labels_title: str | None = None,
    share_label: str | None = None,
    entropy_label: str | None = None,
    annot: bool = True,
    lang: str = "pt",
    annot_kws: dict | None = None,
    legend_kws: dict | None = None,
) -> PlotResult:
    """One layer x head heatmap per statistic, and a panel of the pattern labels.

    Shares of attention are drawn as percentages on a 0-100 % colour scale (cells and colour bar
    in %); the entropy on its own scale in nats, from 0 to its maximum.

    Layers and heads are numbered as readers see them: layer 1 is the first block, head 1 the first
    head, hidden state 0 the embedding output; negative numbers count from the end.

    Parameters
    ----------
    stats : HeadStats
        From :func:`vizlab.analysis.attention.head_stats` (any object with the metric arrays
        of shape (n_layers, n_heads) and ``labels``).
    metrics : sequence of str
        Attributes to draw.
    titles : dict, optional
        Panel title per metric (default: the catalogue's text named in :data:`METRIC_TITLES`).
    pattern_names : dict, optional
        Legend name per pattern label (default: the catalogue's ``pattern.<label>``).
    cell_names : dict, optional
        Short name per pattern label written in the cells (default: the catalogue's
        ``pattern_short.<label>``).
    layers, heads : list of int, optional
        Numbers of the rows and columns, written as their tick labels (default ``1..n``).
    layer_label, head_label, labels_title, share_label, entropy_label : str, optional
        Axis labels, the pattern panel's title and the colour-bar labels of shares and of the
        entropy (default: the catalogue's ``layer``, ``head``, ``head_pattern``,
        ``attention_share`` and ``nats`` in ``lang``).
    annot : bool
        Write each value (shares in % without decimals, entropy with one decimal) in its cell.
    legend_kws : dict, optional
        Passed to the pattern panel's legend (default: to the right of the panel, no frame).

    Returns
    -------
    PlotResult
        ``axes_[metric]`` per statistic and ``axes_["labels"]`` the pattern panel;
        ``values_["shown"][metric]`` the array drawn (percentages for shares).
    """
    tr = get_lang(lang)
    titles = {m: tr(key) for m, key in METRIC_TITLES.items()} | (titles or {})
    pattern_names = {p: tr(f"pattern.{p}") for p in PATTERN_COLORS} | (pattern_names or {})
    cell_names = {p: tr(f"pattern_short.{p}") for p in PATTERN_COLORS} | (cell_names or {})
    share_label, entropy_label = tr.default(share_label, "attention_share"), tr.default(entropy_label, "nats")
    labels = np.asarray(stats.labels)
    L, H = labels.shape
    layers = [i + 1 for i in range(L)] if layers is None else list(layers)
    heads = [h + 1 for h in range(H)] if heads is None else list(heads)
    panels = len(metrics) + 1
    nrows = int(np.ceil(panels / ncols))
    if fig is None:
        fig = plt.figure(figsize=(ncols * (0.42 * H + 1.8), nrows * (0.42 * L + 1.2)))
    gs = fig.add_gridspec(nrows, ncols, hspace=0.55, wspace=0.25)
    flat = [fig.add_subplot(gs[i // ncols, i % ncols]) for i in range(len(metrics))]
    flat.append(fig.add_subplot(gs[nrows - 1, len(metrics) % ncols:]))  # the pattern panel takes the rest
    axes, shown, bars = {}, {}, {}
    for ax, m in zip(flat, metrics):
        v = np.asarray(getattr(stats, m), dtype=float)
        if v.shape != (L, H):
            raise ValueError(f"stats.{m} has shape {v.shape}, expected {(L, H)}")
        share = m in SHARE_METRICS
        data = 100 * v if share else v
        r = heatmap(data, ax=ax, xticklabels=heads, yticklabels=layers, xrotation=0,
                    cmap=SEQUENTIAL_CMAP, vmin=0, vmax=100 if share else float(np.ceil(10 * v.max()) / 10),
                    annot=annot, fmt=0 if share else 1, lang=lang, annot_kws={"fontsize": 7, **(annot_kws or {})},
                    cbar_label=share_label if share else entropy_label if m == "entropy" else tr("tokens"),
                    cbar_kws={"fraction": 0.04, "pad": 0.02})
        ax.set_title(titles.get(m, m))
        axes[m], shown[m], bars[m] = ax, data, r.colorbar_
    ax = flat[len(metrics)]
    names = [p for p in PATTERN_COLORS if p in set(labels.ravel())]
    code = np.vectorize({p: i for i, p in enumerate(names)}.get)(labels).astype(float)
    text = np.vectorize(lambda x: cell_names.get(x, x.strip("[]")))(labels).astype(object)
    heatmap(code, ax=ax, xticklabels=heads, yticklabels=layers, xrotation=0,
            cmap=ListedColormap([PATTERN_COLORS[p] for p in names]),
            norm=BoundaryNorm(np.arange(len(names) + 1) - 0.5, len(names)), annot=text, cbar=False,
            annot_kws={"fontsize": 8, **(annot_kws or {})})
    ax.set_title(tr.default(labels_title, "head_pattern"))
    handles = [plt.Rectangle((0, 0), 1, 1, color=PATTERN_COLORS[p]) for p in names]
    ax.legend(handles, [pattern_names.get(p, p) for p in names],
              **{"loc": "upper left", "bbox_to_anchor": (1.02, 1.0), "frameon": False, "fontsize": 8,
                 **(legend_kws or {})})
    axes["labels"] = ax
    for a in axes.values():
        a.set_xlabel(tr.default(head_label, "head"))
        a.set_ylabel(tr.default(layer_label, "layer"))
        a.tick_params(length=0, labelsize=8)
    first = metrics[0] if metrics else "labels"
    return PlotResult(ax_=axes[first], axes_=axes, colorbar_=bars.get(first),
                      artists_={"colorbars": bars, "legend": ax.get_legend()},
                      values_={"shown": shown})
