"""Tokenization figures: tokens as boxes with their ids, a padded batch, attention masks."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.patches import FancyBboxPatch

from vizlab.palette import SEQUENTIAL_CMAP, role_color
from vizlab.plot.display import PlotResult
from vizlab.plot.glyphs import font_safe
from vizlab.plot.heatmap import heatmap

__all__ = ["plot_token_strip", "plot_padded_batch", "plot_mask",
           "SPECIAL_COLOR", "PAD_COLOR", "WORD_COLOR", "PIECE_COLORS", "SEGMENT_COLORS"]

# Colours from the shared palette (vizlab.palette).
SPECIAL_COLOR = role_color("token.special")    #: [CLS], [SEP], <bos> ...
PAD_COLOR = role_color("token.pad")            # light grey: padding
WORD_COLOR = role_color("token.word")          # grey: a word that is one token
PIECE_COLORS = tuple(role_color(f"token.piece{i}") for i in range(1, 5))  # pieces of one split word
SEGMENT_COLORS = (role_color("segment.a"), role_color("segment.b"))  # outline: sentence A, B


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
    text_kws: dict | None = None,
    box_kws: dict | None = None,
) -> PlotResult:
    """Tokens drawn as boxes in reading order, the token id under each, wrapped into lines.

    Special tokens are orange; the pieces of a word split into several tokens share a colour
    (yellow, sky blue, ...) so a reader sees where a word was cut; one-token words are grey.
    Pass tokens as readers see them (:func:`vizlab.tokens.display_tokens`).

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

    text_kws, box_kws : dict
        Passed to the token texts and to the box patches.

    Returns
    -------
    PlotResult
        ``artists_["boxes"]`` the box patches, ``artists_["texts"]`` the token texts, in token order.
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
    row_h = 2.5 if ids is not None else 1.6
    if ax is None:
        _, ax = plt.subplots(figsize=(min(max_width, widths.sum()) * 0.16 + 0.5, 0.5 + 0.55 * n_lines * row_h))
    counts = np.bincount(words) if n else np.array([])
    boxes, texts, k = [], [], -1
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
                             **{"facecolor": color, "edgecolor": edge, "linewidth": lw, **(box_kws or {})})
        ax.add_patch(box)
        boxes.append(box)
        texts.append(ax.text(xs[i] + widths[i] / 2, y, font_safe(tok), ha="center", va="center",
                             **{"fontsize": fontsize, "family": "DejaVu Sans Mono",
                                "color": "0.1", **(text_kws or {})}))
        if ids is not None:
            ax.text(xs[i] + widths[i] / 2, y - 1.0, str(int(np.asarray(ids)[i])), ha="center", va="center",
                    fontsize=fontsize - 1.5, color="0.3")
    right = float((xs + widths).max()) if n else 1.0
    ax.set_xlim(-0.3, max(right, 1.0) + 0.3)
    ax.set_ylim(-(n_lines - 1) * row_h - (1.5 if ids is not None else 0.7), 0.75)
    ax.set_aspect("equal")
    ax.set_axis_off()
    if title:
        ax.set_title(title, loc="left", fontsize=10)
    return PlotResult(ax_=ax, artists_={"boxes": boxes, "texts": texts})


def plot_padded_batch(
    ids,
    attention_mask,
    *,
    tokens=None,
    special_mask=None,
    truncated=None,
    ax: Axes | None = None,
    row_labels=None,
    truncated_color: str = role_color("truncated"),
    fontsize: float = 7.5,
    annot_kws: dict | None = None,
) -> PlotResult:
    """A padded batch as a grid: one row per text, one column per position, each cell its token id.

    Cells are coloured by kind (grey padding, blue token, orange special token); each shows the
    real ``input_ids`` value, with the token it stands for in small type under it when ``tokens``
    are given.

    Parameters
    ----------
    ids : array-like of int, shape (batch, seq_len)
        The batch's ``input_ids``.
    attention_mask : array-like of 0/1, shape (batch, seq_len)
    tokens : list of list of str, optional
        The tokens the ids stand for (as readers see them), same shape.
    special_mask : array-like of bool, shape (batch, seq_len), optional
    truncated : list of bool, optional
        Rows cut at the maximum length get a scissors mark at their end.
    row_labels : list of str, optional
        Tick label of each row.

    Returns
    -------
    PlotResult
        ``im_`` codes each cell: 0 padding, 1 token, 2 special token; ``text_`` the cell texts
        (id, then token); ``values_["ids"]`` the ids drawn.
    """
    ids = np.asarray(ids).astype(int)
    mask = np.asarray(attention_mask).astype(int)
    if ids.shape != mask.shape:
        raise ValueError(f"ids {ids.shape} and attention_mask {mask.shape} differ in shape")
    b, n = mask.shape
    if tokens is not None and (len(tokens) != b or any(len(r) != n for r in tokens)):
        raise ValueError(f"tokens must be {b} rows of {n} tokens to match attention_mask")
    special = np.zeros((b, n), bool) if special_mask is None else np.asarray(special_mask, bool)
    code = np.where(mask == 0, 0, np.where(special, 2, 1)).astype(float)
    if ax is None:
        _, ax = plt.subplots(figsize=(0.8 * n + 1, 0.6 * b + 0.8))

    def cell(i, j):
        if tokens is None:
            return str(ids[i, j])
        t = tokens[i][j]
        return f"{ids[i, j]}\n{t if len(t) <= 9 else t[:8] + '…'}"

    annot = np.array([[cell(i, j) for j in range(n)] for i in range(b)], dtype=object)
    res = heatmap(code, ax=ax, cmap=ListedColormap([PAD_COLOR, PIECE_COLORS[1], SPECIAL_COLOR]),
                  norm=BoundaryNorm([-0.5, 0.5, 1.5, 2.5], 3), annot=annot, cbar=False,
                  xticklabels=[str(j) for j in range(n)], xrotation=0,
                  yticklabels=row_labels if row_labels is not None else [str(i) for i in range(b)],
                  annot_kws={"fontsize": fontsize, "family": "DejaVu Sans Mono", **(annot_kws or {})})
    ax.set_xticks(np.arange(-0.5, n, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, b, 1), minor=True)
    ax.grid(which="minor", color="white", linewidth=1.5)
    ax.tick_params(which="both", length=0)
    marks = []
    for i in range(b):
        if truncated is not None and truncated[i]:
            marks.append(ax.text(n - 0.45, i, "✂", ha="left", va="center", fontsize=fontsize + 5,
                                 color=truncated_color))
    if marks:
        ax.set_xlim(-0.5, n + 0.2)
    return PlotResult(ax_=ax, im_=res.im_, text_=res.text_, artists_={"truncated": marks},
                      values_={"ids": ids})


def plot_mask(
    mask,
    *,
    row_labels,
    col_labels,
    ax: Axes | None = None,
    cmap=SEQUENTIAL_CMAP,
    annot: bool = True,
    xlabel: str = "",
    ylabel: str = "",
    annot_kws: dict | None = None,
) -> PlotResult:
    """A 0/1 mask (attention mask of a batch, or an n x n query-key mask) with its values.

    Parameters
    ----------
    mask : array-like of 0/1, shape (n_rows, n_cols)
    row_labels, col_labels : list of str

    Returns
    -------
    PlotResult
        ``im_`` holds the mask, ``text_`` the 0/1 cell texts.
    """
    m = np.asarray(mask).astype(int)
    if m.shape != (len(row_labels), len(col_labels)):
        raise ValueError(f"mask has shape {m.shape} but {len(row_labels)} x {len(col_labels)} labels were given")
    if ax is None:
        _, ax = plt.subplots(figsize=(0.35 * m.shape[1] + 1.5, 0.35 * m.shape[0] + 1.2))
    res = heatmap(m, ax=ax, xticklabels=list(col_labels), yticklabels=list(row_labels), cmap=cmap,
                  vmin=-0.3, vmax=1.3, annot=annot, fmt=lambda v: str(int(v)), cbar=False, aspect="equal",
                  annot_kws={"fontsize": 8, **(annot_kws or {})})
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return res
