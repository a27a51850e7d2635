"""Registry of report figures: each figure is a study (:mod:`vizlab.studies`) and a drawing
(:mod:`vizlab.drawings`) of the same id, with its captions.

Studies and drawings register themselves in their packages (one module per report section, found
whatever its name); :func:`all_figures` joins them by id and says which id and which module to fix
when a study has no drawing or a drawing no study, so no figure is silently left out. Captions,
Portuguese and English side by side, live in one catalogue, ``captions.toml`` next to this module
(:data:`CAPTIONS_FILE`), one table per figure id::

    [attention_head_stats]
    pt = "Estatísticas de cada cabeça ... sobre {n} tweets ..."
    en = "Statistics of every head ... over {n} tweets ..."

``{name}`` is the study's declared input ``name``.
"""

from __future__ import annotations

import functools
import string
from dataclasses import dataclass, replace
from importlib import resources

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from vizlab.drawings import SECTIONS, DrawingSpec, registered_drawings
from vizlab.studies import Step, StudySpec, registered_studies

__all__ = ["SECTIONS", "CAPTIONS_FILE", "FigureSpec", "Step", "all_figures", "get_figure", "read_captions",
           "with_captions"]

# The caption catalogue, a file of this package (vizlab/figures/captions.toml in the source tree).
CAPTIONS_FILE = "vizlab/figures/captions.toml"
_CAPTION_LANGS = ("pt", "en")


@dataclass(frozen=True)
class FigureSpec:
    """One report figure: its study, its drawing and its captions.

    Attributes
    ----------
    id : str
        File stem in ``figures/`` (``attention_head_grid`` -> ``attention_head_grid.png``, its source
        data ``attention_head_grid.data.json``).
    section : str
        One of :data:`SECTIONS`.
    caption : dict
        ``{"pt": ..., "en": ...}``.
    study : StudySpec
        What it computes (inputs, models, steps).
    drawing : DrawingSpec
        How it is drawn.
    """

    id: str
    section: str
    caption: dict
    study: StudySpec
    drawing: DrawingSpec

    @property
    def inputs(self) -> dict:
        return self.study.inputs

    @property
    def needs(self) -> tuple[Step, ...]:
        return self.study.needs

    def caption_for(self, lang: str) -> str:
        return self.caption.get(lang) or self.caption["pt"]


def join(studies: dict[str, StudySpec], drawings: dict[str, DrawingSpec],
         order: list[str] | None = None) -> list[FigureSpec]:
    """Figures from studies and drawings of the same id, in report ``order`` (the caption catalogue's
    order; ids it does not list follow, by section and id).

    Raises ``ValueError`` naming each study without a drawing and each drawing without a study.
    """
    problems = [f"study {i!r} ({studies[i].module}) has no drawing: register one with "
                f"@drawing({i!r}, section=...) in vizlab/drawings/" for i in sorted(set(studies) - set(drawings))]
    problems += [f"drawing {i!r} ({drawings[i].module}) has no study: register one with @study({i!r}, ...) "
                 "in vizlab/studies/" for i in sorted(set(drawings) - set(studies))]
    if problems:
        raise ValueError("figures are incomplete:\n  " + "\n  ".join(problems))
    rank = {fid: i for i, fid in enumerate(order or [])}
    section = {s: i for i, s in enumerate(SECTIONS)}
    ordered = sorted(drawings.values(), key=lambda d: (rank.get(d.id, len(rank)), section[d.section], d.id))
    return [FigureSpec(d.id, d.section, {}, studies[d.id], d) for d in ordered]


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

    >>> from vizlab.drawings import DrawingSpec
    >>> spec = FigureSpec("demo", "attention", {}, StudySpec("demo", print, {"n": 3}), DrawingSpec("demo", "attention", print))
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
    """Every registered figure with its captions, in report order: the order of the caption
    catalogue (:func:`join`)."""
    captions = read_captions()
    return with_captions(join(registered_studies(), registered_drawings(), list(captions)), captions)


def get_figure(id: str) -> FigureSpec:
    figs = {f.id: f for f in all_figures()}
    if id not in figs:
        raise ValueError(f"no figure {id!r}; known figures: {', '.join(figs)}")
    return figs[id]
