"""Drawings: how a report figure shows its study's result, in a language.

A drawing takes the study's :class:`~vizlab.sourcedata.SourceData` (what ``figures/<id>.data.json``
holds) and a :class:`DrawContext` (the reader's language) and returns a matplotlib Figure; it may
attach extra files (an offline HTML page). It loads no model and reads no cache: the committed
source data is all it needs, so a label, colour or layout change redraws every figure in a
minute (import-linter forbids this package to import ``vizlab.extraction``, ``vizlab.studies``,
torch and transformers, even indirectly).

Each report section has one module here, found by :func:`registered_drawings` whatever its name::

    @drawing("transformers_softmax_temperature", section="transformers")
    def _softmax(src: SourceData, ctx: DrawContext) -> Figure:
        return plot_softmax_temperature(src["logits"], ..., lang=ctx.lang).figure_
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["SECTIONS", "DrawingSpec", "DrawContext", "drawing", "registered_drawings"]

SECTIONS = (
    "pretraining",
    "transfer_learning",
    "embeddings",
    "transformers",
    "attention",
    "fine_tuning",
    "tokenization",
)


@dataclass(frozen=True)
class DrawingSpec:
    """How one report figure is drawn.

    Attributes
    ----------
    id : str
        The figure id (file stem in ``figures/``).
    section : str
        One of :data:`SECTIONS` (the report's order).
    draw : callable
        ``draw(src: SourceData, ctx: DrawContext) -> matplotlib.figure.Figure``.
    module : str
        The module that registered it (its import closure is the drawing's code).
    """

    id: str
    section: str
    draw: Callable[..., Any]
    module: str = ""


_DRAWINGS: dict[str, DrawingSpec] = {}


def drawing(id: str, *, section: str):
    """Decorator registering ``draw(src, ctx) -> Figure`` as the drawing of figure ``id``."""
    if section not in SECTIONS:
        raise ValueError(f"unknown section {section!r}; use one of {SECTIONS}")

    def deco(fn):
        old = _DRAWINGS.get(id)
        if old is not None and (old.module, old.draw.__qualname__) != (fn.__module__, fn.__qualname__):
            raise ValueError(f"drawing {id!r} registered twice ({old.module}.{old.draw.__qualname__} and "
                             f"{fn.__module__}.{fn.__qualname__})")
        _DRAWINGS[id] = DrawingSpec(id, section, fn, fn.__module__)
        return fn

    return deco


def registered_drawings() -> dict[str, DrawingSpec]:
    """Every drawing, by figure id, in the order modules register them (modules by name)."""
    from vizlab.provenance import import_submodules

    import_submodules(__name__)
    return dict(_DRAWINGS)


class DrawContext:
    """What a drawing gets: the reader's language, and a place for extra files.

    ``ctx.tr`` is the :class:`vizlab.i18n.Lang` (catalogue terms, ``ctx.tr.num``/``pct`` for numbers
    with the language's decimal separator); ``ctx.t(pt, en)`` picks a sentence written in place;
    ``ctx.attach(name, text)`` adds a file next to the figure (an offline HTML page).
    """

    def __init__(self, lang: str = "pt"):
        from vizlab.i18n import Lang

        self.tr = Lang(lang)
        self.lang = lang
        self.attachments: dict[str, str] = {}

    def t(self, pt: str, en: str) -> str:
        """Pick the text for the current language (``ctx.tr.t``)."""
        return self.tr.t(pt, en)

    def attach(self, name: str, text: str) -> None:
        if not isinstance(name, str) or Path(name).name != name or name.startswith("."):
            raise ValueError(f"ctx.attach: {name!r} is not a plain file name")
        if not isinstance(text, str):
            raise TypeError(f"ctx.attach({name!r}, ...) got a value of type {type(text).__name__}; attach text")
        self.attachments[name] = text
