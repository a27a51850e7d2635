"""An offline page of the attribution of generated text: hover a generated token to see what it rests on.

The page follows the attention viewer's conventions (:mod:`vizlab.interactive.html`): one HTML file,
the data as JSON in ``<script id="vizlab-data">``, vanilla JS written here (``generation.js``), no
external resource, errors reported on the page, ``data-rendered="1"`` once drawn, texts from the
catalogue. It shows the prompt and the continuation as running text; hovering (or clicking) a
generated token colours every earlier token by its attribution (diverging, one scale for the whole
page: red supports the token, blue works against it) and lists its largest sources, its probability
and the completeness gap; below, the whole matrix as a table (rows: generated tokens).
"""

from __future__ import annotations

import html
import os
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

import numpy as np

from vizlab.i18n import LANGS, Lang
from vizlab.palette import HIGHLIGHT

__all__ = ["generation_html", "save_generation_html", "show_generation", "DIVERGING_STOPS"]

# RdBu_r (vizlab.palette.DIVERGING_CMAP) at 11 evenly spaced stops, from -max to +max.
DIVERGING_STOPS = ("#053061", "#2065ab", "#4393c3", "#90c4dd", "#d1e5f0", "#f7f6f6", "#fddbc7", "#f3a481",
                   "#d6604d", "#b1182b", "#67001f")

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 16px; color: #222; max-width: 1100px; }
h1 { font-size: 18px; margin: 0 0 6px 0; }
.note { font-size: 12px; color: #666; max-width: 900px; }
#text { font: 15px/2.1 ui-monospace, Menlo, Consolas, monospace; margin: 12px 0; }
#text .tok { padding: 2px 1px; border-radius: 3px; white-space: pre; }
#text .gen { border-bottom: 2px solid #999; cursor: pointer; }
#text .gen.focused { outline: 2px solid HIGHLIGHT; }
#text .later { color: #bbb; }
#panel { font-size: 13px; min-height: 5.5em; }
#panel table { border-collapse: collapse; }
#panel td { padding: 1px 8px 1px 0; }
#matrix { border-collapse: collapse; font: 11px ui-monospace, Menlo, Consolas, monospace; margin-top: 10px; }
#matrix th { font-weight: normal; padding: 2px 3px; white-space: pre; }
#matrix thead th { writing-mode: vertical-rl; transform: rotate(180deg); text-align: left; }
#matrix td { width: 22px; height: 18px; }
#matrix tr.focused th { color: HIGHLIGHT; font-weight: bold; }
#matrix tbody th { cursor: pointer; text-align: right; }
#legend { display: flex; align-items: center; gap: 6px; font-size: 12px; margin: 6px 0; }
#legend .bar { width: 220px; height: 12px; }
#errors { color: #b00; white-space: pre-wrap; }
""".replace("HIGHLIGHT", HIGHLIGHT)

UI_KEYS = {"title": "attribution_gen.page_title", "note": "attribution_gen.page_note",
           "hint": "attribution_gen.page_hint", "gap": "attribution_gen.gap",
           "probability": "attribution_gen.probability", "prompt": "attribution_gen.prompt",
           "generated": "attribution_gen.generated", "cbar": "attribution_gen.cbar"}


def _field(x, name, default=None):
    return x.get(name, default) if isinstance(x, Mapping) else getattr(x, name, default)


def _page_data(g, *, decimals: int = 4) -> dict:
    """The page's data from a :class:`~vizlab.extraction.generation.GenerationAttribution` or its source
    data (a dict with ``tokens`` as shown, ``n_prompt``, ``matrix``, ``gaps``, ``probabilities``, ``model``,
    ``prompt``, ``method``)."""
    tokens = list(g.display) if hasattr(g, "display") else list(_field(g, "tokens"))
    n_prompt = int(_field(g, "n_prompt"))
    m = np.asarray(_field(g, "matrix"), dtype=float)
    n_gen = len(tokens) - n_prompt
    if m.shape != (n_gen, len(tokens)) or n_gen < 1:
        raise ValueError(f"matrix of shape {m.shape} does not match {n_prompt} prompt and {n_gen} generated tokens")
    gaps = _field(g, "gaps")
    gaps = np.asarray(g.relative_deltas if gaps is None and hasattr(g, "relative_deltas") else gaps, dtype=float)
    probs = np.asarray(_field(g, "probabilities"), dtype=float)
    special = _field(g, "special_mask", _field(g, "special"))
    causal = np.arange(len(tokens))[None, :] >= n_prompt + np.arange(n_gen)[:, None]
    lim = float(np.nanmax(np.abs(np.where(causal, np.nan, m)))) or 1.0
    rows = [[round(float(v), decimals) for v in r[:n_prompt + i]] for i, r in enumerate(m)]
    return {"model": str(_field(g, "model_name", _field(g, "model", ""))), "prompt": str(_field(g, "prompt", "")),
            "method": str(_field(g, "method", "")), "tokens": tokens, "n_prompt": n_prompt, "rows": rows,
            "gaps": [float(x) for x in gaps], "probabilities": [float(x) for x in probs],
            "special": [int(bool(s)) for s in (special if special is not None else [0] * len(tokens))],
            "vmax": round(lim, decimals)}


def generation_html(g, *, lang: str = "pt", decimals: int = 4) -> str:
    """The page as one HTML string (see the module docstring); ``g`` is a
    :class:`~vizlab.extraction.generation.GenerationAttribution` or its source data.

    The URL hash ``#row=3`` (generated tokens counted from 1) opens the page with that row shown.
    """
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {sorted(LANGS)}, got {lang!r}")
    tr = Lang(lang)
    ui = {k: tr(v) for k, v in UI_KEYS.items()}
    data = {"labels": ui, "lang": lang, "cmap": list(DIVERGING_STOPS), "highlight": HIGHLIGHT,
            **_page_data(g, decimals=decimals)}
    js = resources.files("vizlab.interactive").joinpath("generation.js").read_text(encoding="utf-8")
    from vizlab.interactive.html import offline_page

    e = html.escape
    sub = f"{data['model']} · {data['method']}" if data["model"] else data["method"]
    body = f"""<h1>{e(ui['title'])}</h1>
<p class="note">{e(sub)}</p>
<p class="note">{e(ui['note'])}</p>
<div id="text"></div>
<div id="legend"></div>
<div id="panel"></div>
<table id="matrix"></table>"""
    return offline_page(lang=lang, title=ui["title"], css=_CSS, body=body, data=data, js=js)


def save_generation_html(g, path: str | os.PathLike, **kwargs) -> Path:
    """Write :func:`generation_html` to ``path`` (UTF-8, ``.html``) and return the path."""
    from vizlab.cache import atomic_write_bytes

    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise ValueError(f"path should end in .html, got {path.name!r}")
    atomic_write_bytes(path, generation_html(g, **kwargs).encode("utf-8"))
    return path


def show_generation(g, *, height: int = 560, **kwargs):
    """The page in a notebook cell (an isolated ``<iframe srcdoc>``, offline)."""
    from vizlab.interactive.html import AttentionView

    return AttentionView(generation_html(g, **kwargs), height=height)
