"""Registry of report figures and the context their builders receive."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable

__all__ = ["SECTIONS", "FigureSpec", "FigureContext", "register", "all_figures", "get_figure"]

SECTIONS = (
    "pretraining",
    "transfer_learning",
    "embeddings",
    "transformers",
    "attention",
    "fine_tuning",
    "tokenization",
)

# One module per section; each registers its figures on import.
_SECTION_MODULES = [f"vizlab.figures.{s}" for s in SECTIONS] + ["vizlab.figures.mechanics", "vizlab.figures.accelerate"]

_REGISTRY: dict[str, "FigureSpec"] = {}


@dataclass(frozen=True)
class FigureSpec:
    """One report figure.

    Attributes
    ----------
    id : str
        File stem in ``figures/`` (``attention_head_grid`` -> ``attention_head_grid.png``).
    section : str
        One of :data:`SECTIONS`.
    caption : dict
        ``{"pt": ..., "en": ...}``.
    build : callable
        ``build(ctx: FigureContext) -> matplotlib.figure.Figure``.
    inputs : dict
        What determines the figure: ``models`` (preset names), ``data`` (description),
        ``n`` (sample size), ``seed``, and anything else; recorded in the manifest.
    """

    id: str
    section: str
    caption: dict
    build: Callable[["FigureContext"], Any]
    inputs: dict = field(default_factory=dict)
    module: str = ""

    def caption_for(self, lang: str) -> str:
        return self.caption.get(lang) or self.caption["pt"]


def register(id: str, *, section: str, caption_pt: str, caption_en: str, inputs: dict | None = None):
    """Decorator registering a figure builder ``build(ctx) -> Figure``."""
    if section not in SECTIONS:
        raise ValueError(f"unknown section {section!r}; use one of {SECTIONS}")

    def deco(fn):
        if id in _REGISTRY and _REGISTRY[id].build.__qualname__ != fn.__qualname__:
            raise ValueError(f"figure id {id!r} registered twice")
        _REGISTRY[id] = FigureSpec(id, section, {"pt": caption_pt, "en": caption_en}, fn,
                                   dict(inputs or {}), fn.__module__)
        return fn

    return deco


def all_figures() -> list[FigureSpec]:
    """Every registered figure, in report order (by section, then registration order)."""
    for mod in _SECTION_MODULES:
        importlib.import_module(mod)
    order = {s: i for i, s in enumerate(SECTIONS)}
    return sorted(_REGISTRY.values(), key=lambda f: order[f.section])


def get_figure(id: str) -> FigureSpec:
    figs = {f.id: f for f in all_figures()}
    if id not in figs:
        raise ValueError(f"no figure {id!r}; known figures: {', '.join(figs)}")
    return figs[id]


class FigureContext:
    """What a figure builder gets: the language, shared models, and places to record results.

    ``ctx.tr`` is the reader's :class:`vizlab.i18n.Lang` (catalogue terms, ``ctx.tr.num``/``pct``
    for numbers with the language's decimal separator); ``ctx.t(pt, en)`` picks a sentence.
    Models are loaded once per run and shared between figures (``ctx.model("minilm")``).
    ``ctx.record(key, value)`` stores numbers the report quotes (they go in the manifest);
    ``ctx.attach(name, text)`` adds an extra file (e.g. an interactive HTML page).
    """

    def __init__(self, *, lang: str = "pt", models: dict | None = None):
        from vizlab.i18n import Lang

        self.tr = Lang(lang)  # the one language mechanism: ctx.tr("layer"), ctx.tr.num(0.75, 2)
        self.lang = lang
        self._models = models if models is not None else {}
        self.results: dict[str, Any] = {}
        self.attachments: dict[str, str] = {}
        self.fingerprints: dict[str, str] = {}

    def t(self, pt: str, en: str) -> str:
        """Pick the text for the current language (``ctx.tr.t``)."""
        return self.tr.t(pt, en)

    def model(self, name: str, **kwargs):
        key = (name, tuple(sorted(kwargs.items())))
        if key not in self._models:
            from vizlab.extraction.models import load_model

            self._models[key] = load_model(name, **kwargs)
        lm = self._models[key]
        self.fingerprints[name] = lm.fingerprint
        return lm

    def record(self, key: str, value: Any) -> None:
        self.results[key] = value

    def attach(self, name: str, text: str) -> None:
        self.attachments[name] = text

    def reset(self) -> None:
        """Clear per-figure state (models stay loaded)."""
        self.results = {}
        self.attachments = {}
        self.fingerprints = {}
