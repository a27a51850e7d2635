"""Run the figure registry: build each figure, save PNG + SVG, keep ``manifest.json`` up to date.

The build is incremental: a figure whose key (:mod:`vizlab.figures.keys`: code, figure, models,
lang, packages) equals the one stored in the manifest, and whose files are still on disk with
the recorded sha256, is not recomputed. ``force=True`` rebuilds anyway.

A figure is rendered completely in memory first (PNG and SVG bytes, attachments, results checked
to be JSON-serialisable); only then are its files and manifest entry written, as one unit
(:func:`vizlab.figures.manifest.write_figure`). A failing figure is reported and skipped; its
previous files and manifest entry are kept (the entry flagged ``error``).

:func:`check_figures` (``--check``) builds nothing and lists the stale figures with the reason.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vizlab.figures.keys import ModelFingerprints, key_of, key_parts, model_names
from vizlab.figures.manifest import (
    jsonable,
    read_manifest,
    sha256_of,
    stale_reason,
    update_manifest,
    write_figure,
)
from vizlab.figures.registry import SECTIONS, FigureContext, FigureSpec, all_figures
from vizlab.provenance import package_versions

__all__ = [
    "BuildReport",
    "CHECK_IGNORES",
    "add_arguments",
    "build_figures",
    "check_figures",
    "default_out",
    "main",
    "run",
]

ROOT = Path(__file__).resolve().parents[2]
# Key parts --check does not compare: a fresh machine may resolve newer patch releases of
# numpy/matplotlib/torch within the pins; the files' sha256 still catch any change they make.
CHECK_IGNORES = ("packages",)
_FORMATS = ("png", "svg")


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


# Every builder runs on one thread: float sums split over threads (torch's forward pass included:
# MiniLM's attentions differ in the last bits between 1 and 2 torch threads) would otherwise make
# figures/ depend on the machine's core count or OMP_NUM_THREADS.
BUILD_THREADS = 1


def _render(spec: FigureSpec, ctx: FigureContext) -> tuple[dict[str, bytes], dict]:
    """Run one builder; return every file's bytes and the recorded results. Writes nothing."""
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    import vizlab.extraction.models  # noqa: F401 - torch is loaded, so limited_threads reaches its pool
    from vizlab.figures.save import figure_bytes
    from vizlab.plot.style import report_style
    from vizlab.threads import limited_threads

    seed = spec.inputs.get("seed")
    _seed_everything(seed if isinstance(seed, int) else 0)
    try:
        with report_style(), limited_threads(BUILD_THREADS):
            fig = spec.build(ctx)
            if not isinstance(fig, Figure):
                raise TypeError(f"the builder of {spec.id!r} returned {type(fig).__name__}, "
                                "expected a matplotlib Figure")
            files = {f"{spec.id}.{fmt}": figure_bytes(fig, fmt) for fmt in _FORMATS}
    finally:
        plt.close("all")
    for name, text in ctx.attachments.items():
        if not isinstance(name, str) or Path(name).name != name or name.startswith(".") or name in files \
                or name == "manifest.json":
            raise ValueError(f"ctx.attach: {name!r} is not a plain file name of its own")
        if not isinstance(text, str):
            raise TypeError(f"ctx.attach({name!r}, ...) got a {type(text).__name__}; attach text")
        files[name] = text.encode("utf-8")
    return files, jsonable(ctx.results, "results")


def _progress(log, i: int, n: int, fid: str, width: int) -> None:
    log(f"[{i:>{len(str(n))}}/{n}] {fid:<{width}} ", end="", flush=True)


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
    fingerprint_of = fingerprints or ModelFingerprints()
    versions = package_versions()
    previous = {e["id"]: e for e in read_manifest(out)}
    ctx = FigureContext(lang=lang)
    report = BuildReport()
    width = max((len(s.id) for s in todo), default=0)
    for i, spec in enumerate(todo, 1):
        _progress(log, i, len(todo), spec.id, width)
        t0 = time.perf_counter()
        old = previous.get(spec.id)
        try:
            fps = {m: fingerprint_of(m) for m in model_names(spec)}
            parts = key_parts(spec, lang=lang, fingerprints=fps, versions=versions)
            reason = "--force" if force else stale_reason(old, parts, out)
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
            files, results = _render(spec, ctx)
            dt = time.perf_counter() - t0
            entry = _entry(spec, ctx, lang, fps, files, results, versions, parts, dt)
            write_figure(out, files, entry, order)
        except Exception as err:  # noqa: BLE001 - reported; the other figures still get built
            msg = f"{type(err).__name__}: {err}"
            log(f"FAILED after {time.perf_counter() - t0:.1f} s: {msg}")
            traceback.print_exc(file=sys.stderr)
            report.failed.append((spec.id, msg))
            if old is not None:  # keep the last good entry (and files), flagged
                update_manifest(out, [{**old, "error": msg}], order)
            continue
        log(f"built in {dt:.1f} s")
        report.built.append(spec.id)
        report.entries.append(entry)
    return BuildReport(report.built, report.cached, report.failed, report.entries,
                       time.perf_counter() - t_start, dry_run)


def _entry(spec, ctx, lang, fps, files, results, versions, parts, seconds) -> dict:
    all_fps = {**fps, **ctx.fingerprints}
    return {
        "id": spec.id,
        "section": spec.section,
        "caption": spec.caption_for(lang),
        "files": list(files),
        "lang": lang,
        "models": sorted(all_fps),
        "fingerprints": all_fps,
        "data": spec.inputs.get("data"),
        "n": spec.inputs.get("n"),
        "seed": spec.inputs.get("seed"),
        "inputs": jsonable(spec.inputs, "inputs"),
        "results": results,
        "versions": versions,
        "seconds": round(seconds, 2),
        "key": key_of(parts),
        "key_parts": parts,
        "sha256": {name: sha256_of(data) for name, data in files.items()},
    }


def check_figures(
    *,
    out: str | os.PathLike,
    only: Sequence[str] | None = None,
    section: str | None = None,
    lang: str = "pt",
    specs: Sequence[FigureSpec] | None = None,
    log: Callable[..., None] = print,
    fingerprints: Callable[[str], str] | None = None,
) -> list[tuple[str, str]]:
    """The stale figures in ``out`` and why, without building or writing anything.

    A figure is stale when it is not in the manifest, is flagged ``error``, its code, figure
    (captions, inputs), models or language changed, or one of its files is missing or differs
    from the sha256 in the manifest. Package versions are *not* compared (see
    :data:`CHECK_IGNORES`); a difference is only reported as a note.

    Returns
    -------
    list of (str, str)
        ``(id, reason)`` for each stale figure (empty: everything is up to date).
    """
    if lang not in ("pt", "en"):
        raise ValueError(f"lang must be 'pt' or 'en', got {lang!r}")
    out = Path(out)
    specs = list(all_figures() if specs is None else specs)
    todo = _select(specs, only, section)
    fingerprint_of = fingerprints or ModelFingerprints()
    versions = package_versions()
    previous = {e["id"]: e for e in read_manifest(out)}
    stale: list[tuple[str, str]] = []
    packages: set[str] = set()
    for spec in todo:
        old = previous.get(spec.id)
        try:
            fps = {m: fingerprint_of(m) for m in model_names(spec)}
            parts = key_parts(spec, lang=lang, fingerprints=fps, versions=versions)
            reason = stale_reason(old, parts, out, ignore=CHECK_IGNORES)
        except Exception as err:  # noqa: BLE001 - e.g. a model that cannot be found
            reason = f"cannot compute its key ({type(err).__name__}: {err})"
        if reason is not None:
            stale.append((spec.id, reason))
            log(f"stale: {spec.id}: {reason}")
        for name, v in ((old or {}).get("versions") or {}).items():
            if versions.get(name, v) != v:
                packages.add(f"{name} {v} -> {versions.get(name)}")
    if packages:
        log("note: package versions differ from the manifest (" + ", ".join(sorted(packages)) + "); not "
            "counted as stale, the files' sha256 are what is checked")
    log(f"{len(stale)} of {len(todo)} figures stale in {out} "
        f"(compared: code, figure, models, lang, files' sha256; not package versions)")
    return stale


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
    p.add_argument("--check", action="store_true",
                   help="build nothing; list the stale figures with the reason and exit 1 if any "
                        "(compares code, figure, models, lang and the files' sha256, not package versions)")
    p.add_argument("--list", action="store_true", help="list the registered figures and exit")
    return p


def run(args: argparse.Namespace, *, specs: Sequence[FigureSpec] | None = None,
        log: Callable[..., None] = print, fingerprints: Callable[[str], str] | None = None) -> int:
    """Execute parsed figure-script arguments; returns the exit code.

    1 if a figure failed (or, with ``--check``, if a figure is stale), else 0. ``specs`` and
    ``fingerprints`` are passed to :func:`build_figures` (tests use a few tiny figures with
    made-up model fingerprints).
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
    if getattr(args, "check", False):
        stale = check_figures(out=out, only=args.only, section=args.section, lang=args.lang, specs=specs,
                              log=log, fingerprints=fingerprints)
        return 1 if stale else 0
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
                    "Figures whose code, inputs and models did not change are not recomputed; "
                    "--check only lists the stale ones."))
    args = p.parse_args(argv)
    try:
        return run(args)
    except ValueError as err:  # bad --only id etc.
        p.error(str(err))
