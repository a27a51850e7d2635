"""Dynamic padding: the same texts padded to the longest of all vs to the longest of their batch."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch

from vizlab.i18n import get_lang
from vizlab.palette import role_color
from vizlab.plot.display import PlotResult
from vizlab.plot.heatmap import heatmap, localize_axes

__all__ = ["plot_dynamic_padding", "GRID_COLORS"]

GRID_COLORS = ("white", role_color("token.pad"), role_color("token.real"))  # not computed, padding, real token

def plot_dynamic_padding(
    fixed_grid,
    *,
    dynamic_grid,
    batch_sizes,
    costs: dict,
    pad_to: int,
    fig=None,
    text: dict | None = None,
    lang: str = "pt",
    bar_kws: dict | None = None,
) -> PlotResult:
    """Two grids (rows = texts, columns = positions) and the per-batch cost of the whole epoch.

    Parameters
    ----------
    fixed_grid, dynamic_grid : ndarray of int, shape (n_texts, pad_to)
        2 = real token, 1 = padding, 0 = not computed (from :func:`vizlab.analysis.padding.padding_grid`).
    batch_sizes : list of int
        Sizes of the batches shown in the grids (separator lines).
    costs : dict
        From :func:`vizlab.analysis.padding.padding_costs` for every batch of the epoch.
    pad_to : int
    text : dict, optional
        Replaces panel texts: the catalogue's ``"padding.<name>"`` entries in ``lang`` (``fixed``,
        ``dynamic``, ``costs``, ``position``, ``text`` with ``{size}``, ``batch``, ``tokens``, ``real``,
        ``pad``, ``none``, ``fixed_line``, ``dynamic_bars``, ``real_line``; ``{pad_to}`` is filled in).
    """
    tt = get_lang(lang).texts("padding", override=text)
    if fig is None:
        fig = plt.figure(figsize=(14, 9))
    gs = fig.add_gridspec(2, 2, height_ratios=[1.5, 1], hspace=0.38, wspace=0.12)
    ax_f, ax_d = fig.add_subplot(gs[0, 0]), fig.add_subplot(gs[0, 1])
    ax_c = fig.add_subplot(gs[1, :])
    cmap = ListedColormap(list(GRID_COLORS))
    kw = {"cmap": cmap, "vmin": -0.5, "vmax": 2.5, "cbar": False, "lang": lang}
    r_f = heatmap(fixed_grid, ax=ax_f, **kw)
    r_d = heatmap(dynamic_grid, ax=ax_d, **kw)
    edges = np.cumsum(batch_sizes)[:-1] - 0.5
    for ax, key in ((ax_f, "fixed"), (ax_d, "dynamic")):
        for e in edges:
            ax.axhline(e, color="black", lw=1.0)
        ax.set_title(tt[key].format(pad_to=pad_to), fontsize=10.5)
        ax.set_xlabel(tt["position"])
        ticks = list(range(0, pad_to, 20))
        ax.set_xticks(ticks, [str(t + 1) for t in ticks], rotation=0)
        ax.set_yticks([])
        for s in ("left", "bottom"):
            ax.spines[s].set_visible(True)
            ax.spines[s].set_color("0.6")
    ax_f.set_ylabel(tt["text"].format(size=max(batch_sizes)))
    # per-batch cost of the epoch
    x = np.arange(1, len(costs["size"]) + 1)
    bars = ax_c.bar(x, costs["dynamic_tokens"], width=0.85, color=GRID_COLORS[1],
                    label=tt["dynamic_bars"], **(bar_kws or {}))
    (real,) = ax_c.step(x, costs["real_tokens"], where="mid", color=GRID_COLORS[2], lw=1.4, label=tt["real_line"])
    (fixed,) = ax_c.plot([0.5, len(x) + 0.5], [costs["fixed_tokens"].max()] * 2, color=role_color("padding.fixed"), lw=2,
                         label=tt["fixed_line"].format(pad_to=pad_to))
    ax_c.set_xlim(0.5, len(x) + 0.5)
    ax_c.set_ylim(0, costs["fixed_tokens"].max() * 1.28)
    ax_c.set_xlabel(tt["batch"])
    ax_c.set_ylabel(tt["tokens"])
    ax_c.set_title(tt["costs"], fontsize=10.5)
    ax_c.legend(loc="upper right", ncol=3, frameon=False, bbox_to_anchor=(1, 1.0))
    localize_axes(ax_c, lang=lang)
    handles = [Patch(color=GRID_COLORS[2], label=tt["real"]), Patch(color=GRID_COLORS[1], label=tt["pad"]),
               Patch(facecolor=GRID_COLORS[0], edgecolor="0.6", label=tt["none"])]
    leg = fig.legend(handles=handles, loc="upper center", ncol=3, frameon=False,
                     bbox_to_anchor=(0.5, ax_f.get_position().y1 + 0.075))
    return PlotResult(ax_=ax_d, axes_={"fixed": ax_f, "dynamic": ax_d, "costs": ax_c}, im_=r_d.im_,
                      artists_={"fixed_im": r_f.im_, "bars": bars, "real_line": real, "fixed_line": fixed,
                                "legend": leg},
                      values_={"pad_to": pad_to})
