"""Softmax with temperature, and attention recomputed from queries and keys (numpy only).

``softmax(z / T)`` turns logits into probabilities; the attention of one head is
``softmax(mask(cap(scale * q @ k.T)))`` row by row. :func:`attention_from_qk` spells out those
steps so a figure can show each one and a test can check them against the model.
"""

from __future__ import annotations

import numpy as np

__all__ = ["attention_from_qk", "attention_scores", "entropy", "softcap", "softmax", "top_k"]


def softmax(logits, *, temperature: float = 1.0, axis: int = -1, where=None) -> np.ndarray:
    """Numerically stable ``softmax(logits / temperature)``.

    Parameters
    ----------
    logits : array-like
    temperature : float > 0
        Below 1 sharpens the distribution, above 1 flattens it.
    where : array-like of bool, optional
        Entries that take part (others get probability 0), e.g. a causal mask.

    Returns
    -------
    ndarray of the same shape, summing to 1 along ``axis``
    """
    if not np.isscalar(temperature) or not temperature > 0:
        raise ValueError(f"temperature must be a positive number, got {temperature!r}")
    z = np.asarray(logits, dtype=np.float64) / float(temperature)
    if where is not None:
        where = np.broadcast_to(np.asarray(where, bool), z.shape)
        if not where.any(axis=axis).all():
            raise ValueError("the mask leaves a row with no allowed entry")
        z = np.where(where, z, -np.inf)
    z = z - z.max(axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


def entropy(p, *, axis: int = -1) -> np.ndarray:
    """Shannon entropy in nats of probability vectors along ``axis`` (0 log 0 = 0)."""
    p = np.asarray(p, dtype=np.float64)
    logs = np.log(np.where(p > 0, p, 1.0))
    return -(p * logs).sum(axis=axis)


def top_k(p, k: int) -> np.ndarray:
    """Indices of the ``k`` largest entries of a 1-D array, largest first (ties by index)."""
    p = np.asarray(p)
    if p.ndim != 1:
        raise ValueError(f"top_k expects a 1-D array, got shape {p.shape}")
    if not 1 <= k <= p.size:
        raise ValueError(f"k must be in 1..{p.size}, got {k}")
    return np.argsort(-p, kind="stable")[:k]


def softcap(scores, cap: float | None) -> np.ndarray:
    """Logit soft-capping ``cap * tanh(scores / cap)`` (identity when ``cap`` is None)."""
    s = np.asarray(scores, dtype=np.float64)
    return s if cap is None else cap * np.tanh(s / cap)


def attention_scores(q, k, *, scaling: float, kv_index=None) -> np.ndarray:
    """Scaled dot products ``scaling * q_h @ k_g(h).T`` of every head.

    Parameters
    ----------
    q : array-like of shape (n_heads, n_tokens, head_dim)
    k : array-like of shape (n_kv_heads, n_tokens, head_dim)
    scaling : float
        ``1 / sqrt(head_dim)`` for BERT; ``query_pre_attn_scalar ** -0.5`` for Gemma-3.
    kv_index : array-like of int, shape (n_heads,), optional
        Key head read by each query head (grouped-query attention); default ``h -> h`` when
        the head counts match, else :func:`vizlab.analysis.attention.kv_head_index`.

    Returns
    -------
    ndarray of shape (n_heads, n_tokens, n_tokens)
    """
    from vizlab.analysis.attention import kv_head_index

    q = np.asarray(q, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    if q.ndim != 3 or k.ndim != 3 or q.shape[2] != k.shape[2]:
        raise ValueError(f"q and k must be (heads, tokens, head_dim) with equal head_dim, got {q.shape}, {k.shape}")
    idx = kv_head_index(q.shape[0], k.shape[0]) if kv_index is None else np.asarray(kv_index)
    return scaling * np.einsum("hid,hjd->hij", q, k[idx])


def attention_from_qk(q, k, *, scaling: float, mask=None, cap: float | None = None, kv_index=None) -> np.ndarray:
    """Attention weights recomputed from queries and keys: ``softmax(mask(cap(scaled scores)))``.

    Parameters
    ----------
    q, k, scaling, kv_index
        See :func:`attention_scores`.
    mask : array-like of bool, shape (n_tokens, n_tokens), optional
        True where query ``i`` may attend to key ``j`` (causal, sliding window); default all.
    cap : float, optional
        Attention logit soft-capping.

    Returns
    -------
    ndarray of shape (n_heads, n_tokens, n_tokens); rows sum to 1
    """
    s = softcap(attention_scores(q, k, scaling=scaling, kv_index=kv_index), cap)
    return softmax(s, where=mask)
