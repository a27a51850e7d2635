"""Whether each figure is up to date: the one definition used by the build, ``--check`` and the tests.

A figure is up to date when its manifest entry has the key of every part now (code, figure,
models, lang, packages: :mod:`vizlab.figures.keys`), no ``error`` flag, and files with the
recorded sha256. Package versions (and Python's major.minor) are a key part like the others,
compared openly: with the environment installed from the lock (``make install``), they only change
when the lock does.

:func:`environment_note` says once, for the whole folder, when the figures were built with other
package versions than this environment (and whether this environment is the lock's), with the
command that fixes it, instead of one "packages changed" per figure.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from vizlab.figures.keys import KEY_PARTS, ModelFingerprints, key_of, key_parts, model_names
from vizlab.figures.manifest import read_manifest, sha256_of
from vizlab.figures.registry import FigureSpec
from vizlab.provenance import locked_versions, package_versions, version_drift

__all__ = ["FigureStatus", "environment_note", "figure_status", "stale_reason"]

# How a stale reason names a key part, when its name alone does not say what it covers.
_PART_WORDS = {"figure": "figure (captions/inputs)"}
PACKAGES_CHANGED = "packages changed"


@dataclass(frozen=True)
class FigureStatus:
    """One figure's state in a folder.

    Attributes
    ----------
    spec : FigureSpec
    parts : dict or None
        Its key parts now (None when they cannot be computed, e.g. a model that is not installed).
    fingerprints : dict
        The fingerprints of its declared models.
    reason : str or None
        Why it is stale; None when it is up to date.
    old : dict or None
        Its manifest entry.
    """

    spec: FigureSpec
    parts: dict | None
    fingerprints: dict
    reason: str | None
    old: dict | None

    @property
    def up_to_date(self) -> bool:
        return self.reason is None


def stale_reason(old: dict | None, parts: Mapping[str, str], out: Path) -> str | None:
    """Why a figure is stale, or None when its files are up to date.

    Parameters
    ----------
    old : dict or None
        The figure's manifest entry.
    parts : dict
        Its key parts now (:func:`vizlab.figures.keys.key_parts`).
    out : path
        The figure folder.
    """
    if not old:
        return "not in the manifest"
    if old.get("error"):
        return "flagged error in the manifest (last build failed)"
    before = old.get("key_parts") or {}
    if old.get("key") != key_of(dict(parts)):
        changed = [_PART_WORDS.get(name, name) for name in KEY_PARTS
                   if name in before and before.get(name) != parts.get(name)]
        return f"{' and '.join(changed)} changed" if changed else "built by an older vizlab"
    hashes = old.get("sha256") or {}
    for f in old.get("files") or []:
        if not (out / f).is_file():
            return f"{f} is missing"
        if hashes.get(f) != sha256_of((out / f).read_bytes()):
            return f"{f} differs from the sha256 in the manifest"
    return None if old.get("files") else "no files recorded"


def figure_status(
    specs: Sequence[FigureSpec],
    *,
    out: str | os.PathLike,
    lang: str = "pt",
    fingerprints: Callable[[str], str] | None = None,
    versions: Mapping[str, str | None] | None = None,
) -> list[FigureStatus]:
    """The status of each of ``specs`` in the folder ``out`` (nothing is built or written).

    Parameters
    ----------
    fingerprints : callable, optional
        ``name -> fingerprint`` of a declared model (default: the preset/folder fingerprint,
        remembered in the vizlab cache, so a warm check never imports torch).
    versions : dict, optional
        Package versions (default: the installed ones, :func:`vizlab.provenance.package_versions`).
    """
    out = Path(out)
    fingerprint_of = fingerprints or ModelFingerprints()
    versions = dict(package_versions() if versions is None else versions)
    previous = {e["id"]: e for e in read_manifest(out)}
    rows = []
    for spec in specs:
        old = previous.get(spec.id)
        try:
            fps = {m: fingerprint_of(m) for m in model_names(spec)}
            parts = key_parts(spec, lang=lang, fingerprints=fps, versions=versions)
        except Exception as err:  # noqa: BLE001 - e.g. a model that cannot be found
            rows.append(FigureStatus(spec, None, {}, f"cannot compute its key ({type(err).__name__}: {err})", old))
            continue
        rows.append(FigureStatus(spec, parts, fps, stale_reason(old, parts, out), old))
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
