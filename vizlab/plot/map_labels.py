"""Readable names next to the islands of a 2-D map (topics, clusters), never on the points.

datamapplot (by the author of UMAP) is the reference for labelled data maps. It is not a dependency:
it pulls dask, distributed, datashader, pyarrow and scikit-image for what is, on vizlab's maps of a
few thousand points, a placement problem small enough to solve here with matplotlib alone:

1. each group's *island* (:func:`main_islands`): the largest connected piece of the group, points
   linked when closer than ``radius`` (a fraction of the map's diagonal); a group split in two islands
   is labelled next to its larger one;
2. labels, largest island first, go to the free spot nearest to their island: a spot is free when the
   label's box (white halo and a small clearance included) covers no point of the map, no island's
   box, no other label, no legend, and stays inside the axes; a label that had to go far from its
   island gets a thin leader line to it;
3. bold text with a white halo (``patheffects.withStroke``) keeps the names readable.

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
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from vizlab.plot.display import PlotResult
from vizlab.plot.glyphs import font_safe

__all__ = ["main_islands", "label_islands"]


def main_islands(coords, groups, *, radius: float = 0.04, min_size: int = 5,
                 exclude: Sequence[str] = ()) -> dict[str, np.ndarray]:
    """Each group's main island: ``{group: indices of its points}``, largest island first.

    Points of a group are linked when closer than ``radius`` times the map's diagonal; the island is the
    largest connected piece (so a group split in two is represented by its larger part).

    Parameters
    ----------
    coords : array-like of shape (n_points, 2)
    groups : array-like of shape (n_points,)
        Group (topic, cluster) of each point.
    radius : float
        Linking distance as a fraction of the map's diagonal.
    min_size : int
        Groups whose main island has fewer points are left out (no label).
    exclude : sequence of str
        Groups never labelled (e.g. ``"other"``, ``"-1"``).

    Returns
    -------
    dict str -> ndarray of int
        Indices into ``coords`` of each island's points, sorted; the dict is ordered by island size
        (largest first), then by group name.
    """
    X = np.asarray(coords, dtype=float)[:, :2]
    g = np.asarray([str(x) for x in groups])
    if len(g) != len(X):
        raise ValueError(f"{len(g)} groups for {len(X)} points")
    diag = float(np.hypot(*np.ptp(X, axis=0))) if len(X) else 0.0
    eps = radius * (diag or 1.0)
    skip = set(map(str, exclude))
    out = {}
    for name in dict.fromkeys(g.tolist()):
        if name in skip:
            continue
        idx = np.flatnonzero(g == name)
        pairs = cKDTree(X[idx]).query_pairs(eps, output_type="ndarray")
        adj = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(len(idx), len(idx)))
        _, comp = connected_components(adj, directed=False)
        sizes = np.bincount(comp)
        island = idx[comp == np.argmax(sizes)]
        if len(island) >= min_size:
            out[name] = island
    return dict(sorted(out.items(), key=lambda kv: (-len(kv[1]), kv[0])))


def _occupancy(px: np.ndarray, box: Bbox) -> np.ndarray:
    """Summed-area table of the points (pixels) inside ``box``: ``S[j, i]`` counts points with
    column < i and row < j, so any rectangle's count is four look-ups."""
    w, h = int(np.ceil(box.width)) + 1, int(np.ceil(box.height)) + 1
    inside = (px[:, 0] >= box.x0) & (px[:, 0] <= box.x1) & (px[:, 1] >= box.y0) & (px[:, 1] <= box.y1)
    cols = np.floor(px[inside, 0] - box.x0).astype(int)
    rows = np.floor(px[inside, 1] - box.y0).astype(int)
    grid = np.zeros((h, w), dtype=np.int64)
    np.add.at(grid, (rows, cols), 1)
    S = np.zeros((h + 1, w + 1), dtype=np.int64)
    S[1:, 1:] = grid.cumsum(0).cumsum(1)
    return S


def _count(S: np.ndarray, origin: Bbox, x0, y0, x1, y1) -> np.ndarray:
    """Points inside the pixel rectangles ``[x0, x1] x [y0, y1]`` (arrays), from the table ``S``."""
    h, w = S.shape[0] - 1, S.shape[1] - 1
    c0 = np.clip(np.floor(x0 - origin.x0).astype(int), 0, w)
    c1 = np.clip(np.floor(x1 - origin.x0).astype(int) + 1, 0, w)
    r0 = np.clip(np.floor(y0 - origin.y0).astype(int), 0, h)
    r1 = np.clip(np.floor(y1 - origin.y0).astype(int) + 1, 0, h)
    return S[r1, c1] - S[r0, c1] - S[r1, c0] + S[r0, c0]


def _gap(cx, cy, w, h, box: Bbox) -> np.ndarray:
    """Distance (pixels) between rectangles centred at ``(cx, cy)`` of size ``w x h`` and ``box``."""
    dx = np.maximum(0, np.maximum(box.x0 - (cx + w / 2), (cx - w / 2) - box.x1))
    dy = np.maximum(0, np.maximum(box.y0 - (cy + h / 2), (cy - h / 2) - box.y1))
    return np.hypot(dx, dy)


def label_islands(coords, groups, *, ax=None, names: Mapping[str, str] | None = None,
                  colors: Mapping[str, str] | None = None, radius: float = 0.04, min_size: int = 5,
                  exclude: Sequence[str] = (), fontsize: float = 9, halo_width: float = 3.0,
                  clearance: float = 2.5, leader_gap: float = 2.0, text_kws: dict | None = None,
                  leader_kws: dict | None = None) -> PlotResult:
    """Write each group's name next to its island of a 2-D map: readable, never on points or other names.

    Draws only the names: draw the points first (e.g. :func:`vizlab.plot.embeddings.plot_embedding_map`),
    then call this on the same axes once its limits, the legend and the figure size are final
    (placement is measured in pixels).

    Parameters
    ----------
    coords : array-like of shape (n_points, 2)
        The map (data coordinates of ``ax``); every point is kept free of names, labelled or not.
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
        See :func:`main_islands`.
    fontsize : float
        Font size of the names (points).
    halo_width : float
        Width of the white halo around the letters (points); 0 for none.
    clearance : float
        Smallest gap (points) between a name and any point, island box, legend, other name or the
        axes' edge.
    leader_gap : float
        A name placed farther than this many text heights from its island gets a leader line to the
        island's nearest point.
    text_kws, leader_kws : dict, optional
        Passed to ``ax.text`` and to the leader lines' ``ax.plot``.

    Returns
    -------
    PlotResult
        ``artists_["labels"]`` (the Text objects, in placement order), ``artists_["leaders"]`` (lines from
        far labels to their islands), ``values_["islands"]`` ({group: indices of the island's points}),
        ``values_["positions"]`` ({group: (x, y)} centre of each label, data coordinates),
        ``values_["skipped"]`` (groups left unlabelled because no free spot was found).
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5))
    X = np.asarray(coords, dtype=float)[:, :2]
    islands = main_islands(X, groups, radius=radius, min_size=min_size, exclude=exclude)
    names = dict(names or {})
    colors = dict(colors or {})
    fig = ax.figure
    ax.update_datalim(X)  # the map is in view (limits set by the caller are kept)
    ax.autoscale_view()
    ax.get_xlim(), ax.get_ylim()  # apply pending autoscaling: placement is measured with the final limits
    renderer = fig.canvas.get_renderer()
    px_per_pt = fig.dpi / 72
    m = clearance * px_per_pt
    ax_box = ax.get_window_extent(renderer)
    to_px, to_data = ax.transData.transform, ax.transData.inverted().transform
    P = to_px(X) if len(X) else np.zeros((0, 2))
    S = _occupancy(P, ax_box)
    island_boxes = {gr: Bbox.from_extents(*P[ix].min(0), *P[ix].max(0)) for gr, ix in islands.items()}
    blocked = [b.padded(m) for b in island_boxes.values()]
    legend = ax.get_legend()
    if legend is not None and legend.get_visible():
        blocked.append(legend.get_window_extent(renderer).padded(m))
    halo = [patheffects.withStroke(linewidth=halo_width, foreground="white")] if halo_width > 0 else []
    texts, leaders, positions, skipped = [], [], {}, []
    for group, ix in islands.items():
        label = names.get(group, group)
        if not label:
            continue
        kws = dict(ha="center", va="center", fontsize=fontsize, fontweight="bold",
                   color=colors.get(group, "#222222"), path_effects=halo, zorder=5)
        kws.update(text_kws or {})
        t = ax.text(0, 0, font_safe(str(label)), **kws)
        ext = t.get_window_extent(renderer)
        w, h = ext.width + halo_width * px_per_pt, ext.height + halo_width * px_per_pt  # with the halo
        # candidate centres: a grid over the axes, the box kept ``m`` pixels inside the edges
        xs = np.arange(ax_box.x0 + w / 2 + m, ax_box.x1 - w / 2 - m + 1e-9, max(w / 12, 1.0))
        ys = np.arange(ax_box.y0 + h / 2 + m, ax_box.y1 - h / 2 - m + 1e-9, max(h / 4, 1.0))
        cx, cy = (a.ravel() for a in np.meshgrid(xs, ys))
        x0, x1, y0, y1 = cx - w / 2, cx + w / 2, cy - h / 2, cy + h / 2
        free = _count(S, ax_box, x0 - m, y0 - m, x1 + m, y1 + m) == 0
        for b in blocked:
            free &= (x1 <= b.x0) | (x0 >= b.x1) | (y1 <= b.y0) | (y0 >= b.y1)
        if not free.any():
            t.remove()
            skipped.append(group)
            continue
        own = island_boxes[group]
        gap = _gap(cx, cy, w, h, own)
        centre = np.hypot(cx - (own.x0 + own.x1) / 2, cy - (own.y0 + own.y1) / 2)
        # nearest to the island; then centred on it, above rather than below (reads like a caption)
        score = np.where(free, gap + 0.1 * centre - 1e-3 * (cy > own.y1), np.inf)
        best = int(np.argmin(score))
        bx, by = cx[best], cy[best]
        px, py = to_data((bx, by))
        t.set_position((px, py))
        box = Bbox.from_extents(x0[best], y0[best], x1[best], y1[best])
        blocked.append(box.padded(m))
        texts.append(t)
        positions[group] = (float(px), float(py))
        if gap[best] > leader_gap * h:
            lk = dict(color=kws["color"], lw=0.8, alpha=0.8, zorder=4, solid_capstyle="round")
            lk.update(leader_kws or {})
            near = ix[int(np.argmin(np.hypot(P[ix, 0] - bx, P[ix, 1] - by)))]
            end = to_data((np.clip(P[near, 0], box.x0, box.x1), np.clip(P[near, 1], box.y0, box.y1)))
            (line,) = ax.plot([X[near, 0], end[0]], [X[near, 1], end[1]], scalex=False, scaley=False, **lk)
            leaders.append(line)
    return PlotResult(ax_=ax, artists_={"labels": texts, "leaders": leaders},
                      values_={"islands": islands, "positions": positions, "skipped": skipped})
