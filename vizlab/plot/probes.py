"""Probe accuracies with their intervals: per layer (error bars) and against the number of examples (bands).

Both plots take a *summary* frame (one row per series and x value, with the value and its
interval, e.g. from :func:`vizlab.analysis.intervals.bootstrap_ci`) and draw reference results
that do not depend on x (a topic-only classifier, chance) as horizontal lines with their band.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from vizlab.i18n import get_lang
from vizlab.palette import CATEGORICAL, ROLE_COLORS
from vizlab.plot.display import PlotResult
from vizlab.plot.frames import require_columns
from vizlab.plot.heatmap import percent_axis

__all__ = ["plot_layer_probes", "plot_data_efficiency", "draw_reference", "draw_references"]


def _color(key, i: int, colors: Mapping | None) -> str:
    if colors and key in colors:
        return colors[key]
    if key in ROLE_COLORS:
        return ROLE_COLORS[key]
    return CATEGORICAL[i % len(CATEGORICAL)]


def draw_reference(ax: Axes, value: float, *, lo: float | None = None, hi: float | None = None,
                   label: str = "", color: str = ROLE_COLORS["baseline"], ls: str = "--", **line_kws):
    """A horizontal reference line (e.g. the topic-only classifier) with its interval as a band.

    Returns the ``Line2D`` (the band, if any, is the last of ``ax.collections``).
    """
    line = ax.axhline(value, color=color, ls=ls, lw=1.3, label=label or None, zorder=1, **line_kws)
    if lo is not None and hi is not None:
        ax.axhspan(lo, hi, color=color, alpha=0.10, lw=0, zorder=0)
    return line


def draw_references(ax: Axes, references: Sequence[Mapping] | None) -> list:
    """:func:`draw_reference` for each ``{"value", "lo", "hi", "label", "color", "ls"}``; the lines drawn."""
    out = []
    for ref in references or ():
        ref = dict(ref)
        out.append(draw_reference(ax, ref.pop("value"), **ref))
    return out


def _draw_series(summary, *, x: str, hue: str, ax, names, colors, references, draw, xlabel: str, ylabel: str,
                 lang: str, legend_kws) -> tuple:
    """One series per ``hue`` value (``draw(ax, group, color, label)``), the references, labels and legend."""
    require_columns(summary, [x, "value", "lo", "hi", hue], name="summary")
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 3.8))
    names = names or {}
    drawn = {key: draw(ax, g.sort_values(x), _color(key, i, colors), names.get(key, str(key)))
             for i, (key, g) in enumerate(summary.groupby(hue, sort=False))}
    refs = draw_references(ax, references)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    percent_axis(ax.yaxis, lang=lang)  # accuracies are percentages everywhere (figures, legends, REPORT)
    ax.legend(**{"fontsize": 8, **legend_kws})
    return ax, drawn, refs


def plot_layer_probes(
    summary: pd.DataFrame,
    *,
    hue: str = "model",
    ax: Axes | None = None,
    names: Mapping | None = None,
    colors: Mapping | None = None,
    references: Sequence[Mapping] | None = None,
    xticklabels: Sequence[str] | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    lang: str = "pt",
    legend_kws: dict | None = None,
    errorbar_kws: dict | None = None,
) -> PlotResult:
    """Probe accuracy per layer with its interval as error bars, one line per ``hue`` value.

    Parameters
    ----------
    summary : DataFrame with columns ``layer``, ``value``, ``lo``, ``hi`` and ``hue``
        One row per (hue, layer): the accuracy and the ends of its interval.
    names, colors : mapping, optional
        Legend name and colour of each hue value (colours default to
        :data:`vizlab.palette.ROLE_COLORS` for role names such as ``"pretrained"``).
    references : list of dict, optional
        Horizontal reference lines, each ``{"value", "lo", "hi", "label", "color", "ls"}``
        (see :func:`draw_reference`), e.g. the topic-only classifier and chance.
    xticklabels : list of str, optional
        One label per layer (e.g. :func:`vizlab.numbering.hidden_label`).
    xlabel, ylabel : str, optional
        Default: the catalogue's ``hidden_layer_axis`` and ``probe_accuracy`` in ``lang``.

    Returns
    -------
    PlotResult
        ``artists_["errorbars"]``: hue value -> ``ErrorbarContainer`` (the mean line is
        ``.lines[0]``); ``artists_["references"]``: the reference lines.
    """
    tr = get_lang(lang)
    kws = {"fmt": "-o", "ms": 4, "capsize": 3, "lw": 1.8, **(errorbar_kws or {})}

    def draw(ax, g, color, label):
        v = g["value"].to_numpy()
        yerr = np.vstack([v - g["lo"].to_numpy(), g["hi"].to_numpy() - v])
        return ax.errorbar(g["layer"], v, yerr=yerr, color=color, label=label, **kws)

    ax, bars, refs = _draw_series(summary, x="layer", hue=hue, ax=ax, names=names, colors=colors,
                                  references=references, draw=draw, lang=lang,
                                  xlabel=tr.default(xlabel, "hidden_layer_axis"),
                                  ylabel=tr.default(ylabel, "probe_accuracy"),
                                  legend_kws={"loc": "best", **(legend_kws or {})})
    layers = sorted(summary["layer"].unique())
    ax.set_xticks(layers, list(xticklabels) if xticklabels is not None else [str(x) for x in layers])
    return PlotResult(ax_=ax, artists_={"errorbars": bars, "references": refs})


def plot_data_efficiency(
    summary: pd.DataFrame,
    *,
    hue: str = "features",
    ax: Axes | None = None,
    names: Mapping | None = None,
    colors: Mapping | None = None,
    references: Sequence[Mapping] | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    lang: str = "pt",
    legend_kws: dict | None = None,
    line_kws: dict | None = None,
) -> PlotResult:
    """Accuracy against training-set size (log x axis): the mean and its interval as a band.

    Parameters
    ----------
    summary : DataFrame with columns ``n_train``, ``value``, ``lo``, ``hi`` and ``hue``
        One row per (hue, size).
    xlabel, ylabel : str, optional
        Default: the catalogue's ``labelled_examples`` and ``test_accuracy`` in ``lang``.

    Returns
    -------
    PlotResult
        ``artists_["lines"]``: hue value -> mean line; ``artists_["bands"]``: hue value -> band.
    """
    tr = get_lang(lang)

    def draw(ax, g, color, label):
        (line,) = ax.plot(g["n_train"], g["value"], "-o", ms=4, color=color, label=label, **(line_kws or {}))
        return line, ax.fill_between(g["n_train"], g["lo"], g["hi"], color=color, alpha=0.18, lw=0)

    ax, drawn, refs = _draw_series(summary, x="n_train", hue=hue, ax=ax, names=names, colors=colors,
                                   references=references, draw=draw, lang=lang,
                                   xlabel=tr.default(xlabel, "labelled_examples"),
                                   ylabel=tr.default(ylabel, "test_accuracy"),
                                   legend_kws={"loc": "lower right", **(legend_kws or {})})
    ax.set_xscale("log")
    sizes = np.sort(summary["n_train"].unique())
    ax.set_xticks(sizes, [tr.int(s) for s in sizes])
    ax.minorticks_off()
    return PlotResult(ax_=ax, artists_={"lines": {k: d[0] for k, d in drawn.items()},
                                        "bands": {k: d[1] for k, d in drawn.items()}, "references": refs})
