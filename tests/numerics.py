"""Tolerances that follow the dtype of the computed values, not float64's.

A float32 result carries float32's rounding (machine epsilon 1.2e-7 per operation), a float64
one float64's (2.2e-16): a check with ``rtol=1e-7`` is loose for the one and tighter than the
arithmetic for the other. :func:`assert_close` allows ``ops`` roundings of the computed array's
own precision (e.g. ``ops=n`` for a sum of n terms).
"""

from __future__ import annotations

import numpy as np

__all__ = ["assert_close", "rtol_for"]


def rtol_for(actual, *, ops: int = 4, dtype=None) -> float:
    """``ops`` machine epsilons of ``dtype`` (default: ``actual``'s floating dtype; float64 for
    integers). Pass ``dtype`` when the values were computed in a lower precision than they are
    held in now (matplotlib keeps an image's float32 values as float64).

    >>> rtol_for(np.float32(1)) == 4 * float(np.finfo(np.float32).eps)
    True
    """
    dt = np.dtype(dtype) if dtype is not None else np.asarray(actual).dtype
    return ops * float(np.finfo(dt if np.issubdtype(dt, np.floating) else np.float64).eps)


def assert_close(actual, desired, *, ops: int = 4, dtype=None, atol: float = 0.0) -> None:
    """``np.testing.assert_allclose`` with ``rtol = rtol_for(actual, ops=ops, dtype=dtype)``."""
    np.testing.assert_allclose(actual, desired, rtol=rtol_for(actual, ops=ops, dtype=dtype), atol=atol)
