"""Thread pinning: results that must not depend on how many cores the machine has.

Reductions split over threads add numbers in a different order on a 1-core and a 2-core
machine, and float addition is not associative: t-SNE (scikit-learn's OpenMP gradient),
UMAP (numba), BLAS-heavy steps and torch training can give different bits. vizlab runs those
steps inside :func:`limited_threads`, which caps every thread pool it can reach and restores
the previous settings on exit (the library changes no global state).

Torch-free: torch and numba are limited only if something already imported them.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

__all__ = ["limited_threads"]


@contextlib.contextmanager
def limited_threads(n: int = 1) -> Iterator[None]:
    """Run a block with at most ``n`` threads, then restore the previous limits.

    Limits the BLAS and OpenMP pools (through threadpoolctl), numba's parallel loops and
    torch's intra-op pool (when numba / torch are imported).

    Parameters
    ----------
    n : int
        Threads to allow; 1 makes sensitive computations bit-identical on any machine.

    Examples
    --------
    >>> with limited_threads(1):
    ...     pass
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    from threadpoolctl import threadpool_limits

    with contextlib.ExitStack() as stack:
        stack.enter_context(threadpool_limits(limits=n))
        torch = sys.modules.get("torch")
        if torch is not None and hasattr(torch, "set_num_threads"):
            before = torch.get_num_threads()
            torch.set_num_threads(n)
            stack.callback(torch.set_num_threads, before)
        numba = sys.modules.get("numba")
        if numba is not None and hasattr(numba, "set_num_threads"):
            before_nb = numba.get_num_threads()
            numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
            stack.callback(numba.set_num_threads, before_nb)
        yield
