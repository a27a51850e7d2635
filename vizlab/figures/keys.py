"""What decides whether a figure is up to date: its key parts and the model fingerprints.

A figure's key is a sha256 of these parts (the manifest keeps each one, to say what changed):

``code``
    the source of the builder's module and of every ``vizlab`` module it imports (followed
    transitively, imports inside functions included), plus the saving and styling code
    (:func:`vizlab.provenance.source_hash`);
``figure``
    the figure's id, section, captions (from ``captions.toml``), declared ``inputs`` and builder name;
``models``
    the fingerprints of the models named in ``inputs["models"]``;
``lang``
    the language of its labels;
``packages``
    the versions of the packages that compute or draw (:func:`vizlab.provenance.package_versions`),
    compared openly: no other part hides a package version (a model fingerprint is its files only).
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from vizlab.cache import atomic_write_bytes, cache_dir, cache_key
from vizlab.figures.registry import FigureSpec
from vizlab.provenance import environment_stamp, source_hash

__all__ = ["COMMON_MODULES", "KEY_PARTS", "ModelFingerprints", "key_of", "key_parts", "model_names",
           "path_stamp"]

# Modules whose code shapes every file (running a builder, rendering, style, context): part of every key.
COMMON_MODULES = ("vizlab.figures.save", "vizlab.plot.style", "vizlab.figures.registry", "vizlab.figures.render")
# The figure script itself does not change what a figure shows.
_SCRIPT_MODULES = ("vizlab.figures.build", "vizlab.figures.manifest", "vizlab.figures.keys",
                   "vizlab.figures.status", "vizlab.figures.workers")
KEY_PARTS = ("code", "figure", "models", "lang", "packages")
_SALT = "vizlab-figure-v2"


def path_stamp(name: str) -> list:
    """(file, size, mtime) of every file of a local model folder ([] for a preset name)."""
    p = Path(name).expanduser()
    if not p.is_dir():
        return []
    return sorted((f.relative_to(p).as_posix(), f.stat().st_size, f.stat().st_mtime_ns)
                  for f in p.rglob("*") if f.is_file())


class ModelFingerprints:
    """Model fingerprints without loading weights, remembered across runs.

    ``model_fingerprint`` needs torch; its answer is stored in the vizlab cache together
    with a stamp of the installed packages (and of the folder's files for local models),
    so that an up-to-date rebuild or a ``--check`` never imports torch once the cache is warm.

    Parameters
    ----------
    path : path, optional
        The memo file (default ``<cache>/model-fingerprints.json``).
    """

    def __init__(self, path: Path | None = None):
        self.path = path or cache_dir() / "model-fingerprints.json"
        try:
            self.memo = json.loads(self.path.read_text())
        except (OSError, ValueError):
            self.memo = {}
        self._env: str | None = None

    def __call__(self, name: str) -> str:
        if self._env is None:
            self._env = environment_stamp()
        stamp = cache_key(self._env, path_stamp(name))
        hit = self.memo.get(name)
        if isinstance(hit, dict) and hit.get("stamp") == stamp:
            return hit["fingerprint"]
        from vizlab.extraction.models import model_fingerprint

        fp = model_fingerprint(name)
        self.memo[name] = {"stamp": stamp, "fingerprint": fp}
        with contextlib.suppress(OSError):
            atomic_write_bytes(self.path, json.dumps(self.memo, indent=1, sort_keys=True).encode())
        return fp


def model_names(spec: FigureSpec) -> list[str]:
    """The models a figure declares in ``inputs["models"]``."""
    models = spec.inputs.get("models") or []
    if isinstance(models, str):
        models = [models]
    return [str(m) for m in models]


def key_parts(spec: FigureSpec, *, lang: str, fingerprints: dict, versions: dict) -> dict[str, str]:
    """The hashes a figure's key is made of (see the module docstring), by name."""
    src = source_hash([spec.module or spec.build.__module__, *COMMON_MODULES], exclude=_SCRIPT_MODULES)
    return {
        "code": src,
        "figure": cache_key(spec.id, spec.section, spec.caption, spec.inputs, spec.build.__qualname__),
        "models": cache_key(fingerprints),
        "lang": lang,
        "packages": cache_key(versions),
    }


def key_of(parts: dict[str, str]) -> str:
    """The figure key: one sha256 of all its parts."""
    return cache_key(_SALT, parts)
