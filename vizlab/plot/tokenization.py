"""Tokenization figures: tokens as boxes with their ids, a padded batch, attention masks."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import FancyBboxPatch

__all__ = ["plot_token_strip", "plot_padded_batch", "plot_mask"]

SPECIAL_COLOR = "#fdae6b"
PAD_COLOR = "#e0e0e0"
WORD_COLOR = "#c6dbef"
PIECE_COLORS = ("#a1d99b", "#fdd0a2", "#bcbddc", "#fcbba1")
SEGMENT_COLORS = ("#08519c", "#cb181d")


def _layout(widths, max_width: float, gap: float):
    """x positions and line numbers of boxes of given widths wrapped at ``max_width``."""
    xs, lines, x, line = [], [], 0.0, 0
    for w in widths:
        if x > 0 and x + w > max_width:
            x, line = 0.0, line + 1
        xs.append(x)
        lines.append(line)
        x += w + gap
    return np.array(xs), np.array(lines)


def plot_token_strip(
    tokens,
    *,
    ids=None,
    special_mask=None,
    word_index=None,
    segments=None,
    ax: Axes | None = None,
    max_width: float = 60.0,
    title: str | None = None,
    fontsize: float = 9.5,
) -> Axes:
    """Tokens drawn as boxes in reading order, the token id under each, wrapped into lines.

    Special tokens are orange; the pieces of a word split into several tokens share a colour
    (green, peach, ...) so a reader sees where a word was cut; one-token words are light blue.

    Parameters
    ----------
    tokens : list of str
    ids : array-like of int, shape (n_tokens,), optional
        Written under each box.
    special_mask : array-like of bool, shape (n_tokens,), optional
    word_index : array-like of int, shape (n_tokens,), optional
        Word number of each token (pieces of one word share it), e.g. from
        :func:`vizlab.analysis.words.word_spans`.
    segments : array-like of int, shape (n_tokens,), optional
        Sentence of each token in a pair (``token_type_ids``): the box outline is blue for
        segment 0 and red for segment 1.
    max_width : float
        Line width in character units before wrapping.

    Returns
    -------
    Axes
        ``ax.token_boxes`` is the list of box patches, in token order.
    """
    tokens = [str(t) for t in tokens]
    n = len(tokens)
    special = np.zeros(n, bool) if special_mask is None else np.asarray(special_mask, bool)
    words = np.arange(n) if word_index is None else np.asarray(word_index)
    optional = [(k, np.asarray(v)) for k, v in (("ids", ids), ("segments", segments)) if v is not None]
    for name, arr in [("special_mask", special), ("word_index", words), *optional]:
        if len(arr) != n:
            raise ValueError(f"{name} has {len(arr)} entries for {n} tokens")
    id_len = [len(str(int(i))) for i in ids] if ids is not None else [0] * n
    widths = np.array([max(0.62 * max(len(t), 2), 0.55 * k) + 0.9 for t, k in zip(tokens, id_len)])
    xs, lines = _layout(widths, max_width, gap=0.35)
    n_lines = int(lines.max()) + 1 if n else 1
    row_h = 2.3 if ids is not None else 1.6
    if ax is None:
        _, ax = plt.subplots(figsize=(min(max_width, widths.sum()) * 0.16 + 0.5, 0.5 + 0.55 * n_lines * row_h))
    counts = np.bincount(words) if n else np.array([])
    boxes, k = [], -1
    last_word = None
    for i, tok in enumerate(tokens):
        if special[i]:
            color = SPECIAL_COLOR
        elif counts[words[i]] > 1:
            if words[i] != last_word:
                k += 1
            color = PIECE_COLORS[k % len(PIECE_COLORS)]
        else:
            color = WORD_COLOR
        last_word = words[i]
        y = -lines[i] * row_h
        edge, lw = ("0.35", 0.8) if segments is None else (SEGMENT_COLORS[int(segments[i]) % 2], 2.0)
        box = FancyBboxPatch((xs[i], y - 0.5), widths[i], 1.0, boxstyle="round,pad=0.02,rounding_size=0.2",
                             facecolor=color, edgecolor=edge, linewidth=lw)
        ax.add_patch(box)
        boxes.append(box)
        ax.text(xs[i] + widths[i] / 2, y, tok, ha="center", va="center", fontsize=fontsize,
                family="DejaVu Sans Mono")
        if ids is not None:
            ax.text(xs[i] + widths[i] / 2, y - 0.85, str(int(np.asarray(ids)[i])), ha="center", va="center",
                    fontsize=fontsize - 1.5, color="0.3")
    right = float((xs + widths).max()) if n else 1.0
    ax.set_xlim(-0.3, max(right, 1.0) + 0.3)
    ax.set_ylim(-(n_lines - 1) * row_h - (1.35 if ids is not None else 0.7), 0.75)
    ax.set_aspect("equal")
    ax.set_axis_off()
    if title:
        ax.set_title(title, loc="left", fontsize=10)
    ax.token_boxes = boxes
    return ax


def plot_padded_batch(
    tokens,
    attention_mask,
    *,
    special_mask=None,
    truncated=None,
    ax: Axes | None = None,
    pad_token: str = "[PAD]",
    truncated_label: str = "truncated",
    fontsize: float = 8.0,
) -> Axes:
    """A padded batch as a grid: one row per text, one column per position, padding greyed.

    Parameters
    ----------
    tokens : list of list of str
        The batch's tokens, every row of the same (padded) length.
    attention_mask : array-like of 0/1, shape (batch, seq_len)
    special_mask : array-like of bool, shape (batch, seq_len), optional
    truncated : list of bool, optional
        Rows cut at the maximum length get a scissors mark at their end.

    Returns
    -------
    Axes
        ``ax.images[0]`` codes each cell: 0 padding, 1 token, 2 special token.
    """
    mask = np.asarray(attention_mask).astype(int)
    b, n = mask.shape
    if len(tokens) != b or any(len(r) != n for r in tokens):
        raise ValueError(f"tokens must be {b} rows of {n} tokens to match attention_mask")
    special = np.zeros((b, n), bool) if special_mask is None else np.asarray(special_mask, bool)
    code = np.where(mask == 0, 0, np.where(special, 2, 1))
    if ax is None:
        _, ax = plt.subplots(figsize=(0.75 * n + 1, 0.5 * b + 0.8))
    from matplotlib.colors import ListedColormap

    ax.imshow(code, cmap=ListedColormap([PAD_COLOR, WORD_COLOR, SPECIAL_COLOR]), vmin=-0.5, vmax=2.5,
              aspect="auto", interpolation="nearest")
    for i in range(b):
        for j in range(n):
            t = tokens[i][j]
            ax.text(j, i, t if len(t) <= 9 else t[:8] + "…", ha="center", va="center", fontsize=fontsize,
                    color="0.45" if mask[i, j] == 0 else "black", family="DejaVu Sans Mono")
        if truncated is not None and truncated[i]:
            ax.text(n - 0.45, i, "✂", ha="left", va="center", fontsize=fontsize + 4, color="crimson")
    ax.set_xticks(np.arange(n))
    ax.set_yticks(np.arange(b))
    ax.set_xticks(np.arange(-0.5, n, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, b, 1), minor=True)
    ax.grid(which="minor", color="white", linewidth=1.5)
    ax.tick_params(which="both", length=0)
    for s in ax.spines.values():
        s.set_visible(False)
    if truncated is not None and any(truncated):
        ax.set_xlim(-0.5, n + 0.2)
    return ax


def plot_mask(
    mask,
    *,
    row_labels,
    col_labels,
    ax: Axes | None = None,
    cmap: str = "Greens",
    annotate: bool = True,
    xlabel: str = "",
    ylabel: str = "",
) -> Axes:
    """A 0/1 mask (attention mask of a batch, or an n x n query-key mask) with its values.

    Parameters
    ----------
    mask : array-like of 0/1, shape (n_rows, n_cols)
    row_labels, col_labels : list of str

    Returns
    -------
    Axes
        ``ax.images[0]`` holds the mask.
    """
    m = np.asarray(mask).astype(int)
    if m.shape != (len(row_labels), len(col_labels)):
        raise ValueError(f"mask has shape {m.shape} but {len(row_labels)} x {len(col_labels)} labels were given")
    if ax is None:
        _, ax = plt.subplots(figsize=(0.35 * m.shape[1] + 1.5, 0.35 * m.shape[0] + 1.2))
    ax.imshow(m, cmap=cmap, vmin=-0.3, vmax=1.3, interpolation="nearest", aspect="equal")
    if annotate:
        for i in range(m.shape[0]):
            for j in range(m.shape[1]):
                ax.text(j, i, str(m[i, j]), ha="center", va="center", fontsize=8,
                        color="white" if m[i, j] else "0.4")
    ax.set_xticks(range(m.shape[1]), col_labels, rotation=90)
    ax.set_yticks(range(m.shape[0]), row_labels)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.tick_params(length=0)
    for s in ax.spines.values():
        s.set_visible(False)
    return ax
