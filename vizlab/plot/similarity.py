"""Heatmap of a similarity matrix between labelled items."""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

__all__ = ["plot_similarity"]


def plot_similarity(
    S: np.ndarray,
    *,
    labels: list[str],
    ax: Axes | None = None,
    vmin: float | None = None,
    vmax: float = 1.0,
    cmap: str = "magma",
    annotate: bool = True,
    colorbar_label: str = "cosine similarity",
    wrap: int = 38,
) -> Axes:
    """Draw a similarity matrix as an ``imshow`` heatmap with item labels on both axes.

    Parameters
    ----------
    S : ndarray of shape (n, n)
    labels : list of str, length n
    ax : Axes, optional
        Axes to draw into; a new figure is made when None.
    annotate : bool
        Write each value in its cell (two decimals).

    Returns
    -------
    Axes
    """
    S = np.asarray(S)
    n = len(S)
    if S.shape != (n, n) or len(labels) != n:
        raise ValueError(f"S must be square and match labels: S {S.shape}, {len(labels)} labels")
    if ax is None:
        _, ax = plt.subplots(figsize=(0.55 * n + 4, 0.55 * n + 2))
    im = ax.imshow(S, cmap=cmap, vmin=vmin if vmin is not None else float(np.min(S)), vmax=vmax)
    short = [textwrap.shorten(l, wrap, placeholder="…") for l in labels]
    ax.set_xticks(range(n), short, rotation=55, ha="right", rotation_mode="anchor")
    ax.set_yticks(range(n), short)
    ax.tick_params(length=0)
    for s in ax.spines.values():
        s.set_visible(False)
    if annotate and n <= 20:
        mid = (im.norm.vmin + im.norm.vmax) / 2
        for i in range(n):
            for j in range(n):
                ax.text(j, i, f"{S[i, j]:.2f}", ha="center", va="center", fontsize=7,
                        color="black" if S[i, j] > mid else "white")
    cb = ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.02)
    cb.set_label(colorbar_label)
    return ax
