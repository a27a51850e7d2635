"""Plotting layer: draw given data with matplotlib (never imports the extraction layer).

Every function takes its data first, everything else keyword-only, an optional ``ax=``
(or ``fig=`` for multi-panel figures), and returns what it drew.
"""

from vizlab.plot.style import report_style

__all__ = ["report_style"]
