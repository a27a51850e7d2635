"""Names written on a map: a label per group (e.g. the topic of each island of an embedding map)."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.patheffects as pe
from matplotlib.axes import Axes

from vizlab.plot.display import PlotResult
from vizlab.plot.glyphs import font_safe

__all__ = ["annotate_groups"]


def annotate_groups(anchors: Mapping, *, ax: Axes, names: Mapping | None = None, skip=(),
                    text_kws: dict | None = None) -> PlotResult:
    """Write each group's name at its anchor point, in bold with a white outline (readable over points).

    Parameters
    ----------
    anchors : mapping group -> (x, y)
        E.g. :func:`vizlab.analysis.topics.group_anchors`.
    names : mapping, optional
        Text shown for each group (default: the group itself).
    skip : collection
        Groups not labelled (e.g. ``"other"``).
    text_kws : dict, optional
        Passed to ``ax.text``.

    Returns
    -------
    PlotResult
        ``artists_["labels"]``: group -> ``Text``.
    """
    names = names or {}
    kws = {"ha": "center", "va": "center", "fontsize": 8.5, "fontweight": "bold", "color": "0.1", "zorder": 10,
           "path_effects": [pe.withStroke(linewidth=3, foreground="white")], **(text_kws or {})}
    labels = {}
    for g, (x, y) in anchors.items():
        if g in skip:
            continue
        labels[g] = ax.text(x, y, font_safe(str(names.get(g, g))), **kws)
    return PlotResult(ax_=ax, artists_={"labels": labels})
