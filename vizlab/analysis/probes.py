"""Linear probes: how much of a label a frozen representation makes linearly readable."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["probe_folds", "probe_accuracy", "probe_layers", "probe_heldout", "probe_predictions",
           "probe_heldout_predictions"]


def _probe(C: float):
    """Standardise the features, then a multinomial logistic regression."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=2000))


def probe_folds(cv: int = 5, seed: int = 0):
    """The cross-validation folds of every probe: ``StratifiedKFold(cv, shuffle=True, random_state=seed)``.

    The folds depend only on the labels (and ``seed``), so baselines that use them (e.g.
    :func:`vizlab.analysis.topics.topic_baseline_oof`) are compared with the probes text by text.

    >>> probe_folds(3, seed=1)
    StratifiedKFold(n_splits=3, random_state=1, shuffle=True)
    """
    from sklearn.model_selection import StratifiedKFold

    return StratifiedKFold(n_splits=cv, shuffle=True, random_state=seed)


def _check_features(X, y) -> tuple[np.ndarray, np.ndarray]:
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim != 2 or len(X) != len(y):
        raise ValueError(f"X must be (n_samples, n_features) matching y: got {X.shape} and {y.shape}")
    return X, y


def _check_heldout(X_train, y_train, X_test, y_test=None) -> tuple[np.ndarray, ...]:
    X_train, X_test, y_train = np.asarray(X_train), np.asarray(X_test), np.asarray(y_train)
    if X_train.ndim != 2 or X_test.ndim != 2 or X_train.shape[1] != X_test.shape[1]:
        raise ValueError(f"X_train and X_test must be 2-D with the same features: got {X_train.shape} "
                         f"and {X_test.shape}")
    if len(X_train) != len(y_train):
        raise ValueError("X_train must have one label per row")
    if y_test is not None and len(X_test) != len(np.asarray(y_test)):
        raise ValueError("X_test must have one label per row")
    return X_train, y_train, X_test


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
    from sklearn.model_selection import cross_val_score

    X, y = _check_features(X, y)
    return cross_val_score(_probe(C), X, y, cv=probe_folds(cv, seed), scoring="accuracy")


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
    X_train, y_train, X_test = _check_heldout(X_train, y_train, X_test, y_test)
    return float(_probe(C).fit(X_train, y_train).score(X_test, np.asarray(y_test)))


def probe_predictions(X: np.ndarray, y, *, cv: int = 5, seed: int = 0, C: float = 1.0) -> np.ndarray:
    """Out-of-fold predictions of the probe: each text predicted by the probe fitted on the other folds.

    Same folds as :func:`probe_accuracy` (:func:`probe_folds`),
    so ``(probe_predictions(X, y) == y)`` is a 0/1 correctness per text whose mean is the pooled
    cross-validated accuracy, and two feature sets are compared text by text.

    Returns
    -------
    ndarray of shape (n_samples,)
    """
    from sklearn.model_selection import cross_val_predict

    X, y = _check_features(X, y)
    return cross_val_predict(_probe(C), X, y, cv=probe_folds(cv, seed))


def probe_heldout_predictions(X_train, y_train, X_test, *, C: float = 1.0) -> np.ndarray:
    """Predictions on ``X_test`` of a probe fitted on ``(X_train, y_train)`` (see :func:`probe_heldout`)."""
    X_train, y_train, X_test = _check_heldout(X_train, y_train, X_test)
    return _probe(C).fit(X_train, y_train).predict(X_test)
