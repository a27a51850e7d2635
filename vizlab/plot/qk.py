"""Query . key -> scaled scores -> softmax, drawn step by step for one attention head."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from vizlab.i18n import get_lang
from vizlab.palette import DIVERGING_CMAP, HIGHLIGHT, role_color
from vizlab.plot.attention import plot_attention_map
from vizlab.plot.display import PlotResult
from vizlab.plot.glyphs import font_safe
from vizlab.plot.heatmap import heatmap, localize_axes

__all__ = ["plot_qk_walkthrough"]

def plot_qk_walkthrough(
    q,
    k,
    *,
    scores,
    weights,
    reference,
    tokens,
    query: int,
    mask=None,
    fig: Figure | None = None,
    titles: dict | None = None,
    lang: str = "pt",
    highlight_color: str = HIGHLIGHT,
    bar_kws: dict | None = None,
) -> PlotResult:
    """Six panels: Q, K, the scaled scores, their softmax, the model's own attention, one row.

    Parameters
    ----------
    q, k : array-like of shape (n_tokens, head_dim)
        The head's queries and the keys it reads (after any norm / rotary step).
    scores : array-like of shape (n_tokens, n_tokens)
        Scaled dot products (before masking).
    weights : array-like of shape (n_tokens, n_tokens)
        Softmax of the masked scores (recomputed).
    reference : array-like of shape (n_tokens, n_tokens)
        The attention the model returned, for comparison.
    tokens : list of str
    query : int
        Token whose row is shown as bars.
    mask : array-like of bool, shape (n_tokens, n_tokens), optional
        Allowed (True) entries; forbidden ones are greyed in the score panel.
    titles : dict, optional
        Replace panel texts: the catalogue's ``"qk.<name>"`` entries in ``lang`` (``q``, ``k``,
        ``scores`` with ``{d}`` for the head dimension, ``weights``, ``reference``, ``row`` with
        ``{token}``, ``dims``, ``recomputed``, ``model``, ``score``, ``value``), and ``query``,
        ``key`` and ``attention`` (the terms ``query``, ``key`` and ``attention_weight``).
    lang : {"pt", "en"}
        Language of the texts; number format (decimal comma in Portuguese).

    Returns
    -------
    PlotResult
        ``axes_`` holds the panels ``q``, ``k``, ``scores``, ``weights``, ``reference``, ``row``;
        ``artists_["bars"]`` the bars of the row panel.
    """
    tr = get_lang(lang)
    t = tr.texts("qk", terms={"query": "query", "key": "key", "attention": "attention_weight"}, override=titles)
    q, k = np.asarray(q, float), np.asarray(k, float)
    scores, weights, reference = (np.asarray(x, float) for x in (scores, weights, reference))
    n = len(tokens)
    if q.shape[0] != n or k.shape[0] != n or scores.shape != (n, n) or weights.shape != (n, n) \
            or reference.shape != (n, n):
        raise ValueError("q, k must have one row per token and scores/weights/reference be (n_tokens, n_tokens)")
    if not 0 <= query < n:
        raise ValueError(f"query must be in 0..{n - 1}, got {query}")
    if fig is None:
        fig = plt.figure(figsize=(16, 10))
    gs = fig.add_gridspec(3, 2, hspace=0.5, wspace=0.75)  # three rows of two: fits a page's width
    axes = [fig.add_subplot(gs[i, j]) for i in range(3) for j in range(2)]
    lim = float(np.abs(np.concatenate([q.ravel(), k.ravel()])).max())  # the scale covers every value shown
    labels = [font_safe(tok) for tok in tokens]
    for ax, m, name in ((axes[0], q, "q"), (axes[1], k, "k")):
        heatmap(m, ax=ax, yticklabels=labels, cmap=DIVERGING_CMAP, vmin=-lim, vmax=lim, lang=lang,
                cbar_label=t["value"])
        ax.set_xlabel(t["dims"])
        ax.set_title(t[name])
    forbidden = None if mask is None else ~np.asarray(mask, bool)
    s_ok = scores if forbidden is None else np.where(forbidden, np.nan, scores)
    lim_s = float(np.nanmax(np.abs(s_ok)))
    plot_attention_map(scores, tokens=labels, ax=axes[2], cmap=DIVERGING_CMAP, vmin=-lim_s, vmax=lim_s,
                       mask=forbidden, cbar_label=t["score"], query_label=t["query"], key_label=t["key"], lang=lang)
    axes[2].set_title(t["scores"].format(d=q.shape[1]))
    vmax = float(max(weights.max(), reference.max()))
    kw = {"query_label": t["query"], "key_label": t["key"], "cbar_label": t["attention"], "lang": lang}
    plot_attention_map(weights, tokens=labels, ax=axes[3], vmax=vmax, mask=forbidden, **kw)
    axes[3].set_title(t["weights"])
    plot_attention_map(reference, tokens=labels, ax=axes[4], vmax=vmax, mask=forbidden, **kw)
    axes[4].set_title(t["reference"])
    for ax in axes[2:5]:
        ax.axhline(query - 0.5, color=highlight_color, lw=1.2)
        ax.axhline(query + 0.5, color=highlight_color, lw=1.2)
    ax = axes[5]
    y = np.arange(n)
    bars = ax.barh(y, weights[query], height=0.7, label=t["recomputed"],
                   **{"color": role_color("series.1"), **(bar_kws or {})})
    ax.plot(reference[query], y, "o", color=highlight_color, ms=5, label=t["model"])
    for yi in y:
        if forbidden is None or not forbidden[query, yi]:
            ax.text(1.02, yi, tr.signed(scores[query, yi], 1), va="center", ha="left", fontsize=8,
                    color="0.3", transform=ax.get_yaxis_transform())
    ax.text(1.02, -1.0, t["score"], va="center", ha="left", fontsize=8, color="0.3",
            transform=ax.get_yaxis_transform())
    ax.set_yticks(y, labels)
    ax.set_ylim(n - 0.5, -1.5)
    ax.set_xlim(0, 1)
    ax.set_xlabel(t["attention"])
    localize_axes(ax, lang=lang, axis="x")
    ax.set_title(t["row"].format(token=labels[query]), color=highlight_color)
    ax.legend(loc="center right", frameon=False)
    names = ("q", "k", "scores", "weights", "reference", "row")
    return PlotResult(ax_=axes[0], axes_=dict(zip(names, axes)), artists_={"bars": bars})
