"""Attention after the softmax, as array math: weighted sum of values, concatenation of heads, W_O.

For one block with ``H`` query heads of size ``d``:

- ``z_h = A_h V_{g(h)}``: each head's output is its attention weights times the values of the
  key/value head it reads (``g(h)`` = ``kv_index[h]``; several query heads share one in
  grouped-query attention);
- ``concat = [z_1 | z_2 | ... | z_H]``: the heads side by side, shape (n_tokens, H·d);
- ``out = concat W_Oᵀ + b_O``: the output projection mixes the heads back into the model width.

>>> import numpy as np
>>> A = np.array([[[1.0, 0.0], [0.5, 0.5]]])        # one head, two tokens
>>> V = np.array([[[2.0, 0.0], [0.0, 4.0]]])        # one value head, d = 2
>>> weighted_values(A, V)[0].tolist()
[[2.0, 0.0], [1.0, 2.0]]
"""

from __future__ import annotations

import numpy as np

__all__ = ["weighted_values", "concat_heads", "project_output"]


def weighted_values(weights, v, *, kv_index=None) -> np.ndarray:
    """Each head's weighted sum of values.

    Parameters
    ----------
    weights : ndarray of shape (n_heads, n_tokens, n_tokens)
        Attention weights (rows sum to 1).
    v : ndarray of shape (n_kv_heads, n_tokens, head_dim)
    kv_index : ndarray of int, shape (n_heads,), optional
        Value head read by each query head (default: head ``h`` reads value head
        ``h // (n_heads // n_kv_heads)``).

    Returns
    -------
    ndarray of shape (n_heads, n_tokens, head_dim)
    """
    a, v = np.asarray(weights, dtype=float), np.asarray(v, dtype=float)
    if a.ndim != 3 or v.ndim != 3 or a.shape[-1] != v.shape[1]:
        raise ValueError(f"weights (heads, n, n) and v (kv_heads, n, d) do not fit: {a.shape}, {v.shape}")
    if kv_index is None:
        if a.shape[0] % v.shape[0]:
            raise ValueError(f"{a.shape[0]} query heads cannot share {v.shape[0]} value heads evenly")
        kv_index = np.arange(a.shape[0]) // (a.shape[0] // v.shape[0])
    return a @ v[np.asarray(kv_index)]


def concat_heads(z) -> np.ndarray:
    """(n_heads, n_tokens, head_dim) -> (n_tokens, n_heads·head_dim): head 1's columns first."""
    z = np.asarray(z, dtype=float)
    return z.transpose(1, 0, 2).reshape(z.shape[1], -1)


def project_output(concat, w_o, b_o=None) -> np.ndarray:
    """``concat W_Oᵀ + b_O`` with ``w_o`` of shape (hidden, n_heads·head_dim) (a torch ``Linear`` weight)."""
    out = np.asarray(concat, dtype=float) @ np.asarray(w_o, dtype=float).T
    return out if b_o is None else out + np.asarray(b_o, dtype=float)
