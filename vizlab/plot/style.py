"""A report style applied through a context manager (no global rcParams changes)."""

from __future__ import annotations

import contextlib

import matplotlib as mpl

__all__ = ["report_style", "REPORT_RC"]

REPORT_RC = {
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "figure.titlesize": 12,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.dpi": 100,
    "savefig.bbox": "tight",
    "svg.hashsalt": "vizlab",
    "svg.fonttype": "path",
    "image.cmap": "viridis",
    "font.family": "DejaVu Sans",
}


@contextlib.contextmanager
def report_style(**overrides):
    """Context manager with vizlab's figure style; restores matplotlib's settings on exit.

    >>> with report_style():
    ...     pass
    """
    with mpl.rc_context({**REPORT_RC, **overrides}):
        yield


# ------------------------------------------------------------------------------------ the printed page

MM = 1 / 25.4
PAGE_WIDTH_MM = 183.0    # Nature's double-column width
PAGE_HEIGHT_MM = 247.0   # Nature's full page height
MIN_FONT_PT = 6.0        # no text smaller than this at the printed size
SAVE_PAD_IN = 0.1        # the white margin ``bbox_inches="tight"`` adds on every side (savefig's pad_inches)


SAVE_DPI = 200           # the dpi figures are saved at (vizlab.figures.save.DPI): text extents depend on it


def printed_size_in(fig, *, dpi: float = SAVE_DPI) -> tuple[float, float]:
    """Width and height in inches of ``fig`` as saved at ``dpi`` (its tight bounding box plus the save
    margin; measured at the saving dpi, whose text extents differ by a few percent from the screen's)."""
    old = fig.dpi
    try:
        fig.set_dpi(dpi)
        fig.canvas.draw()
        bb = fig.get_tightbbox(fig.canvas.get_renderer())
    finally:
        fig.set_dpi(old)
    return bb.width + 2 * SAVE_PAD_IN, bb.height + 2 * SAVE_PAD_IN


def _scale_artists(fig, s: float, min_font: float) -> None:
    """Scale every size given in points (texts, lines, markers, ticks, pads, arrows) by ``s``; no
    text goes under ``min_font``."""
    from matplotlib.collections import Collection, PathCollection
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrowPatch, Patch
    from matplotlib.text import Annotation, Text

    ticks = set()
    for ax in fig.axes:
        for axis, which in ((ax.xaxis, "x"), (ax.yaxis, "y")):
            for kind, got in (("major", axis.get_major_ticks()), ("minor", axis.get_minor_ticks())):
                if not got:
                    continue
                t = got[0]
                ticks.update(id(o) for tk in got for o in (tk.label1, tk.label2, tk.tick1line, tk.tick2line,
                                                             tk.gridline))
                ax.tick_params(axis=which, which=kind, labelsize=max(min_font, t.label1.get_fontsize() * s),
                               length=t.tick1line.get_markersize() * s,
                               width=t.tick1line.get_markeredgewidth() * s, pad=t.get_pad() * s)
            axis.labelpad = axis.labelpad * s
        pad = getattr(ax.titleOffsetTrans, "_t", (0.0, mpl.rcParams["axes.titlepad"] / 72))[1] * 72
        ax._set_title_offset_trans(pad * s)  # the title's own pad (points), kept in proportion
    for o in fig.findobj():
        if id(o) in ticks:
            continue
        if isinstance(o, Text):
            o.set_fontsize(max(min_font, o.get_fontsize() * s))
            if isinstance(o, Annotation) and o.anncoords in ("offset points", "offset pixels"):
                o.xyann = (o.xyann[0] * s, o.xyann[1] * s)
        elif isinstance(o, Line2D):
            o.set_linewidth(o.get_linewidth() * s)
            o.set_markersize(o.get_markersize() * s)
            o.set_markeredgewidth(o.get_markeredgewidth() * s)
        elif isinstance(o, FancyArrowPatch):
            o.set_linewidth(o.get_linewidth() * s)
            o.set_mutation_scale(o.get_mutation_scale() * s)
        elif isinstance(o, Patch):
            o.set_linewidth(o.get_linewidth() * s)
        elif isinstance(o, Collection):
            o.set_linewidths([w * s for w in o.get_linewidths()])
            if isinstance(o, PathCollection) and len(o.get_sizes()):
                o.set_sizes(o.get_sizes() * s * s)


def fit_to_page(fig, *, width_mm: float = PAGE_WIDTH_MM, height_mm: float = PAGE_HEIGHT_MM,
                min_font: float = MIN_FONT_PT, shrink: bool = True) -> float:
    """Reduce ``fig`` to the printed page: at most ``width_mm`` x ``height_mm`` as saved, no text
    under ``min_font`` points.

    A figure that is larger is reduced as a printer would reduce it, its size and every size in
    points (fonts, lines, markers, ticks, pads) by the same factor, except that no text goes under
    ``min_font``; the figure then shrinks further, with its fonts kept, until it fits. A figure that
    already fits is left alone. Returns the factor of the first reduction (1.0 when nothing
    changed). A figure drawn far too large for its fonts comes out crowded: draw it narrower or
    split it (``tests/test_print_size.py`` checks every report figure for clashing texts).
    """
    w, h = printed_size_in(fig)
    s = min(width_mm * MM / w, height_mm * MM / h)
    if s >= 0.999:
        return 1.0
    _scale_artists(fig, s * 0.995, min_font)
    fig.set_size_inches(fig.get_size_inches() * s * 0.995)
    for _ in range(6 if shrink else 0):  # texts kept at min_font and pads of layouts do not shrink with the figure
        w, h = printed_size_in(fig)
        r = min((width_mm - 2) * MM / w, (height_mm - 2) * MM / h)  # 2 mm: the saved dpi's text extents
        if r >= 0.999:
            break
        fig.set_size_inches(fig.get_size_inches() * (r * 0.99 if r > 0.9 else r))
    return s
