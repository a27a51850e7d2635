"""Run one study (or one step) as the build runs it: seeded, one thread, its result encoded.

The same in the build's own process and in a worker process (:mod:`vizlab.figures.workers`), so
the source data never depends on where it ran. Writes nothing.
"""

from __future__ import annotations

from vizlab.seeding import fixed_random_state
from vizlab.sourcedata import encode
from vizlab.studies import Step, StudyContext, StudySpec

__all__ = ["BUILD_THREADS", "run_step", "run_study"]

# Every study runs on one thread: float sums split over threads (torch's forward pass included:
# MiniLM's attentions differ in the last bits between 1 and 2 torch threads) would otherwise make
# figures/ depend on the machine's core count or OMP_NUM_THREADS. A build uses the other cores by
# running figures side by side in worker processes.
BUILD_THREADS = 1


def _seed_of(spec: StudySpec) -> int:
    seed = spec.inputs.get("seed")
    return seed if isinstance(seed, int) else 0


def run_study(spec: StudySpec, ctx: StudyContext) -> tuple[bytes, dict]:
    """Run one study; return its source data (:func:`vizlab.sourcedata.encode` bytes) and results."""
    import vizlab.extraction.models  # noqa: F401 - torch is loaded, so it is seeded and limited_threads reaches it
    from vizlab.threads import limited_threads

    ctx.reset()
    with fixed_random_state(_seed_of(spec)), limited_threads(BUILD_THREADS):
        data = spec.compute(ctx)
    if not isinstance(data, dict):
        raise TypeError(f"the study of {spec.id!r} returned {type(data).__name__}, expected a dict of data")
    return encode(data, ctx.results, figure=spec.id), dict(ctx.results)


def run_step(step: Step, ctx: StudyContext) -> None:
    """Run one :class:`~vizlab.studies.Step` as a study would run it (seeded, one thread)."""
    import vizlab.extraction.models  # noqa: F401 - torch is loaded, so limited_threads reaches its pool
    from vizlab.threads import limited_threads

    ctx.reset()
    with fixed_random_state(0), limited_threads(BUILD_THREADS):
        step.run(ctx)
