"""Run the figure registry: build each figure, save PNG + SVG, keep ``manifest.json`` up to date.

The build is incremental (:func:`vizlab.figures.status.figure_status`, the one definition shared with
``--check`` and the tests): a figure whose study is up to date is not recomputed, only redrawn from
its committed source data (``<id>.data.json``) when its drawing is stale (drawing code, captions,
texts); an up-to-date figure is left alone. ``force=True`` recomputes and redraws everything;
``redraw=True`` redraws everything from the source data.

The figures to build run side by side in ``jobs`` worker processes (:mod:`vizlab.figures.workers`),
each single-threaded, so the bytes are the same for any number of workers. A figure is rendered
completely in memory first (PNG and SVG bytes, attachments, results checked to be
JSON-serialisable); only then does this process write its files and manifest entry, as one unit
(:func:`vizlab.figures.manifest.write_figure`). A failing figure is reported and skipped; its
previous files and manifest entry are kept (the entry flagged ``error``).

:func:`check_figures` (``--check``) builds nothing and lists the stale figures with the reason.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from vizlab.figures.keys import data_file, drawing_key_of, drawing_parts, study_key_of
from vizlab.figures.manifest import jsonable, sha256_of, update_manifest, write_figure
from vizlab.figures.registry import SECTIONS, FigureSpec, all_figures
from vizlab.figures.status import PACKAGES_CHANGED, environment_note, figure_status
from vizlab.figures.workers import Task, render_all, resolve_jobs
from vizlab.i18n import LANGS, texts_hash
from vizlab.provenance import package_versions

__all__ = [
    "BuildReport",
    "LOCK",
    "add_arguments",
    "build_figures",
    "check_figures",
    "default_out",
    "main",
    "run",
]

ROOT = Path(__file__).resolve().parents[2]
# The lock of the source checkout (make install installs exactly it); absent for an installed package.
LOCK = ROOT / "requirements" / "lock.txt"


@dataclass(frozen=True)
class BuildReport:
    """What a build did.

    Attributes
    ----------
    built, cached : list of str
        Ids built (with ``dry_run``: that would be built), and ids whose files were up to date.
    computed : list of str
        The built ids whose study ran (the others were drawn from their source data).
    failed : list of (str, str)
        ``(id, "ErrorType: message")`` for each figure that raised.
    entries : list of dict
        Manifest entries of the figures built or up to date, in build order.
    seconds : float
        Wall time of the whole build.
    jobs : int
        Worker processes used (1: this process).
    """

    built: list[str] = field(default_factory=list)
    cached: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    entries: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    dry_run: bool = False
    jobs: int = 1
    computed: list[str] = field(default_factory=list)

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


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ValueError(f"lang must be 'pt' or 'en', got {lang!r}")


def build_figures(
    *,
    out: str | os.PathLike,
    only: Sequence[str] | None = None,
    section: str | None = None,
    lang: str = "pt",
    force: bool = False,
    redraw: bool = False,
    dry_run: bool = False,
    specs: Sequence[FigureSpec] | None = None,
    log: Callable[..., None] = print,
    fingerprints: Callable[[str], str] | None = None,
    jobs: int | str = 1,
    data_from: str | os.PathLike | None = None,
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
        Recompute and redraw even figures that are up to date.
    redraw : bool
        Redraw every figure from its source data, whatever its study key says: no model is asked
        for (a figure without source data fails, saying so).
    dry_run : bool
        Only say which figures would be rebuilt and why; nothing is computed or written.
    specs : sequence of FigureSpec, optional
        The figures to consider (default: the whole registry).
    log : callable
        ``print``-like progress sink: one line per figure.
    fingerprints : callable, optional
        ``name -> fingerprint`` for the models in ``inputs["models"]`` (default: the
        preset/folder fingerprint, remembered in the vizlab cache).
    jobs : int or "auto"
        Worker processes building figures side by side (``"auto"``: one per core; 1: in this
        process). The files are the same for any number.
    data_from : path, optional
        Another figure folder whose up-to-date source data is drawn from instead of recomputing it
        (an English build draws from the Portuguese ``figures/``: the data has no language).

    Returns
    -------
    BuildReport
    """
    _check_lang(lang)
    if force and redraw:
        raise ValueError("force recomputes every study and redraw recomputes none: pass one of them")
    t_start = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    specs = list(all_figures() if specs is None else specs)
    order = [s.id for s in specs]
    versions = package_versions()
    rows = figure_status(_select(specs, only, section), out=out, lang=lang, fingerprints=fingerprints,
                         versions=versions, studies=not redraw, data_from=data_from)
    if note := environment_note(rows, lock=LOCK, versions=versions):
        log(f"note: {note}")
    report = BuildReport()
    width = max((len(r.spec.id) for r in rows), default=0)
    counter = iter(range(1, len(rows) + 1))

    def line(fid: str, text: str) -> None:
        log(f"[{next(counter):>{len(str(len(rows)))}}/{len(rows)}] {fid:<{width}} {text}")

    todo = []
    for row in rows:
        if row.drawing_parts is None or (redraw and row.recompute):
            why = row.reason if not redraw else f"no source data to redraw from ({row.reason}): run without --redraw"
            line(row.spec.id, f"FAILED: {why}")
            report.failed.append((row.spec.id, why))
        elif force or redraw or row.reason is not None:
            todo.append(row)
        else:
            line(row.spec.id, "up to date")
            report.cached.append(row.spec.id)
            report.entries.append(row.old)
    tasks = [Task(row.spec, None if force or row.recompute else row.data, _measured(row.old)) for row in todo]
    if dry_run:
        for row, task in zip(todo, tasks):
            what = "would compute and draw" if task.data is None else "would redraw"
            line(row.spec.id, f"{what} ({'--force' if force else row.reason or '--redraw'})")
            report.built.append(row.spec.id)
            if task.data is None:
                report.computed.append(row.spec.id)
        return BuildReport(report.built, report.cached, report.failed, report.entries,
                           time.perf_counter() - t_start, True, computed=report.computed)
    n_tasks = len(tasks) + len({step.name for task in tasks for step in task.needs})
    n_jobs = resolve_jobs(jobs, n_tasks) if todo else 1
    by_id = {row.spec.id: row for row in todo}
    seconds = {row.spec.id: (row.old or {}).get("seconds") for row in todo}
    rendered = render_all(tasks, jobs=n_jobs, lang=lang, seconds=seconds)
    with contextlib.closing(rendered):  # closed on any exit: no worker is left waiting
        for done in rendered:
            if done.id not in by_id:  # a step (parallel builds): only its failure is news
                if done.error is not None:
                    log(f"note: {done.id} failed ({done.error}); the figures that need it compute it themselves")
                    print(done.details, file=sys.stderr)
                continue
            row = by_id[done.id]
            if done.error is not None:
                line(done.id, f"FAILED after {done.seconds:.1f} s ({done.stage}): {done.error}")
                print(done.details, file=sys.stderr)
                report.failed.append((done.id, done.error))
                _keep_failed(out, row, done, order)
                continue
            if done.details:
                print(done.details, file=sys.stderr)
            try:
                entry = _entry(row.spec, lang, {**row.fingerprints, **done.fingerprints}, done, versions, row.study_parts)
                write_figure(out, done.files, entry, order)
            except Exception as err:  # noqa: BLE001 - e.g. inputs JSON cannot hold, a full disk: the others go on
                msg = f"{type(err).__name__}: {err}"
                line(done.id, f"FAILED while writing: {msg}")
                report.failed.append((done.id, msg))
                continue
            line(done.id, f"{'computed and drawn' if done.computed else 'drawn'} in {done.seconds:.1f} s")
            report.built.append(done.id)
            if done.computed:
                report.computed.append(done.id)
            report.entries.append(entry)
    return BuildReport(report.built, report.cached, report.failed, report.entries,
                       time.perf_counter() - t_start, False, n_jobs, report.computed)


def _measured(old: dict | None) -> dict:
    """The measurements (``*_seconds`` results) an entry recorded: a redraw keeps them with its data."""
    return {k: v for k, v in ((old or {}).get("results") or {}).items() if k.endswith("_seconds")}


def _keep_failed(out: Path, row, done, order) -> None:
    """After a failure, keep the last good files and entry, flagged with the error and its stage. A
    drawing that failed after its study ran keeps that study's source data (written, with its study
    key), so the next build only redraws."""
    if done.stage == "draw" and done.data is not None and row.study_parts is not None:
        name = data_file(row.spec.id)
        base = row.old or {"id": row.spec.id, "section": row.spec.section, "files": [], "sha256": {}}
        entry = {**base, "study_key": study_key_of(row.study_parts), "study_parts": row.study_parts,
                 "files": list(dict.fromkeys([name, *(base.get("files") or [])])),
                 "sha256": {**(base.get("sha256") or {}), name: sha256_of(done.data)},
                 "error": done.error, "error_stage": "draw"}
        write_figure(out, {name: done.data}, entry, order)
    elif row.old is not None:
        update_manifest(out, [{**row.old, "error": done.error, "error_stage": done.stage}], order)


def _entry(spec, lang, fps, done, versions, study) -> dict:
    data = done.files[data_file(spec.id)]
    parts = drawing_parts(spec, lang=lang, versions=versions, texts=texts_hash(done.texts), data=sha256_of(data))
    return {
        "id": spec.id,
        "section": spec.section,
        "caption": spec.caption_for(lang),
        "files": list(done.files),
        "lang": lang,
        "models": sorted(fps),
        "fingerprints": fps,
        "data": spec.inputs.get("data"),
        "n": spec.inputs.get("n"),
        "seed": spec.inputs.get("seed"),
        "inputs": jsonable(spec.inputs, "inputs"),
        "results": done.results,
        "versions": versions,
        "seconds": round(done.seconds, 2),
        "study_key": study_key_of(study),
        "study_parts": study,
        "drawing_key": drawing_key_of(parts),
        "drawing_parts": parts,
        "texts": list(done.texts),
        "sha256": {name: sha256_of(data) for name, data in done.files.items()},
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

    Stale means what it means to the build (:func:`vizlab.figures.status.figure_status`): not in the
    manifest, flagged ``error``, a changed part of its study key (study code, study inputs, models,
    packages) or of its drawing key (drawing code, captions, lang, texts, source data, packages), or a
    file missing or differing from the sha256 in the manifest. Figures stale only because the package
    versions differ are summarised in one message naming the packages and the command to run.

    Returns
    -------
    list of (str, str)
        ``(id, reason)`` for each stale figure (empty: everything is up to date).
    """
    _check_lang(lang)
    out = Path(out)
    specs = list(all_figures() if specs is None else specs)
    versions = package_versions()
    rows = figure_status(_select(specs, only, section), out=out, lang=lang, fingerprints=fingerprints,
                         versions=versions)
    stale = [(r.spec.id, r.reason) for r in rows if r.reason is not None]
    note = environment_note(rows, lock=LOCK, versions=versions)
    for fid, reason in stale:
        if not (note and reason == PACKAGES_CHANGED):
            log(f"stale: {fid}: {reason}")
    if note:
        log(f"stale: {note}")
    n_study = sum(r.recompute for r in rows if r.reason is not None)
    log(f"{len(stale)} of {len(rows)} figures stale in {out} ({n_study} to recompute, "
        f"{len(stale) - n_study} to redraw; compared: study code, inputs, models, packages; drawing code, "
        "captions, lang, texts, source data; files' sha256)")
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
    p.add_argument("--lang", choices=list(LANGS), default="pt",
                   help="language of titles and labels (default: pt)")
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="output folder (default: figures/ for pt, figures/en/ for en)")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--force", action="store_true",
                     help="recompute and redraw even the figures that are up to date")
    how.add_argument("--redraw", action="store_true",
                     help="redraw every figure from its source data (<id>.data.json); no model is needed")
    p.add_argument("--dry-run", action="store_true",
                   help="only say which figures would be rebuilt and why (nothing is computed)")
    p.add_argument("--check", action="store_true",
                   help="build nothing; list the stale figures with the reason and exit 1 if any "
                        "(compares each figure's study key, drawing key and files' sha256)")
    p.add_argument("-j", "--jobs", default="auto", metavar="N",
                   help="worker processes building figures side by side (default: auto = one per core; "
                        "the files are the same for any number)")
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
    data_from = default_out("pt") if args.lang != "pt" else None  # the data has no language
    report = build_figures(out=out, only=args.only, section=args.section, lang=args.lang,
                           force=args.force, redraw=getattr(args, "redraw", False), dry_run=args.dry_run,
                           specs=specs, log=log, data_from=data_from,
                           fingerprints=fingerprints, jobs=getattr(args, "jobs", 1))
    built = "would be built" if report.dry_run else "built"
    workers = "" if report.dry_run or not report.built else f" ({report.jobs} worker{'s' * (report.jobs > 1)})"
    log(f"{len(report.built)} {built} ({len(report.computed)} computed, "
        f"{len(report.built) - len(report.computed)} drawn from source data), {len(report.cached)} up to date, "
        f"{len(report.failed)} failed in {report.seconds:.1f} s{workers} -> {out}")
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
