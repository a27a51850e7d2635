"""Linear probes: how much of a label a frozen representation makes linearly readable."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["probe_accuracy", "probe_layers"]


def probe_accuracy(X: np.ndarray, y, *, cv: int = 5, seed: int = 0, C: float = 1.0) -> np.ndarray:
    """Cross-validated accuracy of a logistic-regression probe on features ``X``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    cv : int
        Stratified folds (shuffled with ``seed``).

    Returns
    -------
    ndarray of shape (cv,)
        The accuracy of each fold.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2 or len(X) != len(y):
        raise ValueError(f"X must be (n_samples, n_features) matching y: got {X.shape} and {y.shape}")
    clf = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=2000))
    folds = StratifiedKFold(n_splits=cv, shuffle=True, random_state=seed)
    return cross_val_score(clf, X, y, cv=folds, scoring="accuracy")


def probe_layers(H: np.ndarray, y, *, cv: int = 5, seed: int = 0, C: float = 1.0) -> pd.DataFrame:
    """Probe every layer of ``H``.

    Parameters
    ----------
    H : ndarray of shape (n_layers, n_samples, n_features)
        E.g. from :func:`vizlab.extraction.run.embed_layers`.

    Returns
    -------
    DataFrame with one row per (layer, fold): ``layer``, ``fold``, ``accuracy``.
    """
    H = np.asarray(H)
    if H.ndim != 3:
        raise ValueError(f"H must be (n_layers, n_samples, n_features), got shape {H.shape}")
    rows = []
    for layer, X in enumerate(H):
        for fold, acc in enumerate(probe_accuracy(X, y, cv=cv, seed=seed, C=C)):
            rows.append({"layer": layer, "fold": fold, "accuracy": float(acc)})
    return pd.DataFrame(rows)
