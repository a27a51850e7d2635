"""Blocks with a fixed random state that leave it as they found it: the figure build runs every study
and drawing in one, so its bytes do not depend on what ran before and it touches no global state.
(Library calls that only need torch's generators use :func:`vizlab.extraction.rng.seeded`.)
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

__all__ = ["fixed_random_state"]


@contextmanager
def fixed_random_state(seed: int) -> Iterator[None]:
    """Seed ``random``, numpy and (when loaded) torch's CPU generator for a block, then put their
    states back.

    The build runs every study and drawing inside it, so the bytes do not depend on what ran before,
    and a caller's random state is left as it was. Only torch's CPU generator is seeded (the one
    the figures' computations draw from); GPU generators are left alone. If torch is first imported
    inside the block, its generator is neither seeded nor restored.

    >>> import random
    >>> random.seed(1); before = random.getstate()
    >>> with fixed_random_state(0):
    ...     x = random.random()
    >>> round(x, 4), random.getstate() == before
    (0.8444, True)
    """
    torch = sys.modules.get("torch")  # never import torch just to seed it
    states = (random.getstate(), np.random.get_state(), torch.default_generator.get_state() if torch else None)
    random.seed(seed)
    np.random.seed(seed)
    if torch is not None:
        torch.default_generator.manual_seed(seed)
    try:
        yield
    finally:
        random.setstate(states[0])
        np.random.set_state(states[1])
        if torch is not None:
            torch.default_generator.set_state(states[2])
