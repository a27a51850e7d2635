"""Before vs after two models (e.g. pretrained vs fine-tuned): embedding maps, CKA, attention change."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from vizlab.plot.attention import plot_attention_map

__all__ = [
    "plot_embedding_shift", "plot_cka_layers", "plot_cka_matrix", "plot_head_change",
    "plot_attention_pair", "CLASS_COLORS",
]

CLASS_COLORS = ("#C44E52", "#8C8C8C", "#55A868", "#4C72B0", "#8172B3", "#CCB974")


def plot_embedding_shift(
    shift,
    *,
    fig: Figure | None = None,
    titles: Sequence[str] = ("before", "after"),
    class_names: Sequence[str] | None = None,
    colors: Sequence[str] = CLASS_COLORS,
    xlabel: str = "component 1",
    ylabel: str = "component 2",
    centroid_label: str = "class centroid",
    path_label: str = "centroid before → after",
) -> Figure:
    """Two panels sharing their axes: the texts' points before and after, coloured by class.

    Class centroids are drawn as large outlined markers; the ``after`` panel also shows where
    each centroid was before (hollow marker) with an arrow to where it is now.

    Parameters
    ----------
    shift : EmbeddingShift
        From :func:`vizlab.analysis.shift.embedding_shift`.
    fig : Figure, optional
        Drawn into (two axes are added); a new figure when None.
    titles : (str, str)
        Panel titles; ``{silhouette}`` in a title is replaced by that stage's silhouette score.
    class_names : sequence of str, optional
        Legend names of ``shift.classes`` (default: the classes themselves).

    Returns
    -------
    Figure
        ``fig.axes[0]`` (before) and ``fig.axes[1]`` (after); the first collections of
        each hold the points of each class, in ``shift.classes`` order.
    """
    if fig is None:
        fig = plt.figure(figsize=(10.5, 4.8))
    axes = fig.subplots(1, 2, sharex=True, sharey=True)
    names = list(class_names) if class_names is not None else list(shift.classes)
    if len(names) != len(shift.classes):
        raise ValueError(f"{len(names)} class names for {len(shift.classes)} classes")
    stages = ((shift.before, shift.centroids_before, shift.silhouette_before),
              (shift.after, shift.centroids_after, shift.silhouette_after))
    for ax, title, (xy, cents, sil) in zip(axes, titles, stages):
        for k, cls in enumerate(shift.classes):
            m = shift.labels == cls
            ax.scatter(xy[m, 0], xy[m, 1], s=9, alpha=0.45, color=colors[k], lw=0)
        for k in range(len(shift.classes)):
            ax.scatter(*cents[k], s=190, color=colors[k], edgecolor="black", lw=1.6, zorder=5,
                       marker="o")
        ax.set_title(title.format(silhouette=sil))
        ax.set_xlabel(xlabel)
    after = axes[1]
    for k in range(len(shift.classes)):
        after.scatter(*shift.centroids_before[k], s=110, facecolor="white", edgecolor=colors[k], lw=2,
                      zorder=4)
        after.annotate("", xy=shift.centroids_after[k], xytext=shift.centroids_before[k], zorder=6,
                       arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.6, "shrinkA": 5, "shrinkB": 8})
    axes[0].set_ylabel(ylabel)
    dot = {"ls": "none", "marker": "o"}
    handles = [Line2D([], [], color=colors[k], ms=7, label=names[k], **dot) for k in range(len(names))]
    handles += [Line2D([], [], mfc="0.75", mec="black", mew=1.6, ms=12, label=centroid_label, **dot),
                Line2D([], [], mfc="white", mec="0.3", mew=2, ms=9, label=path_label, **dot)]
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False, bbox_to_anchor=(0.5, 0.0))
    fig.subplots_adjust(bottom=0.22, wspace=0.08)
    return fig


def plot_cka_layers(
    cka: np.ndarray,
    *,
    ax: Axes | None = None,
    color: str = "#4C72B0",
    xlabel: str = "layer (0 = embeddings)",
    ylabel: str = "CKA (before vs after)",
    annotate: bool = True,
) -> Axes:
    """CKA of each layer with itself across two models, as a line (1 = unchanged).

    Parameters
    ----------
    cka : ndarray of shape (n_layers,)
        From :func:`vizlab.analysis.cka.cka_by_layer`.

    Returns
    -------
    Axes
        ``ax.lines[0]`` holds the values.
    """
    cka = np.asarray(cka, dtype=float)
    if cka.ndim != 1:
        raise ValueError(f"cka must be 1-D (n_layers,), got shape {cka.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.8))
    x = np.arange(len(cka))
    ax.plot(x, cka, marker="o", color=color, lw=2)
    if annotate:
        for i, v in zip(x, cka):
            ax.annotate(f"{v:.2f}", (i, v), textcoords="offset points", xytext=(0, 7), ha="center", fontsize=9)
    ax.set_xticks(x)
    ax.set_ylim(0, 1.1)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.axhline(1.0, color="0.7", lw=0.8, ls="--")
    return ax


def plot_cka_matrix(
    M: np.ndarray,
    *,
    ax: Axes | None = None,
    cmap: str = "magma",
    xlabel: str = "layer of the second model",
    ylabel: str = "layer of the first model",
    colorbar_label: str = "linear CKA",
    annotate: bool = True,
) -> Axes:
    """Layer x layer CKA heatmap (rows: first model, columns: second model), colour range [0, 1].

    Parameters
    ----------
    M : ndarray of shape (n_layers_a, n_layers_b)
        From :func:`vizlab.analysis.cka.cka_matrix`.

    Returns
    -------
    Axes
        ``ax.images[0]`` holds ``M``.
    """
    M = np.asarray(M, dtype=float)
    if M.ndim != 2:
        raise ValueError(f"M must be 2-D (n_layers_a, n_layers_b), got shape {M.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(0.55 * M.shape[1] + 2.5, 0.55 * M.shape[0] + 1.5))
    im = ax.imshow(M, cmap=cmap, vmin=0, vmax=1, origin="lower")
    if annotate and M.size <= 400:
        for i in range(M.shape[0]):
            for j in range(M.shape[1]):
                ax.text(j, i, f"{M[i, j]:.2f}", ha="center", va="center", fontsize=8,
                        color="black" if M[i, j] > 0.6 else "white")
    ax.set_xticks(range(M.shape[1]))
    ax.set_yticks(range(M.shape[0]))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.tick_params(length=0)
    for s in ax.spines.values():
        s.set_visible(False)
    ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.03, label=colorbar_label)
    return ax


def plot_head_change(
    change: np.ndarray,
    *,
    ax: Axes | None = None,
    highlight: tuple[int, int] | None = None,
    cmap: str = "rocket_r",
    xlabel: str = "head",
    ylabel: str = "layer",
    colorbar_label: str = "attention change",
    annotate: bool = True,
) -> Axes:
    """Per-head change as a layer x head heatmap (layers and heads numbered from 1).

    Parameters
    ----------
    change : ndarray of shape (n_layers, n_heads)
        From :func:`vizlab.analysis.shift.attention_change`.
    highlight : (layer, head), optional
        0-based cell outlined with a box (e.g. :func:`vizlab.analysis.shift.most_changed_head`).

    Returns
    -------
    Axes
        ``ax.images[0]`` holds ``change``; the highlight is ``ax.patches[0]``.
    """
    C = np.asarray(change, dtype=float)
    if C.ndim != 2:
        raise ValueError(f"change must be (n_layers, n_heads), got shape {C.shape}")
    L, H = C.shape
    if ax is None:
        _, ax = plt.subplots(figsize=(0.5 * H + 2.5, 0.5 * L + 1.5))
    try:
        import seaborn as sns

        cm = sns.color_palette(cmap, as_cmap=True)
    except (ImportError, ValueError):
        cm = plt.get_cmap("Reds")
    im = ax.imshow(C, cmap=cm, vmin=0, vmax=float(C.max()) if C.max() > 0 else 1.0, aspect="auto")
    if annotate and C.size <= 300:
        hi = im.norm(C) > 0.6
        for i in range(L):
            for j in range(H):
                ax.text(j, i, f"{C[i, j]:.2f}".lstrip("0"), ha="center", va="center", fontsize=7.5,
                        color="white" if hi[i, j] else "black")
    if highlight is not None:
        li, hi_ = highlight
        if not (0 <= li < L and 0 <= hi_ < H):
            raise ValueError(f"highlight {highlight} is outside the {L} x {H} grid")
        ax.add_patch(Rectangle((hi_ - 0.5, li - 0.5), 1, 1, fill=False, edgecolor="#1f77b4", lw=2.5))
    ax.set_xticks(range(H), [str(h + 1) for h in range(H)])
    ax.set_yticks(range(L), [str(l + 1) for l in range(L)])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.tick_params(length=0)
    for s in ax.spines.values():
        s.set_visible(False)
    ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.03, label=colorbar_label)
    return ax


def plot_attention_pair(
    before: np.ndarray,
    after: np.ndarray,
    *,
    tokens: Sequence[str],
    axes: Sequence[Axes] | None = None,
    titles: Sequence[str] = ("before", "after"),
    colorbar_label: str = "attention",
    query_label: str = "query",
    key_label: str = "key",
) -> list[Axes]:
    """One head's attention map from two models side by side, on one shared colour scale.

    Parameters
    ----------
    before, after : ndarray of shape (n_tokens, n_tokens)
    tokens : sequence of str, length n_tokens
    axes : (Axes, Axes), optional
        Drawn into; a new figure with two panels when None.

    Returns
    -------
    list of Axes
        Both panels; their images share ``vmin = 0`` and ``vmax`` = the larger maximum.
    """
    before, after = np.asarray(before, float), np.asarray(after, float)
    if before.shape != after.shape:
        raise ValueError(f"the two maps differ in shape: {before.shape} and {after.shape}")
    if axes is None:
        n = len(tokens)
        _, axes = plt.subplots(1, 2, figsize=(2 * (0.3 * n + 1.8), 0.3 * n + 1.6))
    vmax = float(max(before.max(), after.max()))
    for k, (ax, a, title) in enumerate(zip(axes, (before, after), titles)):
        plot_attention_map(a, tokens=list(tokens), ax=ax, vmax=vmax, cbar=False,
                           query_label=query_label if k == 0 else "", key_label=key_label)
        ax.set_title(title)
    fig = axes[0].figure
    fig.colorbar(axes[1].images[0], ax=list(axes), fraction=0.03, pad=0.02, label=colorbar_label)
    return list(axes)
