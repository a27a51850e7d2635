"""Readable names on the islands of a 2-D map (topics, clusters), placed without overlap.

datamapplot (by the author of UMAP) is the reference for labelled data maps. It is not a dependency:
it pulls dask, distributed, datashader, pyarrow and scikit-image for what is, on vizlab's maps of a
few thousand points, a placement problem small enough to solve here with matplotlib alone:

1. each group's *island*: the point of the group with the most same-group neighbours within
   ``radius`` (a fraction of the map's diagonal), and the mean of those neighbours as the anchor
   (a group split in two islands is labelled on its larger one);
2. labels, largest group first, go to the anchor, or else to the nearest free spot of a grid around
   it, so that no two labels' boxes overlap and no label leaves
   the axes; a label moved off its anchor gets a thin leader line back to it;
3. a white halo (``patheffects.withStroke``) keeps the text readable over the points.

>>> import numpy as np, matplotlib
>>> matplotlib.use("Agg")
>>> rng = np.random.default_rng(0)
>>> xy = np.concatenate([rng.normal(c, 0.3, (40, 2)) for c in ([0, 0], [3, 0])])
>>> res = label_islands(xy, ["cinema"] * 40 + ["comida"] * 40)
>>> sorted(t.get_text() for t in res.artists_["labels"])
['cinema', 'comida']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import patheffects
from matplotlib.transforms import Bbox

from vizlab.plot.display import PlotResult
from vizlab.plot.glyphs import font_safe

__all__ = ["island_anchors", "label_islands"]


def island_anchors(coords, groups, *, radius: float = 0.06, min_size: int = 5,
                   exclude: Sequence[str] = ()) -> dict[str, tuple[float, float, int]]:
    """Where each group's main island is: ``{group: (x, y, n_points_in_island)}``.

    Parameters
    ----------
    coords : array-like of shape (n_points, 2)
    groups : array-like of shape (n_points,)
        Group (topic, cluster) of each point.
    radius : float
        Neighbourhood radius as a fraction of the map's diagonal.
    min_size : int
        Groups with fewer points get no anchor (no label).
    exclude : sequence of str
        Groups never labelled (e.g. ``"noise"``, ``"-1"``).
    """
    X = np.asarray(coords, dtype=float)[:, :2]
    g = np.asarray([str(x) for x in groups])
    if len(g) != len(X):
        raise ValueError(f"{len(g)} groups for {len(X)} points")
    diag = float(np.hypot(*np.ptp(X, axis=0))) or 1.0
    r2 = (radius * diag) ** 2
    out = {}
    for name in dict.fromkeys(g.tolist()):
        P = X[g == name]
        if name in set(map(str, exclude)) or len(P) < min_size:
            continue
        if len(P) > 2000:  # the densest point of a fixed subsample keeps this O(n) in memory
            P = P[np.linspace(0, len(P) - 1, 2000).astype(int)]
        close = ((P[:, None, :] - P[None, :, :]) ** 2).sum(-1) <= r2
        best = int(np.argmax(close.sum(1)))
        island = P[close[best]]
        out[name] = (float(island[:, 0].mean()), float(island[:, 1].mean()), int(close[best].sum()))
    return out


def _offsets(width: float, height: float, reach: float):
    """Candidate shifts (pixels) of a label from its anchor, nearest first: a grid one label height
    apart vertically and a third of its width horizontally, within ``reach``."""
    nx, ny = int(reach // (width / 3)) + 1, int(reach // height) + 1
    grid = [(i * width / 3, j * height) for i in range(-nx, nx + 1) for j in range(-ny, ny + 1)]
    grid = [(dx, dy) for dx, dy in grid if np.hypot(dx, dy) <= reach]
    return sorted(grid, key=lambda d: (round(np.hypot(*d), 6), -d[1], d[0]))


def label_islands(coords, groups, *, ax=None, names: Mapping[str, str] | None = None,
                  colors: Mapping[str, str] | None = None, radius: float = 0.06, min_size: int = 5,
                  exclude: Sequence[str] = (), fontsize: float = 10, halo_width: float = 3.5,
                  pad: float = 3.0, max_rings: int = 12, anchors: Mapping | None = None,
                  text_kws: dict | None = None, leader_kws: dict | None = None) -> PlotResult:
    """Write each group's name on its island of a 2-D map, readable and without overlaps.

    Draws only the names: draw the points first (e.g. :func:`vizlab.plot.embeddings.plot_embedding_map`),
    then call this on the same axes once its limits and the figure size are final (placement is
    measured in pixels).

    Parameters
    ----------
    coords : array-like of shape (n_points, 2)
        The map (data coordinates of ``ax``).
    groups : array-like of shape (n_points,)
        Group of each point (topic, cluster id).
    ax : Axes, optional
        Axes to write on (default: a new figure).
    names : mapping, optional
        Text written for each group (default: the group itself); groups mapped to ``None`` or ``""``
        get no label. Texts pass through :func:`vizlab.plot.glyphs.font_safe`; ``"\\n"`` breaks lines.
    colors : mapping, optional
        Text colour per group (default: near-black ``#222222``).
    radius, min_size, exclude
        See :func:`island_anchors`.
    fontsize : float
        Font size of the names (points).
    halo_width : float
        Width of the white halo around the letters (points); 0 for none.
    pad : float
        Minimum gap between two labels (pixels).
    max_rings : int
        How far a label may move from its anchor, in label heights (candidate spots on a grid, nearest
        first).
    anchors : mapping group -> (x, y), optional
        Anchors computed elsewhere (e.g. :func:`vizlab.analysis.topics.group_anchors`): used instead of
        :func:`island_anchors`, labels placed in the mapping's order.
    text_kws, leader_kws : dict, optional
        Passed to ``ax.text`` and to the leader lines' ``ax.plot``.

    Returns
    -------
    PlotResult
        ``artists_["labels"]`` (the Text objects, in placement order), ``artists_["leaders"]`` (lines from
        moved labels to their anchors), ``values_["anchors"]`` ({group: (x, y)}), ``values_["positions"]``
        ({group: (x, y)} where each label went), ``values_["skipped"]`` (groups left unlabelled because no
        free spot was found).
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5))
    X = np.asarray(coords, dtype=float)
    if anchors is None:
        anchors = island_anchors(X, groups, radius=radius, min_size=min_size, exclude=exclude)
    else:
        skip = set(map(str, exclude))
        anchors = {str(g): (float(xy[0]), float(xy[1]), len(anchors) - k)
                   for k, (g, xy) in enumerate(anchors.items()) if str(g) not in skip}
    names = dict(names or {})
    colors = dict(colors or {})
    fig = ax.figure
    ax.update_datalim(X[:, :2])  # the map is in view (limits set by the caller are kept)
    ax.autoscale_view()
    ax.get_xlim(), ax.get_ylim()  # apply pending autoscaling: placement is measured with the final limits
    renderer = fig.canvas.get_renderer()
    ax_box = ax.get_window_extent(renderer)
    to_px, to_data = ax.transData.transform, ax.transData.inverted().transform
    halo = [patheffects.withStroke(linewidth=halo_width, foreground="white")] if halo_width > 0 else []
    placed: list[Bbox] = []
    texts, leaders, positions, skipped = [], [], {}, []
    for group, (x, y, _n) in sorted(anchors.items(), key=lambda kv: (-kv[1][2], kv[0])):
        label = names.get(group, group)
        if not label:
            continue
        kws = dict(ha="center", va="center", fontsize=fontsize, fontweight="bold",
                   color=colors.get(group, "#222222"), path_effects=halo, zorder=5)
        kws.update(text_kws or {})
        t = ax.text(x, y, font_safe(str(label)), **kws)
        box0 = t.get_window_extent(renderer)
        ax0, ay0 = to_px((x, y))
        step = box0.height + pad
        for dx, dy in _offsets(box0.width + pad, step, max_rings * step):
            box = Bbox.from_bounds(box0.x0 + dx - pad / 2, box0.y0 + dy - pad / 2,
                                   box0.width + pad, box0.height + pad)
            inside = (box.x0 >= ax_box.x0 and box.x1 <= ax_box.x1 and box.y0 >= ax_box.y0
                      and box.y1 <= ax_box.y1)
            if inside and not any(box.overlaps(b) for b in placed):
                break
        else:
            t.remove()
            skipped.append(group)
            continue
        placed.append(box)
        px, py = to_data((ax0 + dx, ay0 + dy))
        t.set_position((px, py))
        texts.append(t)
        positions[group] = (float(px), float(py))
        if dx or dy:
            lk = dict(color=kws["color"], lw=0.8, alpha=0.8, zorder=4, solid_capstyle="round")
            lk.update(leader_kws or {})
            # from the anchor to the near edge of the label's box
            ex = np.clip(ax0, box.x0, box.x1)
            ey = np.clip(ay0, box.y0, box.y1)
            end = to_data((ex, ey))
            (line,) = ax.plot([x, end[0]], [y, end[1]], scalex=False, scaley=False, **lk)
            leaders.append(line)
    return PlotResult(ax_=ax, artists_={"labels": texts, "leaders": leaders},
                      values_={"anchors": {k: (v[0], v[1]) for k, v in anchors.items()},
                               "positions": positions, "skipped": skipped})
