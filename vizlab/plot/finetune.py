"""Fine-tuning: training curves and the confusion matrix of the fine-tuned classifier.

The functions draw data they are given (long-form frames, arrays); computing lives in
:mod:`vizlab.extraction.finetune` and :mod:`vizlab.analysis`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = ["plot_training_curves", "plot_confusion", "TRAIN_COLOR", "EVAL_COLOR"]

TRAIN_COLOR = "#4C72B0"
EVAL_COLOR = "#DD8452"
TEXT = {
    "train": "training (batches)",
    "train_smooth": "training (moving average)",
    "eval": "held-out",
    "step": "training step",
    "loss": "cross-entropy loss",
    "accuracy": "accuracy",
    "epoch": "epoch {}",
    "baseline": "linear probe on frozen features",
}


def _need(frame, columns: Sequence[str], name: str) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks column(s) {missing}; it has {list(frame.columns)}")
    return frame


def _moving_average(y: np.ndarray, window: int) -> np.ndarray:
    """Trailing mean over the last ``window`` values (shorter at the start)."""
    c = np.cumsum(np.insert(np.asarray(y, float), 0, 0.0))
    idx = np.arange(1, len(y) + 1)
    lo = np.maximum(idx - window, 0)
    return (c[idx] - c[lo]) / (idx - lo)


def plot_training_curves(
    history: pd.DataFrame,
    *,
    fig: Figure | None = None,
    window: int = 20,
    baseline: float | None = None,
    chance: float | None = None,
    text: Mapping[str, str] | None = None,
) -> Figure:
    """Loss and accuracy during training: per batch, smoothed, and on held-out data.

    Parameters
    ----------
    history : DataFrame
        Long form with columns ``step, epoch, split ("train" | "eval"), metric ("loss" |
        "accuracy"), value`` (``TrainingHistory.to_frame()``). Held-out rows at step 0 are
        the untrained model.
    fig : Figure, optional
        Drawn into (two axes side by side are added); a new figure when None.
    window : int
        Steps in the moving average of the noisy per-batch values.
    baseline : float, optional
        Accuracy drawn as a dashed line on the accuracy panel (e.g. a frozen-features probe).
    chance : float, optional
        Chance accuracy, drawn as a dotted line.
    text : mapping, optional
        Replaces the English labels; keys as in :data:`TEXT` (``"epoch"`` has a ``{}`` for the number).

    Returns
    -------
    Figure
        ``fig.axes[0]`` is the loss, ``fig.axes[1]`` the accuracy panel.
    """
    _need(history, ("step", "epoch", "split", "metric", "value"), "history")
    t = {**TEXT, **(text or {})}
    if fig is None:
        fig = plt.figure(figsize=(10, 3.8))
    axes = fig.subplots(1, 2)
    train = history[history["split"] == "train"]
    steps_per_epoch = None
    if len(train):
        last = train.iloc[-1]
        steps_per_epoch = last["step"] / last["epoch"] if last["epoch"] > 0 else None
    for ax, metric in zip(axes, ("loss", "accuracy")):
        tr = train[train["metric"] == metric].sort_values("step")
        ev = history[(history["split"] == "eval") & (history["metric"] == metric)].sort_values("step")
        if len(tr):
            ax.plot(tr["step"], tr["value"], color=TRAIN_COLOR, alpha=0.25, lw=0.8, label=t["train"])
            ax.plot(tr["step"], _moving_average(tr["value"].to_numpy(), window), color=TRAIN_COLOR, lw=2,
                    label=t["train_smooth"])
        if len(ev):
            ax.plot(ev["step"], ev["value"], color=EVAL_COLOR, lw=2, marker="o", ms=5, label=t["eval"])
        if steps_per_epoch:
            n_epochs = int(round(train["epoch"].max()))
            for e in range(1, n_epochs + 1):
                x = e * steps_per_epoch
                if e < n_epochs:
                    ax.axvline(x, color="0.6", lw=0.8, ls="--")
                ax.text(x - steps_per_epoch / 2, 1.0, t["epoch"].format(e), transform=ax.get_xaxis_transform(),
                        ha="center", va="bottom", fontsize=9, color="0.35")
        ax.set_xlabel(t["step"])
        ax.set_ylabel(t[metric])
        ax.set_xlim(0, max(history["step"].max(), 1))
    acc = axes[1]
    if baseline is not None:
        acc.axhline(baseline, color="0.3", ls="--", lw=1.2, label=f"{t['baseline']} ({baseline:.2f})")
    if chance is not None:
        acc.axhline(chance, color="0.5", ls=":", lw=1.2, label=f"{t.get('chance', 'chance')} ({chance:.2f})")
    acc.set_ylim(0, 1)
    axes[0].set_ylim(bottom=0)
    handles, labels = acc.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(len(handles), 3), frameon=False)
    fig.subplots_adjust(bottom=0.28, wspace=0.25)
    return fig


def plot_confusion(
    counts: np.ndarray,
    *,
    labels: Sequence[str],
    ax: Axes | None = None,
    cmap: str = "Blues",
    xlabel: str = "predicted",
    ylabel: str = "true",
    colorbar_label: str = "fraction of the true class",
) -> Axes:
    """Confusion matrix as a heatmap of row-normalised fractions, each cell also showing its count.

    Parameters
    ----------
    counts : ndarray of int, shape (n_classes, n_classes)
        ``counts[i, j]`` = texts of true class ``i`` predicted as ``j``
        (:func:`sklearn.metrics.confusion_matrix`).
    labels : sequence of str, length n_classes

    Returns
    -------
    Axes
        ``ax.images[0]`` holds the row-normalised matrix.
    """
    C = np.asarray(counts)
    k = len(labels)
    if C.shape != (k, k):
        raise ValueError(f"counts must be ({k}, {k}) for {k} labels, got shape {C.shape}")
    if (C < 0).any():
        raise ValueError("counts must be non-negative")
    if ax is None:
        _, ax = plt.subplots(figsize=(1.2 * k + 2.2, 1.2 * k + 1.2))
    rows = C.sum(axis=1, keepdims=True)
    frac = np.divide(C, rows, out=np.zeros(C.shape, float), where=rows > 0)
    im = ax.imshow(frac, cmap=cmap, vmin=0, vmax=1)
    for i in range(k):
        for j in range(k):
            ax.text(j, i, f"{frac[i, j]:.0%}\n({C[i, j]})", ha="center", va="center", fontsize=10,
                    color="white" if frac[i, j] > 0.55 else "black")
    ax.set_xticks(range(k), labels)
    ax.set_yticks(range(k), labels)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.tick_params(length=0)
    for s in ax.spines.values():
        s.set_visible(False)
    ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label=colorbar_label)
    return ax
