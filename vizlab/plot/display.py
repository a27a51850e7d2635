"""What every plot function returns: one :class:`PlotResult` with named attributes.

Like scikit-learn's Display objects (``ConfusionMatrixDisplay.ax_``, ``im_``, ``text_``), the
artists and computed values a caller may need are named attributes of the returned object, never
attributes bolted onto matplotlib's own objects:

- ``figure_`` — the :class:`~matplotlib.figure.Figure` drawn into;
- ``ax_`` — the main :class:`~matplotlib.axes.Axes`;
- ``axes_`` — every panel by name (``{"main": ax_}`` for one-panel plots);
- ``im_`` — the main image (heatmaps), else ``None``;
- ``text_`` — ``ndarray`` of the cell annotations (``None`` where a cell has none), else ``None``;
- ``colorbar_`` — the colour bar, else ``None``;
- ``artists_`` — other named artists (lines, bars, scatter collections, highlight patches);
- ``values_`` — named values computed while drawing (colour range, picked head, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = ["PlotResult"]


@dataclass(eq=False)
class PlotResult:
    """Result of a vizlab plot function (see the module docstring for each attribute)."""

    ax_: Axes
    axes_: dict[str, Axes] = field(default_factory=dict)
    im_: Any = None
    text_: Any = None
    colorbar_: Any = None
    artists_: dict[str, Any] = field(default_factory=dict)
    values_: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        self.axes_ = {"main": self.ax_, **self.axes_}

    @property
    def figure_(self) -> Figure:
        return self.ax_.figure

    def __repr__(self) -> str:
        return f"PlotResult(axes={list(self.axes_)}, artists={list(self.artists_)}, values={list(self.values_)})"
