"""Before vs after two models (e.g. pretrained vs fine-tuned): embedding maps, CKA, attention change.

Texts left at ``None`` (axis labels, titles, legends) are the catalogue's
(:data:`vizlab.i18n.CATALOGUE`) in ``lang``.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from vizlab.i18n import fmt_num, get_lang
from vizlab.numbering import check_head_number, check_layer_number, head_number, layer_number
from vizlab.palette import HIGHLIGHT, SEQUENTIAL_CMAP, class_colors
from vizlab.plot.attention import plot_attention_map
from vizlab.plot.display import PlotResult
from vizlab.plot.heatmap import heatmap, localize_axes

__all__ = ["plot_embedding_shift", "plot_cka_layers", "plot_cka_matrix", "plot_head_change", "plot_attention_pair"]


def plot_embedding_shift(
    shift,
    *,
    fig: Figure | None = None,
    titles: Sequence[str] | None = None,
    class_names: Sequence[str] | None = None,
    colors: dict | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    centroid_label: str | None = None,
    path_label: str | None = None,
    lang: str = "pt",
    scatter_kws: dict | None = None,
) -> PlotResult:
    """Two panels sharing their axes: the texts' points before and after, coloured by class.

    Class centroids are drawn as large outlined markers; the ``after`` panel also shows where
    each centroid was before (hollow marker) with an arrow to where it is now.

    Parameters
    ----------
    shift : EmbeddingShift
        From :func:`vizlab.analysis.shift.embedding_shift`.
    fig : Figure, optional
        Drawn into (two axes are added); a new figure when None.
    titles : (str, str), optional
        Panel titles (default: the catalogue's ``before`` and ``after``); ``{silhouette}`` in a title
        is replaced by that stage's silhouette, written with the language's decimal separator.
    class_names : sequence of str, optional
        Legend names of ``shift.classes`` (default: the classes themselves).
    colors : dict, optional
        Colour of each class (default :func:`vizlab.palette.class_colors`: sentiment classes keep theirs).
    xlabel, ylabel, centroid_label, path_label : str, optional
        Default: the catalogue's ``principal_component`` (1 and 2), ``shift.centroid`` and
        ``shift.centroid_path``.

    Returns
    -------
    PlotResult
        ``axes_["before"]`` (also ``ax_``) and ``axes_["after"]``; the first collections of each
        hold the points of each class, in ``shift.classes`` order.
    """
    if fig is None:
        fig = plt.figure(figsize=(10.5, 4.8))
    axes = fig.subplots(1, 2, sharex=True, sharey=True)
    names = list(class_names) if class_names is not None else list(shift.classes)
    if len(names) != len(shift.classes):
        raise ValueError(f"{len(names)} class names for {len(shift.classes)} classes")
    cmap = {**class_colors(list(shift.classes)), **(colors or {})}
    col = [cmap[c] for c in shift.classes]
    tr = get_lang(lang)
    titles = titles or (tr("before"), tr("after"))
    stages = ((shift.before, shift.centroids_before, shift.silhouette_before),
              (shift.after, shift.centroids_after, shift.silhouette_after))
    for ax, title, (xy, cents, sil) in zip(axes, titles, stages):
        for k, cls in enumerate(shift.classes):
            m = shift.labels == cls
            ax.scatter(xy[m, 0], xy[m, 1], **{"s": 9, "alpha": 0.45, "lw": 0, **(scatter_kws or {})}, color=col[k])
        for k in range(len(shift.classes)):
            ax.scatter(*cents[k], s=190, color=col[k], edgecolor="black", lw=1.6, zorder=5, marker="o")
        ax.set_title(title.format(silhouette=fmt_num(sil, 2, lang=lang)) if "{silhouette}" in title else title)
        ax.set_xlabel(tr.default(xlabel, "principal_component", k=1))
        localize_axes(ax, lang=lang)
    after = axes[1]
    for k in range(len(shift.classes)):
        after.scatter(*shift.centroids_before[k], s=110, facecolor="white", edgecolor=col[k], lw=2, zorder=4)
        after.annotate("", xy=shift.centroids_after[k], xytext=shift.centroids_before[k], zorder=6,
                       arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.6, "shrinkA": 5, "shrinkB": 8})
    axes[0].set_ylabel(tr.default(ylabel, "principal_component", k=2))
    dot = {"ls": "none", "marker": "o"}
    handles = [Line2D([], [], color=col[k], ms=7, label=names[k], **dot) for k in range(len(names))]
    handles += [Line2D([], [], mfc="0.75", mec="black", mew=1.6, ms=12, label=tr.default(centroid_label, "shift.centroid"), **dot),
                Line2D([], [], mfc="white", mec="0.3", mew=2, ms=9, label=tr.default(path_label, "shift.centroid_path"), **dot)]
    legend = fig.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False,
                        bbox_to_anchor=(0.5, 0.0))
    fig.subplots_adjust(bottom=0.22, wspace=0.08)
    return PlotResult(ax_=axes[0], axes_={"before": axes[0], "after": axes[1]}, artists_={"legend": legend})


def plot_cka_layers(
    cka: np.ndarray,
    *,
    lo: np.ndarray | None = None,
    hi: np.ndarray | None = None,
    ax: Axes | None = None,
    color: str = "0.2",
    xticklabels: Sequence[str] | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    annotate: bool = True,
    lang: str = "pt",
    line_kws: dict | None = None,
) -> PlotResult:
    """CKA of each layer with itself across two models, as a line (1 = unchanged), with optional intervals.

    Parameters
    ----------
    cka : ndarray of shape (n_layers,)
        From :func:`vizlab.analysis.cka.cka_by_layer`.
    lo, hi : ndarray of shape (n_layers,), optional
        Ends of an interval of each value (e.g. :func:`vizlab.analysis.cka.cka_by_layer_interval`),
        drawn as error bars.
    xlabel, ylabel : str, optional
        Default: the catalogue's ``hidden_layer_axis`` and ``cka.same_layer``.

    Returns
    -------
    PlotResult
        ``artists_["line"]`` holds the values.
    """
    cka = np.asarray(cka, dtype=float)
    if cka.ndim != 1:
        raise ValueError(f"cka must be 1-D (n_layers,), got shape {cka.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.8))
    x = np.arange(len(cka))
    (line,) = ax.plot(x, cka, **{"marker": "o", "lw": 2, **(line_kws or {})}, color=color)
    bars = None
    if lo is not None and hi is not None:
        bars = ax.errorbar(x, cka, yerr=np.vstack([cka - np.asarray(lo), np.asarray(hi) - cka]), fmt="none",
                           ecolor=color, capsize=3, lw=1.2)
    if annotate:
        for i, v in zip(x, cka):
            ax.annotate(fmt_num(v, 2, lang=lang), (i, v), textcoords="offset points", xytext=(8, 6), ha="left",
                        fontsize=9)
    ax.set_xticks(x, list(xticklabels) if xticklabels is not None else [str(i) for i in x])
    ax.set_ylim(0, 1.1)
    tr = get_lang(lang)
    ax.set_xlabel(tr.default(xlabel, "hidden_layer_axis"))
    ax.set_ylabel(tr.default(ylabel, "cka.same_layer"))
    ax.axhline(1.0, color="0.7", lw=0.8, ls="--")
    localize_axes(ax, lang=lang, axis="y")
    return PlotResult(ax_=ax, artists_={"line": line, "errorbars": bars})


def plot_cka_matrix(
    M: np.ndarray,
    *,
    ax: Axes | None = None,
    cmap: str = SEQUENTIAL_CMAP,
    xticklabels: Sequence[str] | None = None,
    yticklabels: Sequence[str] | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    colorbar_label: str | None = None,
    annotate: bool = True,
    lang: str = "pt",
    annot_kws: dict | None = None,
) -> PlotResult:
    """Layer x layer CKA heatmap (rows: first model, columns: second model), colour range [0, 1].

    Drawn with the one heatmap helper; row 0 at the bottom.

    Parameters
    ----------
    M : ndarray of shape (n_layers_a, n_layers_b)
        From :func:`vizlab.analysis.cka.cka_matrix`.
    xlabel, ylabel, colorbar_label : str, optional
        Default: the catalogue's ``cka.second_model``, ``cka.first_model`` and ``linear_cka``.

    Returns
    -------
    PlotResult
        ``im_`` holds ``M``.
    """
    M = np.asarray(M, dtype=float)
    if M.ndim != 2:
        raise ValueError(f"M must be 2-D (n_layers_a, n_layers_b), got shape {M.shape}")
    xt = list(xticklabels) if xticklabels is not None else [str(j) for j in range(M.shape[1])]
    yt = list(yticklabels) if yticklabels is not None else [str(i) for i in range(M.shape[0])]
    tr = get_lang(lang)
    return _layer_grid(M, ax=ax, xticklabels=xt, yticklabels=yt, cmap=cmap, vmax=1, annot=annotate and M.size <= 400,
                       fmt=2, lang=lang, annot_kws={"fontsize": 8, **(annot_kws or {})},
                       cbar_label=tr.default(colorbar_label, "linear_cka"), origin="lower", aspect="equal",
                       xlabel=tr.default(xlabel, "cka.second_model"), ylabel=tr.default(ylabel, "cka.first_model"))


def _layer_grid(M, *, xlabel: str, ylabel: str, **heatmap_kws) -> PlotResult:
    """A heatmap of layers (or heads) from 0 up, its tick labels upright, both axes labelled."""
    res = heatmap(M, xrotation=0, vmin=0, **heatmap_kws)
    res.ax_.set_xlabel(xlabel)
    res.ax_.set_ylabel(ylabel)
    return res


def plot_head_change(
    change: np.ndarray,
    *,
    ax: Axes | None = None,
    highlight: tuple[int, int] | None = None,
    cmap: str = SEQUENTIAL_CMAP,
    xlabel: str | None = None,
    ylabel: str | None = None,
    colorbar_label: str | None = None,
    annotate: bool = True,
    lang: str = "pt",
    annot_kws: dict | None = None,
) -> PlotResult:
    """Per-head change as a layer x head heatmap (layers and heads numbered from 1, :mod:`vizlab.numbering`).

    Layers and heads are numbered as readers see them: layer 1 is the first block, head 1 the first
    head, hidden state 0 the embedding output; negative numbers count from the end.

    Parameters
    ----------
    change : ndarray of shape (n_layers, n_heads)
        From :func:`vizlab.analysis.shift.attention_change`.
    highlight : (layer, head), optional
        Cell outlined with a box, e.g. :func:`vizlab.analysis.shift.most_changed_head` (``(1, 1)`` is the
        top-left cell); out-of-range numbers raise a ValueError naming the valid ones.
    xlabel, ylabel, colorbar_label : str, optional
        Default: the catalogue's ``head_axis`` (with the number of heads), ``layer_axis`` and
        ``attention_change``.

    Returns
    -------
    PlotResult
        ``im_`` holds ``change``; ``artists_["highlight"]`` the box.
    """
    C = np.asarray(change, dtype=float)
    if C.ndim != 2:
        raise ValueError(f"change must be (n_layers, n_heads), got shape {C.shape}")
    L, H = C.shape
    if highlight is not None:
        if len(highlight) != 2:
            raise ValueError(f"highlight must be a (layer, head) pair, got {highlight!r}")
        highlight = (check_layer_number(highlight[0], L, what="highlight's layer", from_end=True),
                     check_head_number(highlight[1], H, what="highlight's head", from_end=True))
    tr = get_lang(lang)
    res = _layer_grid(C, ax=ax, xticklabels=[str(head_number(h)) for h in range(H)],
                      yticklabels=[str(layer_number(i)) for i in range(L)], cmap=cmap,
                      vmax=float(C.max()) if C.max() > 0 else 1.0, annot=annotate and C.size <= 300,
                      fmt=lambda v: fmt_num(v, 2, lang=lang), lang=lang, annot_kws={"fontsize": 7, **(annot_kws or {})},
                      cbar_label=tr.default(colorbar_label, "attention_change"),
                      xlabel=tr.default(xlabel, "head_axis", n=H), ylabel=tr.default(ylabel, "layer_axis"))
    box = None
    if highlight is not None:
        li, hi_ = highlight
        box = res.ax_.add_patch(Rectangle((hi_ - 0.5, li - 0.5), 1, 1, fill=False, edgecolor=HIGHLIGHT, lw=2.5))
    res.artists_["highlight"] = box
    return res


def plot_attention_pair(
    before: np.ndarray,
    after: np.ndarray,
    *,
    tokens: Sequence[str],
    axes: Sequence[Axes] | None = None,
    titles: Sequence[str] | None = None,
    colorbar_label: str | None = None,
    query_label: str | None = None,
    key_label: str | None = None,
    lang: str = "pt",
) -> PlotResult:
    """One head's attention map from two models side by side, on one shared colour scale.

    Parameters
    ----------
    before, after : ndarray of shape (n_tokens, n_tokens)
    tokens : sequence of str, length n_tokens
    axes : (Axes, Axes), optional
        Drawn into; a new figure with two panels when None.
    titles, colorbar_label, query_label, key_label : optional
        Default: the catalogue's ``before``/``after``, ``attention_weight``, ``query`` and ``key``.

    Returns
    -------
    PlotResult
        ``axes_["before"]`` (also ``ax_``) and ``axes_["after"]``; their images share ``vmin = 0`` and
        ``vmax`` = the larger maximum (``values_["vmax"]``); ``colorbar_`` the shared colour bar.
    """
    before, after = np.asarray(before, float), np.asarray(after, float)
    if before.shape != after.shape:
        raise ValueError(f"the two maps differ in shape: {before.shape} and {after.shape}")
    if axes is None:
        n = len(tokens)
        _, axes = plt.subplots(1, 2, figsize=(2 * (0.3 * n + 1.8), 0.3 * n + 1.6))
    vmax = float(max(before.max(), after.max()))
    tr = get_lang(lang)
    titles = titles or (tr("before"), tr("after"))
    for k, (ax, a, title) in enumerate(zip(axes, (before, after), titles)):
        plot_attention_map(a, tokens=list(tokens), ax=ax, vmax=vmax, cbar=False, lang=lang,
                           query_label=query_label if k == 0 else "", key_label=key_label)
        ax.set_title(title)
    fig = axes[0].figure
    cb = fig.colorbar(axes[1].images[0], ax=list(axes), fraction=0.03, pad=0.02,
                      label=tr.default(colorbar_label, "attention_weight"))
    localize_axes(cb.ax, lang=lang)
    return PlotResult(ax_=axes[0], axes_={"before": axes[0], "after": axes[1]}, colorbar_=cb,
                      values_={"vmax": vmax})
