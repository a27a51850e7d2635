"""A transformer drawn as a stack of boxes, each with its real size and tensor shape."""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from vizlab.palette import HIGHLIGHT, role_color
from vizlab.plot.display import PlotResult

__all__ = ["Stage", "plot_block_diagram", "STAGE_COLORS"]


def _tint(color: str, alpha: float = 0.35) -> tuple:
    """A palette colour lightened (mixed with white) so black text stays readable on it."""
    r, g, b, _ = to_rgba(color)
    return (1 - alpha + alpha * r, 1 - alpha + alpha * g, 1 - alpha + alpha * b, 1.0)


# Box colour per role: light tints of the shared categorical palette.
STAGE_COLORS = {
    "io": role_color("block.io"),
    "embed": role_color("block.embed"),
    "norm": role_color("block.norm"),
    "attn": role_color("block.attn"),
    "ffn": role_color("block.ffn"),
    "add": "#FFFFFF",
    "head": role_color("block.head"),
    "head2": role_color("block.head2"),
}
SHAPE_COLOR = role_color("shape")  # tensor shapes (dark blue)


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
    branches=None,
    ax: Axes | None = None,
    title: str | None = None,
    box_width: float = 6.0,
    fontsize: float = 9.0,
    repeat_color: str = HIGHLIGHT,
    box_kws: dict | None = None,
) -> PlotResult:
    """Boxes from bottom (input) to top (output) joined by arrows; a bracket marks the repeated block.

    ``branches`` draws several heads side by side on top of the stack (e.g. a classifier and a
    sentence-embedding head that read the same encoder output).

    Parameters
    ----------
    stages : list of Stage
        In data-flow order (first = input).
    repeat : (int, int, str), optional
        Stages ``i0..i1`` (inclusive) form the block repeated N times; the bracket is labelled
        with the string (e.g. ``"× 6 blocks"``).
    branches : list of (str, list of Stage), optional
        Labelled chains drawn side by side above the last stage, each fed by an arrow from it.

    Returns
    -------
    PlotResult
        ``artists_["boxes"]`` the stack's box patches in stage order, ``artists_["branch_boxes"]`` one
        list of patches per branch.
    """
    stages = list(stages)
    if not stages:
        raise ValueError("stages is empty")
    if repeat is not None and not 0 <= repeat[0] <= repeat[1] < len(stages):
        raise ValueError(f"repeat range {repeat[:2]} is outside 0..{len(stages) - 1}")
    branches = list(branches or [])
    if ax is None:
        _, ax = plt.subplots(figsize=(box_width * 0.9 + 2.5, 1.05 * len(stages) + 0.8))
    gap = 0.45

    def height(s):
        return 1.25 if (s.detail and s.shape) else 0.95

    def draw(s, x0, y0, w, h, fs):
        box = FancyBboxPatch((x0, y0), w, h, boxstyle="round,pad=0.02,rounding_size=0.15",
                             **{"facecolor": STAGE_COLORS.get(s.role, "white"), "edgecolor": "0.3",
                                "linewidth": 0.9, **(box_kws or {})})
        ax.add_patch(box)
        lines = [(s.title, "bold", fs)]
        if s.detail:
            lines.append((s.detail, "normal", fs - 1))
        if s.shape:
            lines.append((s.shape, "normal", fs - 1))
        step = h / (len(lines) + 1)
        for i, (txt, weight, f) in enumerate(lines):
            is_shape = bool(s.shape) and i == len(lines) - 1
            ax.text(x0 + w / 2, y0 + h - step * (i + 1), txt, ha="center", va="center", fontsize=f,
                    fontweight=weight, family="DejaVu Sans Mono" if is_shape else None,
                    color=SHAPE_COLOR if is_shape else "black")
        return box

    def arrow(x0, y0, x1, y1):
        ax.add_patch(FancyArrowPatch((x0, y0), (x1, y1), arrowstyle="-|>", mutation_scale=10, color="0.3",
                                     linewidth=1))

    heights = [height(s) for s in stages]
    ys, y = [], 0.0
    for h in heights:
        ys.append(y)
        y += h + gap
    boxes = [draw(s, 0, y0, box_width, h, fontsize) for s, y0, h in zip(stages, ys, heights)]
    for (y0, h), y1 in zip(zip(ys, heights), ys[1:]):
        arrow(box_width / 2, y0 + h, box_width / 2, y1)
    top = ys[-1] + heights[-1]
    branch_boxes = []
    if branches:
        k = len(branches)
        sep = 0.3
        bw = (box_width - sep * (k - 1)) / k
        y_start = top + gap + 0.15
        top_b = top
        for b, (label, chain) in enumerate(branches):
            x0 = b * (bw + sep)
            arrow(box_width / 2, top, x0 + bw / 2, y_start)
            yb, chain_boxes = y_start, []
            for j, s in enumerate(chain):
                h = height(s) + 0.15
                chain_boxes.append(draw(s, x0, yb, bw, h, fontsize - 1))
                if j + 1 < len(chain):
                    arrow(x0 + bw / 2, yb + h, x0 + bw / 2, yb + h + gap)
                yb += h + gap
            branch_boxes.append(chain_boxes)
            ax.text(x0 + bw / 2, yb - gap + 0.12, label, ha="center", va="bottom", fontsize=fontsize,
                    style="italic", fontweight="bold", color="0.2")
            top_b = max(top_b, yb - gap + 0.55)
        top = top_b
    if repeat is not None:
        i0, i1, label = repeat
        lo, hi = ys[i0] - 0.15, ys[i1] + heights[i1] + 0.15
        x = box_width + 0.25
        ax.plot([x, x + 0.25, x + 0.25, x], [lo, lo, hi, hi], color=repeat_color, lw=1.5)
        ax.text(x + 0.4, (lo + hi) / 2, label, rotation=90, ha="left", va="center", color=repeat_color,
                fontsize=fontsize + 1, fontweight="bold")
    ax.set_xlim(-0.2, box_width + (1.0 if repeat is not None else 0.2))  # the bracket and its label, no more
    ax.set_ylim(-0.3, top + 0.3)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return PlotResult(ax_=ax, artists_={"boxes": boxes, "branch_boxes": branch_boxes})
