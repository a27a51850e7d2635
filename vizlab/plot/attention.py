"""Attention maps: one head as a heatmap or as lines between tokens, every head as a grid.

All functions take attention arrays (rows = queries, columns = keys, rows sum to 1) and token
labels as the reader should see them (pass them through :func:`vizlab.tokens.display_tokens`);
none of them computes anything beyond picking what to draw. Every function returns a
:class:`~vizlab.plot.display.PlotResult`. Texts left at ``None`` (axis labels, titles) are the
catalogue's (:data:`vizlab.i18n.CATALOGUE`) in ``lang``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize, PowerNorm, to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from vizlab.i18n import get_lang
from vizlab.numbering import position_of
from vizlab.palette import HIGHLIGHT, SEQUENTIAL_CMAP, role_color
from vizlab.plot.display import PlotResult
from vizlab.plot.glyphs import font_safe
from vizlab.plot.heatmap import heatmap, localize_axes

__all__ = ["plot_attention_map", "plot_attention_lines", "plot_head_grid", "plot_rollout", "attention_norm"]

LINE_COLOR = role_color("method.attention")  # attention weights as lines
METHOD_COLORS = (role_color("method.attention"), role_color("method.rollout"))  # raw attention, rollout


def _check_map(attn, tokens, name="attn") -> np.ndarray:
    a = np.asarray(attn, dtype=float)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"{name} must be a square (n_tokens, n_tokens) map, got shape {a.shape}")
    if tokens is not None and len(tokens) != a.shape[0]:
        raise ValueError(f"the map is {a.shape[0]} x {a.shape[1]} but len(tokens) = {len(tokens)}")
    return a


def attention_norm(vmax: float = 1.0, *, gamma: float | None = 0.5) -> Normalize:
    """Colour norm for attention weights from 0 to ``vmax``.

    ``gamma=0.5`` (square root) keeps weights of 0.05-0.3 visible next to weights near 1 while the
    scale still covers every value; ``gamma=None`` is linear.
    """
    if gamma is None:
        return Normalize(vmin=0.0, vmax=vmax)
    return PowerNorm(gamma=gamma, vmin=0.0, vmax=vmax)


def plot_attention_map(
    attn,
    *,
    tokens,
    ax: Axes | None = None,
    vmin: float = 0.0,
    vmax: float | None = None,
    norm: Normalize | None = None,
    cmap=SEQUENTIAL_CMAP,
    cbar: bool = True,
    cbar_label: str | None = None,
    annot: bool = False,
    annot_min: float = 0.005,
    decimals: int = 2,
    query_label: str | None = None,
    key_label: str | None = None,
    mask=None,
    lang: str = "pt",
    annot_kws: dict | None = None,
    cbar_kws: dict | None = None,
    **im_kws,
) -> PlotResult:
    """One attention map as a heatmap with token labels (drawn by :func:`vizlab.plot.heatmap.heatmap`).

    Parameters
    ----------
    attn : array-like of shape (n_tokens, n_tokens)
        Row ``i`` = attention of query token ``i`` over the keys.
    tokens : list of str
        Shown on both axes (through ``font_safe``).
    ax : Axes, optional
        Drawn into (a new figure when None).
    vmin, vmax, norm
        Colour range (default ``vmax``: the map's maximum); ``norm`` wins.
    annot : bool
        Write each weight (``decimals`` decimals, the language's separator) in its cell.
    mask : array-like of bool, shape (n_tokens, n_tokens), optional
        Cells drawn grey (e.g. the causal mask's forbidden entries).
    cbar_label, query_label, key_label : str, optional
        Default: the catalogue's ``attention_weight``, ``query`` and ``key``.
    annot_kws, cbar_kws, im_kws
        Passed on to the cell texts, the colour bar and ``imshow``.

    Returns
    -------
    PlotResult
        ``im_`` holds the map, ``text_`` the cell texts, ``colorbar_`` the colour bar.
    """
    a = _check_map(attn, tokens)
    tr = get_lang(lang)
    if ax is None:
        n = len(tokens)
        _, ax = plt.subplots(figsize=(max(3.5, 0.32 * n + 1.8), max(3.0, 0.32 * n + 1.2)))
    if norm is None:
        norm = Normalize(vmin=vmin, vmax=float(np.nanmax(a)) if vmax is None else vmax)
    res = heatmap(a, ax=ax, xticklabels=list(tokens), yticklabels=list(tokens), cmap=cmap, norm=norm, mask=mask,
                  annot=annot, fmt=decimals, annot_min=annot_min, lang=lang, annot_kws=annot_kws, cbar=cbar,
                  cbar_label=tr.default(cbar_label, "attention_weight"), cbar_kws=cbar_kws,
                  **{"aspect": "equal", **im_kws})
    ax.set_xlabel(tr.default(key_label, "key"))
    ax.set_ylabel(tr.default(query_label, "query"))
    return res


def plot_attention_lines(
    attn,
    *,
    tokens,
    ax: Axes | None = None,
    query: int | None = None,
    color: str = LINE_COLOR,
    highlight_color: str = HIGHLIGHT,
    min_weight: float = 0.01,
    left_label: str | None = None,
    right_label: str | None = None,
    lang: str = "pt",
    line_kws: dict | None = None,
    text_kws: dict | None = None,
) -> PlotResult:
    """The "lines between tokens" view: queries on the left, keys on the right.

    Each line's opacity and width follow the weight; lines under ``min_weight`` are left out.

    Parameters
    ----------
    attn : array-like of shape (n_tokens, n_tokens)
    tokens : list of str
    query : int, optional
        Draw only this query token's lines (its label is highlighted).
    min_weight : float
        Weights below it are not drawn.
    left_label, right_label : str, optional
        Over the two columns (default: the catalogue's ``query_short`` and ``key_short`` in ``lang``).
    line_kws, text_kws : dict
        Passed to the LineCollection and to the token texts.

    Returns
    -------
    PlotResult
        ``artists_["lines"]`` is a LineCollection with one segment per drawn (query, key) pair;
        ``values_["weights"]`` the matching weights, ``values_["pairs"]`` the (query, key) indices.
    """
    a = _check_map(attn, tokens)
    n = a.shape[0]
    if query is not None and not 0 <= query < n:
        raise ValueError(f"query must be a token index in 0..{n - 1}, got {query}")
    if ax is None:
        _, ax = plt.subplots(figsize=(3.6, max(3.0, 0.3 * n + 0.8)))
    rows = range(n) if query is None else [query]
    segs, weights, pairs = [], [], []
    for i in rows:
        for j in range(n):
            if a[i, j] >= min_weight:
                segs.append([(0.0, -i), (1.0, -j)])
                weights.append(a[i, j])
                pairs.append((i, j))
    weights = np.asarray(weights)
    top = weights.max() if weights.size else 1.0
    rgba = np.array([to_rgba(color, alpha=float(min(1.0, 0.1 + 0.9 * w / top))) for w in weights]).reshape(-1, 4)
    lc = LineCollection(segs, colors=rgba, linewidths=0.5 + 3.0 * weights / top if weights.size else 1.0,
                        **(line_kws or {}))
    ax.add_collection(lc)
    tk = {"va": "center", "fontsize": 9, **(text_kws or {})}
    for i, tok in enumerate(tokens):
        strong = query is not None and i == query
        ax.text(-0.04, -i, font_safe(tok), ha="right", **{**tk, "fontweight": "bold" if strong else "normal",
                                                          "color": highlight_color if strong else "black"})
        ax.text(1.04, -i, font_safe(tok), ha="left", **tk)
    ax.set_xlim(-0.6, 1.6)
    ax.set_ylim(-n + 0.4, 0.8)
    tr = get_lang(lang)
    ax.text(-0.04, 0.6, tr.default(left_label, "query_short"), ha="right", va="bottom", fontsize=9, style="italic")
    ax.text(1.04, 0.6, tr.default(right_label, "key_short"), ha="left", va="bottom", fontsize=9, style="italic")
    ax.set_axis_off()
    return PlotResult(ax_=ax, artists_={"lines": lc}, values_={"weights": weights, "pairs": pairs})


def plot_head_grid(
    attn,
    *,
    tokens,
    layers=None,
    heads=None,
    highlight: tuple[int, int] | None = None,
    labels=None,
    fig: Figure | None = None,
    vmax: float | None = None,
    norm: Normalize | None = None,
    cmap=SEQUENTIAL_CMAP,
    highlight_color: str = HIGHLIGHT,
    layer_label: str | None = None,
    head_label: str | None = None,
    cbar_label: str | None = None,
    query_label: str | None = None,
    key_label: str | None = None,
    detail_title: str | None = None,
    lang: str = "pt",
    im_kws: dict | None = None,
    detail_below: bool = False,
) -> PlotResult:
    """Every head of every layer as a small heatmap, one shared colour scale covering every value.

    With ``highlight=(layer, head)`` that head is framed in the grid and drawn large on the right
    (``detail_below=True``: under the grid, which then takes the whole width), with its tokens, on
    the same colour scale.

    Layers and heads are numbered as readers see them: layer 1 is the first block, head 1 the first
    head, hidden state 0 the embedding output; negative numbers count from the end.

    Parameters
    ----------
    attn : array-like of shape (n_layers, n_heads, n_tokens, n_tokens)
    tokens : list of str
    layers, heads : list of int, optional
        Numbers of the rows and columns (default ``1..n``; e.g. ``[2, 4, 6]`` when ``attn`` holds
        those layers only).
    highlight : (int, int), optional
        ``(layer, head)`` to enlarge, numbered as the grid's rows and columns are (``(1, 3)``: the
        first row's third head); out-of-range numbers raise a ValueError naming the valid ones.
    labels : array-like of str, shape (n_layers, n_heads), optional
        Pattern labels written under each small map.
    fig : Figure, optional
    vmax, norm
        Top of the shared colour scale (default: the largest weight shown) or a full norm
        (default: :func:`attention_norm`, square-root scale from 0 to ``vmax``).
    layer_label, head_label, query_label, key_label : str, optional
        Default: the catalogue's ``layer``, ``head``, ``query`` and ``key``.
    cbar_label : str, optional
        Default: the catalogue's ``attention_sqrt_scale`` with the default norm, ``attention_weight``
        with a given one.
    detail_title : str, optional
        Title of the enlarged head (default ``"{layer_label} {layer}, {head_label} {head}"``).

    Returns
    -------
    PlotResult
        ``axes_["detail"]`` the enlarged head (absent without ``highlight``),
        ``values_["grid_axes"]`` the (n_layers, n_heads) array of small axes, ``values_["vmin"]``/
        ``["vmax"]`` the shared colour range, ``colorbar_`` the one colour bar.
    """
    a = np.asarray(attn, dtype=float)
    if a.ndim != 4 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"attn must have shape (n_layers, n_heads, n, n), got {a.shape}")
    L, H, n, _ = a.shape
    if len(tokens) != n:
        raise ValueError(f"{len(tokens)} tokens for maps of {n} tokens")
    layers = [i + 1 for i in range(L)] if layers is None else list(layers)
    heads = [h + 1 for h in range(H)] if heads is None else list(heads)
    if len(layers) != L or len(heads) != H:
        raise ValueError(f"{len(layers)} layer and {len(heads)} head numbers for a grid of {L} x {H} heads")
    if highlight is not None:
        if len(highlight) != 2:
            raise ValueError(f"highlight must be a (layer, head) pair, got {highlight!r}")
        highlight = (position_of(highlight[0], layers, what="layer"), position_of(highlight[1], heads, what="head"))
    tr = get_lang(lang)
    layer_label, head_label = tr.default(layer_label, "layer"), tr.default(head_label, "head")
    cbar_label = tr.default(cbar_label, "attention_sqrt_scale" if norm is None else "attention_weight")
    if norm is None:
        norm = attention_norm(float(a.max()) if vmax is None else float(vmax))
    if norm.vmax < float(a.max()) - 1e-9:
        raise ValueError(f"the colour scale tops at {norm.vmax} but weights reach {a.max():.3f}")
    below = detail_below and highlight is not None
    if fig is None:
        if below:
            fig = plt.figure(figsize=(0.62 * H + 1.0, 0.62 * L + 1.2 + 4.4))
        else:
            w = 0.62 * H + (4.6 if highlight else 1.4)
            fig = plt.figure(figsize=(w, max(0.62 * L + 1.2, 4.6 if highlight else 0)))
    hspace = 0.15 if labels is None else 0.5
    if below:  # the grid takes the whole width (room for the labels under the maps), the head under it
        outer = fig.add_gridspec(2, 1, height_ratios=[0.62 * L, 4.2], hspace=0.25)
        grid = outer[0].subgridspec(L, H, wspace=0.08, hspace=hspace)
    elif highlight is not None:
        outer = fig.add_gridspec(1, 2, width_ratios=[0.62 * H, 4.2], wspace=0.3)
        grid = outer[0].subgridspec(L, H, wspace=0.08, hspace=hspace)
    else:
        grid = fig.add_gridspec(L, H, wspace=0.08, hspace=hspace)
    axes = np.empty((L, H), dtype=object)
    im = None
    kw = {"interpolation": "nearest", **(im_kws or {})}
    for li in range(L):
        for h in range(H):
            ax = fig.add_subplot(grid[li, h])
            im = ax.imshow(a[li, h], cmap=cmap, norm=norm, **kw)
            ax.set_xticks([])
            ax.set_yticks([])
            if li == 0:
                ax.set_title(f"{heads[h]}", fontsize=9, pad=3)
            if h == 0:
                ax.set_ylabel(f"{layers[li]}", fontsize=9, rotation=0, ha="right", va="center", labelpad=4)
            if labels is not None:
                ax.set_xlabel(str(np.asarray(labels)[li, h]), fontsize=7, labelpad=1)
            if highlight == (li, h):
                for s in ax.spines.values():
                    s.set_visible(True)
                    s.set_edgecolor(highlight_color)
                    s.set_linewidth(2.5)
            axes[li, h] = ax
    axes[0, 0].annotate(head_label + " →", xy=(0, 1), xycoords="axes fraction", xytext=(-4, 14),
                        textcoords="offset points", ha="right", fontsize=9)
    axes[0, 0].annotate(layer_label + " ↓", xy=(0, 1), xycoords="axes fraction", xytext=(-4, 2),
                        textcoords="offset points", ha="right", fontsize=9)
    panels = {}
    if highlight is not None:
        li, h = highlight
        detail = fig.add_subplot(outer[1])
        plot_attention_map(a[li, h], tokens=tokens, ax=detail, norm=norm, cmap=cmap, cbar=False,
                           query_label=query_label, key_label=key_label, lang=lang)
        detail.set_title(detail_title or f"{layer_label} {layers[li]}, {head_label} {heads[h]}",
                         color=highlight_color)
        panels["detail"] = detail
        cb = fig.colorbar(im, ax=detail, fraction=0.046, pad=0.03, label=cbar_label)
    else:
        cb = fig.colorbar(im, ax=axes.ravel().tolist(), fraction=0.02, pad=0.02, label=cbar_label)
    cb.set_ticks([t for t in (0, 0.05, 0.2, 0.4, 0.6, 0.8, 1.0) if t <= norm.vmax + 1e-9])
    localize_axes(cb.ax, lang=lang)
    return PlotResult(ax_=axes[0, 0], axes_=panels, im_=im, colorbar_=cb,
                      values_={"grid_axes": axes, "vmin": float(norm.vmin), "vmax": float(norm.vmax)})


def plot_rollout(
    raw,
    rolled,
    *,
    tokens,
    fig: Figure | None = None,
    query: int = 0,
    titles: tuple[str, str] | None = None,
    bar_title: str | None = None,
    legend: tuple[str, str] | None = None,
    cbar_label: str | None = None,
    bar_label: str | None = None,
    query_label: str | None = None,
    key_label: str | None = None,
    cmap=SEQUENTIAL_CMAP,
    colors=METHOD_COLORS,
    highlight_color: str = HIGHLIGHT,
    lang: str = "pt",
    bar_kws: dict | None = None,
) -> PlotResult:
    """Raw attention next to attention rollout on one shared colour scale, plus one query's row as bars.

    Parameters
    ----------
    raw, rolled : array-like of shape (n_tokens, n_tokens)
    tokens : list of str
    query : int
        Row compared in the bar panel.
    titles, legend : (str, str), optional
        Titles of the two maps and bar names (default: the catalogue's ``rollout.*_title`` and
        ``rollout.*_legend`` in ``lang``).
    bar_title, cbar_label, bar_label, query_label, key_label : str, optional
        Default: the catalogue's ``rollout.row`` (with the query token), ``rollout.same_scale``,
        ``attention``, ``query`` and ``key``.
    colors : (str, str)
        Bar colours of the raw and the rollout row.

    Returns
    -------
    PlotResult
        ``axes_["raw"]``, ``axes_["rollout"]``, ``axes_["bars"]``; ``colorbar_`` the one shared colour
        bar; ``artists_["bars_raw"]``/``["bars_rollout"]`` the bar containers; ``values_["vmax"]``.
    """
    raw = _check_map(raw, tokens, "raw")
    rolled = _check_map(rolled, tokens, "rolled")
    n = len(tokens)
    if not 0 <= query < n:
        raise ValueError(f"query must be a token index in 0..{n - 1}, got {query}")
    tr = get_lang(lang)
    titles = titles or (tr("rollout.raw_title"), tr("rollout.rolled_title"))
    legend = legend or (tr("rollout.raw_legend"), tr("rollout.rolled_legend"))
    if fig is None:
        fig = plt.figure(figsize=(15, 5.2))
    gs = fig.add_gridspec(1, 3, width_ratios=[1, 1, 0.9], wspace=0.7)  # room for the bar label and the tokens
    ax0, ax1, ax2 = (fig.add_subplot(gs[i]) for i in range(3))
    vmax = float(max(raw.max(), rolled.max()))
    norm = Normalize(vmin=0.0, vmax=vmax)
    res = None
    for ax, m, t in ((ax0, raw, titles[0]), (ax1, rolled, titles[1])):
        res = plot_attention_map(m, tokens=tokens, ax=ax, cmap=cmap, norm=norm, cbar=False, lang=lang,
                                 query_label=query_label, key_label=key_label)
        ax.set_title(t)
        ax.add_patch(Rectangle((-0.5, query - 0.5), n, 1, fill=False, edgecolor=highlight_color, linewidth=1.5))
    cb = fig.colorbar(res.im_, ax=[ax0, ax1], fraction=0.03, pad=0.02, label=tr.default(cbar_label, "rollout.same_scale"))
    localize_axes(cb.ax, lang=lang)
    y = np.arange(n)
    bk = bar_kws or {}
    b0 = ax2.barh(y - 0.2, raw[query], height=0.4, color=colors[0], label=legend[0], **bk)
    b1 = ax2.barh(y + 0.2, rolled[query], height=0.4, color=colors[1], label=legend[1], **bk)
    ax2.set_yticks(y, [font_safe(t) for t in tokens])
    ax2.invert_yaxis()
    ax2.set_xlabel(tr.default(bar_label, "attention"))
    ax2.set_title(tr.default(bar_title, "rollout.row", token=tokens[query]), color=highlight_color)
    ax2.legend(loc="upper right", frameon=False)  # the first rows' bars are short: clear of them
    localize_axes(ax2, lang=lang, axis="x")
    return PlotResult(ax_=ax0, axes_={"raw": ax0, "rollout": ax1, "bars": ax2}, im_=res.im_, colorbar_=cb,
                      artists_={"bars_raw": b0, "bars_rollout": b1}, values_={"vmin": 0.0, "vmax": vmax})
