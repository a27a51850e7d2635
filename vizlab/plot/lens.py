"""The logit lens as an annotated heatmap: the top next token at every layer x position."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from vizlab.plot.prediction import show_token

__all__ = ["plot_logit_lens"]


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def plot_logit_lens(
    probs,
    *,
    top_tokens,
    input_tokens,
    layers=None,
    ax: Axes | None = None,
    cmap: str = "Blues",
    annotate: bool = True,
    max_chars: int = 9,
    fontsize: float = 7.5,
    colorbar: bool = True,
    colorbar_label: str = "probability of the top token",
    xlabel: str = "input position (predicting the next token)",
    ylabel: str = "layer",
    highlight=None,
) -> Axes:
    """Heatmap of the top token's probability per (layer, position), each cell labelled with it.

    Parameters
    ----------
    probs : array-like of shape (n_layers, n_positions)
        Probability of the most probable next token at each layer and position.
    top_tokens : array-like of str, shape (n_layers, n_positions)
        That token (decoded).
    input_tokens : list of str, length n_positions
        The prompt's tokens (x tick labels).
    layers : array-like of int, optional
        Layer index of each row (y tick labels); the first row is drawn at the bottom.
    highlight : array-like of bool, shape (n_layers, n_positions), optional
        Cells whose token is written in bold (e.g. where it equals the final prediction).

    Returns
    -------
    Axes
        ``ax.images[0]`` is the heatmap (row 0 at the bottom); ``ax.texts`` the cell labels.
    """
    P = np.asarray(probs, dtype=float)
    T = np.asarray(top_tokens)
    if P.ndim != 2 or T.shape != P.shape:
        raise ValueError(f"probs and top_tokens must be 2-D of the same shape, got {P.shape} and {T.shape}")
    if len(input_tokens) != P.shape[1]:
        raise ValueError(f"{len(input_tokens)} input tokens for {P.shape[1]} positions")
    layers = np.arange(P.shape[0]) if layers is None else np.asarray(layers)
    bold = np.zeros(P.shape, bool) if highlight is None else np.asarray(highlight, bool)
    if ax is None:
        _, ax = plt.subplots(figsize=(0.95 * P.shape[1] + 2, 0.32 * P.shape[0] + 1.5))
    im = ax.imshow(P, cmap=cmap, vmin=0, vmax=1, aspect="auto", origin="lower", interpolation="nearest")
    if annotate:
        for i in range(P.shape[0]):
            for j in range(P.shape[1]):
                ax.text(j, i, _clip(show_token(str(T[i, j])), max_chars), ha="center", va="center",
                        fontsize=fontsize, color="white" if P[i, j] > 0.55 else "black",
                        fontweight="bold" if bold[i, j] else "normal")
    ax.set_xticks(range(P.shape[1]), [show_token(t) for t in input_tokens], rotation=30, ha="right",
                  rotation_mode="anchor")
    ax.set_yticks(range(P.shape[0]), [str(l) for l in layers])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.tick_params(length=0)
    for s in ax.spines.values():
        s.set_visible(False)
    if colorbar:
        cb = ax.figure.colorbar(im, ax=ax, fraction=0.04, pad=0.02)
        cb.set_label(colorbar_label)
    return ax
