"""How much padding and compute a batching scheme costs: pure arithmetic on text lengths.

>>> s = padding_costs([3, 5, 2, 2], [[0, 1], [2, 3]])
>>> s["dynamic_tokens"].tolist(), s["fixed_tokens"].tolist(), s["real_tokens"].tolist()
([10, 4], [10, 10], [8, 4])
"""

from __future__ import annotations

import numpy as np

__all__ = ["padding_costs", "padding_grid"]


def padding_costs(lengths, batches, *, pad_to: int | None = None) -> dict[str, np.ndarray]:
    """Per batch: real tokens, tokens computed with dynamic padding and with padding to ``pad_to``.

    Parameters
    ----------
    lengths : sequence of int
        Tokens of each text.
    batches : list of list of int
        Text indices of each batch.
    pad_to : int, optional
        The fixed length (default: the longest text of all).

    Returns
    -------
    dict of ndarray, each of shape (n_batches,)
        ``size``, ``longest``, ``real_tokens``, ``dynamic_tokens`` (size × longest), ``fixed_tokens``
        (size × pad_to), and ``dynamic_cells``/``fixed_cells`` (size × length², the attention
        scores each layer and head computes).
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    pad_to = int(lengths.max()) if pad_to is None else int(pad_to)
    size = np.array([len(b) for b in batches], dtype=np.int64)
    longest = np.array([lengths[b].max() for b in batches], dtype=np.int64)
    real = np.array([lengths[b].sum() for b in batches], dtype=np.int64)
    return {"size": size, "longest": longest, "real_tokens": real, "dynamic_tokens": size * longest,
            "fixed_tokens": size * pad_to, "dynamic_cells": size * longest**2, "fixed_cells": size * pad_to**2}


def padding_grid(lengths, batches, *, pad_to: int) -> tuple[np.ndarray, np.ndarray]:
    """One row per text (batches in order): 2 = real token, 1 = padding, 0 = not computed.

    Returns
    -------
    fixed, dynamic : ndarray of int, shape (n_texts, pad_to)
        Padding every text to ``pad_to``, and padding each batch to its own longest text.
    """
    rows = [i for b in batches for i in b]
    lengths = np.asarray(lengths)
    pos = np.arange(pad_to)[None]
    n = lengths[rows][:, None]
    fixed = np.where(pos < n, 2, 1)
    longest = np.concatenate([[lengths[b].max()] * len(b) for b in batches])[:, None]
    dynamic = np.where(pos < n, 2, np.where(pos < longest, 1, 0))
    return fixed, dynamic
