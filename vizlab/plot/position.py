"""Where position comes from: learned vs sinusoidal vectors, rotary frequencies, distance-only scores."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from vizlab.i18n import get_lang
from vizlab.palette import DIVERGING_CMAP, role_color
from vizlab.plot.display import PlotResult
from vizlab.plot.heatmap import heatmap, localize_axes

__all__ = ["plot_position_sources"]


def plot_position_sources(
    learned_sim,
    *,
    sinusoidal_sim,
    wavelengths: dict,
    absolute_scores,
    rotary_scores,
    absolute_spread,
    rotary_spread,
    fig=None,
    names: dict | None = None,
    text: dict | None = None,
    lang: str = "pt",
    line_kws: dict | None = None,
) -> PlotResult:
    """Six panels on position (the catalogue's ``"position.*"`` titles say what each shows).

    Parameters
    ----------
    learned_sim, sinusoidal_sim : ndarray of shape (n_positions, n_positions)
        Cosine similarities (drawn on one shared scale).
    wavelengths : dict of label -> ndarray of shape (n_pairs,)
        Wavelength of each rotary dimension pair, one line per layer kind.
    absolute_scores, rotary_scores : ndarray of shape (n, n)
        Score of one token pair at query position ``m`` (rows) and key position ``n`` (columns);
        the rotary grid's upper triangle (future keys) is drawn masked.
    absolute_spread, rotary_spread : ndarray of shape (n_offsets,)
        Range along each diagonal divided by the grid's total range.
    names : dict
        ``q``, ``k`` (absolute tokens), ``q_rot``, ``k_rot``, ``head_abs``, ``head_rot``, and the line
        labels ``abs_label``, ``rot_label``.
    text : dict, optional
        Replaces panel texts: the catalogue's ``"position.<name>"`` entries in ``lang`` (titles
        ``learned``, ``sinusoidal``, ``wavelengths``, ``absolute``, ``rotary`` with ``{head}``, ``{q}``,
        ``{k}``, ``spread``; labels ``position``, ``query_pos``, ``key_pos``, ``score``, ``pair``,
        ``tokens``, ``distance``, ``ratio``; ``masked``, the note on the masked cells, ``""`` for none)
        and ``similarity`` (catalogue term).
    """
    tt = get_lang(lang).texts("position", terms=("similarity",), override=text)
    nm = {"q": "", "k": "", "q_rot": "", "k_rot": "", "head_abs": "", "head_rot": "",
          "abs_label": "MiniLM", "rot_label": "Gemma (RoPE)", **(names or {})}
    lk = {"lw": 1.8, **(line_kws or {})}
    if fig is None:
        fig = plt.figure(figsize=(17, 10))
    axs = fig.subplots(2, 3, gridspec_kw={"hspace": 0.45, "wspace": 0.55})
    ax = {k: a for k, a in zip(("learned", "sinusoidal", "wavelengths", "absolute", "rotary", "spread"), axs.ravel())}
    n = len(learned_sim)
    ticks = list(range(0, n, 16 if n > 40 else 4))
    shared = {"vmin": -1.0, "vmax": 1.0, "cmap": DIVERGING_CMAP, "lang": lang, "cbar_label": tt["similarity"]}
    r1 = heatmap(learned_sim, ax=ax["learned"], **shared)
    r2 = heatmap(sinusoidal_sim, ax=ax["sinusoidal"], **shared)
    for a, key in ((ax["learned"], "learned"), (ax["sinusoidal"], "sinusoidal")):
        a.set_xticks(ticks, [str(t) for t in ticks], rotation=0)
        a.set_yticks(ticks, [str(t) for t in ticks])
        a.set_xlabel(tt["position"])
        a.set_ylabel(tt["position"])
        a.set_title(tt[key], fontsize=10, pad=9)

    lines = {}
    for i, (label, wl) in enumerate(wavelengths.items()):
        (lines[label],) = ax["wavelengths"].plot(np.arange(1, len(wl) + 1), wl, label=label,
                                                 color=role_color(f"series.{i % 5 + 1}"), **lk)
    ax["wavelengths"].set_yscale("log")
    ax["wavelengths"].set_xlabel(tt["pair"])
    ax["wavelengths"].set_ylabel(tt["tokens"])
    ax["wavelengths"].set_title(tt["wavelengths"], fontsize=10, pad=9)
    ax["wavelengths"].legend(loc="upper left", frameon=False)
    ax["wavelengths"].grid(alpha=0.3, which="major")
    localize_axes(ax["wavelengths"], lang=lang, axis="x")

    m = len(absolute_scores)
    ticks2 = list(range(0, m, 8 if m > 20 else 2))
    r4 = heatmap(absolute_scores, ax=ax["absolute"], cmap=DIVERGING_CMAP, lang=lang, cbar_label=tt["score"],
                 norm=_centered(absolute_scores))
    causal = np.triu(np.ones(rotary_scores.shape, bool), k=1)
    r5 = heatmap(rotary_scores, ax=ax["rotary"], cmap=DIVERGING_CMAP, lang=lang, cbar_label=tt["score"],
                 mask=causal, norm=_centered(np.where(causal, 0, rotary_scores)))
    for a, key, q, k, h in ((ax["absolute"], "absolute", nm["q"], nm["k"], nm["head_abs"]),
                            (ax["rotary"], "rotary", nm["q_rot"], nm["k_rot"], nm["head_rot"])):
        a.set_xticks(ticks2, [str(t) for t in ticks2], rotation=0)
        a.set_yticks(ticks2, [str(t) for t in ticks2])
        a.set_xlabel(tt["key_pos"])
        a.set_ylabel(tt["query_pos"])
        a.set_title(tt[key].format(q=q, k=k, head=h), fontsize=10)
    if tt["masked"]:
        ax["rotary"].text(0.97, 0.97, tt["masked"], transform=ax["rotary"].transAxes, ha="right", va="top",
                          fontsize=8.5, color="0.3")

    d = np.arange(len(absolute_spread))
    sp = ax["spread"]
    (la,) = sp.plot(d, np.maximum(absolute_spread, 1e-12), marker="o", ms=3, color=role_color("position.absolute"), label=nm["abs_label"], **lk)
    (lr,) = sp.plot(np.arange(len(rotary_spread)), np.maximum(rotary_spread, 1e-12), marker="s", ms=3,
                    color=role_color("position.rotary"), label=nm["rot_label"], **lk)
    sp.set_yscale("log")
    sp.set_ylim(1e-9, 3)
    sp.set_xlabel(tt["distance"])
    sp.set_ylabel(tt["ratio"])
    sp.set_title(tt["spread"], fontsize=10)
    sp.legend(loc="center right", frameon=False)
    sp.grid(alpha=0.3)
    localize_axes(sp, lang=lang, axis="x")
    return PlotResult(ax_=ax["learned"], axes_=ax, im_=r1.im_, colorbar_=r1.colorbar_,
                      artists_={"sinusoidal_im": r2.im_, "absolute_im": r4.im_, "rotary_im": r5.im_,
                                "wavelength_lines": lines, "spread_lines": {"absolute": la, "rotary": lr}},
                      values_={"absolute_range": (r4.values_["vmin"], r4.values_["vmax"]),
                               "rotary_range": (r5.values_["vmin"], r5.values_["vmax"])})


def _centered(a):
    from matplotlib.colors import Normalize

    lim = float(np.nanmax(np.abs(a))) or 1.0
    return Normalize(-lim, lim)
