"""Encoder, decoder, encoder-decoder: their attention masks side by side, with what each predicts where."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch

from vizlab.palette import role_color
from vizlab.plot.display import PlotResult
from vizlab.plot.glyphs import font_safe
from vizlab.plot.heatmap import heatmap

__all__ = ["plot_mask_panel", "plot_architecture_masks", "ALLOWED_COLOR", "BLOCKED_COLOR"]

ALLOWED_COLOR = role_color("mask.allowed")
BLOCKED_COLOR = role_color("mask.blocked")


def plot_mask_panel(allowed, *, queries: Sequence[str], keys: Sequence[str], ax=None, title: str = "",
                    query_label: str = "", key_label: str = "", predictions: Sequence[str] | None = None,
                    prediction_label: str = "", note: str = "", annot_kws: dict | None = None) -> PlotResult:
    """One mask: allowed (query, key) pairs in colour, blocked ones light grey.

    Parameters
    ----------
    allowed : ndarray of bool, shape (n_queries, n_keys)
    queries, keys : list of str
        Tokens as shown to readers.
    predictions : list of str, optional
        What the model predicts at each query position, written at the end of its row.
    note : str
        What the model predicts and where, written under the panel.
    """
    a = np.asarray(allowed, dtype=bool)
    r = heatmap(a.astype(float), ax=ax, xticklabels=list(keys), yticklabels=list(queries), vmin=0, vmax=1,
                cmap=ListedColormap([BLOCKED_COLOR, ALLOWED_COLOR]), cbar=False, xrotation=90, aspect="equal")
    ax = r.ax_
    ax.set_xticks(np.arange(-0.5, a.shape[1]), minor=True)
    ax.set_yticks(np.arange(-0.5, a.shape[0]), minor=True)
    ax.grid(which="minor", color="white", lw=1.2)
    ax.tick_params(which="minor", length=0)
    for lab in ax.get_xticklabels():
        lab.set_ha("right")
        lab.set_rotation_mode("anchor")
    ax.set_title(title, fontsize=10.5)
    ax.set_xlabel(key_label)
    ax.set_ylabel(query_label)
    texts = []
    if predictions is not None:
        if len(predictions) != a.shape[0]:
            raise ValueError(f"{len(predictions)} predictions for {a.shape[0]} query positions")
        kw = {"fontsize": 9, "color": role_color("highlight"), "va": "center", "ha": "left", **(annot_kws or {})}
        for i, p in enumerate(predictions):
            texts.append(ax.text(a.shape[1] - 0.3, i, "→ " + font_safe(p), **kw))
        if prediction_label:
            texts.append(ax.text(a.shape[1] - 0.3, -0.9, prediction_label, fontsize=8.5, color=role_color("highlight"),
                                 ha="left", va="bottom"))
    if note:
        ax.annotate(note, xy=(0.5, 0), xycoords=ax.xaxis.label, xytext=(0, -8), textcoords="offset points",
                    ha="center", va="top", fontsize=9.5)
    return PlotResult(ax_=ax, im_=r.im_, artists_={"predictions": texts}, values_={"allowed": a})


def plot_architecture_masks(panels: Sequence[dict], *, legend: tuple[str, str], suptitles: Sequence[str] = (),
                            fig=None) -> PlotResult:
    """Several :func:`plot_mask_panel` panels in rows, grouped under headings.

    Parameters
    ----------
    panels : list of dict
        Keyword arguments of :func:`plot_mask_panel` (``allowed`` included), plus ``group`` (index
        of the heading it sits under), ``width`` (relative width) and ``row`` (default 0; a
        heading's panels share a row).
    legend : (str, str)
        Labels of the allowed and blocked colours.
    suptitles : list of str
        One heading per group.
    """
    if fig is None:
        fig = plt.figure(figsize=(19, 5.5))
    rows = sorted({p.get("row", 0) for p in panels})
    outer = fig.add_gridspec(len(rows), 1, hspace=0.9)
    cells = {}
    for r, row in enumerate(rows):
        mine = [i for i, p in enumerate(panels) if p.get("row", 0) == row]
        inner = outer[r].subgridspec(1, len(mine), width_ratios=[panels[i].get("width", 1.0) for i in mine],
                                     wspace=0.6 if len(rows) == 1 else 0.45)
        cells.update({i: inner[0, j] for j, i in enumerate(mine)})
    axes, results = {}, []
    for i, p in enumerate(panels):
        ax = fig.add_subplot(cells[i])
        kw = {k: v for k, v in p.items() if k not in ("group", "width", "allowed", "row")}
        results.append(plot_mask_panel(p["allowed"], ax=ax, **kw))
        axes[f"panel{i}"] = ax
    renderer = fig.canvas.get_renderer()
    inv = fig.transFigure.inverted()

    def extent(ax):  # the panel with its tick labels and texts, in figure coordinates
        (x0, y0), (x1, y1) = inv.transform(ax.get_tightbbox(renderer).get_points())
        return x0, x1, ax.get_position().y1, ax.get_position().y0

    groups = {}
    for i, p in enumerate(panels):
        groups.setdefault(p.get("group", 0), []).append(extent(axes[f"panel{i}"]))
    pad = 0.1 / len(rows)
    tops = {g: max(e[2] for e in es) for g, es in groups.items()}
    for g, title in enumerate(suptitles):
        if g not in groups:
            continue
        x0, x1 = min(e[0] for e in groups[g]), max(e[1] for e in groups[g])
        fig.text((x0 + x1) / 2, tops[g] + pad, title, ha="center", va="bottom", fontsize=12, weight="bold")
        if g - 1 in groups and abs(tops[g - 1] - tops[g]) < 1e-6:  # a separator between groups of one row
            mid = (max(e[1] for e in groups[g - 1]) + x0) / 2
            bottom = min(e[3] for e in groups[g]) - 0.12 / len(rows)
            fig.add_artist(plt.Line2D([mid, mid], [bottom, tops[g] + pad + 0.04 / len(rows)], color="0.7", lw=1,
                                      transform=fig.transFigure))
    top = max(tops.values())
    handles = [Patch(color=ALLOWED_COLOR, label=legend[0]), Patch(color=BLOCKED_COLOR, label=legend[1])]
    leg = fig.legend(handles=handles, loc="lower right", ncol=2, frameon=False, bbox_to_anchor=(0.99, top + pad + 0.06 / len(rows)))
    return PlotResult(ax_=axes["panel0"], axes_=axes, artists_={"legend": leg, "panels": results},
                      values_={"allowed": [r.values_["allowed"] for r in results]})
