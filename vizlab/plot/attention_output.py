"""Attention to the end: weights × values, heads concatenated, W_O, and the rebuilt output vs the model's."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import Normalize
from matplotlib.patches import Rectangle

from vizlab.i18n import get_lang
from vizlab.numbering import check_head_number
from vizlab.palette import DIVERGING_CMAP, HIGHLIGHT, SEQUENTIAL_CMAP
from vizlab.plot.display import PlotResult
from vizlab.plot.heatmap import heatmap, localize_axes

__all__ = ["plot_attention_output", "sci_text"]

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")

def plot_attention_output(
    weights,
    *,
    v,
    z,
    concat,
    w_o,
    rebuilt,
    reference,
    head: int,
    tokens: Sequence[str],
    titles: dict | None = None,
    lang: str = "pt",
    fig=None,
    error_text: str | None = None,
    scatter_kws: dict | None = None,
) -> PlotResult:
    """Six panels: A, V, Z = A·V for one head; the concatenation of every head, W_O, and the check.

    Layers and heads are numbered as readers see them: layer 1 is the first block, head 1 the first
    head, hidden state 0 the embedding output; negative numbers count from the end.

    Parameters
    ----------
    weights : ndarray of shape (n_tokens, n_tokens)
        One head's attention weights.
    v, z : ndarray of shape (n_tokens, head_dim)
        The values that head reads and its weighted sum (drawn on one scale).
    concat : ndarray of shape (n_tokens, n_heads * head_dim)
        Every head's ``Z`` side by side; the columns of ``head`` are outlined.
    w_o : ndarray of shape (hidden, n_heads * head_dim)
    rebuilt, reference : ndarray of shape (n_tokens, hidden)
        The attention output rebuilt from the pieces and the one the model computed.
    head : int
        The head drawn (1 to n_heads); its columns are outlined in the concatenation and in W_O.
    tokens : list of str
        Tokens as shown to readers.
    titles : dict, optional
        Replace panel texts: the catalogue's ``"attention_output.<name>"`` entries in ``lang`` and
        the terms ``query``, ``key``, ``attention``. Every text may use ``{head}`` (reader number),
        ``{n_heads}``, ``{head_dim}``, ``{z_last}`` (``Z₁₂`` for 12 heads) and ``{err}``.
    error_text : str, optional
        What ``{err}`` says (default: the measured maximum error, e.g. ``5 × 10⁻⁶``); pass a bound
        such as ``"< 1 × 10⁻⁴"`` to keep the figure identical on every machine.
    """
    a, v, z, c = (np.asarray(x, float) for x in (weights, v, z, concat))
    rebuilt, reference = np.asarray(rebuilt, float), np.asarray(reference, float)
    d = v.shape[1]
    nh = c.shape[1] // d
    head = check_head_number(head, nh, from_end=True)  # 0-based from here on
    err = float(np.abs(rebuilt - reference).max())
    err_text = sci_text(err) if error_text is None else error_text
    fields = {"head": head + 1, "n_heads": nh, "head_dim": d, "z_last": "Z" + str(nh).translate(_SUBSCRIPTS),
              "err": err_text}
    tt = {k: x.format(**fields) for k, x in get_lang(lang).texts(
        "attention_output", terms=("query", "key", "attention"), override=titles).items()}
    if fig is None:
        fig = plt.figure(figsize=(17, 10.5))
    gs = fig.add_gridspec(3, 2, hspace=0.62, wspace=0.75)  # three rows of two: fits a page's width
    ax = {k: fig.add_subplot(gs[i // 2, i % 2]) for i, k in enumerate(("weights", "v", "z", "concat", "w_o", "check"))}
    n = len(tokens)
    r_a = heatmap(a, ax=ax["weights"], xticklabels=tokens, yticklabels=tokens, cmap=SEQUENTIAL_CMAP, vmin=0,
                  vmax=1, annot=n <= 10, fmt=1, annot_min=0.05, lang=lang, cbar_label=tt["attention"],
                  annot_kws={"fontsize": 6.5})
    ax["weights"].set_xlabel(tt["key"])
    ax["weights"].set_ylabel(tt["query"])
    lim = float(max(np.abs(v).max(), np.abs(c).max()))
    shared = {"cmap": DIVERGING_CMAP, "norm": Normalize(-lim, lim), "lang": lang, "cbar_label": tt["value"]}
    ticks = [0, d // 2, d - 1]
    r_v = heatmap(v, ax=ax["v"], yticklabels=tokens, **shared)
    r_z = heatmap(z, ax=ax["z"], yticklabels=tokens, **shared)
    for k in ("v", "z"):
        ax[k].set_xticks(ticks, [str(t + 1) for t in ticks], rotation=0)
        ax[k].set_xlabel(tt["dims"])
    r_c = heatmap(c, ax=ax["concat"], yticklabels=tokens, **shared)
    ax["concat"].set_xticks([h * d + d / 2 - 0.5 for h in range(nh)], [str(h + 1) for h in range(nh)], rotation=0)
    ax["concat"].set_xlabel(tt["concat_dims"])
    box = Rectangle((head * d - 0.5, -0.5), d, n, fill=False, ec=HIGHLIGHT, lw=2.2)
    ax["concat"].add_patch(box)
    for h in range(1, nh):
        ax["concat"].axvline(h * d - 0.5, color="white", lw=0.6)
    wl = float(np.abs(w_o).max())
    r_w = heatmap(w_o, ax=ax["w_o"], cmap=DIVERGING_CMAP, norm=Normalize(-wl, wl), lang=lang, cbar_label=tt["weight"])
    ax["w_o"].set_xticks([h * d + d / 2 - 0.5 for h in range(nh)], [str(h + 1) for h in range(nh)], rotation=0)
    ax["w_o"].set_xlabel(tt["concat_dims"])
    yt = [0, w_o.shape[0] // 2, w_o.shape[0] - 1]
    ax["w_o"].set_yticks(yt, [str(t + 1) for t in yt])
    ax["w_o"].set_ylabel(tt["hidden_dims"])
    ax["w_o"].add_patch(Rectangle((head * d - 0.5, -0.5), d, w_o.shape[0], fill=False, ec=HIGHLIGHT, lw=2.2))
    sc = ax["check"].scatter(reference.ravel(), rebuilt.ravel(), **{"s": 4, "alpha": 0.35, "color": "0.25",
                                                                     "rasterized": True, **(scatter_kws or {})})
    lo, hi = float(min(reference.min(), rebuilt.min())), float(max(reference.max(), rebuilt.max()))
    (diag,) = ax["check"].plot([lo, hi], [lo, hi], color=HIGHLIGHT, lw=1, ls="--")
    ax["check"].set_xlabel(tt["model"])
    ax["check"].set_ylabel(tt["rebuilt"])
    localize_axes(ax["check"], lang=lang)
    for k in ("weights", "v", "z", "concat", "w_o", "check"):
        ax[k].set_title(tt[k], fontsize=10.5)
    return PlotResult(ax_=ax["weights"], axes_=ax, im_=r_a.im_, colorbar_=r_a.colorbar_,
                      artists_={"v_im": r_v.im_, "z_im": r_z.im_, "concat_im": r_c.im_, "w_o_im": r_w.im_,
                                "scatter": sc, "diagonal": diag, "head_box": box},
                      values_={"max_error": err, "value_range": (-lim, lim), "error_text": err_text})


def sci_text(x: float) -> str:
    """``5 × 10⁻⁶`` for 5e-06 (one significant digit; ``0`` for zero)."""
    if x == 0:
        return "0"
    mant, exp = f"{x:.0e}".split("e")
    return f"{mant} × 10" + str(int(exp)).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
