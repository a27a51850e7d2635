"""What decides whether a figure is up to date: the key parts of its study and of its drawing.

A figure is computed once and drawn many times. Its **study key** (``study_key`` in the manifest)
is a sha256 of:

``code``
    the source of the study's module and of every ``vizlab`` module it imports (followed
    transitively, imports inside functions included: :func:`vizlab.provenance.source_hash`), and of
    the code that runs and writes studies (:data:`STUDY_COMMON`);
``study``
    the figure's id, declared ``inputs`` and study function;
``models``
    the fingerprints of the models named in ``inputs["models"]``;
``packages``
    the versions of the packages that compute (:func:`study_versions`: every versioned package but
    those that only draw), compared openly (a model fingerprint is its files only).

Its **drawing key** (``key``) is a sha256 of:

``code``
    the drawing module's import closure and the drawing machinery (:data:`DRAWING_COMMON`), and the
    offline pages' scripts (``vizlab/interactive/*.js``);
``figure``
    id, section, captions (``captions.toml``), inputs and drawing function;
``lang``
    the language of its labels;
``texts``
    the catalogue texts (``vizlab/texts.toml``) the drawing read last time
    (:func:`vizlab.i18n.texts_hash`): editing a text redraws only the figures that use it;
``data``
    the sha256 of the source data file (the study's result);
``packages``
    the versions of the packages that draw (:func:`drawing_versions`: Python, numpy, matplotlib,
    pillow, seaborn, plotly), so a matplotlib upgrade redraws every figure and recomputes none.
"""

from __future__ import annotations

import contextlib
import json
from hashlib import sha256
from pathlib import Path

from vizlab.cache import atomic_write_bytes, cache_dir, cache_key
from vizlab.figures.registry import FigureSpec
from vizlab.provenance import environment_stamp, source_hash

__all__ = ["DRAWING_COMMON", "DRAWING_PACKAGES", "DRAWING_PARTS", "STUDY_COMMON", "STUDY_PARTS", "ModelFingerprints",
           "data_file", "drawing_key_of", "drawing_parts", "drawing_versions", "model_names", "path_stamp",
           "study_key_of", "study_parts", "study_versions"]

# Code that shapes every study's result (the study API, running one, its file format).
STUDY_COMMON = ("vizlab.studies", "vizlab.figures.compute", "vizlab.sourcedata")
# Code that shapes every drawn file (the drawing API, running one, style, saving, the file format).
DRAWING_COMMON = ("vizlab.drawings", "vizlab.figures.render", "vizlab.figures.save", "vizlab.plot.style",
                  "vizlab.sourcedata")
# The figure script itself does not change what a figure shows.
_SCRIPT_MODULES = ("vizlab.figures.build", "vizlab.figures.manifest", "vizlab.figures.keys",
                   "vizlab.figures.status", "vizlab.figures.workers", "vizlab.figures.registry")
STUDY_PARTS = ("code", "study", "models", "packages")
DRAWING_PARTS = ("code", "figure", "lang", "texts", "data", "packages")
# Packages that only draw: they key the drawings, not the studies (numpy and Python key both).
DRAWING_PACKAGES = ("python", "numpy", "matplotlib", "pillow", "seaborn", "plotly")
_DRAW_ONLY = frozenset(DRAWING_PACKAGES) - {"python", "numpy"}
_SALT = "vizlab-figure-v3"
_STUDY_SALT = "vizlab-study-v1"


def data_file(fid: str) -> str:
    """The file name of a figure's source data (``<id>.data.json``)."""
    from vizlab.sourcedata import SUFFIX

    return fid + SUFFIX


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


def _assets_hash() -> str:
    """sha256 of the files that drawings read besides Python code: the offline pages' scripts
    (``vizlab/interactive/*.js``), inlined into the attached HTML pages."""
    from importlib import resources

    files = sorted((p.name, p.read_bytes()) for p in resources.files("vizlab.interactive").iterdir()
                   if p.name.endswith(".js"))
    return cache_key([(name, sha256(data).hexdigest()) for name, data in files])


def study_versions(versions: dict) -> dict:
    """The package versions that key a study: all of ``versions`` but the packages that only draw.

    >>> study_versions({"python": "3.11", "torch": "2.13.0", "matplotlib": "3.10.0"})
    {'python': '3.11', 'torch': '2.13.0'}
    """
    return {k: v for k, v in versions.items() if k not in _DRAW_ONLY}


def drawing_versions(versions: dict) -> dict:
    """The package versions that key a drawing (:data:`DRAWING_PACKAGES`).

    >>> drawing_versions({"python": "3.11", "torch": "2.13.0", "matplotlib": "3.10.0"})
    {'python': '3.11', 'matplotlib': '3.10.0'}
    """
    return {k: versions[k] for k in DRAWING_PACKAGES if k in versions}


def study_parts(spec: FigureSpec, *, fingerprints: dict, versions: dict) -> dict[str, str]:
    """The hashes a figure's study key is made of (see the module docstring), by name."""
    st = spec.study
    return {
        "code": source_hash([st.module, *STUDY_COMMON], exclude=_SCRIPT_MODULES),
        "study": cache_key(spec.id, st.inputs, st.compute.__qualname__),
        "models": cache_key(fingerprints),
        "packages": cache_key(study_versions(versions)),
    }


def drawing_parts(spec: FigureSpec, *, lang: str, versions: dict, texts: str, data: str | None) -> dict[str, str]:
    """The hashes a figure's drawing key is made of, by name.

    ``texts`` is :func:`vizlab.i18n.texts_hash` of the catalogue keys the drawing reads; ``data`` the
    sha256 of its source data file (None when there is none yet).
    """
    dr = spec.drawing
    return {
        "code": cache_key(source_hash([dr.module, *DRAWING_COMMON], exclude=_SCRIPT_MODULES), _assets_hash()),
        "figure": cache_key(spec.id, spec.section, spec.caption, spec.inputs, dr.draw.__qualname__),
        "lang": lang,
        "texts": texts,
        "data": str(data),
        "packages": cache_key(drawing_versions(versions)),
    }


def study_key_of(parts: dict[str, str]) -> str:
    """The study key: one sha256 of its parts."""
    return cache_key(_STUDY_SALT, parts)


def drawing_key_of(parts: dict[str, str]) -> str:
    """The drawing key: one sha256 of its parts."""
    return cache_key(_SALT, parts)
