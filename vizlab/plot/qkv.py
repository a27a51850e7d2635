"""A conceptual diagram of one attention head — token vectors, W_Q/W_K/W_V, q·k/√d, softmax, the
weighted sum of the values, the heads side by side and W_O — labelled with measured shapes, and one
query's real scores and weights underneath."""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from vizlab.palette import HIGHLIGHT, SEQUENTIAL_CMAP

__all__ = ["plot_qkv_diagram", "QKVDiagram"]

MM = 1 / 25.4


@dataclass(frozen=True)
class QKVDiagram:
    """What :func:`plot_qkv_diagram` drew: ``figure_``, the diagram's ``ax_``, the numbers' ``row_ax_``
    and ``boxes_`` (name -> the text written in that box)."""

    figure_: plt.Figure
    ax_: plt.Axes
    row_ax_: plt.Axes
    boxes_: dict


def _shape(s) -> str:
    return " × ".join(str(int(x)) for x in s)


def plot_qkv_diagram(shapes: dict, *, tokens, query: int, scores_row, weights_row, n_heads: int,
                     text: dict, fmt=lambda x, d: f"{x:.{d}f}", fig=None) -> QKVDiagram:
    """Boxes and arrows of one attention head, labelled with ``shapes``, and one query's row below.

    Parameters
    ----------
    shapes : dict
        name -> shape (list of int) for ``x``, ``w_q``, ``q``, ``k``, ``v``, ``scores``, ``weights``,
        ``z``, ``concat``, ``w_o``, ``output`` (:func:`vizlab.studies.attention_qkv.qkv_diagram`).
    tokens : list of str
        The tokens of the sentence (``n_tokens``).
    query : int
        Index of the token whose row is shown with numbers.
    scores_row, weights_row : array-like of shape (n_tokens,)
        That row's scaled scores and softmax weights.
    n_heads : int
    text : dict
        Words in the reader's language: ``tokens``, ``x``, ``proj``, ``q``, ``k``, ``v``, ``scores``,
        ``softmax``, ``sum``, ``concat``, ``w_o``, ``output``, ``row_scores``, ``row_weights``,
        ``row_title``.
    fmt : callable
        ``fmt(value, decimals)`` -> str, the reader's number format (decimal comma in Portuguese).
    fig : Figure, optional
        Drawn into (default: a new 183 mm × 100 mm figure).
    """
    scores_row, weights_row = np.asarray(scores_row, float), np.asarray(weights_row, float)
    n = len(tokens)
    if scores_row.shape != (n,) or weights_row.shape != (n,):
        raise ValueError(f"scores_row and weights_row need one value per token ({n}), got "
                         f"{scores_row.shape} and {weights_row.shape}")
    if not 0 <= query < n:
        raise ValueError(f"query must index one of the {n} tokens, got {query}")
    fig = fig if fig is not None else plt.figure(figsize=(183 * MM, 100 * MM))
    ax = fig.add_axes([0.0, 0.30, 1.0, 0.70])
    ax.set(xlim=(0, 1), ylim=(0, 1))
    ax.axis("off")
    fs = 7
    boxes = {}

    def box(name, x, y, label, w=0.13, h=0.15, bold=False, edge="0.25"):
        ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.006,rounding_size=0.015",
                                    fc="white", ec=edge, lw=0.9))
        ax.text(x, y, label, ha="center", va="center", fontsize=fs, fontweight="bold" if bold else "normal")
        boxes[name] = label
        return (x, y, w, h)

    def arrow(a, b, *, start="right", end="left"):
        def at(bx, side):
            x, y, w, h = bx
            return {"right": (x + w / 2, y), "left": (x - w / 2, y), "top": (x, y + h / 2),
                    "bottom": (x, y - h / 2)}[side]
        ax.add_patch(FancyArrowPatch(at(a, start), at(b, end), arrowstyle="-|>", mutation_scale=8, lw=0.8,
                                     color="0.3", shrinkA=1, shrinkB=1))

    ys = (0.80, 0.50, 0.20)
    tok = ax.text(0.01, 0.99, f"{text['tokens']}: " + " ".join(tokens), ha="left", va="top", fontsize=fs)
    boxes["tokens"] = tok.get_text()
    x = box("x", 0.075, 0.50, f"{text['x']}\n{_shape(shapes['x'])}", w=0.13, h=0.22)
    projs = [box(f"w_{c}", 0.25, y, f"W_{c.upper()}\n{_shape(shapes['w_q'])}\n{text['proj']}", w=0.12, h=0.17)
             for c, y in zip("qkv", ys)]
    qkv = [box(c, 0.41, y, f"{text[c]}\n{_shape(shapes[c])}", w=0.12, h=0.15, bold=True)
           for c, y in zip("qkv", ys)]
    for p, v in zip(projs, qkv):
        arrow(x, p)
        arrow(p, v)
    sc = box("scores", 0.57, 0.65, f"{text['scores']}\n{_shape(shapes['scores'])}", w=0.12, h=0.17)
    arrow(qkv[0], sc)
    arrow(qkv[1], sc)
    sm = box("softmax", 0.735, 0.65, f"{text['softmax']}\n{_shape(shapes['weights'])}", w=0.17, h=0.19)
    arrow(sc, sm)
    z = box("z", 0.735, 0.20, f"{text['sum']}\n{_shape(shapes['z'])}", w=0.13, h=0.17)
    arrow(sm, z, start="bottom", end="top")
    arrow(qkv[2], z)
    cat = box("concat", 0.915, 0.20, f"{text['concat'].format(n=n_heads)}\n{_shape(shapes['concat'])}", w=0.155, h=0.19)
    arrow(z, cat)
    wo = box("w_o", 0.915, 0.50, f"W_O\n{_shape(shapes['w_o'])}", w=0.13, h=0.14)
    arrow(cat, wo, start="top", end="bottom")
    out = box("output", 0.915, 0.80, f"{text['output']}\n{_shape(shapes['output'])}", w=0.15, h=0.15)
    arrow(wo, out, start="top", end="bottom")

    # one query's real numbers: the scores and the weights the softmax gives them
    row_ax = fig.add_axes([0.20, 0.04, 0.60, 0.17])
    row_ax.imshow(weights_row[None, :], cmap=SEQUENTIAL_CMAP, vmin=0, vmax=1, aspect="auto")
    for j, (s, w) in enumerate(zip(scores_row, weights_row)):
        row_ax.text(j, 0, fmt(w, 2), ha="center", va="center", fontsize=fs,
                    color="black" if w > 0.5 else "white")
        row_ax.text(j, -0.75, fmt(s, 1), ha="center", va="center", fontsize=fs)
    row_ax.set_xticks(range(n), tokens, fontsize=fs)
    row_ax.set_yticks([-0.75, 0], [text["row_scores"], text["row_weights"]], fontsize=fs)
    row_ax.set_ylim(0.5, -1.25)
    row_ax.tick_params(length=0)
    for side in row_ax.spines.values():
        side.set_visible(False)
    row_ax.set_title(text["row_title"], fontsize=fs + 0.5, color=HIGHLIGHT, pad=3)
    return QKVDiagram(fig, ax, row_ax, boxes)
