"""Bar charts of what a language model predicts: next-token top-k and fill-in-the-blank scores."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

__all__ = ["plot_topk_bars", "plot_blank_scores", "show_token"]


def show_token(token: str) -> str:
    """A token made readable in a label: leading space as ``␣``, newlines and tabs escaped.

    >>> show_token(" mesa"), show_token("\\n")
    ('␣mesa', '\\\\n')
    """
    t = token.replace("\n", "\\n").replace("\t", "\\t")
    return "␣" + t[1:] if t.startswith(" ") else t


def plot_topk_bars(
    probs,
    *,
    labels,
    ax: Axes | None = None,
    highlight=None,
    color: str = "#0072B2",
    highlight_color: str = "#D55E00",
    title: str | None = None,
    xlabel: str = "probability",
    percent: bool = True,
) -> Axes:
    """Horizontal bars of the k most probable items, most probable on top, values written.

    Parameters
    ----------
    probs : array-like of shape (k,)
        Probabilities in the order of ``labels`` (drawn as given, first on top).
    labels : list of str, length k
    highlight : str or collection of str, optional
        Labels whose bar gets ``highlight_color``.

    Returns
    -------
    Axes
        ``ax.patches`` are the bars, top to bottom.
    """
    p = np.asarray(probs, dtype=float)
    if p.ndim != 1 or len(p) != len(labels):
        raise ValueError(f"probs must be 1-D with one value per label: {p.shape} vs {len(labels)} labels")
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 0.35 * len(p) + 1))
    marked = {highlight} if isinstance(highlight, str) else set(highlight or ())
    y = np.arange(len(p))
    cols = [highlight_color if l in marked else color for l in labels]
    ax.barh(y, p, color=cols, height=0.7)
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    top = float(p.max()) if len(p) else 1.0
    ax.set_xlim(0, top * 1.3 if top > 0 else 1)
    for yi, v in zip(y, p):
        ax.text(v + top * 0.02, yi, f"{100 * v:.1f}%" if percent else f"{v:.3f}", va="center", fontsize=8)
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title)
    ax.tick_params(axis="y", length=0)
    return ax


def plot_blank_scores(
    left_probs,
    probs,
    *,
    candidates,
    ax: Axes | None = None,
    labels: tuple[str, str] = ("words before the blank only", "whole sentence"),
    colors: tuple[str, str] = ("#999999", "#0072B2"),
    title: str | None = None,
    xlabel: str = "probability among the candidates",
    legend_kw: dict | None = None,
) -> Axes:
    """Paired bars per candidate: its probability from the left context vs from the whole sentence.

    Parameters
    ----------
    left_probs : array-like of shape (n,) or None
        Probabilities from the words before the blank (None: only ``probs`` is drawn).
    probs : array-like of shape (n,)
        Probabilities using the whole sentence.
    candidates : list of str, length n (drawn top to bottom in this order)
    legend_kw : dict, optional
        Passed to ``ax.legend`` (default: lower right).

    Returns
    -------
    Axes
        ``ax.containers`` holds one BarContainer per series (left context first).
    """
    q = np.asarray(probs, dtype=float)
    series = [q] if left_probs is None else [np.asarray(left_probs, dtype=float), q]
    if any(s.shape != (len(candidates),) for s in series):
        raise ValueError(f"probabilities must have one value per candidate ({len(candidates)})")
    names = labels[-len(series):]
    cols = colors[-len(series):]
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 0.5 * len(q) + 1))
    h = 0.8 / len(series)
    y = np.arange(len(q))
    for i, (s, name, c) in enumerate(zip(series, names, cols)):
        off = (i - (len(series) - 1) / 2) * h
        ax.barh(y + off, s, height=h, color=c, label=name)
        for yi, v in zip(y, s):
            ax.text(v + 0.01, yi + off, f"{100 * v:.0f}%", va="center", fontsize=8)
    ax.set_yticks(y, candidates)
    ax.invert_yaxis()
    ax.set_xlim(0, min(1.0, max(float(np.max(series)) * 1.25, 0.1)) + 0.08)
    ax.set_xlabel(xlabel)
    ax.tick_params(axis="y", length=0)
    if title:
        ax.set_title(title)
    ax.legend(**{"loc": "lower right", **(legend_kw or {})})
    return ax
