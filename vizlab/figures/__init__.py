"""The report's figure registry: each figure's id, section, captions, inputs and builder.

Figure builders live in one module per report section (``vizlab.figures.attention``, ...)
and register themselves with :func:`register`. ``scripts/make_figures.py`` runs them.
"""

from vizlab.figures.registry import (
    SECTIONS,
    FigureContext,
    FigureSpec,
    all_figures,
    get_figure,
    register,
)
from vizlab.figures.save import save_figure

__all__ = ["SECTIONS", "FigureContext", "FigureSpec", "all_figures", "get_figure", "register", "save_figure"]
