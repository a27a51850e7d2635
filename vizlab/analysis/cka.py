"""Linear centred kernel alignment (CKA): how alike two sets of representations of the same inputs are.

CKA (Kornblith et al., 2019, "Similarity of Neural Network Representations Revisited")
compares two representations ``X`` (n x d1) and ``Y`` (n x d2) of the same ``n`` examples:

.. math::

    \\mathrm{CKA}(X, Y) = \\frac{\\lVert Y_c^\\top X_c \\rVert_F^2}
                            {\\lVert X_c^\\top X_c \\rVert_F \\, \\lVert Y_c^\\top Y_c \\rVert_F}

with column-centred ``X_c``, ``Y_c``. It is 1 for identical representations, invariant to
rotations/reflections and isotropic scaling of either side (but not to arbitrary linear maps),
and lies in [0, 1]. Its Gram form, ``<K_c, L_c>_F / (||K_c||_F ||L_c||_F)`` with
``K = X X^T``, is used when there are fewer examples than features.

>>> import numpy as np
>>> X = np.random.default_rng(0).normal(size=(50, 8))
>>> round(linear_cka(X, 3 * X), 6)
1.0
"""

from __future__ import annotations

import numpy as np

__all__ = ["linear_cka", "cka_by_layer", "cka_matrix", "cka_by_layer_interval"]


def _centered(X, name: str) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n_examples, n_features), got shape {X.shape}")
    if len(X) < 2:
        raise ValueError(f"{name} has {len(X)} example(s); CKA needs at least 2")
    if not np.isfinite(X).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    Xc = X - X.mean(axis=0)
    if not np.any(Xc):
        raise ValueError(f"{name} is constant over the examples: CKA is undefined for a representation "
                         "with no variance (e.g. the [CLS] vector of layer 0; use mean pooling)")
    return Xc


class _Rep:
    """A centred representation with what CKA needs of it (feature form or Gram form)."""

    def __init__(self, X, name: str, gram: bool):
        self.Xc = _centered(X, name)
        self.gram = gram
        if gram:
            K = self.Xc @ self.Xc.T
            self.unit = K / np.linalg.norm(K)
        else:
            self.norm = np.linalg.norm(self.Xc.T @ self.Xc)

    def cka(self, other: _Rep) -> float:
        if self.gram:
            value = float(np.sum(self.unit * other.unit))
        else:
            value = float(np.linalg.norm(other.Xc.T @ self.Xc) ** 2 / (self.norm * other.norm))
        return min(max(value, 0.0), 1.0)


def _use_gram(n: int, *dims: int) -> bool:
    return n < min(dims)


def linear_cka(X: np.ndarray, Y: np.ndarray) -> float:
    """Linear CKA between two representations of the same examples.

    Parameters
    ----------
    X : ndarray of shape (n_examples, n_features_x)
    Y : ndarray of shape (n_examples, n_features_y)
        Row ``i`` of both is example ``i``; the feature counts may differ.

    Returns
    -------
    float in [0, 1]
        1 when ``Y`` is ``X`` up to a rotation, reflection, isotropic scale and offset.
    """
    return _pair(X, Y, "X", "Y")


def _pair(X, Y, nx: str, ny: str) -> float:
    X, Y = np.asarray(X), np.asarray(Y)
    if X.ndim == 2 and Y.ndim == 2 and len(X) != len(Y):
        raise ValueError(f"{nx} and {ny} must describe the same examples (same rows): "
                         f"got {len(X)} and {len(Y)} rows")
    gram = X.ndim == 2 and Y.ndim == 2 and _use_gram(len(X), X.shape[1], Y.shape[1])
    return _Rep(X, nx, gram).cka(_Rep(Y, ny, gram))


def _layers(H, name: str) -> np.ndarray:
    H = np.asarray(H)
    if H.ndim != 3:
        raise ValueError(f"{name} must be (n_layers, n_examples, n_features), got shape {H.shape}")
    return H


def cka_matrix(A: np.ndarray, B: np.ndarray | None = None) -> np.ndarray:
    """Linear CKA between every layer of ``A`` and every layer of ``B``.

    Parameters
    ----------
    A : ndarray of shape (n_layers_a, n_examples, n_features_a)
        E.g. the pooled hidden states of every layer from :func:`vizlab.extraction.run.embed_layers`.
    B : ndarray of shape (n_layers_b, n_examples, n_features_b), optional
        The same texts through another model (default: ``A`` itself).

    Returns
    -------
    ndarray of shape (n_layers_a, n_layers_b)
        ``M[i, j] = linear_cka(A[i], B[j])``.
    """
    A = _layers(A, "A")
    B = A if B is None else _layers(B, "B")
    if A.shape[1] != B.shape[1]:
        raise ValueError(f"A and B must hold the same examples: got {A.shape[1]} and {B.shape[1]}")
    gram = _use_gram(A.shape[1], A.shape[2], B.shape[2])
    ra = [_Rep(X, f"A[{i}]", gram) for i, X in enumerate(A)]
    rb = ra if B is A else [_Rep(Y, f"B[{j}]", gram) for j, Y in enumerate(B)]
    return np.array([[a.cka(b) for b in rb] for a in ra])


def cka_by_layer(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Linear CKA of each layer of ``A`` with the same layer of ``B`` (the diagonal of :func:`cka_matrix`).

    Parameters
    ----------
    A, B : ndarray of shape (n_layers, n_examples, n_features)
        The same texts through two models with the same number of layers (e.g. pretrained
        and fine-tuned).

    Returns
    -------
    ndarray of shape (n_layers,)
    """
    A, B = _layers(A, "A"), _layers(B, "B")
    if A.shape[:2] != B.shape[:2]:
        raise ValueError(f"A and B need the same layers and examples: got shapes {A.shape} and {B.shape}")
    return np.array([_pair(a, b, f"A[{i}]", f"B[{i}]") for i, (a, b) in enumerate(zip(A, B))])


def cka_by_layer_interval(A: np.ndarray, B: np.ndarray, *, n_boot: int = 200, level: float = 0.95,
                          random_state: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Percentile-bootstrap interval of :func:`cka_by_layer`, resampling the examples (the same rows of A and B).

    Parameters
    ----------
    A, B : ndarray of shape (n_layers, n_examples, n_features)

    Returns
    -------
    (lo, hi) : two ndarrays of shape (n_layers,)
    """
    A, B = _layers(A, "A"), _layers(B, "B")
    if A.shape[:2] != B.shape[:2]:
        raise ValueError(f"A and B need the same layers and examples: got shapes {A.shape} and {B.shape}")
    rng = np.random.default_rng(random_state)
    n = A.shape[1]
    draws = np.empty((n_boot, A.shape[0]))
    for b in range(n_boot):
        idx = rng.integers(0, n, size=n)
        draws[b] = [_pair(a[idx], c[idx], f"A[{i}]", f"B[{i}]") for i, (a, c) in enumerate(zip(A, B))]
    q = (1 - level) / 2
    return np.quantile(draws, q, axis=0), np.quantile(draws, 1 - q, axis=0)
