"""Uncertainty of a result: bootstrap and t intervals, and the paired difference of two results.

Every sentiment result of the report carries one of these intervals (95 % by default):

- :func:`bootstrap_ci` — percentile bootstrap of a mean over examples (e.g. the accuracy of a
  classifier on held-out texts, from its 0/1 correctness per text);
- :func:`paired_bootstrap_diff` — the same for the difference ``mean(a) - mean(b)`` of two results
  on the *same* examples (resampling the same indices for both), which is the interval a claim
  "A is better than B" needs;
- :func:`unpaired_bootstrap_diff` — the difference ``mean(a) - mean(b)`` of two results on
  *different* examples (e.g. the recall of two classes), resampling each group on its own;
- :func:`t_interval` — Student-t interval of a mean over a few independent repetitions (seeds).

:func:`interval` packs a result as the dict recorded in the manifest.

>>> import numpy as np
>>> t_interval([0.5, 0.6, 0.7])["value"]
0.6
>>> d = paired_bootstrap_diff(np.ones(50), np.zeros(50))
>>> d["value"], d["lo"], d["hi"]
(1.0, 1.0, 1.0)
"""

from __future__ import annotations

import numpy as np

__all__ = ["bootstrap_ci", "paired_bootstrap_diff", "unpaired_bootstrap_diff", "t_interval", "interval", "separated", "N_BOOT"]

N_BOOT = 2000


def interval(value: float, lo: float, hi: float, *, method: str, n: int, level: float = 0.95,
             digits: int = 4) -> dict:
    """A result and its interval as the manifest records it."""
    r = lambda v: round(float(v), digits)  # noqa: E731
    return {"value": r(value), "lo": r(lo), "hi": r(hi), "level": level, "method": method, "n": int(n)}


def _resample_means(values: np.ndarray, n_boot: int, rng) -> np.ndarray:
    idx = rng.integers(0, len(values), size=(n_boot, len(values)))
    return values[idx].mean(axis=1)


def _check_1d(values, name: str) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    if v.ndim != 1 or len(v) < 2:
        raise ValueError(f"{name} must be 1-D with at least 2 values, got shape {v.shape}")
    if not np.isfinite(v).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return v


def bootstrap_ci(values, *, level: float = 0.95, n_boot: int = N_BOOT, random_state: int = 0) -> dict:
    """Mean of ``values`` with a percentile-bootstrap interval (resampling the values).

    Parameters
    ----------
    values : array-like of shape (n,)
        One number per example, e.g. 1.0 where a classifier is right and 0.0 where it is wrong.

    Returns
    -------
    dict with ``value`` (the mean), ``lo``, ``hi``, ``level``, ``method`` ("bootstrap"), ``n``.
    """
    v = _check_1d(values, "values")
    means = _resample_means(v, n_boot, np.random.default_rng(random_state))
    a = (1 - level) / 2
    lo, hi = np.quantile(means, [a, 1 - a])
    return interval(v.mean(), lo, hi, method=f"bootstrap over {len(v)} examples ({n_boot} resamples)",
                    n=len(v), level=level)


def paired_bootstrap_diff(a, b, *, level: float = 0.95, n_boot: int = N_BOOT, random_state: int = 0) -> dict:
    """``mean(a) - mean(b)`` for two results on the same examples, with a paired bootstrap interval.

    Parameters
    ----------
    a, b : array-like of shape (n,)
        Per-example values of two methods on the same examples, in the same order.
    """
    a, b = _check_1d(a, "a"), _check_1d(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"a and b must hold the same examples: shapes {a.shape} and {b.shape}")
    d = a - b
    means = _resample_means(d, n_boot, np.random.default_rng(random_state))
    q = (1 - level) / 2
    lo, hi = np.quantile(means, [q, 1 - q])
    return interval(d.mean(), lo, hi, method=f"paired bootstrap over {len(d)} examples ({n_boot} resamples)",
                    n=len(d), level=level)


def unpaired_bootstrap_diff(a, b, *, level: float = 0.95, n_boot: int = N_BOOT, random_state: int = 0) -> dict:
    """``mean(a) - mean(b)`` for two results on *different* examples, with a percentile-bootstrap
    interval that resamples ``a`` and ``b`` independently (each group keeps its size).

    Use :func:`paired_bootstrap_diff` instead when ``a`` and ``b`` are measured on the same examples.

    Parameters
    ----------
    a : array-like of shape (n,)
    b : array-like of shape (m,)
        One number per example of each group, e.g. 1.0 where a classifier is right.
    """
    a, b = _check_1d(a, "a"), _check_1d(b, "b")
    rng = np.random.default_rng(random_state)
    means = _resample_means(a, n_boot, rng) - _resample_means(b, n_boot, rng)
    q = (1 - level) / 2
    lo, hi = np.quantile(means, [q, 1 - q])
    return interval(a.mean() - b.mean(), lo, hi,
                    method=f"bootstrap of the difference, resampling {len(a)} and {len(b)} examples "
                           f"independently ({n_boot} resamples)", n=len(a) + len(b), level=level)


def t_interval(values, *, level: float = 0.95) -> dict:
    """Mean of a few independent repetitions (e.g. seeds) with a Student-t interval."""
    from scipy import stats

    v = _check_1d(values, "values")
    half = stats.t.ppf(0.5 + level / 2, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v))
    return interval(v.mean(), v.mean() - half, v.mean() + half, method=f"t interval over {len(v)} repetitions",
                    n=len(v), level=level)


def separated(a: dict, b: dict) -> bool:
    """True when the intervals of two results do not overlap."""
    return a["lo"] > b["hi"] or b["lo"] > a["hi"]
