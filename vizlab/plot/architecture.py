"""A transformer drawn as a stack of boxes, each with its real size and tensor shape."""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

__all__ = ["Stage", "plot_block_diagram", "STAGE_COLORS"]

STAGE_COLORS = {
    "io": "#f0f0f0",
    "embed": "#c6dbef",
    "norm": "#e5f5e0",
    "attn": "#fdd0a2",
    "ffn": "#dadaeb",
    "add": "#ffffff",
    "head": "#fcbba1",
}


@dataclass(frozen=True)
class Stage:
    """One box: a title, a line of detail (sizes), the output shape, and a colour role."""

    title: str
    detail: str = ""
    shape: str = ""
    role: str = "io"


def plot_block_diagram(
    stages,
    *,
    repeat: tuple[int, int, str] | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    box_width: float = 6.0,
    fontsize: float = 9.0,
) -> Axes:
    """Boxes from bottom (input) to top (output) joined by arrows; a bracket marks the repeated block.

    Parameters
    ----------
    stages : list of Stage
        In data-flow order (first = input).
    repeat : (int, int, str), optional
        Stages ``i0..i1`` (inclusive) form the block repeated N times; the bracket is labelled
        with the string (e.g. ``"× 6 blocks"``).

    Returns
    -------
    Axes
        ``ax.stage_boxes`` lists the box patches in stage order.
    """
    stages = list(stages)
    if not stages:
        raise ValueError("stages is empty")
    if repeat is not None and not 0 <= repeat[0] <= repeat[1] < len(stages):
        raise ValueError(f"repeat range {repeat[:2]} is outside 0..{len(stages) - 1}")
    if ax is None:
        _, ax = plt.subplots(figsize=(box_width * 0.9 + 2.5, 1.05 * len(stages) + 0.8))
    heights = [1.25 if (s.detail and s.shape) else 0.95 for s in stages]
    gap = 0.45
    ys, y = [], 0.0
    for h in heights:
        ys.append(y)
        y += h + gap
    boxes = []
    for s, y0, h in zip(stages, ys, heights):
        box = FancyBboxPatch((0, y0), box_width, h, boxstyle="round,pad=0.02,rounding_size=0.15",
                             facecolor=STAGE_COLORS.get(s.role, "#ffffff"), edgecolor="0.3", linewidth=0.9)
        ax.add_patch(box)
        boxes.append(box)
        lines = [(s.title, "bold", fontsize)]
        if s.detail:
            lines.append((s.detail, "normal", fontsize - 1))
        if s.shape:
            lines.append((s.shape, "normal", fontsize - 1))
        step = h / (len(lines) + 1)
        for i, (txt, weight, fs) in enumerate(lines):
            ax.text(box_width / 2, y0 + h - step * (i + 1), txt, ha="center", va="center", fontsize=fs,
                    fontweight=weight, family="DejaVu Sans Mono" if txt == s.shape and s.shape else None,
                    color="#08306b" if txt == s.shape and s.shape else "black")
    for (y0, h), y1 in zip(zip(ys, heights), ys[1:]):
        ax.add_patch(FancyArrowPatch((box_width / 2, y0 + h), (box_width / 2, y1), arrowstyle="-|>",
                                     mutation_scale=10, color="0.3", linewidth=1))
    if repeat is not None:
        i0, i1, label = repeat
        lo, hi = ys[i0] - 0.15, ys[i1] + heights[i1] + 0.15
        x = box_width + 0.25
        ax.plot([x, x + 0.25, x + 0.25, x], [lo, lo, hi, hi], color="crimson", lw=1.5)
        ax.text(x + 0.4, (lo + hi) / 2, label, rotation=90, ha="left", va="center", color="crimson",
                fontsize=fontsize + 1, fontweight="bold")
    ax.set_xlim(-0.2, box_width + 1.2)
    ax.set_ylim(-0.3, ys[-1] + heights[-1] + 0.3)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    ax.stage_boxes = boxes
    return ax
