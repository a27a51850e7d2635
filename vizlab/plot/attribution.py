"""Attribution next to attention: per-token strips for a few sentences, and Kendall's τ per layer."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import Normalize

from vizlab.i18n import fmt_num, fmt_pct, get_lang
from vizlab.palette import DIVERGING_CMAP, SEQUENTIAL_CMAP, role_color
from vizlab.plot.display import PlotResult
from vizlab.plot.heatmap import heatmap, localize_axes

__all__ = ["plot_attribution_strips", "plot_attribution_vs_attention", "plot_generation_attribution"]


def _texts(lang: str, text: dict | None) -> dict[str, str]:
    """The texts of the attribution plots: the catalogue's ``"attribution.<name>"`` entries in ``lang``
    (``attribution``, ``attention``, ``rollout``, ``attr_cbar``, ``att_cbar``, ``tau_title`` with
    ``{n}``, ``tau``, ``reference``) and ``layer`` (the term ``layer_axis``), with ``text`` on top."""
    return get_lang(lang).texts("attribution", terms={"layer": "layer_axis"}, override=text)


def plot_attribution_strips(scores, *, tokens: Sequence[str], attention=None, rollout=None, title: str = "",
                            text: dict | None = None, lang: str = "pt", fig=None, axes=None,
                            attribution_lim: float | None = None, attention_max: float | None = None) -> PlotResult:
    """Token strips: attribution (diverging, centred on 0), and optionally attention and rollout.

    Parameters
    ----------
    scores : ndarray of shape (n_tokens,)
    tokens : list of str
        Tokens as shown to readers.
    attention, rollout : ndarray of shape (n_tokens,), optional
        Shares of attention (drawn on one 0..max scale).
    text : dict, optional
        Replaces the catalogue's ``"attribution.<name>"`` texts (and ``layer``).
    axes : list of Axes, optional
        One per strip drawn.
    attribution_lim, attention_max : float, optional
        The colour scales (attribution from ``-attribution_lim`` to ``+attribution_lim``, attention
        from 0 to ``attention_max``): pass the same ones to strips that are compared (default:
        this sentence's own extremes).
    """
    tt = _texts(lang, text)
    rows = [("attribution", np.asarray(scores, float))]
    if attention is not None:
        rows.append(("attention", np.asarray(attention, float)))
    if rollout is not None:
        rows.append(("rollout", np.asarray(rollout, float)))
    if axes is None:
        if fig is None:
            fig = plt.figure(figsize=(max(6, 0.7 * len(tokens) + 2), 0.7 * len(rows) + 1))
        axes = fig.subplots(len(rows), 1, squeeze=False)[:, 0]
    lim = attribution_lim or float(np.abs(rows[0][1]).max()) or 1.0
    amax = attention_max or max([float(r.max()) for k, r in rows[1:]] + [1e-9])
    ims, out = {}, {}
    for ax, (key, vals) in zip(axes, rows):
        last = ax is axes[len(rows) - 1]
        if key == "attribution":
            kw = {"cmap": DIVERGING_CMAP, "norm": Normalize(-lim, lim), "cbar_label": tt["attr_cbar"]}
        else:
            kw = {"cmap": SEQUENTIAL_CMAP, "norm": Normalize(0, amax), "cbar_label": tt["att_cbar"]}
        # every cell carries its value, so the strips need no colour bar
        r = heatmap(vals[None], ax=ax, xticklabels=list(tokens) if last else None, annot=True, fmt=2, lang=lang,
                    annot_kws={"fontsize": 7.5}, xrotation=45, cbar=False, **kw)
        if not last:
            ax.set_xticks([])
        else:
            for lab in ax.get_xticklabels():
                lab.set_ha("right")
                lab.set_rotation_mode("anchor")
        ax.set_yticks([0], [tt[key]], fontsize=8.5)
        ims[key] = r.im_
        out[key] = r
    if title:
        axes[0].set_title(title, fontsize=10, loc="left")
    return PlotResult(ax_=axes[0], axes_={k: a for (k, _), a in zip(rows, axes)}, im_=ims["attribution"],
                      artists_={"images": ims}, values_={"attribution_range": (-lim, lim), "attention_max": amax})


def plot_attribution_vs_attention(examples: Sequence[dict], *, tau_mean, tau_low, tau_high, tau_labels: Sequence[str],
                                  n_texts: int, reference: float | None = None, text: dict | None = None,
                                  lang: str = "pt", fig=None) -> PlotResult:
    """Strips for a few sentences (left) and Kendall's τ per layer with intervals (right).

    Parameters
    ----------
    examples : list of dict
        Keyword arguments of :func:`plot_attribution_strips` (``scores``, ``tokens``, ``attention``,
        ``rollout``, ``title``).
    tau_mean, tau_low, tau_high : ndarray of shape (n_columns,)
        Mean τ and its 95% interval for each layer (and rollout, last).
    tau_labels : list of str
        Tick label of each column.
    reference : float, optional
        A reference τ drawn as a dashed line (agreement of two attribution methods).
    text : dict, optional
        Replaces the catalogue's ``"attribution.<name>"`` texts (and ``layer``).
    """
    tt = _texts(lang, text)
    if fig is None:
        fig = plt.figure(figsize=(10, 11))
    # the sentences above, one under the other; below them the two colour scales (shared by every
    # sentence) and Kendall's tau per layer
    outer = fig.add_gridspec(2, 1, height_ratios=[len(examples) * 1.25, 1.5], hspace=0.32)
    top = outer[0].subgridspec(len(examples) * 4 - 1, 1, hspace=0.15,
                               height_ratios=([1, 1, 1, 2.3] * len(examples))[:-1])
    lim = max(float(np.abs(np.asarray(ex["scores"], float)).max()) for ex in examples) or 1.0
    amax = max([float(np.max(ex[k])) for ex in examples for k in ("attention", "rollout") if ex.get(k) is not None]
               + [1e-9])
    strips = []
    for e, ex in enumerate(examples):
        axes = [fig.add_subplot(top[4 * e + i]) for i in range(3)]
        strips.append(plot_attribution_strips(ex["scores"], tokens=ex["tokens"], attention=ex.get("attention"),
                                              rollout=ex.get("rollout"), title=ex.get("title", ""), text=text,
                                              lang=lang, axes=axes, attribution_lim=lim, attention_max=amax))
    bottom = outer[1].subgridspec(1, 2, width_ratios=[1, 1.5], wspace=0.35)
    bars_at = bottom[0].subgridspec(5, 1, height_ratios=[1, 0.35, 1.6, 0.35, 1])
    cbars = {}
    for key, slot, label in (("attribution", 1, tt["attr_cbar"]), ("attention", 3, tt["att_cbar"].replace("\n", " "))):
        cax = fig.add_subplot(bars_at[slot])
        cbars[key] = fig.colorbar(strips[0].artists_["images"][key if key == "attribution" else "attention"], cax=cax,
                                  orientation="horizontal")
        cbars[key].set_label(label)
        localize_axes(cax, lang=lang, axis="x")
    outer = bottom
    ax = fig.add_subplot(outer[1])
    x = np.arange(len(tau_mean))
    m, lo, hi = (np.asarray(v, float) for v in (tau_mean, tau_low, tau_high))
    colors = [role_color("method.attention")] * (len(x) - 1) + [role_color("method.rollout")]
    bars = ax.bar(x, m, color=colors, width=0.65)
    ax.errorbar(x, m, yerr=[m - lo, hi - m], fmt="none", ecolor="0.2", capsize=4, lw=1.2)
    for xi, mi, hii in zip(x, m, hi):
        ax.text(xi, max(hii, 0) + 0.015, fmt_num(mi, 2, lang=lang), ha="center", va="bottom", fontsize=8.5)
    ax.axhline(0, color="0.3", lw=0.8)
    ref_line = None
    if reference is not None:
        ref_line = ax.axhline(reference, color="0.35", ls="--", lw=1.2, label=tt["reference"].format(
            tau=fmt_num(reference, 2, lang=lang)))
        ax.legend(loc="upper left", frameon=False, fontsize=8.5)
    top = max(float(np.nanmax(hi)), reference or 0) + 0.2  # room for the values and the legend
    ax.set_ylim(min(-0.1, float(np.nanmin(lo)) - 0.05), max(top, 0.3))
    ax.set_xticks(x, list(tau_labels))
    ax.set_xlabel(tt["layer"])
    ax.set_ylabel(tt["tau"])
    ax.set_title(tt["tau_title"].format(n=n_texts), fontsize=10)
    localize_axes(ax, lang=lang, axis="y")
    return PlotResult(ax_=ax, axes_={"tau": ax}, artists_={"bars": bars, "strips": strips, "reference": ref_line},
                      values_={"tau_mean": m})


def plot_generation_attribution(matrix, *, tokens: Sequence[str], n_prompt: int, gaps=None, vmax: float | None = None,
                                text: dict | None = None, lang: str = "pt", ax=None, cbar: bool = True,
                                fontsize: float = 7.5) -> PlotResult:
    """Attribution of each generated token (rows) to the prompt and the tokens generated before it (columns).

    Signed values on a diverging map centred on 0, one scale for every row; the causal cells (a token's
    own position and after) are left blank; a frame marks each row's largest source (special tokens
    aside: they are never attributed), a line separates the prompt from the generated columns.

    Parameters
    ----------
    matrix : ndarray of shape (n_generated, n_prompt + n_generated)
        NaN where a row cannot look (:attr:`vizlab.extraction.generation.GenerationAttribution.matrix`).
    tokens : list of str
        All tokens as shown to readers (prompt, then generated).
    n_prompt : int
    gaps : ndarray of shape (n_generated,), optional
        Relative completeness gap of each row, written at its right end.
    vmax : float, optional
        Half-range of the colour scale (default: the largest absolute value).
    text : dict, optional
        Replaces the catalogue's ``"attribution_gen.<name>"`` texts.
    ax : Axes, optional
        Drawn into (a new figure when None).

    Returns
    -------
    PlotResult
        ``im_``, ``colorbar_``, ``artists_["top"]`` (the frames), ``values_["top"]`` (column of each
        row's largest source) and ``values_["vmax"]``.
    """
    from matplotlib.patches import Rectangle

    tt = get_lang(lang).texts("attribution_gen", override=text)
    m = np.asarray(matrix, dtype=float)
    n_gen, n_cols = m.shape if m.ndim == 2 else (0, 0)
    if m.ndim != 2 or n_cols != n_prompt + n_gen or len(tokens) != n_cols:
        raise ValueError(f"matrix must have shape (n_generated, n_prompt + n_generated) and one token per column; "
                         f"got {m.shape}, n_prompt={n_prompt}, {len(tokens)} tokens")
    causal = np.arange(n_cols)[None, :] >= n_prompt + np.arange(n_gen)[:, None]
    lim = float(vmax) if vmax is not None else (float(np.nanmax(np.abs(np.where(causal, np.nan, m)))) or 1.0)
    if ax is None:
        _, ax = plt.subplots(figsize=(max(4.0, 0.33 * n_cols + 2.2), max(2.5, 0.28 * n_gen + 1.6)))
    r = heatmap(m, ax=ax, xticklabels=list(tokens), yticklabels=list(tokens[n_prompt:]), mask=causal,
                mask_color="white", cmap=DIVERGING_CMAP, norm=Normalize(-lim, lim), xrotation=60, lang=lang,
                cbar=cbar, cbar_label=tt["cbar"], cbar_kws={"fraction": 0.035, "pad": 0.09 if gaps is not None else 0.02})
    for lab in ax.get_xticklabels():
        lab.set_ha("right")
        lab.set_rotation_mode("anchor")
    ax.tick_params(labelsize=fontsize)
    ax.axvline(n_prompt - 0.5, color="0.25", lw=0.9)
    ax.set_xlim(-0.5, n_cols - 0.5)
    ax.set_ylim(n_gen - 0.5, -0.5)
    ax.text(n_prompt / 2 - 0.5, -0.7, tt["prompt"], ha="center", va="bottom", fontsize=fontsize, color="0.3")
    ax.text(n_prompt + n_gen / 2 - 0.5, -0.7, tt["continuation"], ha="center", va="bottom", fontsize=fontsize,
            color="0.3")
    ax.set_ylabel(tt["generated"], fontsize=fontsize + 0.5)
    ax.set_xlabel(tt["sources"], fontsize=fontsize + 0.5)
    top, frames = [], []
    for i in range(n_gen):
        row = np.where(causal[i] | ~np.isfinite(m[i]), -np.inf, m[i])
        j = int(np.argmax(row))
        top.append(j)
        frames.append(ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="0.1", lw=1.1)))
    gap_texts = []
    if gaps is not None:
        g = np.asarray(gaps, dtype=float)
        if g.shape != (n_gen,):
            raise ValueError(f"gaps must have one value per generated token ({n_gen}), got shape {g.shape}")
        ax.text(n_cols - 0.3, -0.7, tt["gap"], ha="left", va="bottom", fontsize=fontsize, color="0.3")
        for i, v in enumerate(g):
            gap_texts.append(ax.text(n_cols - 0.3, i, fmt_pct(v, 1, lang=lang), ha="left", va="center",
                                     fontsize=fontsize, color="0.3"))
    if r.colorbar_ is not None:
        r.colorbar_.ax.tick_params(labelsize=fontsize)
        r.colorbar_.set_label(tt["cbar"], fontsize=fontsize)
    return PlotResult(ax_=ax, im_=r.im_, colorbar_=r.colorbar_,
                      artists_={"top": frames, "gaps": gap_texts},
                      values_={"top": top, "vmax": lim, "causal": causal})
