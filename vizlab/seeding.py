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
    """Seed ``random``, numpy and (when loaded) torch for a block, then put their states back.

    The build runs every study and drawing inside it, so the bytes do not depend on what ran before,
    and a caller's random state is left as it was.
    """
    torch = sys.modules.get("torch")  # never import torch just to seed it
    states = (random.getstate(), np.random.get_state(), torch.random.get_rng_state() if torch else None)
    random.seed(seed)
    np.random.seed(seed)
    if torch:
        torch.manual_seed(seed)
    try:
        yield
    finally:
        random.setstate(states[0])
        np.random.set_state(states[1])
        torch_now = sys.modules.get("torch")
        if torch_now is not None:
            if states[2] is not None:
                torch_now.random.set_rng_state(states[2])
            else:  # loaded inside the block: leave it as a fresh process would have it
                torch_now.manual_seed(torch_now.initial_seed())
