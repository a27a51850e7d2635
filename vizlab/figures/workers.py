"""Build figures side by side: one task at a time in each of N worker processes.

A task is one figure: its study when it is stale (:func:`vizlab.figures.compute.run_study`), then
its drawing from the source data (:func:`vizlab.figures.render.draw`); a figure whose study is up to
date is only drawn, from the committed source data, and loads no model. Each worker is a fresh
``spawn`` process with one thread per pool (:data:`~vizlab.figures.compute.BUILD_THREADS`), exactly
as the build's own process does with one worker, so the bytes never depend on the number of
workers. Workers only compute and return bytes; the parent writes every file and the manifest, one
figure at a time.

What figures share is computed once: the vizlab cache takes a lock per entry, so a worker asking
for an embedding, a fine-tuned model or a converted model that another worker is computing waits
for it and reads it (:func:`vizlab.cache.locked`). The order keeps those waits short
(:class:`Schedule`): the steps figures declare (:class:`~vizlab.figures.registry.Step`: the
fine-tuning run, the parts of a long study; only for studies that run) run first, as soon as the steps they come after are
done, each in a worker of its own; a figure starts once its steps are done, longest first (by the
time the manifest recorded for it).
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import dataclasses
import io
import json
import multiprocessing
import os
import time
import traceback
import warnings
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from vizlab.figures.compute import BUILD_THREADS, run_step, run_study
from vizlab.figures.keys import data_file
from vizlab.figures.registry import FigureSpec, Step
from vizlab.figures.render import draw
from vizlab.studies import StudyContext

__all__ = ["Rendered", "Schedule", "Task", "render_all", "resolve_jobs"]

# The warning that tells a user their text does not suit the model (vizlab.extraction.language): the
# report's studies pick their texts and models on purpose, so the build does not repeat it.
_TEXT_FIT = r".* does not read this text as written"
# Seconds assumed for a figure the manifest has no time for (a new figure): start it early.
UNKNOWN_SECONDS = 120.0


@dataclass(frozen=True)
class Task:
    """One figure to build: ``data`` is its up-to-date source data (only drawn), or None (study runs);
    ``measured`` the measurements its manifest entry recorded with that data."""

    spec: FigureSpec
    data: bytes | None = None
    measured: dict | None = None

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def needs(self) -> tuple[Step, ...]:
        return self.spec.needs if self.data is None else ()


@dataclass(frozen=True)
class Rendered:
    """What building one figure gave: its files' bytes (source data included) and results, or the error."""

    id: str
    files: dict | None
    results: dict | None
    fingerprints: dict
    seconds: float
    error: str | None = None
    details: str = ""  # traceback of a failure; warnings a worker printed
    texts: tuple[str, ...] = ()  # the catalogue keys the drawing read
    computed: bool = False  # whether the study ran (else drawn from the source data)
    stage: str = ""  # of a failure: "study" or "draw"
    data: bytes | None = None  # of a failed drawing: the source data its study computed


def resolve_jobs(jobs: int | str | None, n_tasks: int) -> int:
    """Number of worker processes: ``"auto"`` (or None) = the cores this process may use, and never
    more than the tasks (figures and steps) to run.

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
    return max(1, min(jobs, n_tasks))


class Schedule:
    """The order tasks (steps and figures) are handed to workers.

    A step is ready when the steps it comes ``after`` are done, a figure when the steps it
    ``needs`` are. :meth:`next` gives the first ready step (in the order figures declare them),
    else the ready figure that took longest last time (``seconds``), else None.
    """

    def __init__(self, tasks: Sequence[Task], seconds: Mapping[str, float]):
        steps: dict[str, Step] = {}
        for task in tasks:
            for step in task.needs:
                steps.setdefault(step.name, step)
        cost = {t.id: float(seconds.get(t.id) or UNKNOWN_SECONDS) if t.data is None else 1.0 for t in tasks}
        self._todo: list[Step | Task] = [*steps.values(), *sorted(tasks, key=lambda t: -cost[t.id])]
        self._done: set[str] = set()

    def __len__(self) -> int:
        return len(self._todo)

    def _ready(self, task: Step | Task) -> bool:
        deps = task.after if isinstance(task, Step) else [step.name for step in task.needs]
        return all(name in self._done for name in deps)

    def next(self) -> Step | Task | None:
        """The next task that can start now (None when none can)."""
        task = next((t for t in self._todo if self._ready(t)), None)
        if task is not None:
            self._todo.remove(task)
        return task

    def drain(self) -> list[Step | Task]:
        """Remove and return every task not yet started."""
        todo, self._todo = self._todo, []
        return todo

    def done(self, task: Step | Task) -> None:
        """Mark ``task`` finished (a failed step too: the figures that need it compute it themselves)."""
        if isinstance(task, Step):
            self._done.add(task.name)


def _timed(name: str, run) -> Rendered:
    """Run ``run()`` -> Rendered fields, catching its error (the other tasks still run)."""
    t0 = time.perf_counter()
    try:
        fields = run()
    except Exception as err:  # noqa: BLE001 - reported by the build
        return Rendered(name, None, None, {}, time.perf_counter() - t0, f"{type(err).__name__}: {err}",
                        traceback.format_exc())
    return Rendered(name, seconds=time.perf_counter() - t0, **fields)


def split_measurements(data: bytes) -> tuple[bytes, dict]:
    """Source data without the measurements of this machine, and those measurements.

    A study may record how long something took (a result whose key ends in ``_seconds``, e.g. the
    fine-tuning's ``train_seconds``): that is a fact about the machine, not a result, so it goes in
    the manifest (with the figure's results) and not in the source data, which stays the same on
    every machine.
    """
    doc = json.loads(data)
    measured = {k: doc["results"].pop(k) for k in list(doc["results"]) if k.endswith("_seconds")}
    timings = [k for k in doc["data"] if k.endswith("_seconds")]
    for k in timings:
        doc["data"].pop(k)
    if not measured and not timings:
        return data, {}
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n"
    return text.encode("utf-8"), measured


def build_one(task: Task, ctx: StudyContext, lang: str) -> Rendered:
    """Build one figure (its study if stale, then its drawing), catching its error and saying which
    stage failed (a study that ran before a drawing failed hands its source data back)."""
    t0 = time.perf_counter()
    data, fps, stage = task.data, {}, "study"
    try:
        if data is None:
            with warnings.catch_warnings():  # a study chooses its texts and models on purpose
                warnings.filterwarnings("ignore", message=_TEXT_FIT)
                data, _ = run_study(task.spec.study, ctx)
            fps = dict(ctx.fingerprints)
            data, measured = split_measurements(data)
        else:
            measured = dict(task.measured or {})
        stage = "draw"
        drawn = draw(task.spec.drawing, data, lang=lang)
    except Exception as err:  # noqa: BLE001 - reported by the build
        fresh = data if stage == "draw" and task.data is None else None
        return Rendered(task.id, None, None, fps, time.perf_counter() - t0, f"{type(err).__name__}: {err}",
                        traceback.format_exc(), computed=fresh is not None, stage=stage, data=fresh)
    return Rendered(task.id, {data_file(task.id): data, **drawn.files}, {**json.loads(data)["results"], **measured},
                    fps, time.perf_counter() - t0, texts=tuple(drawn.texts), computed=task.data is None)


def _step_one(step: Step, ctx: StudyContext) -> Rendered:
    """Run one step, catching its error (the figures that need it then compute it and say why)."""

    def run() -> dict:
        run_step(step, ctx)
        return {"files": None, "results": None, "fingerprints": {}}

    return _timed(f"step:{step.name}", run)


# ----------------------------------------------------------------------------- inside a worker

_WORKER: dict = {}


def _start_worker(lang: str) -> None:
    # This process is ours: pin every pool to one thread before torch, numba or BLAS start theirs.
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS"):
        os.environ[var] = str(BUILD_THREADS)
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    import matplotlib

    matplotlib.use("Agg")
    _WORKER["ctx"] = StudyContext()  # models are loaded once per worker, and only when a study asks
    _WORKER["lang"] = lang


def _worker_build(task: Task | Step) -> Rendered:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        done = (build_one(task, _WORKER["ctx"], _WORKER["lang"]) if isinstance(task, Task)
                else _step_one(task, _WORKER["ctx"]))
    # keep what the study and drawing said (warnings), drop progress bars (lines redrawn with \r)
    said = "\n".join(line for line in out.getvalue().split("\n") if line.strip() and "\r" not in line)
    return dataclasses.replace(done, details=(done.details + "\n" + said).strip()) if said else done


# ----------------------------------------------------------------------------- the parent


def _abandon(tasks, err: BaseException) -> Iterator[Rendered]:
    """A failure for each figure left when the worker pool broke (steps are dropped silently)."""
    why = (f"not built: a worker process died ({type(err).__name__}: {err}); "
           "rerun, with --jobs 1 if memory is short")
    for task in tasks:
        if isinstance(task, Task):
            yield Rendered(task.id, None, None, {}, 0.0, why)


def render_all(tasks: Sequence[Task], *, jobs: int, lang: str, seconds: Mapping[str, float],
               ctx: StudyContext | None = None) -> Iterator[Rendered]:
    """Build ``tasks``; yield each :class:`Rendered` as it finishes (a step's too: id ``"step:NAME"``,
    no files).

    ``jobs == 1`` builds in this process, in the given order, with ``ctx`` (a fresh
    :class:`~vizlab.studies.StudyContext` when None): each study computes what it needs itself.
    More jobs start that many worker processes, which take steps and figures in :class:`Schedule` order.
    """
    if jobs == 1:
        ctx = ctx or StudyContext()
        for task in tasks:
            yield build_one(task, ctx, lang)
        return
    schedule = Schedule(tasks, seconds)
    mp = multiprocessing.get_context("spawn")  # never fork a process that holds torch's threads
    with cf.ProcessPoolExecutor(max_workers=jobs, mp_context=mp, initializer=_start_worker,
                                initargs=(lang,)) as pool:
        running: dict[cf.Future, Task | Step] = {}
        try:
            while len(schedule) or running:
                while len(running) < jobs and (task := schedule.next()) is not None:
                    try:
                        running[pool.submit(_worker_build, task)] = task
                    except BrokenProcessPool as err:  # a worker died: what is left cannot run
                        yield from _abandon([task, *running.values(), *schedule.drain()], err)
                        return
                if not running:  # nothing ready and nothing running: a step that never ends (a cycle)
                    raise RuntimeError("figure steps wait for each other: " + ", ".join(
                        t.name if isinstance(t, Step) else t.id for t in schedule.drain()))
                finished, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
                for fut in finished:
                    task = running.pop(fut)
                    name = task.id if isinstance(task, Task) else f"step:{task.name}"
                    try:
                        done = fut.result()
                    except BrokenProcessPool as err:  # a worker died (memory, a signal): so did the pool
                        yield from _abandon([task, *running.values(), *schedule.drain()], err)
                        return
                    except Exception as err:  # noqa: BLE001 - e.g. a result that cannot be pickled
                        done = Rendered(name, None, None, {}, 0.0, f"worker failed: {type(err).__name__}: {err}")
                    schedule.done(task)
                    yield done
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
