"""Offline embedding explorer: one self-contained HTML page per map (plotly.js inlined, WebGL).

:func:`save_embedding_html` writes a 2-D map of texts (a :class:`~vizlab.analysis.projection.Projection`
or any ``(n, 2)`` array) as one page that needs nothing else: hover a point to read its text and label,
click a class in the legend to hide it (double click: only that class), type a word in the search box to
highlight the texts that contain it (case and accents ignored), scroll to zoom, drag to pan.
:func:`save_shift_html` shows the same texts before and after fine-tuning in aligned coordinates (see
:func:`vizlab.analysis.shift.embedding_shift`) with a slider between the two states; hover shows the
true label and both predictions. :func:`show_embeddings` / :func:`show_shift` display the same pages in
a notebook cell.

Why plotly. Measured in headless Chromium (software WebGL, SwiftShader, on a shared 2-core machine;
texts of 18 words; "pan" = one redraw after moving the x range)::

    points   library  page size   open -> drawn   pan redraw
    10,000   plotly    6.1 MB       3.2-4.5 s        131 ms
    10,000   bokeh     2.8 MB       1.8 s            379 ms
    50,000   plotly   11.0 MB       4.2 s            292 ms
    50,000   bokeh     7.9 MB       3.7 s            898 ms

Bokeh pages are smaller (its library is lighter than plotly.js's 4.7 MB), but plotly redraws three
times faster, which is what "smooth with 50,000 points" asks for; plotly's page is also deterministic
with a fixed div id (bokeh numbers its models from a process-wide counter and adds uuids). datamapplot
was not used: it pulls dask, distributed, datashader, pyarrow and scikit-image, and its interactive
pages load deck.gl from a CDN unless the scripts were downloaded once beforehand.
``tests/test_explorer.py`` records the page size for 10,000 points (budget: 10 MB).

The page is deterministic: same inputs, same bytes (fixed element ids, no timestamps, coordinates as
float32).
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
import unicodedata
from importlib import resources
from pathlib import Path

import numpy as np

from vizlab.i18n import LANGS, Lang
from vizlab.interactive.html import AttentionView
from vizlab.palette import CLASS_COLORS, HIGHLIGHT, class_colors

__all__ = ["embedding_html", "save_embedding_html", "show_embeddings", "shift_html", "save_shift_html",
           "show_shift", "ExplorerView", "fold"]

_DIV = "vizlab-map"
_WRAP = 64          # hover text: a line break every ~64 characters
_MAX_HOVER = 600    # hover text: longer texts are cut (the search still sees the whole text)


def _require_plotly():
    try:
        import plotly  # noqa: F401
        import plotly.graph_objects as go
    except ImportError as e:  # pragma: no cover - plotly is a dependency
        raise ImportError("the embedding explorer needs plotly: pip install 'plotly>=6'") from e
    return go


def fold(text: str) -> str:
    """Lower case without accents, as the search box compares texts (``"Não"`` -> ``"nao"``).

    >>> fold("Não ÉRA")
    'nao era'
    """
    nfd = unicodedata.normalize("NFD", str(text).lower())
    return "".join(c for c in nfd if unicodedata.category(c) != "Mn")


def _wrap(text: str) -> str:
    """Escape a text for plotly's hover label and break it into lines at spaces."""
    text = " ".join(str(text).split())
    if len(text) > _MAX_HOVER:
        text = text[:_MAX_HOVER].rsplit(" ", 1)[0] + " …"
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > _WRAP:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "<br>".join(html.escape(x, quote=False) for x in lines)


def _long_texts(texts: list[str]) -> dict[str, str]:
    """Texts cut in the hover label, whole (folded) for the search; the others are read from the hover text."""
    return {str(i): fold(t) for i, t in enumerate(texts) if len(" ".join(t.split())) > _MAX_HOVER}


def _coords(obj, name: str = "coords") -> tuple[np.ndarray, str | None]:
    """(n, 2) float32 coordinates and the method's name (``"UMAP"``) when known."""
    method = None
    if hasattr(obj, "coords") and hasattr(obj, "method"):
        method = {"umap": "UMAP", "pca": "PCA", "tsne": "t-SNE"}.get(obj.method, str(obj.method))
        obj = obj.coords
    X = np.asarray(obj, dtype=np.float32)
    if X.ndim != 2 or X.shape[1] < 2:
        raise ValueError(f"{name} must be an (n, 2) array or a Projection, got shape {X.shape}")
    if not np.isfinite(X[:, :2]).all():
        raise ValueError(f"{name} hold NaN or infinite values")
    return np.ascontiguousarray(X[:, :2]), method


def _labels(labels, n: int, tr: Lang, name: str = "labels") -> np.ndarray:
    if labels is None:
        return np.full(n, tr("texts"), dtype=object)
    if isinstance(labels, (str, bytes, os.PathLike)):
        raise TypeError(f"{name} must hold one label per text, got {type(labels).__name__} {labels!r}")
    labels = np.asarray([str(x) for x in labels], dtype=object)
    if len(labels) != n:
        raise ValueError(f"{len(labels)} labels for {n} points")
    return labels


def _name(label: str, tr: Lang) -> str:
    """A class as readers see it: sentiment classes translated, other labels as given."""
    return tr(label) if label in CLASS_COLORS else label


def _class_order(labels: np.ndarray) -> list[str]:
    present = set(labels.tolist())
    known = [c for c in CLASS_COLORS if c in present]
    return known + sorted(present - set(known))


def _layout(tr: Lang, method: str | None, title: str, height: int) -> dict:
    axis = dict(showgrid=False, zeroline=False, showline=True, linecolor="#999", mirror=True, ticks="outside",
                tickfont=dict(size=11, color="#666"))
    names = [f"{method} {k}" if method else tr("map_dim", k=k) for k in (1, 2)]
    return dict(
        template="none", height=height, autosize=True, separators=",." if tr.code == "pt" else ".,",
        title=dict(text=html.escape(title, quote=False), x=0.01, font=dict(size=16)),
        xaxis=dict(axis, title=dict(text=names[0], font=dict(size=12, color="#666"))),
        yaxis=dict(axis, title=dict(text=names[1], font=dict(size=12, color="#666")), scaleanchor=None),
        legend=dict(title=dict(text=tr("class")), itemsizing="constant", bgcolor="rgba(255,255,255,0.85)"),
        hovermode="closest", dragmode="pan", margin=dict(l=50, r=20, t=50, b=45), plot_bgcolor="white",
        hoverlabel=dict(align="left", font=dict(size=13), bgcolor="white"),
    )


def _traces(X: np.ndarray, labels: np.ndarray, hover: list[str], tr: Lang, *, size: float,
            opacity: float, show_label: bool) -> list:
    go = _require_plotly()
    colors = class_colors(_class_order(labels))
    traces = []
    for c in _class_order(labels):
        idx = np.flatnonzero(labels == c)
        traces.append(go.Scattergl(
            x=X[idx, 0], y=X[idx, 1], mode="markers", name=f"{_name(c, tr)} ({tr.int(len(idx))})",
            hovertext=[hover[i] for i in idx],
            hovertemplate="%{hovertext}" + (f"<br><i>{html.escape(tr('label'))}: {html.escape(_name(c, tr))}</i>"
                                            if show_label else "") + "<extra></extra>",
            customdata=idx.astype(np.int32),
            marker=dict(color=colors[c], size=size, opacity=opacity, line=dict(width=0)),
            selected=dict(marker=dict(size=size * 2, opacity=1.0)),
            unselected=dict(marker=dict(opacity=0.06)),
        ))
    return traces


def _page(*, tr: Lang, title: str, traces: list, layout: dict, config: dict, note: str, controls: str,
          height: int) -> str:
    go = _require_plotly()
    from plotly.offline import get_plotlyjs

    e = html.escape
    fig_json = go.Figure(data=traces, layout=layout).to_json(pretty=False)
    cfg_json = json.dumps(config, ensure_ascii=False, separators=(",", ":"))
    js = resources.files("vizlab.interactive").joinpath("explorer.js").read_text(encoding="utf-8")
    return f"""<!DOCTYPE html>
<html lang="{'pt-BR' if tr.code == 'pt' else 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)}</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 12px 16px; color: #222; }}
header {{ display: flex; flex-wrap: wrap; gap: 10px 18px; align-items: center; margin-bottom: 4px; }}
header input[type=search] {{ font-size: 15px; padding: 3px 6px; width: 16em; }}
#count {{ font-size: 13px; color: #555; }}
.stage {{ display: flex; gap: 8px; align-items: center; font-size: 14px; }}
.stage input[type=range] {{ width: 220px; }}
.stage button {{ font-size: 13px; }}
#{_DIV} {{ width: 100%; height: {int(height)}px; }}
.note {{ font-size: 12.5px; color: #555; max-width: 1000px; line-height: 1.4; }}
</style>
</head>
<body data-rendered="0">
<header>
<label>{e(tr("search").capitalize())} <input type="search" id="search" placeholder="{e(tr("search_placeholder"))}" autocomplete="off"></label>
<span id="count" aria-live="polite"></span>
{controls}
</header>
<div id="{_DIV}"></div>
<p class="note">{e(note)}</p>
<script>{_safe(get_plotlyjs())}</script>
<script type="application/json" id="vizlab-figure">{_safe(fig_json)}</script>
<script type="application/json" id="vizlab-config">{_safe(cfg_json)}</script>
<script>
{js}
</script>
</body>
</html>
"""


def _safe(s: str) -> str:
    """Text that cannot close the ``<script>`` element it sits in (``</script`` -> ``<\\/script``)."""
    return re.sub(r"</(script)", r"<\\/\1", s, flags=re.I)


def _f32(X: np.ndarray) -> dict:
    """Float32 values as plotly's typed-array spec (base64), decoded by explorer.js."""
    return {"dtype": "f4", "bdata": base64.b64encode(np.ascontiguousarray(X, "<f4").tobytes()).decode("ascii")}


def _plotly_config(tr: Lang) -> dict:
    return {"scrollZoom": True, "displaylogo": False, "responsive": True,
            "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines"],
            "locale": "pt-BR" if tr.code == "pt" else "en"}


def _check(texts, n: int, lang: str) -> list[str]:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {sorted(LANGS)}, got {lang!r}")
    texts = [str(t) for t in texts]
    if len(texts) != n:
        raise ValueError(f"{len(texts)} texts for {n} points")
    if n == 0:
        raise ValueError("no points to draw")
    return texts


def _marker_size(n: int) -> float:
    return float(np.clip(9 - 1.3 * np.log10(max(n, 1)), 3, 8))


def embedding_html(coords_or_projection, texts, labels=None, *, title: str | None = None, lang: str = "pt",
                   note: str | None = None, height: int = 680, marker_size: float | None = None,
                   opacity: float = 0.75) -> str:
    """The explorer page for one map, as an HTML string (see :func:`save_embedding_html`)."""
    X, method = _coords(coords_or_projection)
    texts = _check(texts, len(X), lang)
    tr = Lang(lang)
    labels = _labels(labels, len(X), tr)
    title = title or tr("explorer_title")
    hover = [_wrap(t) for t in texts]
    size = marker_size or _marker_size(len(X))
    traces = _traces(X, labels, hover, tr, size=size, opacity=opacity, show_label=True)
    if note is None:
        note = tr("explorer_note")
        if hasattr(coords_or_projection, "describe"):
            note = f"{coords_or_projection.describe(lang)}. {note}"
    config = {"div": _DIV, "lang": tr.code, "plotly": _plotly_config(tr), "long_texts": _long_texts(texts),
              "count": tr("search_count"), "highlight": HIGHLIGHT, "stages": None}
    return _page(tr=tr, title=title, traces=traces, layout=_layout(tr, method, title, height), config=config,
                 note=note, controls="", height=height)


def save_embedding_html(coords_or_projection, texts, labels=None, path: str | os.PathLike | None = None, *,
                        title: str | None = None, lang: str = "pt", **kwargs) -> Path:
    """Write an offline, interactive map of texts to ``path`` (one ``.html`` file) and return the path.

    Like every ``save_*`` of vizlab: the data first, then the path, then options by keyword
    (``save_embedding_html(p, texts, labels, "map.html", lang="en")``); without labels the path may
    follow the texts (``save_embedding_html(p, texts, "map.html")``).

    Parameters
    ----------
    coords_or_projection : Projection or array-like of shape (n_texts, 2)
        The map (a :func:`vizlab.analysis.projection.project` result also gives the axis names and a note
        saying how it was made).
    texts : sequence of str, length n_texts
        Shown on hover and searched by the search box.
    labels : sequence of str, optional
        Class of each text: one colour and one legend entry per class (sentiment classes in the
        palette's colours, translated; other labels as given).
    path : str or PathLike
        Where to write (must end in ``.html``); written atomically. Positional or ``path=``.
    title : str, optional
        Title of the page and the map (default: the catalogue's ``explorer_title``).
    lang : {"pt", "en"}
        Language of the interface and the number format (decimal commas in Portuguese).
    **kwargs
        ``note`` (text under the map), ``height`` (pixels), ``marker_size``, ``opacity``.

    Returns
    -------
    Path

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "map.html"
    >>> _ = save_embedding_html(np.eye(3, 2), ["a", "b", "c"], ["x", "y", "x"], p)
    >>> p.stat().st_size > 1_000_000   # plotly.js is inside the page
    True
    """
    (labels,), path = _path_after_data("save_embedding_html", (labels,), path,
                                       "save_embedding_html(p, texts, labels, 'map.html')")
    return _save(path, embedding_html(coords_or_projection, texts, labels, title=title, lang=lang, **kwargs))


def _is_path(x) -> bool:
    return isinstance(x, (str, os.PathLike))


def _path_after_data(caller: str, optional: tuple, path, example: str) -> tuple[tuple, object]:
    """``(optional data, path)`` of a ``save_*`` call: the path is the argument after the data, so when
    optional data are left out it may come in their place (a path is never valid data)."""
    if path is None:
        given = [i for i, x in enumerate(optional) if x is not None]
        if given and _is_path(optional[given[-1]]):
            i = given[-1]
            optional, path = (*optional[:i], *([None] * (len(optional) - i))), optional[i]
    if path is None:
        raise TypeError(f"{caller}() needs the path of the page to write, after the data: {example} "
                        "(or path='map.html')")
    if not _is_path(path):
        raise TypeError(f"path must be a file name (str or Path), got {type(path).__name__}")
    return optional, path


def _save(path, page: str) -> Path:
    from vizlab.cache import atomic_write_bytes

    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise ValueError(f"path should end in .html, got {path.name!r}")
    atomic_write_bytes(path, page.encode("utf-8"))
    return path


class ExplorerView(AttentionView):
    """Notebook display of an explorer page (an ``<iframe srcdoc>``; works offline)."""

    def __init__(self, page: str, *, height: int = 780):
        super().__init__(page, height=height)


def show_embeddings(coords_or_projection, texts, labels=None, *, height: int = 780, **kwargs) -> ExplorerView:
    """The explorer in a notebook: ``show_embeddings(proj, texts, labels)`` as a cell's last line."""
    return ExplorerView(embedding_html(coords_or_projection, texts, labels, height=height - 100, **kwargs),
                        height=height)


def shift_html(before_coords, after_coords, texts, labels, pred_before=None, pred_after=None, *,
               title: str | None = None, lang: str = "pt", note: str | None = None, height: int = 640,
               marker_size: float | None = None, opacity: float = 0.75) -> str:
    """The before/after page as an HTML string (see :func:`save_shift_html`)."""
    if hasattr(before_coords, "before") and hasattr(before_coords, "after"):   # an EmbeddingShift
        shift = before_coords
        before_coords, after_coords = shift.before, shift.after
        method = {"joint": "PCA", "procrustes": "PCA + Procrustes"}.get(shift.method, shift.method)
    else:
        method = None
    Xb, mb = _coords(before_coords, "before_coords")
    Xa, _ = _coords(after_coords, "after_coords")
    method = method or mb
    if Xb.shape != Xa.shape:
        raise ValueError(f"before and after hold {len(Xb)} and {len(Xa)} points; they must be the same texts")
    texts = _check(texts, len(Xb), lang)
    tr = Lang(lang)
    labels = _labels(labels, len(Xb), tr)
    preds = []
    for name, p in (("pred_before", pred_before), ("pred_after", pred_after)):
        if _is_path(p):
            raise TypeError(f"{name} must hold one predicted class per text, got {type(p).__name__} {p!r}")
        if p is not None and len(p) != len(Xb):
            raise ValueError(f"{name} has {len(p)} entries for {len(Xb)} texts")
        preds.append(None if p is None else [str(x) for x in p])

    def line(key, pred, truth):
        mark = "✓" if pred == truth else "✗"
        return f"<br>{html.escape(tr(key))}: {html.escape(_name(pred, tr))} {mark}"

    hover = []
    for i, (t, c) in enumerate(zip(texts, labels)):
        h = f"{_wrap(t)}<br><i>{html.escape(tr('true_label'))}: {html.escape(_name(c, tr))}</i>"
        for key, p in zip(("pred_before", "pred_after"), preds):
            if p is not None:
                h += line(key, p[i], c)
        hover.append(h)
    size = marker_size or _marker_size(len(Xb))
    title = title or tr("shift_explorer_title")
    traces = _traces(Xb, labels, hover, tr, size=size, opacity=opacity, show_label=False)
    lo, hi = np.minimum(Xb.min(0), Xa.min(0)), np.maximum(Xb.max(0), Xa.max(0))
    pad = 0.04 * (hi - lo + 1e-9)
    layout = _layout(tr, method, title, height)
    layout["xaxis"]["range"] = [float(lo[0] - pad[0]), float(hi[0] + pad[0])]   # one frame for both states
    layout["yaxis"]["range"] = [float(lo[1] - pad[1]), float(hi[1] + pad[1])]
    order = [np.flatnonzero(labels == c) for c in _class_order(labels)]
    stages = {"before": [[_f32(Xb[idx, 0]), _f32(Xb[idx, 1])] for idx in order],
              "after": [[_f32(Xa[idx, 0]), _f32(Xa[idx, 1])] for idx in order]}
    if note is None:
        note = tr("shift_note") + " " + tr("explorer_note")
    config = {"div": _DIV, "lang": tr.code, "plotly": _plotly_config(tr), "long_texts": _long_texts(texts),
              "count": tr("search_count"), "highlight": HIGHLIGHT, "stages": stages}
    e = html.escape
    controls = (f'<div class="stage"><button type="button" id="to-before">{e(tr("before_ft"))}</button>'
                f'<input type="range" id="stage" min="0" max="1" step="0.02" value="0" '
                f'aria-label="{e(tr("before_ft"))} / {e(tr("after_ft"))}">'
                f'<button type="button" id="to-after">{e(tr("after_ft"))}</button></div>')
    return _page(tr=tr, title=title, traces=traces, layout=layout, config=config, note=note,
                 controls=controls, height=height)


def save_shift_html(before_coords, after_coords, texts, labels, pred_before=None, pred_after=None,
                    path: str | os.PathLike | None = None, *, title: str | None = None, lang: str = "pt",
                    **kwargs) -> Path:
    """Write the same texts before and after fine-tuning in one offline page; return the path.

    Like every ``save_*`` of vizlab: the data first, then the path, then options by keyword
    (``save_shift_html(before, after, texts, labels, pred_before, pred_after, "shift.html")``); without
    predictions the path may follow the labels (``save_shift_html(before, after, texts, labels, "shift.html")``).

    A slider (and two buttons) moves every point from its place before fine-tuning to its place after
    (positions in between are interpolated, so a reader can follow each text). Colours are the true
    labels; hover shows the text, its true label and both predictions (✓ right, ✗ wrong).

    Parameters
    ----------
    before_coords, after_coords : array-like of shape (n_texts, 2)
        Coordinates in ONE aligned system, e.g. ``shift.before`` and ``shift.after`` of
        :func:`vizlab.analysis.shift.embedding_shift` (a joint PCA, or Procrustes); an
        :class:`~vizlab.analysis.shift.EmbeddingShift` may be passed as ``before_coords`` with
        ``after_coords=None``.
    texts : sequence of str
    labels : sequence of str
        True class of each text.
    pred_before, pred_after : sequence of str, optional
        Class predicted by the model before and after fine-tuning.
    path : str or PathLike
        Where to write (``.html``), atomically. Positional or ``path=``.
    title, lang, **kwargs
        As in :func:`save_embedding_html`.

    Returns
    -------
    Path
    """
    (pred_before, pred_after), path = _path_after_data(
        "save_shift_html", (pred_before, pred_after), path,
        "save_shift_html(before, after, texts, labels, 'shift.html')")
    return _save(path, shift_html(before_coords, after_coords, texts, labels, pred_before, pred_after,
                                  title=title, lang=lang, **kwargs))


def show_shift(before_coords, after_coords, texts, labels, pred_before=None, pred_after=None, *,
               height: int = 760, **kwargs) -> ExplorerView:
    """The before/after page in a notebook cell."""
    return ExplorerView(shift_html(before_coords, after_coords, texts, labels, pred_before, pred_after,
                                   height=height - 120, **kwargs), height=height)
