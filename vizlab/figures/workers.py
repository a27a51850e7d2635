"""Build figures side by side: one figure at a time in each of N worker processes.

Each worker is a fresh ``spawn`` process that runs :func:`vizlab.figures.render.render` with one
thread per pool (:data:`~vizlab.figures.render.BUILD_THREADS`), exactly as the build's own process
does with one worker, so the bytes never depend on the number of workers. Workers only compute
and return bytes; the parent writes every file and the manifest, one figure at a time.

What figures share is computed once: the vizlab cache takes a lock per entry, so a worker asking
for an embedding, a fine-tuned model or a converted model that another worker is computing waits
for it and reads it (:func:`vizlab.cache.locked`). The order keeps those waits short
(:class:`Schedule`): longest figures first (by the time the manifest recorded for them), and the
figures that share a fine-tuning run (same declared ``training`` input) start one at a time until
the first of them has trained it, while the other workers build the rest.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import io
import multiprocessing
import os
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from vizlab.cache import cache_key
from vizlab.figures.registry import FigureContext, FigureSpec
from vizlab.figures.render import BUILD_THREADS, render

__all__ = ["Rendered", "Schedule", "render_all", "resolve_jobs", "shared_run"]

# Seconds assumed for a figure the manifest has no time for (a new figure): start it early.
UNKNOWN_SECONDS = 120.0


@dataclass(frozen=True)
class Rendered:
    """What building one figure gave: its files' bytes and results, or the error."""

    id: str
    files: dict | None
    results: dict | None
    fingerprints: dict
    seconds: float
    error: str | None = None
    details: str = ""  # traceback of a failure; warnings a worker printed


def resolve_jobs(jobs: int | str | None, n_figures: int) -> int:
    """Number of worker processes: ``"auto"`` (or None) = the cores this process may use.

    >>> resolve_jobs(4, 2), resolve_jobs(1, 30)
    (2, 1)
    """
    if jobs is None or jobs == "auto":
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        jobs = cores
    if isinstance(jobs, str) and jobs.isdigit():
        jobs = int(jobs)
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a positive integer or 'auto', got {jobs!r}")
    return max(1, min(jobs, n_figures))


def shared_run(spec: FigureSpec) -> str | None:
    """The one fine-tuning run a figure shares with others (its declared ``training`` input), or None."""
    training = spec.inputs.get("training")
    return None if training is None else cache_key(spec.inputs.get("models"), training)


class Schedule:
    """The order figures are handed to workers.

    Longest first (``seconds``: the time each figure took last time). Figures with the same
    :func:`shared_run` form a group: its first figure (the one that took least time last time, so
    the shared run is ready soonest) opens it, ranked by the whole group's time; the others wait
    until it is done, unless no other figure is left to start.
    """

    def __init__(self, specs: Sequence[FigureSpec], seconds: Mapping[str, float]):
        cost = {s.id: float(seconds.get(s.id) or UNKNOWN_SECONDS) for s in specs}
        groups: dict[str, list[FigureSpec]] = {}
        for s in specs:
            if (g := shared_run(s)) is not None:
                groups.setdefault(g, []).append(s)
        self._opener = {g: min(members, key=lambda s: cost[s.id]).id for g, members in groups.items()}
        rank = dict(cost)
        for g, members in groups.items():
            rank[self._opener[g]] = sum(cost[s.id] for s in members)
        self._todo = sorted(specs, key=lambda s: -rank[s.id])
        self._open: set[str] = set()  # groups whose shared run is done

    def __len__(self) -> int:
        return len(self._todo)

    def next(self) -> FigureSpec | None:
        """The next figure to start (None when none is left)."""
        if not self._todo:
            return None
        for s in self._todo:
            g = shared_run(s)
            if g is None or g in self._open or self._opener[g] == s.id:
                break
        else:  # only held figures are left: start one, it waits for the shared run in the cache
            s = self._todo[0]
        self._todo.remove(s)
        return s

    def done(self, spec: FigureSpec) -> None:
        """Mark ``spec`` finished: when it opened its group, the group's other figures may start."""
        g = shared_run(spec)
        if g is not None and self._opener.get(g) == spec.id:
            self._open.add(g)

    def has_ready(self) -> bool:
        """Whether a figure can start now without waiting for a shared run."""
        return any((g := shared_run(s)) is None or g in self._open or self._opener[g] == s.id
                   for s in self._todo)


def render_one(spec: FigureSpec, ctx: FigureContext) -> Rendered:
    """Build one figure, catching its error (the other figures still get built)."""
    t0 = time.perf_counter()
    try:
        files, results = render(spec, ctx)
    except Exception as err:  # noqa: BLE001 - reported by the build
        return Rendered(spec.id, None, None, {}, time.perf_counter() - t0, f"{type(err).__name__}: {err}",
                        traceback.format_exc())
    return Rendered(spec.id, files, results, dict(ctx.fingerprints), time.perf_counter() - t0)


# ----------------------------------------------------------------------------- inside a worker

_WORKER: dict = {}


def _start_worker(lang: str) -> None:
    # This process is ours: pin every pool to one thread before torch, numba or BLAS start theirs.
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS"):
        os.environ[var] = str(BUILD_THREADS)
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    import matplotlib

    matplotlib.use("Agg")
    _WORKER["ctx"] = FigureContext(lang=lang)  # models are loaded once per worker


def _worker_build(spec: FigureSpec) -> Rendered:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        done = render_one(spec, _WORKER["ctx"])
    # keep what the builder said (warnings), drop progress bars (lines redrawn with \r)
    said = "\n".join(line for line in out.getvalue().splitlines() if line.strip() and "\r" not in line)
    return done if not said else Rendered(done.id, done.files, done.results, done.fingerprints, done.seconds,
                                          done.error, (done.details + "\n" + said).strip())


# ----------------------------------------------------------------------------- the parent


def render_all(specs: Sequence[FigureSpec], *, jobs: int, lang: str, seconds: Mapping[str, float],
               ctx: FigureContext | None = None,
               on_start: Callable[[FigureSpec], None] | None = None) -> Iterator[Rendered]:
    """Build ``specs``; yield each :class:`Rendered` as it finishes.

    ``jobs == 1`` builds in this process, in the given order, with ``ctx`` (a fresh
    :class:`FigureContext` when None); more jobs start that many worker processes, which take the
    figures in :class:`Schedule` order.
    """
    if jobs == 1:
        ctx = ctx or FigureContext(lang=lang)
        for spec in specs:
            if on_start:
                on_start(spec)
            yield render_one(spec, ctx)
        return
    schedule = Schedule(specs, seconds)
    mp = multiprocessing.get_context("spawn")  # never fork a process that holds torch's threads
    by_id = {s.id: s for s in specs}
    with cf.ProcessPoolExecutor(max_workers=jobs, mp_context=mp, initializer=_start_worker,
                                initargs=(lang,)) as pool:
        running: dict[cf.Future, FigureSpec] = {}
        try:
            while len(schedule) or running:
                while len(running) < jobs and len(schedule) and (schedule.has_ready() or not running):
                    spec = schedule.next()
                    if on_start:
                        on_start(spec)
                    running[pool.submit(_worker_build, spec)] = spec
                finished, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
                for fut in finished:
                    spec = running.pop(fut)
                    try:
                        done = fut.result()
                    except Exception as err:  # noqa: BLE001 - a worker that died (memory, a signal)
                        done = Rendered(spec.id, None, None, {}, 0.0,
                                        f"worker process failed: {type(err).__name__}: {err}")
                    schedule.done(by_id[done.id])
                    yield done
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
