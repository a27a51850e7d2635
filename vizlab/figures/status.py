"""Whether each figure is up to date: the one definition used by the build, ``--check`` and the tests.

A figure has two keys (:mod:`vizlab.figures.keys`). Its **study** is up to date when the manifest
entry has the study key of every study part now (code, study, models, packages), no ``error``
flag, and its source data file (``<id>.data.json``) has the recorded sha256. Its **drawing** is up
to date when, moreover, the entry has the drawing key now (code, figure, lang, texts, data,
packages) and every file has the recorded sha256. A stale study is recomputed (then drawn); a stale
drawing alone is redrawn from the source data, with no model. Package versions (and Python's
major.minor) are a key part like the others, compared openly.

:func:`environment_note` says once, for the whole folder, when the figures were built with other
package versions than this environment (and whether this environment is the lock's), with the
command that fixes it, instead of one "packages changed" per figure.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from vizlab.figures.keys import (
    DRAWING_PARTS,
    STUDY_PARTS,
    ModelFingerprints,
    data_file,
    drawing_key_of,
    drawing_parts,
    model_names,
    study_key_of,
    study_parts,
)
from vizlab.figures.manifest import read_manifest, sha256_of
from vizlab.figures.registry import FigureSpec
from vizlab.i18n import texts_hash
from vizlab.provenance import locked_versions, package_versions, version_drift

__all__ = ["FigureStatus", "drawing_reason", "environment_note", "figure_status", "study_reason"]

# How a stale reason names a key part.
_STUDY_WORDS = {"code": "study code", "study": "study inputs", "models": "models", "packages": "packages"}
_DRAWING_WORDS = {"code": "drawing code", "figure": "captions", "lang": "lang", "texts": "texts",
                  "data": "source data", "packages": "packages"}
PACKAGES_CHANGED = "packages changed"


@dataclass(frozen=True)
class FigureStatus:
    """One figure's state in a folder.

    Attributes
    ----------
    spec : FigureSpec
    drawing_parts : dict or None
        Its drawing key parts now (None when its key cannot be computed, e.g. a model that is not
        installed).
    fingerprints : dict
        The fingerprints of its declared models.
    reason : str or None
        Why it is stale; None when it is up to date.
    old : dict or None
        Its manifest entry.
    study_parts : dict or None
        Its study key parts now (with ``studies=False``: the ones recorded with its source data).
    recompute : bool
        Whether its study must run again (else only its drawing is redone, from ``data``).
    data : bytes or None
        Its up-to-date source data, when there is one (from ``out`` or from ``data_from``).
    """

    spec: FigureSpec
    drawing_parts: dict | None
    fingerprints: dict
    reason: str | None
    old: dict | None
    study_parts: dict | None = None
    recompute: bool = True
    data: bytes | None = None

    @property
    def up_to_date(self) -> bool:
        return self.reason is None


def _changed(before: Mapping, now: Mapping, names, words) -> list[str]:
    return [words[n] for n in names if n in before and before.get(n) != now.get(n)]


def _file_problem(old: dict, name: str, out: Path) -> str | None:
    path = out / name
    if not path.is_file():
        return f"{name} is missing"
    if (old.get("sha256") or {}).get(name) != sha256_of(path.read_bytes()):
        return f"{name} differs from the sha256 in the manifest"
    return None


def _study_failed(old: dict) -> bool:
    """Whether the entry records a failed study (a failed drawing leaves its study up to date)."""
    return bool(old.get("error")) and old.get("error_stage", "study") != "draw"


def study_reason(old: dict | None, parts: Mapping[str, str] | None, out: Path) -> str | None:
    """Why a figure's study must run again, or None when its source data in ``out`` is up to date.

    ``parts=None`` compares nothing but the source data file with its recorded sha256 (a redraw,
    which needs no model to know the data it draws is the data the manifest recorded).
    """
    if not old:
        return "not in the manifest"
    if _study_failed(old):
        return "flagged error in the manifest (last build failed)"
    if parts is not None and old.get("study_key") != study_key_of(dict(parts)):
        changed = _changed(old.get("study_parts") or {}, parts, STUDY_PARTS, _STUDY_WORDS)
        return f"{' and '.join(changed)} changed" if changed else "built by an older vizlab"
    if data_file(old["id"]) not in (old.get("files") or []):
        return "no source data recorded"
    return _file_problem(old, data_file(old["id"]), out)


def drawing_reason(old: dict | None, parts: Mapping[str, str], out: Path) -> str | None:
    """Why a figure's drawing is stale (its key, a flagged error, a file), or None when it is up to date.

    Parameters
    ----------
    old : dict or None
        The figure's manifest entry.
    parts : dict
        Its drawing key parts now (:func:`vizlab.figures.keys.drawing_parts`).
    out : path
        The figure folder.
    """
    if not old:
        return "not in the manifest"
    if old.get("error"):
        return "flagged error in the manifest (last build failed)"
    if old.get("drawing_key") != drawing_key_of(dict(parts)):
        changed = _changed(old.get("drawing_parts") or {}, parts, DRAWING_PARTS, _DRAWING_WORDS)
        return f"{' and '.join(changed)} changed" if changed else "built by an older vizlab"
    for f in old.get("files") or []:
        if problem := _file_problem(old, f, out):
            return problem
    return None if old.get("files") else "no files recorded"


def figure_status(
    specs: Sequence[FigureSpec],
    *,
    out: str | os.PathLike,
    lang: str = "pt",
    fingerprints: Callable[[str], str] | None = None,
    versions: Mapping[str, str | None] | None = None,
    studies: bool = True,
    data_from: str | os.PathLike | None = None,
) -> list[FigureStatus]:
    """The status of each of ``specs`` in the folder ``out`` (nothing is built or written).

    Parameters
    ----------
    fingerprints : callable, optional
        ``name -> fingerprint`` of a declared model (default: the preset/folder fingerprint,
        remembered in the vizlab cache, so a warm check never imports torch).
    versions : dict, optional
        Package versions (default: the installed ones, :func:`vizlab.provenance.package_versions`).
    studies : bool
        Compare the study keys (models, code, inputs, packages). False: trust any source data file
        that has its recorded sha256, and never ask for a model (a redraw).
    data_from : path, optional
        Another figure folder whose up-to-date source data may be drawn from (the Portuguese
        ``figures/`` for an English build: the data does not depend on the language).
    """
    out = Path(out)
    fingerprint_of = fingerprints or ModelFingerprints()
    versions = dict(package_versions() if versions is None else versions)
    folders = [(out, {e["id"]: e for e in read_manifest(out)})]
    if data_from is not None and Path(data_from).resolve() != out.resolve():
        folders.append((Path(data_from), {e["id"]: e for e in read_manifest(data_from)}))
    rows = []
    for spec in specs:
        old = folders[0][1].get(spec.id)
        fps, sparts = {}, None
        if studies:
            try:
                fps = {m: fingerprint_of(m) for m in model_names(spec)}
                sparts = study_parts(spec, fingerprints=fps, versions=versions)
            except Exception as err:  # noqa: BLE001 - e.g. a model that cannot be found
                rows.append(FigureStatus(spec, None, {}, f"cannot compute its key ({type(err).__name__}: {err}; "
                                         "--redraw draws from the committed source data without models)", old))
                continue
        why_study, data = None, None
        for folder, entries in folders:
            entry = entries.get(spec.id)
            why = study_reason(entry, sparts, folder)
            if why is None:
                data = (folder / data_file(spec.id)).read_bytes()
                if not studies:  # what the data was computed from, as recorded with it
                    fps, sparts = dict(entry.get("fingerprints") or {}), entry.get("study_parts")
                break
            why_study = why_study or why
        texts = texts_hash((old or {}).get("texts") or [])
        parts = drawing_parts(spec, lang=lang, versions=versions, texts=texts,
                              data=sha256_of(data) if data is not None else None)
        reason = why_study if data is None else drawing_reason(old, parts, out)
        rows.append(FigureStatus(spec, parts, fps, reason, old, sparts, data is None, data))
    return rows


def environment_note(rows: Sequence[FigureStatus], *, lock: str | os.PathLike | None = None,
                     versions: Mapping[str, str | None] | None = None) -> str | None:
    """One message for the figures of ``rows`` that are stale only because they were built with other
    package versions than this environment (the others have a reason of their own).

    Names each package (figures' version -> installed version) and the command to run: ``make
    install`` when this environment is not the lock's (``lock``, e.g. ``requirements/lock.txt``), or
    ``make figures`` (then commit lock and figures together) when the lock itself changed.
    None when every figure's recorded versions are this environment's.
    """
    versions = dict(package_versions() if versions is None else versions)
    rows = [row for row in rows if row.reason == PACKAGES_CHANGED]
    drift: dict[str, set] = {}
    for row in rows:
        recorded = (row.old or {}).get("versions") or {}
        for name, (was, now) in version_drift(recorded, versions).items():
            drift.setdefault(f"{name} {was} -> {now}", set()).add(row.spec.id)
    if not drift:
        return None
    n = len({fid for ids in drift.values() for fid in ids})
    text = (f"{n} figure(s) were built with other package versions than this environment: "
            + ", ".join(sorted(drift)) + ". ")
    lock_path = Path(lock) if lock is not None else None
    pythons = {was for row in rows for name, (was, now) in
               version_drift((row.old or {}).get("versions") or {}, versions).items() if name == "python"}
    if pythons:
        return text + (f"They were built with Python {', '.join(sorted(map(str, pythons)))}, this is "
                       f"Python {versions.get('python')}: run `make figures` with that Python (the Makefile "
                       "uses python3.11, the lock's; PY=... picks another), or rebuild and commit them.")
    if lock_path is not None and lock_path.is_file():
        off_lock = version_drift(locked_versions(lock_path),
                                 {k: v for k, v in versions.items() if k != "python"})
        if off_lock:
            return text + (f"This environment is not {lock_path.name}'s ("
                           + ", ".join(f"{k} {now} installed, {was} locked" for k, (was, now) in
                                       sorted(off_lock.items()))
                           + "): run `make install` to install the locked versions.")
        return text + (f"The lock ({lock_path}) changed since the figures were built: run `make figures` "
                       "and commit the lock together with the rebuilt figures/.")
    return text + "Rebuild them with `vizlab figures` (or install the versions they were built with)."
