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

from vizlab.i18n import fmt_pct, get_lang
from vizlab.palette import ROLE_COLORS, SEQUENTIAL_CMAP
from vizlab.plot.display import PlotResult
from vizlab.plot.frames import require_columns
from vizlab.plot.heatmap import heatmap, localize_axes, percent_axis
from vizlab.plot.probes import draw_reference, draw_references

__all__ = ["plot_training_curves", "plot_confusion", "TRAIN_COLOR", "EVAL_COLOR"]

TRAIN_COLOR = "0.35"                      # training batches: grey
EVAL_COLOR = ROLE_COLORS["fine_tuned"]    # held-out accuracy of the fine-tuned model
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
    references: Sequence[Mapping] | None = None,
    text: Mapping[str, str] | None = None,
    lang: str = "pt",
) -> PlotResult:
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
    references : list of dict, optional
        More horizontal lines on the accuracy panel, each ``{"value", "lo", "hi", "label", "color",
        "ls"}`` (:func:`vizlab.plot.probes.draw_reference`), e.g. a frozen-features probe and a
        topic-only classifier with their intervals.
    text : mapping, optional
        Replaces texts of the catalogue's ``"training.*"`` entries in ``lang`` (keys ``train``,
        ``train_smooth``, ``eval``, ``step``, ``loss``, ``epoch`` with a ``{}`` for the number,
        ``baseline``) and the terms ``accuracy`` and ``chance``.

    Returns
    -------
    PlotResult
        ``axes_["loss"]`` (also ``ax_``) and ``axes_["accuracy"]``; ``artists_["references"]``.
    """
    require_columns(history, ("step", "epoch", "split", "metric", "value"), name="history")
    t = get_lang(lang).texts("training", terms=("accuracy", "chance"), override=text)
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
    refs = []
    if baseline is not None:
        refs.append(draw_reference(acc, baseline, label=t["baseline"], color="0.3"))
    refs += draw_references(acc, references)
    if chance is not None:
        refs.append(draw_reference(acc, chance, label=t["chance"], color="0.5", ls=":"))
    acc.set_ylim(0, 1)
    axes[0].set_ylim(bottom=0)
    localize_axes(axes[0], lang=lang, axis="y")
    percent_axis(acc.yaxis, lang=lang)  # accuracies are percentages everywhere (figures, legends, REPORT)
    handles, labels = acc.get_legend_handles_labels()
    ncol = 2 if max(map(len, labels), default=0) <= 45 else 1  # long labels (with intervals): one column
    fig.legend(handles, labels, loc="lower center", ncol=min(len(handles), ncol), frameon=False)
    fig.subplots_adjust(bottom=0.34 if ncol == 2 else 0.37, wspace=0.25)
    return PlotResult(ax_=axes[0], axes_={"loss": axes[0], "accuracy": axes[1]}, artists_={"references": refs})


def plot_confusion(
    counts: np.ndarray,
    *,
    labels: Sequence[str],
    ax: Axes | None = None,
    cmap: str = SEQUENTIAL_CMAP,
    xlabel: str | None = None,
    ylabel: str | None = None,
    colorbar_label: str | None = None,
    lang: str = "pt",
    annot_kws: dict | None = None,
) -> PlotResult:
    """Confusion matrix as a heatmap of row shares in percent, each cell also showing its count.

    Drawn with the one heatmap helper (:func:`vizlab.plot.heatmap.heatmap`) on a 0-100 % scale.

    Parameters
    ----------
    counts : ndarray of int, shape (n_classes, n_classes)
        ``counts[i, j]`` = texts of true class ``i`` predicted as ``j``
        (:func:`sklearn.metrics.confusion_matrix`).
    labels : sequence of str, length n_classes
    xlabel, ylabel, colorbar_label : str, optional
        Default: the catalogue's ``predicted_class``, ``true_class`` and ``share_of_true_class`` in ``lang``.

    Returns
    -------
    PlotResult
        ``im_`` holds the row shares in percent (0-100); ``text_`` the cell texts.
    """
    tr = get_lang(lang)
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
    text = np.array([[f"{fmt_pct(frac[i, j], 1, lang=lang)}\n({C[i, j]})" for j in range(k)] for i in range(k)],
                    dtype=object)
    res = heatmap(100 * frac, ax=ax, xticklabels=list(labels), yticklabels=list(labels), xrotation=0, cmap=cmap,
                  vmin=0, vmax=100, annot=text, lang=lang, annot_kws={"fontsize": 10, **(annot_kws or {})},
                  cbar_label=tr.default(colorbar_label, "share_of_true_class"), aspect="equal")
    ax.set_xlabel(tr.default(xlabel, "predicted_class"))
    ax.set_ylabel(tr.default(ylabel, "true_class"))
    return res
