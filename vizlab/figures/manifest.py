"""``figures/manifest.json``: one entry per figure, written together with the figure's files.

The manifest is a JSON list, one dict per figure in report order (``id``, ``section``,
``caption``, ``files``, ``models`` + ``fingerprints``, ``data``, ``n``, ``seed``, ``inputs``,
``results`` (the numbers its study recorded), ``versions``, ``seconds``, ``study_key`` +
``study_parts``, ``drawing_key`` + ``drawing_parts``, ``texts`` (the catalogue keys its drawing
read) and the ``sha256`` of each file, its source data ``<id>.data.json`` included; after a failure,
``error`` and ``error_stage``: ``"study"`` or ``"draw"``).

Writes are crash-safe: :func:`write_figure` gets every byte of a figure already rendered, puts
all its files in place (each through a temporary file and a rename) and updates the manifest
entry last, under a lock, so a failure or Ctrl-C leaves either the previous figure or the new one
(at worst new files with the old entry, which the next build sees as modified and redoes).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from vizlab.cache import atomic_write_bytes, locked

__all__ = ["MANIFEST", "jsonable", "read_manifest", "sha256_of", "update_manifest", "write_figure"]

MANIFEST = "manifest.json"


def read_manifest(out: str | os.PathLike) -> list[dict]:
    """The entries of ``out/manifest.json`` ([] when missing or unreadable)."""
    try:
        rows = json.loads((Path(out) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [r for r in rows if isinstance(r, dict) and "id" in r] if isinstance(rows, list) else []


def update_manifest(out: Path, entries: Sequence[dict], order: Sequence[str]) -> None:
    """Merge ``entries`` into ``out/manifest.json`` (one row per id, in ``order``)."""
    path = Path(out) / MANIFEST
    with locked(f"manifest:{path.resolve()}"):
        merged = {e["id"]: e for e in read_manifest(out)}
        merged.update({e["id"]: e for e in entries})
        rank = {fid: i for i, fid in enumerate(order)}
        rows = sorted((e for e in merged.values() if e["id"] in rank), key=lambda e: rank[e["id"]])
        atomic_write_bytes(path, (json.dumps(rows, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))


def jsonable(value: Any, where: str) -> Any:
    """``value`` as plain JSON types (numpy scalars and arrays converted); TypeError otherwise."""
    if isinstance(value, dict):
        return {str(k): jsonable(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v, where) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist(), where)
    if isinstance(value, np.generic):
        return jsonable(value.item(), where)
    if isinstance(value, float) and not np.isfinite(value):
        raise ValueError(f"ctx.record: {where} is {value}, which JSON cannot hold; record a number or None")
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"ctx.record({where!r}, ...) got a value of type {type(value).__name__}; record numbers, "
                    "strings, lists or dicts of them")


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_figure(out: Path, files: Mapping[str, bytes], entry: dict, order: Sequence[str]) -> None:
    """Write a figure's files and then its manifest entry, as one unit.

    Every file first goes to a temporary file next to it (written and synced); only when all of
    them are on disk are they renamed into place, and the manifest entry is updated last. If
    anything fails before the renames, the temporary files are removed and the previous
    files and entry stay as they were.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    umask = os.umask(0)
    os.umask(umask)
    staged: list[tuple[str, Path]] = []
    try:
        for name, data in files.items():
            fd, tmp = tempfile.mkstemp(dir=out, prefix=f".{name}.", suffix=".tmp")
            staged.append((tmp, out / name))
            os.chmod(tmp, 0o666 & ~umask)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        for tmp, path in staged:
            os.replace(tmp, path)
    finally:
        for tmp, _ in staged:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
    update_manifest(out, [entry], order)
