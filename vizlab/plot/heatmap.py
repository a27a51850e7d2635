"""The one annotated heatmap every vizlab matrix figure is drawn with.

Cells are an ``imshow`` image (small in SVG, unlike thousands of vector patches). Cell text takes
its colour from the *rendered* cell colour's relative luminance, as seaborn's ``heatmap`` does:
dark text on light cells, white text on dark ones, whatever the colour map and norm.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import Normalize, to_rgba

from vizlab.i18n import fmt_num, fmt_pct
from vizlab.plot.display import PlotResult
from vizlab.plot.glyphs import font_safe

__all__ = ["heatmap", "relative_luminance", "text_color_for", "localize_axes", "percent_axis"]


def relative_luminance(color) -> float:
    """Relative luminance of a colour (WCAG 2 / sRGB), in 0..1."""
    rgb = np.asarray(to_rgba(color)[:3], dtype=float)
    rgb = np.where(rgb <= 0.03928, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return float(rgb @ np.array([0.2126, 0.7152, 0.0722]))


def text_color_for(background) -> str:
    """Black on light backgrounds, white on dark ones (seaborn's threshold, 0.408)."""
    return "0.1" if relative_luminance(background) > 0.408 else "white"


def localize_axes(ax: Axes, *, lang: str = "pt", axis: str = "both") -> None:
    """Write the numeric tick labels of ``ax`` with the language's decimal separator (``0,5``)."""
    from matplotlib.ticker import ScalarFormatter

    if lang != "pt":
        return

    class PtFormatter(ScalarFormatter):
        def __call__(self, x, pos=None):
            s = super().__call__(x, pos)
            return s.replace(",", "\x00").replace(".", ",").replace("\x00", ".")

    targets = [ax.xaxis, ax.yaxis] if axis == "both" else [ax.xaxis if axis == "x" else ax.yaxis]
    for a in targets:
        f = a.get_major_formatter()
        if type(f) is ScalarFormatter:
            a.set_major_formatter(PtFormatter())


def percent_axis(axis, *, lang: str = "pt", decimals: int = 0) -> None:
    """Tick labels of a 0-1 ``axis`` (e.g. ``ax.xaxis``, a colour bar's ``cb.ax.yaxis``) as percentages in the
    language's format (``50 %`` / ``50%``)."""
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda x, _: fmt_pct(x, decimals, lang=lang)))


def heatmap(
    data,
    *,
    ax: Axes | None = None,
    xticklabels: Sequence[str] | None = None,
    yticklabels: Sequence[str] | None = None,
    xrotation: float = 90,
    cmap="viridis",
    vmin: float | None = None,
    vmax: float | None = None,
    norm: Normalize | None = None,
    mask=None,
    mask_color: str = "0.88",
    annot: bool | np.ndarray = False,
    fmt: Callable[[float], str] | int = 2,
    annot_min: float | None = None,
    lang: str = "pt",
    annot_kws: dict | None = None,
    cbar: bool = True,
    cbar_label: str | None = None,
    cbar_kws: dict | None = None,
    **im_kws,
) -> PlotResult:
    """Draw a matrix as an image, optionally with a value in each cell and a labelled colour bar.

    Parameters
    ----------
    data : array-like of shape (n_rows, n_cols)
    ax : Axes, optional
        Drawn into (a new figure sized to the matrix when None).
    xticklabels, yticklabels : list of str, optional
        One label per column / row (shown through :func:`~vizlab.plot.glyphs.font_safe`).
    cmap, vmin, vmax, norm
        Colour mapping (``norm`` wins over ``vmin``/``vmax``). The defaults span the data.
    mask : array-like of bool, optional
        Cells drawn in ``mask_color`` and never annotated (e.g. a causal mask's forbidden cells).
    annot : bool or array of str
        ``True`` writes each value formatted by ``fmt``; an array gives the text of each cell.
    fmt : int or callable
        Decimals (numbers follow ``lang``: ``0,75`` in Portuguese) or a function value -> text.
    annot_min : float, optional
        Leave cells whose absolute value is below this blank.
    annot_kws, cbar_kws : dict
        Passed to ``ax.text`` and ``figure.colorbar``; ``im_kws`` go to ``ax.imshow``.

    Returns
    -------
    PlotResult
        ``im_`` the image, ``text_`` an object array of the cell texts (None where blank),
        ``colorbar_`` the colour bar (or None), ``values_["vmin"]``/``["vmax"]`` the colour range.
    """
    a = np.asarray(data, dtype=float)
    if a.ndim != 2:
        raise ValueError(f"heatmap data must be 2-D (rows, columns), got shape {a.shape}")
    n_rows, n_cols = a.shape
    for name, labels, n in (("xticklabels", xticklabels, n_cols), ("yticklabels", yticklabels, n_rows)):
        if labels is not None and len(labels) != n:
            raise ValueError(f"{name} has {len(labels)} labels for {n} {'columns' if name[0] == 'x' else 'rows'}")
    if ax is None:
        _, ax = plt.subplots(figsize=(max(3.5, 0.35 * n_cols + 2), max(3.0, 0.3 * n_rows + 1.2)))
    m = np.zeros_like(a, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    m = m | ~np.isfinite(a)
    shown = np.ma.masked_array(a, mask=m)
    if norm is None:
        finite = a[~m]
        lo = float(finite.min()) if vmin is None and finite.size else vmin
        hi = float(finite.max()) if vmax is None and finite.size else vmax
        norm = Normalize(vmin=lo, vmax=hi)
    cm = plt.get_cmap(cmap).with_extremes(bad=mask_color)
    im_kws = {"interpolation": "nearest", "aspect": "auto", **im_kws}
    im = ax.imshow(shown, cmap=cm, norm=norm, **im_kws)
    if xticklabels is not None:
        ax.set_xticks(range(n_cols), [font_safe(t) for t in xticklabels], rotation=xrotation)
    if yticklabels is not None:
        ax.set_yticks(range(n_rows), [font_safe(t) for t in yticklabels])
    ax.tick_params(length=0)
    for s in ax.spines.values():
        s.set_visible(False)

    texts = None
    if annot is not False and annot is not None:
        labels = None if isinstance(annot, bool) else np.asarray(annot, dtype=object)
        if labels is not None and labels.shape != a.shape:
            raise ValueError(f"annot has shape {labels.shape}, the data {a.shape}")
        to_text = fmt if callable(fmt) else (lambda v: fmt_num(v, int(fmt), lang=lang))
        kws = {"ha": "center", "va": "center", "fontsize": 7, **(annot_kws or {})}
        texts = np.full(a.shape, None, dtype=object)
        colors = im.cmap(im.norm(shown))
        for i in range(n_rows):
            for j in range(n_cols):
                if m[i, j] or (annot_min is not None and abs(a[i, j]) < annot_min):
                    continue
                s = labels[i, j] if labels is not None else to_text(a[i, j])
                if s is None or s == "":
                    continue
                color = kws.get("color") or text_color_for(colors[i, j])
                texts[i, j] = ax.text(j, i, font_safe(s), **{**kws, "color": color})
    cb = None
    if cbar:
        cb = ax.figure.colorbar(im, ax=ax, **{"fraction": 0.046, "pad": 0.03, **(cbar_kws or {})})
        if cbar_label:
            cb.set_label(cbar_label)
        localize_axes(cb.ax, lang=lang)
    return PlotResult(ax_=ax, im_=im, text_=texts, colorbar_=cb,
                      values_={"vmin": float(norm.vmin), "vmax": float(norm.vmax)})
