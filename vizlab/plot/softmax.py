"""Logits -> probabilities: the softmax and the effect of its temperature."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from vizlab.i18n import Lang
from vizlab.palette import role_color
from vizlab.plot.display import PlotResult
from vizlab.plot.glyphs import font_safe
from vizlab.plot.heatmap import localize_axes, percent_axis

__all__ = ["plot_softmax_temperature"]

SERIES_COLORS = tuple(role_color(f"series.{i}") for i in range(1, 6))  # one per temperature
LOGIT_COLOR = role_color("logit")


def plot_softmax_temperature(
    logits,
    probs,
    *,
    labels,
    temperatures,
    fig: Figure | None = None,
    logit_title: str | None = None,
    prob_title: str | None = None,
    temperature_label: str = "T",
    notes=None,
    colors=SERIES_COLORS,
    logit_color: str = LOGIT_COLOR,
    logit_label: str | None = None,
    prob_label: str | None = None,
    lang: str = "pt",
    bar_kws: dict | None = None,
) -> PlotResult:
    """Dots of the top logits beside their probabilities at several temperatures (bars).

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
    logit_title, prob_title, logit_label, prob_label : str, optional
        Panel titles and axis labels (default: the catalogue's ``logits``, ``softmax.probs_title``
        with ``temperature_label``, ``logit`` and ``probability``).
    temperature_label : str
        The temperature's symbol in the legend.
    lang : {"pt", "en"}
        Language of the default texts; number format of the value labels, legend and ticks
        (``T = 0,5`` in Portuguese).

    Returns
    -------
    PlotResult
        ``axes_["logits"]``, ``axes_["probs"]``; ``artists_["logit_dots"]`` (the logits as dots, a
        PathCollection: a logit has no zero, so no bars from 0) and ``artists_["prob_bars"]`` (one
        BarContainer per temperature).
    """
    tr = Lang(lang)
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
    labels = [font_safe(t) for t in labels]
    # a logit has no zero (adding a constant to every logit changes no probability): dots on the
    # logits' own range, each joined to the range's left end, not bars from 0
    span = float(logits.max() - logits.min()) or 1.0
    lo, hi = float(logits.min()) - 0.08 * span, float(logits.max()) + 0.3 * span
    ax0.hlines(y, lo, logits, color=logit_color, lw=1.2)
    logit_dots = ax0.scatter(logits, y, color=logit_color, s=36, zorder=3)
    for yi, v in zip(y, logits):
        ax0.text(v + 0.04 * span, yi, tr.num(v, 1), va="center", ha="left", fontsize=8)
    ax0.set_yticks(y, labels)
    ax0.set_xlabel(tr.default(logit_label, "logit"))
    ax0.invert_yaxis()
    ax0.set_title(tr.default(logit_title, "logits"))
    ax0.set_xlim(lo, hi)
    nt = len(temperatures)
    h = 0.8 / nt
    prob_bars = []
    for t_i, (t, row) in enumerate(zip(temperatures, probs)):
        note = f" ({notes[t_i]})" if notes is not None else ""
        t_text = f"{t:g}".replace(".", tr.decimal)
        prob_bars.append(ax1.barh(y - 0.4 + h * (t_i + 0.5), row, height=h, color=colors[t_i % len(colors)],
                                  label=f"{temperature_label} = {t_text}{note}", **(bar_kws or {})))
    ax1.set_yticks(y, labels)
    ax1.invert_yaxis()
    ax1.set_xlim(0, 1)
    ax1.set_title(tr.default(prob_title, "softmax.probs_title", t=temperature_label))
    ax1.set_xlabel(tr.default(prob_label, "probability"))
    ax1.legend(loc="lower right", frameon=False)
    localize_axes(ax0, lang=lang, axis="x")
    percent_axis(ax1.xaxis, lang=lang)  # probabilities are percentages, like the legend's top-k mass
    return PlotResult(ax_=ax0, axes_={"logits": ax0, "probs": ax1},
                      artists_={"logit_dots": logit_dots, "prob_bars": prob_bars})
