"""Linear probes: how much of a label a frozen representation makes linearly readable."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["probe_accuracy", "probe_layers", "probe_heldout", "probe_predictions", "probe_heldout_predictions"]


def _probe(C: float):
    """Standardise the features, then a multinomial logistic regression."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=2000))


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
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2 or len(X) != len(y):
        raise ValueError(f"X must be (n_samples, n_features) matching y: got {X.shape} and {y.shape}")
    clf = _probe(C)
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


def probe_heldout(X_train: np.ndarray, y_train, X_test: np.ndarray, y_test, *, C: float = 1.0) -> float:
    """Accuracy on ``(X_test, y_test)`` of a probe fitted on ``(X_train, y_train)``.

    The frozen-features baseline of fine-tuning: same training texts, same held-out texts.

    Parameters
    ----------
    X_train : ndarray of shape (n_train, n_features)
    X_test : ndarray of shape (n_test, n_features)

    Returns
    -------
    float
    """
    X_train, X_test = np.asarray(X_train), np.asarray(X_test)
    y_train, y_test = np.asarray(y_train), np.asarray(y_test)
    if X_train.ndim != 2 or X_test.ndim != 2 or X_train.shape[1] != X_test.shape[1]:
        raise ValueError(f"X_train and X_test must be 2-D with the same features: got {X_train.shape} "
                         f"and {X_test.shape}")
    if len(X_train) != len(y_train) or len(X_test) != len(y_test):
        raise ValueError("each X must have one label per row")
    return float(_probe(C).fit(X_train, y_train).score(X_test, y_test))


def probe_predictions(X: np.ndarray, y, *, cv: int = 5, seed: int = 0, C: float = 1.0) -> np.ndarray:
    """Out-of-fold predictions of the probe: each text predicted by the probe fitted on the other folds.

    Same folds as :func:`probe_accuracy` (``StratifiedKFold(cv, shuffle=True, random_state=seed)``),
    so ``(probe_predictions(X, y) == y)`` is a 0/1 correctness per text whose mean is the pooled
    cross-validated accuracy, and two feature sets are compared text by text.

    Returns
    -------
    ndarray of shape (n_samples,)
    """
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    X, y = np.asarray(X), np.asarray(y)
    if X.ndim != 2 or len(X) != len(y):
        raise ValueError(f"X must be (n_samples, n_features) matching y: got {X.shape} and {y.shape}")
    folds = StratifiedKFold(n_splits=cv, shuffle=True, random_state=seed)
    return cross_val_predict(_probe(C), X, y, cv=folds)


def probe_heldout_predictions(X_train, y_train, X_test, *, C: float = 1.0) -> np.ndarray:
    """Predictions on ``X_test`` of a probe fitted on ``(X_train, y_train)`` (see :func:`probe_heldout`)."""
    X_train, X_test = np.asarray(X_train), np.asarray(X_test)
    if X_train.ndim != 2 or X_test.ndim != 2 or X_train.shape[1] != X_test.shape[1]:
        raise ValueError(f"X_train and X_test must be 2-D with the same features: got {X_train.shape} "
                         f"and {X_test.shape}")
    if len(X_train) != len(np.asarray(y_train)):
        raise ValueError("X_train must have one label per row")
    return _probe(C).fit(X_train, np.asarray(y_train)).predict(X_test)
