"""Seeded random state that does not leak: library calls never change the global torch seed.

Weight initialisation (``from_config``) and dropout draw from torch's global generators, so a
seeded computation has to seed them; :func:`seeded` does that inside
:func:`torch.random.fork_rng` and puts the caller's random state back on exit.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch

__all__ = ["seeded"]


@contextlib.contextmanager
def seeded(seed: int, device: torch.device | str | None = None) -> Iterator[None]:
    """Seed torch's global CPU generator (and ``device``'s, for CUDA) inside the block, then restore it.

    Draws inside the block are the same as after ``torch.manual_seed(seed)``; the random
    state outside is left as it was.

    Parameters
    ----------
    seed : int
    device : torch.device or str, optional
        A CUDA or MPS device whose generator is seeded and restored as well (the one a model
        trains on); other devices are left alone, and CUDA is never initialised for a CPU run.

    Examples
    --------
    >>> import torch
    >>> before = torch.random.get_rng_state()
    >>> with seeded(0):
    ...     a = torch.rand(2)
    >>> torch.equal(torch.random.get_rng_state(), before)
    True
    """
    dev = torch.device(device) if device is not None else None
    cuda = [dev.index if dev.index is not None else torch.cuda.current_device()] \
        if dev is not None and dev.type == "cuda" else []
    mps = dev is not None and dev.type == "mps"
    mps_state = torch.mps.get_rng_state() if mps else None
    try:
        with torch.random.fork_rng(devices=cuda):
            torch.default_generator.manual_seed(int(seed))
            for index in cuda:
                with torch.cuda.device(index):
                    torch.cuda.manual_seed(int(seed))
            if mps:
                torch.mps.manual_seed(int(seed))
            yield
    finally:
        if mps_state is not None:
            torch.mps.set_rng_state(mps_state)
