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
