"""The report's figures: each a study (:mod:`vizlab.studies`) and a drawing (:mod:`vizlab.drawings`)
joined by id with its captions (:mod:`vizlab.figures.registry`), built by :mod:`vizlab.figures.build`
(``make figures``) into ``figures/``: PNG, SVG, attachments, the source data of each figure
(``<id>.data.json``) and ``manifest.json``.
"""

from vizlab.figures.registry import SECTIONS, FigureSpec, all_figures, get_figure
from vizlab.figures.save import save_figure

__all__ = ["SECTIONS", "FigureSpec", "all_figures", "get_figure", "save_figure"]
