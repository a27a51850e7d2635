"""Data-parallel training drawn: the loss of 1 and N processes, and each process's share of a batch."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from vizlab.i18n import Lang
from vizlab.palette import CATEGORICAL, ROLE_COLORS
from vizlab.plot.display import PlotResult
from vizlab.plot.heatmap import localize_axes

__all__ = ["plot_data_parallel"]


def plot_data_parallel(loss_one, loss_many, shares, *, fig=None, lang: str = "pt",
                       line_kws: dict | None = None, bar_kws: dict | None = None) -> PlotResult:
    """Two panels: the per-step loss of both runs on top of each other, and who saw what.

    Parameters
    ----------
    loss_one, loss_many : array-like of shape (n_steps,)
        Training loss of each step (global batch) with 1 process and with N processes.
    shares : array-like of shape (n_steps, n_processes)
        Texts of each step's global batch that each process computed.
    fig : Figure, optional
        Drawn into (two panels); a new 7.2 x 5.4 in figure by default.
    lang : {"pt", "en"}
        Labels and number format (decimal comma in Portuguese).
    line_kws, bar_kws : dict, optional
        Passed on to ``plot`` / ``bar``.

    Returns
    -------
    PlotResult
        ``axes_`` ``"loss"`` and ``"shares"``; ``artists_`` ``"one"``, ``"many"`` (lines) and
        ``"bars"`` (one BarContainer per process); ``values_["max_loss_diff"]``.
    """
    tr = Lang(lang)
    l1, ln = np.asarray(loss_one, float), np.asarray(loss_many, float)
    sh = np.asarray(shares, int)
    if l1.shape != ln.shape or sh.ndim != 2 or sh.shape[0] != len(l1):
        raise ValueError(f"loss_one {l1.shape}, loss_many {ln.shape} and shares {sh.shape} must cover the same steps")
    n = sh.shape[1]
    if fig is None:
        fig = plt.figure(figsize=(7.2, 5.4), layout="constrained")
    ax_l, ax_s = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    steps = np.arange(1, len(l1) + 1)
    diff = float(np.abs(l1 - ln).max())
    (one,) = ax_l.plot(steps, l1, color=ROLE_COLORS["baseline"], lw=2.5, alpha=0.35,
                       label=tr.t("1 processo", "1 process"), **(line_kws or {}))
    (many,) = ax_l.plot(steps, ln, color=ROLE_COLORS["fine_tuned"], lw=1.2, marker="o", ms=2.5,
                        label=tr.t(f"{n} processos (DDP, gloo)", f"{n} processes (DDP, gloo)"), **(line_kws or {}))
    mantissa, exponent = f"{diff:.1e}".split("e")
    ax_l.set_ylabel(tr("loss"))
    small = f"{tr.num(float(mantissa), 1)}·$10^{{{int(exponent)}}}$"
    ax_l.set_title(tr.t(f"Mesma perda por passo (maior diferença: {small})",
                        f"Same loss per step (largest difference: {small})"), fontsize=10)
    ax_l.legend(frameon=False, fontsize=9)
    bottom = np.zeros(len(steps))
    bars = []
    for r in range(n):
        bars.append(ax_s.bar(steps, sh[:, r], bottom=bottom, width=0.8, color=CATEGORICAL[r % len(CATEGORICAL)],
                             label=tr.t(f"processo {r + 1}", f"process {r + 1}"), **(bar_kws or {})))
        bottom += sh[:, r]
    ax_s.set_ylabel(tr.t("textos do lote", "texts of the batch"))
    ax_s.set_xlabel(tr("step"))
    ax_s.set_title(tr.t("O que cada processo viu: a sua parte de cada lote global",
                        "What each process saw: its share of each global batch"), fontsize=10)
    ax_s.legend(frameon=False, fontsize=9, ncols=n, loc="upper left", bbox_to_anchor=(0, -0.28))
    ax_s.set_ylim(0, bottom.max() * 1.15)
    for ax in (ax_l, ax_s):
        ax.spines[["top", "right"]].set_visible(False)
        localize_axes(ax, lang=lang)
    return PlotResult(ax_=ax_l, axes_={"loss": ax_l, "shares": ax_s},
                      artists_={"one": one, "many": many, "bars": bars}, values_={"max_loss_diff": diff})
