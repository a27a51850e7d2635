"""Studies: what a report figure computes, apart from how it is drawn.

A study turns models, data and inputs into plain data (numbers, strings, arrays, tables: see
:mod:`vizlab.sourcedata`) and records the numbers the report quotes. It knows no language and
draws nothing; its result is written next to the figure (``figures/<id>.data.json``) and the
drawing (:mod:`vizlab.drawings`) reads only that. A study is recomputed when its code (this
module's import closure), inputs, models or package versions change, never for a label.

Each report section has one module here (``vizlab.studies.attention``, ...), found by
:func:`registered_studies` whatever its name. Public study functions take a model and inputs and
return data (``softmax_temperature(lm, prompt)``), so the command line and a notebook call what
the report calls; the report's registrations bind them to the report's inputs::

    @study("transformers_softmax_temperature", inputs={"models": ["gemma-270m"], "prompt": PROMPT, ...})
    def _softmax(ctx: StudyContext) -> dict:
        data = softmax_temperature(ctx.model("gemma-270m"), PROMPT)
        ctx.record("T1_top1_prob", ...)
        return data
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Step", "StudySpec", "StudyContext", "study", "registered_studies"]


@dataclass(frozen=True)
class Step:
    """A cached computation that studies need and a parallel build runs by itself, before them.

    A study computes what it needs itself (through the vizlab cache), so a build in one process
    needs no steps. Declaring them lets the workers of a parallel build share out long
    computations: the fine-tuning run several studies read, or a long study split into parts that
    run side by side (each part must compute exactly what the whole would).

    Attributes
    ----------
    name : str
        Unique; studies that declare steps of the same name share one run.
    run : callable
        ``run(ctx: StudyContext) -> None``: computes into the vizlab cache. Picklable (a
        module-level function or a ``functools.partial`` of one), since it runs in a worker.
    after : tuple of str
        Names of the steps that must be done first.
    """

    name: str
    run: Callable[[StudyContext], Any]
    after: tuple[str, ...] = ()


@dataclass(frozen=True)
class StudySpec:
    """The computation of one report figure.

    Attributes
    ----------
    id : str
        The figure id it computes for.
    compute : callable
        ``compute(ctx: StudyContext) -> dict`` of plain data (:mod:`vizlab.sourcedata`).
    inputs : dict
        What determines the result: ``models`` (preset names), ``data`` (description), ``n``,
        ``seed``, and anything else; recorded in the manifest, usable in captions as ``{name}``.
    module : str
        The module that registered it (its import closure is the study's code).
    needs : tuple of Step
        Cached computations a parallel build runs before this study.
    """

    id: str
    compute: Callable[[StudyContext], dict]
    inputs: dict = field(default_factory=dict)
    module: str = ""
    needs: tuple[Step, ...] = ()


_STUDIES: dict[str, StudySpec] = {}


def study(id: str, *, inputs: dict | None = None, needs: tuple[Step, ...] = ()):
    """Decorator registering ``compute(ctx) -> dict`` as the study of figure ``id``."""

    def deco(fn):
        old = _STUDIES.get(id)
        if old is not None and (old.module, old.compute.__qualname__) != (fn.__module__, fn.__qualname__):
            raise ValueError(f"study {id!r} registered twice ({old.module}.{old.compute.__qualname__} and "
                             f"{fn.__module__}.{fn.__qualname__})")
        _STUDIES[id] = StudySpec(id, fn, dict(inputs or {}), fn.__module__, tuple(needs))
        return fn

    return deco


def registered_studies() -> dict[str, StudySpec]:
    """Every study, by figure id: each module of this package is imported (none can be missed)."""
    from vizlab.provenance import import_submodules

    import_submodules(__name__)
    return dict(_STUDIES)


class StudyContext:
    """What a study gets: shared models, and a place to record the numbers the report quotes.

    Models are loaded once per process and shared between studies (``ctx.model("minilm")``);
    ``ctx.record(key, value)`` stores a number (it goes in the source data and the manifest).
    """

    def __init__(self, *, models: dict | None = None):
        self._models = models if models is not None else {}
        self.results: dict[str, Any] = {}
        self.fingerprints: dict[str, str] = {}

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

    def reset(self) -> None:
        """Clear per-study state (models stay loaded)."""
        self.results = {}
        self.fingerprints = {}
