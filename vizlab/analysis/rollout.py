"""Attention rollout (Abnar & Zuidema, 2020): how much each input token flows into each position.

A block's output at position ``i`` is its input at ``i`` (the residual connection) plus the
attention output. Rollout models this with ``A_hat = (A + I) / 2`` -- ``A`` the head-averaged
attention of the block, rows renormalised -- and multiplies the blocks from the first to the
last: ``R = A_hat_L @ ... @ A_hat_1``. Row ``i`` of ``R`` is the estimated share of each input
token in the representation of token ``i`` after the last block.
"""

from __future__ import annotations

import numpy as np

from vizlab.analysis.attention import validate_attention
from vizlab.numbering import check_layer_number

__all__ = ["residual_attention", "rollout"]


def residual_attention(attn, *, residual: float = 0.5) -> np.ndarray:
    """Add the residual path: ``(1 - residual) * A + residual * I``, rows renormalised.

    Parameters
    ----------
    attn : array-like of shape (..., n, n)
    residual : float in [0, 1)
        Weight of the identity (0.5 reproduces ``(A + I)`` renormalised for row-stochastic ``A``).

    Returns
    -------
    ndarray of shape (..., n, n)
    """
    if not 0.0 <= residual < 1.0:
        raise ValueError(f"residual must be in [0, 1), got {residual}")
    a = np.asarray(attn, dtype=np.float64)
    out = (1.0 - residual) * a + residual * np.eye(a.shape[-1])
    return out / out.sum(-1, keepdims=True)


def rollout(attn, *, head_fusion: str = "mean", residual: float = 0.5, start_layer: int = 1,
            cumulative: bool = False) -> np.ndarray:
    """Attention rollout through the layers.

    Layers and heads are numbered as readers see them: layer 1 is the first block, head 1 the first
    head, hidden state 0 the embedding output; negative numbers count from the end.

    Parameters
    ----------
    attn : array-like of shape (n_layers, n_heads, n, n) or (n_layers, n, n)
        Attention of consecutive blocks (a 3-D array is taken as already fused over heads).
    head_fusion : {"mean", "max", "min"}
        How the heads of a block are combined before rollout (the paper uses the mean).
    residual : float
        Weight of the identity added for the residual connection (see :func:`residual_attention`).
    start_layer : int
        First layer included (default 1: every layer; earlier layers are skipped), counted among the
        layers of ``attn``.
    cumulative : bool
        Also return the rollout after every block.

    Returns
    -------
    ndarray of shape (n, n), or (n_layers - start_layer + 1, n, n) when ``cumulative``
        Row-stochastic: each row sums to 1.
    """
    a = validate_attention(attn, ndim=(3, 4))
    if a.ndim == 4:
        fuse = {"mean": np.mean, "max": np.max, "min": np.min}.get(head_fusion)
        if fuse is None:
            raise ValueError(f"unknown head_fusion {head_fusion!r}; use 'mean', 'max' or 'min'")
        a = fuse(a, axis=1)
    first = check_layer_number(start_layer, a.shape[0], what="start_layer", from_end=True)
    steps = residual_attention(a[first:], residual=residual)
    result = np.eye(a.shape[-1])
    history = []
    for step in steps:
        result = step @ result
        history.append(result)
    return np.stack(history) if cumulative else result
