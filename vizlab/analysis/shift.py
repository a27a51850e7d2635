"""How representations move between two models of the same texts (e.g. before and after fine-tuning).

- :func:`attention_change`: per layer x head, how different the attention maps are;
- :func:`embedding_shift`: both models' embeddings in one 2-D coordinate system, with class
  centroids, how far each centroid moved, and class separation (silhouette) before vs after.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from vizlab.numbering import head_number, layer_number

__all__ = ["attention_change", "most_changed_head", "embedding_shift", "EmbeddingShift"]


def _js_rows(P: np.ndarray, Q: np.ndarray) -> np.ndarray:
    """Jensen-Shannon divergence (base 2, in [0, 1]) between matching rows; shape P.shape[:-1]."""
    M = (P + Q) / 2

    def kl(a):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(a > 0, a * np.log2(a / M), 0.0).sum(-1)

    return np.clip((kl(P) + kl(Q)) / 2, 0.0, 1.0)


def _cosine_distance(P: np.ndarray, Q: np.ndarray) -> np.ndarray:
    """1 - cosine of the flattened maps; shape P.shape[:-2]."""
    p = P.reshape(*P.shape[:-2], -1)
    q = Q.reshape(*Q.shape[:-2], -1)
    cos = (p * q).sum(-1) / (np.linalg.norm(p, axis=-1) * np.linalg.norm(q, axis=-1))
    return 1.0 - np.clip(cos, -1.0, 1.0)


def attention_change(before: Sequence[np.ndarray], after: Sequence[np.ndarray], *,
                     metric: str = "jsd") -> np.ndarray:
    """How much each head's attention changed between two models, averaged over texts.

    Parameters
    ----------
    before, after : sequence of ndarray of shape (n_layers, n_heads, n_tokens, n_tokens)
        Attention maps of the same texts from the two models (``Activations.attentions``),
        one array per text; ``n_tokens`` may differ between texts but not between the models.
    metric : {"jsd", "cosine"}
        ``"jsd"``: Jensen-Shannon divergence (base 2) between each query's attention rows,
        averaged over a text's queries; ``"cosine"``: 1 - cosine similarity of the flattened
        maps. Both are 0 for identical maps; JSD is 1 for rows with disjoint support.

    Returns
    -------
    ndarray of shape (n_layers, n_heads)
        The change of each head, averaged over texts (each text counts once).
    """
    if metric not in ("jsd", "cosine"):
        raise ValueError(f"unknown metric {metric!r}; use 'jsd' or 'cosine'")
    if isinstance(before, np.ndarray) and before.ndim == 4:
        before, after = [before], [after]
    before, after = list(before), list(after)
    if not before or len(before) != len(after):
        raise ValueError(f"before and after must hold the same, non-zero number of texts: "
                         f"got {len(before)} and {len(after)}")
    total = None
    for i, (P, Q) in enumerate(zip(before, after)):
        P, Q = np.asarray(P, dtype=np.float64), np.asarray(Q, dtype=np.float64)
        if P.ndim != 4 or P.shape != Q.shape or P.shape[-1] != P.shape[-2]:
            raise ValueError(f"text {i}: attention maps must both be (n_layers, n_heads, n_tokens, n_tokens) "
                             f"of the same shape; got {P.shape} and {Q.shape}")
        d = _js_rows(P, Q).mean(-1) if metric == "jsd" else _cosine_distance(P, Q)
        if total is not None and d.shape != total.shape:
            raise ValueError(f"text {i} has {d.shape} layers x heads, the first text {total.shape}")
        total = d if total is None else total + d
    return total / len(before)


def most_changed_head(change: np.ndarray) -> tuple[int, int]:
    """``(layer, head)`` with the largest value of a (n_layers, n_heads) change matrix, ready for
    ``plot_head_change(change, highlight=...)``.

    Layers and heads are numbered as readers see them: layer 1 is the first block, head 1 the first
    head, hidden state 0 the embedding output; negative numbers count from the end.

    >>> most_changed_head(np.array([[0.1, 0.2], [0.9, 0.3]]))
    (2, 1)
    """
    change = np.asarray(change)
    if change.ndim != 2:
        raise ValueError(f"change must be (n_layers, n_heads), got shape {change.shape}")
    layer, head = np.unravel_index(int(np.argmax(change)), change.shape)
    return layer_number(layer), head_number(head)


@dataclass(frozen=True, eq=False)
class EmbeddingShift:
    """Two models' embeddings of the same texts in one 2-D coordinate system.

    Attributes
    ----------
    before, after : ndarray of shape (n_texts, 2)
        Coordinates of each text under the first and the second model.
    labels : ndarray of str, shape (n_texts,)
    classes : tuple of str
        The distinct labels, sorted; row ``k`` of the centroid arrays is ``classes[k]``.
    centroids_before, centroids_after : ndarray of shape (n_classes, 2)
        Mean coordinates of each class.
    centroid_shift : ndarray of shape (n_classes,)
        Distance each class centroid moved in the 2-D coordinates.
    silhouette_before, silhouette_after : float
        Silhouette score of the classes in the full embedding space (cosine distance):
        -1..1, higher = classes better separated.
    method : {"joint", "procrustes"}
    explained_variance : ndarray of shape (2,)
        Fraction of variance each axis explains (of the stacked embeddings for ``"joint"``,
        of the ``before`` embeddings for ``"procrustes"``).
    """

    before: np.ndarray
    after: np.ndarray
    labels: np.ndarray
    classes: tuple[str, ...]
    centroids_before: np.ndarray
    centroids_after: np.ndarray
    centroid_shift: np.ndarray
    silhouette_before: float
    silhouette_after: float
    method: str
    explained_variance: np.ndarray

    def to_frame(self) -> pd.DataFrame:
        """Long form: one row per (text, stage) with ``text_index, stage, x, y, label``."""
        n = len(self.labels)
        return pd.DataFrame({
            "text_index": np.tile(np.arange(n), 2),
            "stage": np.repeat(["before", "after"], n),
            "x": np.concatenate([self.before[:, 0], self.after[:, 0]]),
            "y": np.concatenate([self.before[:, 1], self.after[:, 1]]),
            "label": np.tile(self.labels, 2),
        })


def _pca(X: np.ndarray, k: int, random_state: int):
    from sklearn.decomposition import PCA

    return PCA(n_components=k, random_state=random_state).fit(X)


def _unit_spread(X: np.ndarray) -> np.ndarray:
    """Centre ``X`` and scale it to a root-mean-square distance of 1 from its mean."""
    Xc = X - X.mean(axis=0)
    rms = np.sqrt((Xc**2).sum(axis=1).mean())
    return Xc / rms if rms > 0 else Xc


def embedding_shift(before: np.ndarray, after: np.ndarray, labels, *, method: str = "joint",
                    normalize: bool = False, random_state: int = 0) -> EmbeddingShift:
    """Put the embeddings of the same texts from two models in one 2-D map and measure the shift.

    Parameters
    ----------
    before, after : ndarray of shape (n_texts, hidden)
        Embeddings of the same texts (same order) from the two models, same width.
    labels : array-like of shape (n_texts,)
        Class of each text (at least two classes).
    method : {"joint", "procrustes"}
        ``"joint"``: one PCA fitted on both sets stacked, so positions are directly comparable
        (a point that moves, moved in the shared space). ``"procrustes"``: a PCA of each set,
        then the ``after`` map rotated/reflected (no scaling) onto the ``before`` map; shows how
        the arrangement changed, whatever the overall drift.
    normalize : bool
        Centre each set and scale it to unit root-mean-square spread before projecting, so
        the map compares arrangements rather than overall position and size (fine-tuning
        often inflates the spread of the last layers).
    random_state : int
        Seed of the PCA solver.

    Returns
    -------
    EmbeddingShift
    """
    from scipy.linalg import orthogonal_procrustes
    from sklearn.metrics import silhouette_score

    before = np.asarray(before, dtype=np.float64)
    after = np.asarray(after, dtype=np.float64)
    labels = np.asarray(labels).astype(str)
    if before.ndim != 2 or before.shape != after.shape:
        raise ValueError(f"before and after must be (n_texts, hidden) of the same shape, "
                         f"got {before.shape} and {after.shape}")
    if len(labels) != len(before):
        raise ValueError(f"labels has {len(labels)} entries for {len(before)} texts")
    classes = tuple(sorted(set(labels.tolist())))
    if len(classes) < 2 or len(classes) >= len(labels):
        raise ValueError(f"need at least 2 classes and more texts than classes; got {len(classes)} "
                         f"classes for {len(labels)} texts")
    silhouettes = [float(silhouette_score(X, labels, metric="cosine")) for X in (before, after)]
    if normalize:
        before, after = _unit_spread(before), _unit_spread(after)
    if method == "joint":
        pca = _pca(np.vstack([before, after]), 2, random_state)
        xb, xa = pca.transform(before), pca.transform(after)
    elif method == "procrustes":
        pca = _pca(before, 2, random_state)
        xb = pca.transform(before)
        xa = _pca(after, 2, random_state).transform(after)
        R, _ = orthogonal_procrustes(xa, xb)
        xa = xa @ R
    else:
        raise ValueError(f"unknown method {method!r}; use 'joint' or 'procrustes'")
    cb = np.array([xb[labels == c].mean(0) for c in classes])
    ca = np.array([xa[labels == c].mean(0) for c in classes])
    return EmbeddingShift(
        before=xb, after=xa, labels=labels, classes=classes,
        centroids_before=cb, centroids_after=ca, centroid_shift=np.linalg.norm(ca - cb, axis=1),
        silhouette_before=silhouettes[0], silhouette_after=silhouettes[1],
        method=method, explained_variance=pca.explained_variance_ratio_,
    )
