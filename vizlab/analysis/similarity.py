"""Cosine similarity between vectors and an ordering that reveals block structure."""

from __future__ import annotations

import numpy as np

__all__ = ["cosine_similarity_matrix", "cluster_order"]


def cosine_similarity_matrix(X: np.ndarray, Y: np.ndarray | None = None) -> np.ndarray:
    """Cosine similarity of the rows of ``X`` (with the rows of ``Y``, default ``X``).

    Parameters
    ----------
    X : ndarray of shape (n, d)
    Y : ndarray of shape (m, d), optional

    Returns
    -------
    ndarray of shape (n, m), values in [-1, 1]
    """
    X = np.asarray(X, dtype=np.float64)
    Y = X if Y is None else np.asarray(Y, dtype=np.float64)
    if X.ndim != 2 or Y.ndim != 2 or X.shape[1] != Y.shape[1]:
        raise ValueError(f"expected 2-D arrays with the same number of columns, got {X.shape} and {Y.shape}")
    nx = np.linalg.norm(X, axis=1, keepdims=True)
    ny = np.linalg.norm(Y, axis=1, keepdims=True)
    if (nx == 0).any() or (ny == 0).any():
        raise ValueError("a zero vector has no direction: cosine similarity is undefined for it")
    S = (X / nx) @ (Y / ny).T
    return np.clip(S, -1.0, 1.0)


def cluster_order(S: np.ndarray) -> np.ndarray:
    """Leaf order of average-linkage clustering on ``1 - S`` (similar items end up adjacent).

    Parameters
    ----------
    S : ndarray of shape (n, n)
        A symmetric similarity matrix.

    Returns
    -------
    ndarray of int, shape (n,)
    """
    from scipy.cluster.hierarchy import leaves_list, linkage
    from scipy.spatial.distance import squareform

    S = np.asarray(S, dtype=np.float64)
    if len(S) < 3:
        return np.arange(len(S))
    D = np.clip(1.0 - (S + S.T) / 2, 0, None)
    np.fill_diagonal(D, 0.0)
    return leaves_list(linkage(squareform(D, checks=False), method="average", optimal_ordering=True))
