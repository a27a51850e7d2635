"""Registry of report figures and the context their builders receive.

Builders register themselves with :func:`register` (id, section, declared inputs); their
captions, Portuguese and English side by side, live in one catalogue, ``captions.toml`` next to
this module (:data:`CAPTIONS_FILE`), one table per figure id::

    [attention_head_stats]
    pt = "Estatísticas de cada cabeça ... sobre {n} tweets ..."
    en = "Statistics of every head ... over {n} tweets ..."

``{name}`` is the figure's declared input ``name``. :func:`all_figures` joins the two and says
which id and which file to fix when a figure has no caption table, a table has no figure, or a
text is missing.
"""

from __future__ import annotations

import functools
import importlib
import string
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from importlib import resources
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

__all__ = ["SECTIONS", "CAPTIONS_FILE", "FigureSpec", "FigureContext", "Step", "register", "all_figures",
           "get_figure", "read_captions", "with_captions"]

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

# The caption catalogue, a file of this package (vizlab/figures/captions.toml in the source tree).
CAPTIONS_FILE = "vizlab/figures/captions.toml"
_CAPTION_LANGS = ("pt", "en")


@dataclass(frozen=True)
class Step:
    """A cached computation that figures need and a parallel build runs by itself, before them.

    A figure builder computes what it needs itself (through the vizlab cache), so a build in one
    process needs no steps. Declaring them lets the workers of a parallel build share out long
    computations: the fine-tuning run several figures read, or a long study split into parts that
    run side by side (each part must compute exactly what the whole would, so the numbers do not
    depend on the split).

    Attributes
    ----------
    name : str
        Unique; figures that declare steps of the same name share one run.
    run : callable
        ``run(ctx: FigureContext) -> None``: computes into the vizlab cache. Picklable (a
        module-level function or a ``functools.partial`` of one), since it runs in a worker.
    after : tuple of str
        Names of the steps that must be done first.
    """

    name: str
    run: Callable[[FigureContext], Any]
    after: tuple[str, ...] = ()


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
    needs : tuple of Step
        Cached computations a parallel build runs before this figure (:class:`Step`).
    """

    id: str
    section: str
    caption: dict
    build: Callable[[FigureContext], Any]
    inputs: dict = field(default_factory=dict)
    module: str = ""
    needs: tuple[Step, ...] = ()

    def caption_for(self, lang: str) -> str:
        return self.caption.get(lang) or self.caption["pt"]


_REGISTRY: dict[str, FigureSpec] = {}  # registered builders, captions not yet attached


def register(id: str, *, section: str, inputs: dict | None = None, needs: tuple[Step, ...] = ()):
    """Decorator registering a figure builder ``build(ctx) -> Figure``.

    Its captions are the table ``[id]`` of :data:`CAPTIONS_FILE` (attached by :func:`all_figures`);
    ``needs`` are the :class:`Step` objects a parallel build may run before it.
    """
    if section not in SECTIONS:
        raise ValueError(f"unknown section {section!r}; use one of {SECTIONS}")

    def deco(fn):
        if id in _REGISTRY and _REGISTRY[id].build.__qualname__ != fn.__qualname__:
            raise ValueError(f"figure id {id!r} registered twice")
        _REGISTRY[id] = FigureSpec(id, section, {}, fn, dict(inputs or {}), fn.__module__, tuple(needs))
        return fn

    return deco


@functools.cache
def read_captions() -> dict[str, dict]:
    """The caption catalogue, ``{figure id: {"pt": text, "en": text}}``, as written in the file."""
    text = resources.files("vizlab.figures").joinpath("captions.toml").read_text(encoding="utf-8")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ValueError(f"{CAPTIONS_FILE}: {err}") from None


def with_captions(specs: list[FigureSpec], captions: dict[str, dict]) -> list[FigureSpec]:
    """``specs`` with their captions from ``captions`` (a :func:`read_captions` catalogue).

    Raises ``ValueError`` naming the figure ids and :data:`CAPTIONS_FILE` when a figure has no
    table, a table has no figure, a table lacks ``pt`` or ``en`` (or has other keys), or a text
    names a ``{field}`` that the figure's ``inputs`` do not declare.

    >>> spec = FigureSpec("demo", "attention", {}, print, {"n": 3})
    >>> with_captions([spec], {"demo": {"pt": "{n} frases", "en": "{n} sentences"}})[0].caption
    {'pt': '3 frases', 'en': '3 sentences'}
    """
    ids = {s.id for s in specs}
    problems = [f"[{i}]: figure registered without a caption table" for i in sorted(ids - set(captions))]
    problems += [f"[{i}]: caption table without a registered figure (a typo, or a removed figure?)"
                 for i in sorted(set(captions) - ids)]
    out = []
    for spec in specs:
        table = captions.get(spec.id)
        if table is None:
            continue
        if not isinstance(table, dict):
            problems.append(f"[{spec.id}]: not a table")
            continue
        for lang in _CAPTION_LANGS:
            if not isinstance(table.get(lang), str) or not table[lang].strip():
                problems.append(f"[{spec.id}]: no {lang} text")
        if extra := sorted(set(table) - set(_CAPTION_LANGS)):
            problems.append(f"[{spec.id}]: unknown keys {extra} (use pt and en)")
        if any(p.startswith(f"[{spec.id}]") for p in problems):
            continue
        caption = {}
        for lang in _CAPTION_LANGS:
            try:
                fields = {f for _, f, _, _ in string.Formatter().parse(table[lang]) if f is not None}
            except ValueError as err:  # a lone { or }
                problems.append(f"[{spec.id}] {lang}: {err} (write {{{{ and }}}} for a literal brace)")
                continue
            if unknown := sorted(fields - set(spec.inputs)):
                names = ", ".join("{" + f + "}" for f in unknown)
                problems.append(f"[{spec.id}] {lang}: {names} names no declared input (inputs: "
                                f"{', '.join(spec.inputs) or 'none'}; write {{{{ and }}}} for a literal brace)")
                continue
            caption[lang] = table[lang].format_map(spec.inputs)
        out.append(replace(spec, caption=caption))
    if problems:
        raise ValueError(f"figure captions do not match the registry; edit {CAPTIONS_FILE}:\n  "
                         + "\n  ".join(problems))
    return out


def all_figures() -> list[FigureSpec]:
    """Every registered figure with its captions, in report order: by section, then by module (in the
    order of ``_SECTION_MODULES``; others last), then in the order a module registers them — the same
    whichever figure module was imported first."""
    for mod in _SECTION_MODULES:
        importlib.import_module(mod)
    section = {s: i for i, s in enumerate(SECTIONS)}
    module = {m: i for i, m in enumerate(_SECTION_MODULES)}
    specs = sorted(_REGISTRY.values(), key=lambda f: (section[f.section], module.get(f.module, len(module))))
    return with_captions(specs, read_captions())


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
