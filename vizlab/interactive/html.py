"""A self-contained HTML attention viewer (vanilla JS written here; no CDN, no network).

The page embeds the attention weights as JSON and the viewer script inline, so it works when
opened from ``file://``, in an offline notebook, or attached to a report.
"""

from __future__ import annotations

import html
import json
import os
from importlib import resources
from pathlib import Path

import numpy as np

from vizlab.i18n import LANGS, Lang
from vizlab.numbering import check_head_number, head_number, layer_number, position_of
from vizlab.palette import CATEGORICAL, HIGHLIGHT
from vizlab.tokens import display_tokens

__all__ = ["attention_html", "save_attention_html", "AttentionView", "show_attention", "offline_page"]

# Interface strings: keys of vizlab.i18n.CATALOGUE (one catalogue for figures, viewer and CLI).
UI_KEYS = {"title": "viewer_title", "example": "example", "layer": "layer", "head": "head",
           "special": "show_special", "query": "query_short", "key": "key_short",
           "head_view": "viewer_head_view", "model_view": "viewer_model_view", "note": "viewer_note"}

# Viridis (vizlab.palette.SEQUENTIAL_CMAP) at 9 evenly spaced stops, for the thumbnails.
VIRIDIS_STOPS = ("#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962", "#addc30", "#fde725")


def _ui(lang: str) -> dict:
    tr = Lang(lang)
    return {k: tr(v) for k, v in UI_KEYS.items()}


_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 16px; color: #222; }
header { display: flex; flex-wrap: wrap; gap: 14px; align-items: center; margin-bottom: 8px; }
header h1 { font-size: 18px; margin: 0 16px 0 0; }
select { font-size: 14px; max-width: 520px; }
main { display: flex; flex-wrap: wrap; gap: 28px; align-items: flex-start; }
section h2 { font-size: 14px; font-weight: 600; margin: 6px 0; }
#lines { width: 520px; background: #fff; }
#lines .tok { font: 13px ui-monospace, Menlo, Consolas, monospace; cursor: pointer; fill: #222; }
#lines .tok.focused { font-weight: bold; fill: HIGHLIGHT; }
#lines .axis { font-size: 12px; font-style: italic; fill: #666; }
.attn-line.dim { stroke-opacity: 0.03; }
#model-grid { display: grid; gap: 4px; align-items: center; }
#model-grid .thumb { border: 1px solid #ccc; cursor: pointer; }
#model-grid .thumb.selected { border: 2px solid HIGHLIGHT; }
.row-label, .col-label, .corner { font-size: 12px; color: #555; text-align: center; }
.note { font-size: 12px; color: #666; max-width: 900px; }
#errors { color: #b00; white-space: pre-wrap; }
""".replace("HIGHLIGHT", HIGHLIGHT)  # vizlab.palette.HIGHLIGHT

ERROR_HOOK = """window.__vizlabErrors = [];
function __vizlabReport(msg) {
  window.__vizlabErrors.push(String(msg));
  document.documentElement.setAttribute("data-errors", window.__vizlabErrors.join(" | "));
  var pre = document.getElementById("errors"); if (pre) pre.textContent = window.__vizlabErrors.join("\\n");
}
window.onerror = function (msg, src, line, col) { __vizlabReport(msg + " (" + line + ":" + col + ")"); };
window.addEventListener("unhandledrejection", function (e) { __vizlabReport("unhandled rejection: " + e.reason); });
(function () { var orig = console.error; console.error = function () {
  __vizlabReport(Array.prototype.join.call(arguments, " ")); return orig.apply(console, arguments); }; })();"""


def offline_page(*, lang: str, title: str, css: str, body: str, data: dict, js: str) -> str:
    """One offline page of vizlab's viewers, as an HTML string: the head (charset, viewport, ``title``,
    ``css``, the :data:`ERROR_HOOK`), the ``body`` markup, a ``<pre id="errors">`` the hook fills, ``data``
    as JSON in ``<script id="vizlab-data">`` (``</`` escaped, so no text can close it) and the page's
    script ``js``. Nothing is loaded from the network."""
    blob = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return f"""<!DOCTYPE html>
<html lang="{lang}" data-errors="">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>{css}</style>
<script>{ERROR_HOOK}</script>
</head>
<body data-rendered="0">
{body}
<pre id="errors"></pre>
<script type="application/json" id="vizlab-data">{blob}</script>
<script>
{js}
</script>
</body>
</html>
"""


def _viewer_js() -> str:
    return resources.files("vizlab.interactive").joinpath("viewer.js").read_text(encoding="utf-8")


def _example(acts, title: str | None, decimals: int) -> dict:
    if getattr(acts, "attentions", None) is None:
        raise ValueError("these activations hold no attentions: extract them with attentions=True")
    a = np.asarray(acts.attentions, dtype=float)
    if a.ndim != 4 or a.shape[-1] != len(acts.tokens):
        raise ValueError(f"attentions of shape {a.shape} do not match {len(acts.tokens)} tokens")
    if title is None:
        text = acts.text if isinstance(acts.text, str) else " / ".join(acts.text)
        title = f"{acts.model_name}: {text}" if acts.model_name else text
    return {
        "title": title,
        "model": acts.model_name or "model",
        "kind": getattr(acts, "kind", "encoder"),
        "tokens": display_tokens([str(t) for t in acts.tokens]),
        "raw_tokens": [str(t) for t in acts.tokens],
        "special": [int(s) for s in np.asarray(acts.special_mask, bool)],
        # reader numbers: layers (blocks) and heads count from 1 (vizlab.numbering)
        "layers": [layer_number(x) for x in (acts.attention_layers or range(a.shape[0]))],
        "n_heads": int(a.shape[1]),
        "attn": np.round(a, decimals).tolist(),
    }


def attention_html(acts, *, titles=None, lang: str = "pt", initial: tuple[int, int] | None = None,
                   min_weight: float = 0.02, decimals: int = 3) -> str:
    """The viewer page as one HTML string.

    Layers and heads are numbered as readers see them: layer 1 is the first block, head 1 the first
    head, hidden state 0 the embedding output; negative numbers count from the end.

    Parameters
    ----------
    acts : Activations or list of Activations
        One text each (from :func:`vizlab.extract` with ``attentions=True``); several become
        entries of the "example" menu.
    titles : list of str, optional
        Menu entry per example (default: model and text).
    lang : {"pt", "en"}
        Language of the interface.
    initial : (int, int), optional
        ``(layer, head)`` selected when the page opens; the URL hash ``#example=0&layer=1&head=2&focus=3``
        (same numbering) overrides it.
    min_weight : float
        Lines under this weight are not drawn.
    decimals : int
        Weights are rounded to this many decimals (keeps the page small).

    Returns
    -------
    str
    """
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {sorted(LANGS)}, got {lang!r}")
    items = [acts] if hasattr(acts, "attentions") else list(acts)
    if not items:
        raise ValueError("no activations given")
    titles = list(titles) if titles is not None else [None] * len(items)
    if len(titles) != len(items):
        raise ValueError(f"{len(titles)} titles for {len(items)} examples")
    ui = _ui(lang)
    examples = [_example(a, t, decimals) for a, t in zip(items, titles)]
    first = examples[0]
    layer0, head0 = first["layers"][0], 1
    if initial is not None:
        layer0 = first["layers"][position_of(initial[0], first["layers"], what="layer")]
        head0 = head_number(check_head_number(initial[1], first["n_heads"], what="initial head", from_end=True))
    data = {
        "labels": ui,
        "min_weight": float(min_weight),
        "initial": {"example": 0, "layer": layer0, "head": head0},
        "head_colors": list(CATEGORICAL[:8]),
        "highlight": HIGHLIGHT,
        "cmap": list(VIRIDIS_STOPS),
        "examples": examples,
    }
    e = html.escape
    body = f"""<header>
<h1>{e(ui['title'])}</h1>
<label>{e(ui['example'])} <select id="example"></select></label>
<label>{e(ui['layer'])} <select id="layer"></select></label>
<label>{e(ui['head'])} <select id="head"></select></label>
<label><input type="checkbox" id="special" checked> {e(ui['special'])}</label>
<span id="model-name" class="note"></span>
</header>
<p class="note">{e(ui['note'])}</p>
<main>
<section><h2>{e(ui['head_view'])} — <span id="head-title"></span></h2>
<svg id="lines" xmlns="http://www.w3.org/2000/svg"></svg></section>
<section><h2>{e(ui['model_view'])}</h2><div id="model-grid"></div></section>
</main>"""
    return offline_page(lang=lang, title=ui["title"], css=_CSS, body=body, data=data, js=_viewer_js())


def save_attention_html(acts, path: str | os.PathLike, **kwargs) -> Path:
    """Write :func:`attention_html` to ``path`` (UTF-8) and return the path.

    Like every ``save_*`` of vizlab: the data first, then the path, then options by keyword
    (``save_attention_html(acts, "viewer.html", lang="en", initial=(2, 5))``; ``kwargs`` are those of
    :func:`attention_html`). The page needs nothing else: open it from disk in any browser, offline.
    """
    from vizlab.cache import atomic_write_bytes

    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise ValueError(f"path should end in .html, got {path.name!r}")
    atomic_write_bytes(path, attention_html(acts, **kwargs).encode("utf-8"))
    return path


class AttentionView:
    """Notebook display of the viewer: an ``<iframe srcdoc>`` so its script runs isolated.

    Shown automatically as the last expression of a Jupyter cell (``_repr_html_``); works
    offline because nothing is loaded from the network.
    """

    def __init__(self, page: str, *, height: int = 620):
        self.page = page
        self.height = int(height)

    def _repr_html_(self) -> str:
        return (f'<iframe srcdoc="{html.escape(self.page, quote=True)}" style="width:100%;border:0" '
                f'height="{self.height}" sandbox="allow-scripts"></iframe>')

    def save(self, path: str | os.PathLike) -> Path:
        from vizlab.cache import atomic_write_bytes

        atomic_write_bytes(Path(path), self.page.encode("utf-8"))
        return Path(path)


def show_attention(acts, *, height: int = 620, **kwargs) -> AttentionView:
    """Display the attention viewer in a notebook (``show_attention(acts)`` as a cell's last line)."""
    return AttentionView(attention_html(acts, **kwargs), height=height)
