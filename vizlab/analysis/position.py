"""Position encodings as arrays: the sinusoidal reference, similarities, rotary scores, distance-only checks.

>>> pe = sinusoidal_encoding(4, 6)
>>> pe.shape, float(pe[0, 0]), float(pe[0, 1])
((4, 6), 0.0, 1.0)
"""

from __future__ import annotations

import numpy as np

__all__ = ["sinusoidal_encoding", "cosine_similarity_matrix", "rotate", "rotary_pair_scores",
           "diagonal_spread", "wavelengths"]


def sinusoidal_encoding(n_positions: int, dim: int, *, base: float = 10000.0) -> np.ndarray:
    """The original Transformer's encoding (Vaswani et al., 2017).

    ``PE[p, 2i] = sin(p / base^(2i/dim))``, ``PE[p, 2i+1] = cos(p / base^(2i/dim))``.

    Returns
    -------
    ndarray of shape (n_positions, dim)
    """
    if dim % 2:
        raise ValueError(f"dim must be even, got {dim}")
    p = np.arange(n_positions)[:, None]
    angle = p / base ** (np.arange(0, dim, 2) / dim)[None]
    pe = np.empty((n_positions, dim))
    pe[:, 0::2] = np.sin(angle)
    pe[:, 1::2] = np.cos(angle)
    return pe


def cosine_similarity_matrix(x) -> np.ndarray:
    """Cosine similarity of every pair of rows, ndarray of shape (n, n)."""
    x = np.asarray(x, dtype=float)
    n = np.linalg.norm(x, axis=1, keepdims=True)
    u = x / np.where(n == 0, 1, n)
    return u @ u.T


def _rotate_half(x: np.ndarray) -> np.ndarray:
    half = x.shape[-1] // 2
    return np.concatenate([-x[..., half:], x[..., :half]], axis=-1)


def rotate(x, cos, sin) -> np.ndarray:
    """Rotary embedding ``x * cos + rotate_half(x) * sin`` (Hugging Face layout); broadcasts."""
    x = np.asarray(x, dtype=float)
    return x * cos + _rotate_half(x) * sin


def rotary_pair_scores(q, k, cos, sin, *, scaling: float = 1.0) -> np.ndarray:
    """Score of one query/key pair (before rotation) placed at every pair of positions.

    Parameters
    ----------
    q, k : ndarray of shape (head_dim,)
        Query and key vectors before the rotary embedding.
    cos, sin : ndarray of shape (n_positions, head_dim)

    Returns
    -------
    ndarray of shape (n_positions, n_positions)
        ``[m, n] = scaling * rotate(q, m) · rotate(k, n)``; it depends only on ``m - n``.
    """
    qm = rotate(np.asarray(q)[None], cos, sin)
    kn = rotate(np.asarray(k)[None], cos, sin)
    return scaling * qm @ kn.T


def diagonal_spread(s, *, max_offset: int | None = None) -> np.ndarray:
    """For each offset ``d = m - n`` (0, 1, ...), the range (max - min) of ``s[m, m - d]``.

    A matrix whose entries depend only on ``m - n`` (Toeplitz) has zero spread on every diagonal.

    Returns
    -------
    ndarray of shape (n_offsets,)
    """
    s = np.asarray(s, dtype=float)
    n = s.shape[0]
    top = n - 1 if max_offset is None else min(int(max_offset), n - 1)
    out = []
    for d in range(top + 1):
        diag = np.diagonal(s, offset=-d)
        out.append(float(diag.max() - diag.min()))
    return np.array(out)


def wavelengths(inv_freq) -> np.ndarray:
    """Positions needed for a dimension pair to turn a full circle: ``2π / θ``."""
    return 2 * np.pi / np.asarray(inv_freq, dtype=float)
