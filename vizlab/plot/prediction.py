"""Bar charts of what a language model predicts: next-token top-k and fill-in-the-blank scores.

Labels are drawn as given (pass tokens through :func:`vizlab.tokens.display_tokens` first) and
through :func:`~vizlab.plot.glyphs.font_safe`; numbers follow ``lang`` (``9,9 %`` in Portuguese), and so
do the texts left at ``None`` (the catalogue's, :data:`vizlab.i18n.CATALOGUE`).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from vizlab.i18n import fmt_pct, get_lang
from vizlab.palette import role_color
from vizlab.plot.display import PlotResult
from vizlab.plot.glyphs import font_safe
from vizlab.plot.heatmap import percent_axis

__all__ = ["plot_topk_bars", "plot_blank_scores"]

BAR_COLOR = role_color("series.1")
LEFT_COLOR = role_color("context.left")  # light grey: the weaker, left-context-only reading


def plot_topk_bars(
    probs,
    *,
    labels,
    ax: Axes | None = None,
    highlight=None,
    color: str = BAR_COLOR,
    highlight_color: str = role_color("expected"),
    extra: tuple[str, float, str] | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    lang: str = "pt",
    decimals: int = 1,
    bar_kws: dict | None = None,
    text_kws: dict | None = None,
) -> PlotResult:
    """Horizontal bars of the k most probable items, most probable on top, values written.

    Parameters
    ----------
    probs : array-like of shape (k,)
        Probabilities in the order of ``labels`` (drawn as given, first on top).
    labels : list of str, length k
        Display texts (e.g. from :func:`vizlab.tokens.display_tokens`).
    highlight : str or collection of str, optional
        Labels whose bar gets ``highlight_color`` (the word a reader expects).
    extra : (label, prob, note), optional
        An item outside the top k (e.g. the expected word at rank 441), drawn as one more bar in
        ``highlight_color`` below a dotted separator, with ``note`` written next to its value.
    xlabel : str, optional
        Default: the catalogue's ``probability`` in ``lang``.
    lang : {"pt", "en"}
        Number format of the written percentages, language of the default texts.
    bar_kws, text_kws : dict, optional
        Passed to ``ax.barh`` and to the value texts.

    Returns
    -------
    PlotResult
        ``artists_["bars"]`` the top-k BarContainer (top to bottom), ``artists_["extra"]`` the
        extra bar (or None), ``artists_["values"]`` the value texts.
    """
    p = np.asarray(probs, dtype=float)
    if p.ndim != 1 or len(p) != len(labels):
        raise ValueError(f"probs must be 1-D with one value per label: {p.shape} vs {len(labels)} labels")
    n_rows = len(p) + (1 if extra is not None else 0)
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 0.35 * n_rows + 1))
    marked = {highlight} if isinstance(highlight, str) else set(highlight or ())
    y = np.arange(len(p), dtype=float)
    cols = [highlight_color if lab in marked else color for lab in labels]
    bars = ax.barh(y, p, color=cols, height=0.7, **(bar_kws or {}))
    ticks, names = list(y), [font_safe(lab) for lab in labels]
    top = float(max(p.max() if len(p) else 0.0, extra[1] if extra is not None else 0.0)) or 1.0
    tkw = {"va": "center", "fontsize": 8, **(text_kws or {})}
    values = [ax.text(v + top * 0.02, yi, fmt_pct(v, decimals, lang=lang), **tkw) for yi, v in zip(y, p)]
    extra_bar = None
    if extra is not None:
        label, value, note = extra
        ye = len(p) + 0.4
        ax.axhline(len(p) - 0.3, color="0.6", lw=0.8, ls=":")
        extra_bar = ax.barh([ye], [value], color=highlight_color, height=0.7, **(bar_kws or {}))
        # a tiny probability has an invisible bar: the text says it
        values.append(ax.text(value + top * 0.02, ye, f"{fmt_pct(value, 2, lang=lang)}  {note}".rstrip(), **tkw))
        ticks.append(ye)
        names.append(font_safe(label))
    ax.set_yticks(ticks, names)
    ax.invert_yaxis()
    xmax = min(top * 1.35, 1.12)  # room for the value texts, never far beyond 100 %
    ax.set_xlim(0, xmax)
    percent_axis(ax.xaxis, lang=lang)
    ax.set_xlabel(get_lang(lang).default(xlabel, "probability"))
    if title:
        ax.set_title(title)
    ax.tick_params(axis="y", length=0)
    return PlotResult(ax_=ax, artists_={"bars": bars, "extra": extra_bar, "values": values},
                      values_={"xmax": xmax})


def plot_blank_scores(
    left_probs,
    probs,
    *,
    candidates,
    ax: Axes | None = None,
    labels: tuple[str, str] | None = None,
    colors: tuple[str, str] = (LEFT_COLOR, BAR_COLOR),
    marked=None,
    title: str | None = None,
    xlabel: str | None = None,
    lang: str = "pt",
    legend_kws: dict | None = None,
    bar_kws: dict | None = None,
    text_kws: dict | None = None,
) -> PlotResult:
    """Paired bars per candidate: its probability from the left context vs from the whole sentence.

    Parameters
    ----------
    left_probs : array-like of shape (n,) or None
        Probabilities from the words before the blank (None: only ``probs`` is drawn).
    probs : array-like of shape (n,)
        Probabilities using the whole sentence.
    candidates : list of str, length n (drawn top to bottom in this order)
    labels : (str, str), optional
        Legend names of the two series (default: the catalogue's ``blank.left_only`` and
        ``blank.whole_sentence`` in ``lang``).
    xlabel : str, optional
        Default: the catalogue's ``blank.probability``.
    marked : collection of str, optional
        Candidates whose tick label is drawn in :data:`~vizlab.palette.HIGHLIGHT` (e.g. the
        expected word); say what the mark means in the title or caption.
    legend_kws : dict, optional
        Passed to ``ax.legend`` (default: lower right).

    Returns
    -------
    PlotResult
        ``artists_["bars"]`` one BarContainer per series (left context first).
    """
    q = np.asarray(probs, dtype=float)
    series = [q] if left_probs is None else [np.asarray(left_probs, dtype=float), q]
    if any(s.shape != (len(candidates),) for s in series):
        raise ValueError(f"probabilities must have one value per candidate ({len(candidates)})")
    tr = get_lang(lang)
    names = (labels or (tr("blank.left_only"), tr("blank.whole_sentence")))[-len(series):]
    cols = colors[-len(series):]
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 0.5 * len(q) + 1))
    h = 0.8 / len(series)
    y = np.arange(len(q))
    containers = []
    tkw = {"va": "center", "fontsize": 8, **(text_kws or {})}
    for i, (s, name, c) in enumerate(zip(series, names, cols)):
        off = (i - (len(series) - 1) / 2) * h
        containers.append(ax.barh(y + off, s, height=h, color=c, label=name, **(bar_kws or {})))
        for yi, v in zip(y, s):
            ax.text(v + 0.01, yi + off, fmt_pct(v, 0, lang=lang), **tkw)
    ax.set_yticks(y, [font_safe(c) for c in candidates])
    for tick, cand in zip(ax.get_yticklabels(), candidates):
        if marked and cand in marked:
            tick.set_color(role_color("expected"))
            tick.set_fontweight("bold")
    ax.invert_yaxis()
    ax.set_xlim(0, min(1.0, max(float(np.max(series)) * 1.25, 0.1)) + 0.08)
    percent_axis(ax.xaxis, lang=lang)
    ax.set_xlabel(tr.default(xlabel, "blank.probability"))
    ax.tick_params(axis="y", length=0)
    if title:
        ax.set_title(title)
    ax.legend(**{"loc": "lower right", **(legend_kws or {})})
    return PlotResult(ax_=ax, artists_={"bars": containers})
