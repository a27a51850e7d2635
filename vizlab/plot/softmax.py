"""Logits -> probabilities: the softmax and the effect of its temperature."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

__all__ = ["plot_softmax_temperature"]


def plot_softmax_temperature(
    logits,
    probs,
    *,
    labels,
    temperatures,
    fig: Figure | None = None,
    logit_title: str = "logits",
    prob_title: str = "probabilities",
    temperature_label: str = "T",
    notes=None,
    colors=("#6baed6", "#2171b5", "#08306b", "#fd8d3c", "#e6550d"),
) -> Figure:
    """Bars of the top logits beside their probabilities at several temperatures.

    Parameters
    ----------
    logits : array-like of shape (k,)
        The logits of the ``k`` tokens shown (largest first).
    probs : array-like of shape (n_temperatures, k)
        ``softmax(all_logits / T)`` restricted to those tokens (computed over the whole vocabulary).
    labels : list of str
        The ``k`` tokens.
    temperatures : sequence of float
    notes : list of str, optional
        Appended to each temperature's legend entry (e.g. the entropy).

    Returns
    -------
    Figure
        ``fig.axes[0]``: logits; ``fig.axes[1]``: grouped probability bars (one BarContainer
        per temperature, in ``fig.axes[1].containers``).
    """
    logits = np.asarray(logits, dtype=float)
    probs = np.asarray(probs, dtype=float)
    k = logits.size
    if len(labels) != k or probs.shape != (len(temperatures), k):
        raise ValueError(
            f"expected {k} labels and probs of shape ({len(temperatures)}, {k}); "
            f"got {len(labels)} labels and probs {probs.shape}"
        )
    if fig is None:
        fig = plt.figure(figsize=(11, 0.42 * k + 1.6))
    ax0, ax1 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.5], "wspace": 0.35})
    y = np.arange(k)
    ax0.barh(y, logits, color="0.55")
    for yi, v in zip(y, logits):
        ax0.text(v, yi, f" {v:.1f}", va="center", ha="left", fontsize=8)
    ax0.set_yticks(y, labels)
    ax0.invert_yaxis()
    ax0.set_title(logit_title)
    lo = min(0.0, float(logits.min()))
    ax0.set_xlim(lo, float(logits.max()) * 1.18)
    nt = len(temperatures)
    h = 0.8 / nt
    for t_i, (t, row) in enumerate(zip(temperatures, probs)):
        note = f" ({notes[t_i]})" if notes is not None else ""
        ax1.barh(y - 0.4 + h * (t_i + 0.5), row, height=h, color=colors[t_i % len(colors)],
                 label=f"{temperature_label} = {t:g}{note}")
    ax1.set_yticks(y, labels)
    ax1.invert_yaxis()
    ax1.set_xlim(0, 1)
    ax1.set_title(prob_title)
    ax1.legend(loc="lower right", frameon=False)
    return fig
