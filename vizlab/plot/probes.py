"""Probe accuracies: per layer (with error bars) and against the number of training examples."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

__all__ = ["plot_layer_probes", "plot_data_efficiency"]

_PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00")


def _check(df, cols) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"DataFrame lacks columns {missing}; it has {list(df.columns)}")
    return df


def _chance(ax, chance, label):
    if chance is not None:
        ax.axhline(chance, color="0.4", lw=1, ls=":", zorder=0)
        ax.annotate(label, (1, chance), xycoords=("axes fraction", "data"), xytext=(-4, 3),
                    textcoords="offset points", ha="right", va="bottom", fontsize=8, color="0.3")


def plot_layer_probes(
    df: pd.DataFrame,
    *,
    hue: str = "model",
    ax: Axes | None = None,
    names: dict | None = None,
    colors=_PALETTE,
    chance: float | None = None,
    chance_label: str = "chance",
    xlabel: str = "layer (0 = token embeddings)",
    ylabel: str = "probe accuracy (5-fold CV)",
) -> Axes:
    """Mean probe accuracy per layer with ±1 standard deviation over folds, one line per ``hue``.

    Parameters
    ----------
    df : DataFrame with columns ``layer``, ``accuracy`` and ``hue``
        One row per (hue, layer, fold), e.g. :func:`vizlab.analysis.probes.probe_layers`
        outputs concatenated with a ``model`` column.
    names : dict, optional
        Legend name of each hue value.
    chance : float, optional
        Draw a dotted chance line.

    Returns
    -------
    Axes
        One ``ErrorbarContainer`` per hue value in ``ax.containers``, in order of appearance.
    """
    _check(df, ["layer", "accuracy", hue])
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 3.8))
    names = names or {}
    for i, (key, g) in enumerate(df.groupby(hue, sort=False)):
        st = g.groupby("layer")["accuracy"].agg(["mean", "std"]).sort_index()
        ax.errorbar(st.index, st["mean"], yerr=st["std"].fillna(0), fmt="-o", ms=4, capsize=3,
                    color=colors[i % len(colors)], label=names.get(key, str(key)))
    _chance(ax, chance, chance_label)
    ax.set_xticks(sorted(df["layer"].unique()))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(loc="best")
    return ax


def plot_data_efficiency(
    df: pd.DataFrame,
    *,
    hue: str = "features",
    ax: Axes | None = None,
    names: dict | None = None,
    colors=_PALETTE,
    chance: float | None = None,
    chance_label: str = "chance",
    xlabel: str = "labelled training examples",
    ylabel: str = "test accuracy",
    legend_kw: dict | None = None,
) -> Axes:
    """Accuracy against training-set size (log x axis): mean over seeds and the min-max band.

    Parameters
    ----------
    df : DataFrame with columns ``n_train``, ``accuracy``, ``seed`` and ``hue``
    legend_kw : dict, optional
        Passed to ``ax.legend`` (default: lower right, just above the chance line).

    Returns
    -------
    Axes
        One line per hue value in ``ax.lines`` (mean accuracy at each size), bands in
        ``ax.collections``.
    """
    _check(df, ["n_train", "accuracy", hue])
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 3.8))
    names = names or {}
    for i, (key, g) in enumerate(df.groupby(hue, sort=False)):
        st = g.groupby("n_train")["accuracy"].agg(["mean", "min", "max"]).sort_index()
        c = colors[i % len(colors)]
        ax.plot(st.index, st["mean"], "-o", ms=4, color=c, label=names.get(key, str(key)))
        ax.fill_between(st.index, st["min"], st["max"], color=c, alpha=0.15, lw=0)
    _chance(ax, chance, chance_label)
    ax.set_xscale("log")
    sizes = np.sort(df["n_train"].unique())
    ax.set_xticks(sizes, [str(int(s)) for s in sizes])
    ax.minorticks_off()
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(**{"loc": "lower right", "bbox_to_anchor": (1.0, 0.08), **(legend_kw or {})})
    return ax
