"""Run one figure builder and render its files in memory: the same in the build's own process and
in a worker process (:mod:`vizlab.figures.workers`), so the bytes never depend on where it ran.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import numpy as np

from vizlab.figures.manifest import jsonable
from vizlab.figures.registry import FigureContext, FigureSpec, Step

__all__ = ["BUILD_THREADS", "FORMATS", "render", "run_step"]

FORMATS = ("png", "svg")

# Every builder runs on one thread: float sums split over threads (torch's forward pass included:
# MiniLM's attentions differ in the last bits between 1 and 2 torch threads) would otherwise make
# figures/ depend on the machine's core count or OMP_NUM_THREADS. A build uses the other cores by
# running figures side by side in worker processes.
BUILD_THREADS = 1


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    if "torch" in sys.modules:  # never import torch just to seed it
        sys.modules["torch"].manual_seed(seed)


def render(spec: FigureSpec, ctx: FigureContext) -> tuple[dict[str, bytes], dict]:
    """Run one builder; return every file's bytes and the recorded results. Writes nothing."""
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    import vizlab.extraction.models  # noqa: F401 - torch is loaded, so limited_threads reaches its pool
    from vizlab.figures.save import figure_bytes
    from vizlab.plot.style import report_style
    from vizlab.threads import limited_threads

    ctx.reset()
    seed = spec.inputs.get("seed")
    _seed_everything(seed if isinstance(seed, int) else 0)
    try:
        with report_style(), limited_threads(BUILD_THREADS):
            fig = spec.build(ctx)
            if not isinstance(fig, Figure):
                raise TypeError(f"the builder of {spec.id!r} returned {type(fig).__name__}, "
                                "expected a matplotlib Figure")
            files = {f"{spec.id}.{fmt}": figure_bytes(fig, fmt) for fmt in FORMATS}
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


def run_step(step: Step, ctx: FigureContext) -> None:
    """Run one :class:`~vizlab.figures.registry.Step` as a builder would run it (seeded, one thread)."""
    import vizlab.extraction.models  # noqa: F401 - torch is loaded, so limited_threads reaches its pool
    from vizlab.threads import limited_threads

    ctx.reset()
    _seed_everything(0)
    with limited_threads(BUILD_THREADS):
        step.run(ctx)
