"""Transfer learning on arrays: how accuracy grows with the number of labelled examples."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["learning_curve", "default_probe", "curve_intervals", "curve_difference"]


def default_probe():
    """The linear probe used throughout: standardised features + logistic regression."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))


def learning_curve(
    X,
    y,
    *,
    sizes,
    seeds: int = 5,
    test_size: float | int = 0.3,
    model=None,
    random_state: int = 0,
) -> pd.DataFrame:
    """Held-out accuracy of a classifier trained on ``n`` labelled examples, for each ``n`` in ``sizes``.

    One stratified test set (fixed by ``random_state``) is held out; for every seed and size a
    stratified sample of the remaining pool is drawn and a fresh copy of ``model`` is fitted on
    it. The samples depend only on (seed, size, y), so two feature sets given the same ``y``
    are compared on exactly the same examples.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), or list of str
        Features, or raw texts when ``model`` is a text pipeline (e.g. TF-IDF + logistic regression).
    y : array-like of shape (n_samples,)
    sizes : list of int
        Training-set sizes (each at least the number of classes, at most the pool size).
    seeds : int
        Repetitions per size.
    test_size : float or int
        Held-out fraction or count.
    model : scikit-learn estimator, optional
        Cloned for every fit; default :func:`default_probe`.

    Returns
    -------
    DataFrame with one row per (size, seed): ``n_train``, ``seed``, ``accuracy``.
    """
    from sklearn.base import clone
    from sklearn.model_selection import train_test_split

    y = np.asarray(y)
    data = np.asarray(X) if not isinstance(X, list) else np.asarray(X, dtype=object)
    if len(data) != len(y):
        raise ValueError(f"X has {len(data)} rows but y has {len(y)} labels")
    n_classes = len(np.unique(y))
    if n_classes < 2:
        raise ValueError("y has a single class: nothing to learn")
    pool, test = train_test_split(np.arange(len(y)), test_size=test_size, stratify=y, random_state=random_state)
    sizes = sorted({int(s) for s in sizes})
    if not sizes or sizes[0] < n_classes or sizes[-1] > len(pool):
        raise ValueError(f"sizes must lie between {n_classes} (one per class) and the pool size {len(pool)}, got {sizes}")
    if not isinstance(seeds, int) or seeds < 1:
        raise ValueError(f"seeds must be a positive integer, got {seeds!r}")
    est = default_probe() if model is None else model
    rows = []
    for seed in range(seeds):
        for n in sizes:
            if n == len(pool):
                train = pool
            else:
                train, _ = train_test_split(pool, train_size=n, stratify=y[pool], random_state=1000 * seed + n)
            clf = clone(est).fit(_rows(data, train), y[train])
            acc = float((clf.predict(_rows(data, test)) == y[test]).mean())
            rows.append({"n_train": n, "seed": seed, "accuracy": acc})
    return pd.DataFrame(rows)


def _rows(data: np.ndarray, idx: np.ndarray):
    part = data[idx]
    return part.tolist() if part.dtype == object else part


def curve_intervals(df: pd.DataFrame, *, hue: str = "features", level: float = 0.95) -> pd.DataFrame:
    """Mean accuracy per (``hue``, ``n_train``) over the seeds of :func:`learning_curve`, with a t interval.

    The interval describes how the result varies with the draw of the training examples (the
    test set is fixed). Returns a frame with ``hue``, ``n_train``, ``value``, ``lo``, ``hi``.
    """
    from vizlab.analysis.intervals import t_interval

    rows = []
    for (key, n), g in df.groupby([hue, "n_train"], sort=False):
        r = t_interval(g["accuracy"].to_numpy(), level=level)
        rows.append({hue: key, "n_train": int(n), "value": r["value"], "lo": r["lo"], "hi": r["hi"]})
    return pd.DataFrame(rows)


def curve_difference(df: pd.DataFrame, a, b, *, hue: str = "features", level: float = 0.95) -> dict:
    """Per training size, ``accuracy(a) - accuracy(b)`` over the seeds, paired by seed, with a t interval.

    Two feature sets of :func:`learning_curve` given the same ``y`` are trained on the same examples
    for a given (seed, size), so the per-seed difference is a paired comparison.

    Returns
    -------
    dict n_train -> interval dict (:func:`vizlab.analysis.intervals.t_interval`).
    """
    from vizlab.analysis.intervals import t_interval

    wide = df.pivot_table(index=["n_train", "seed"], columns=hue, values="accuracy")
    for k in (a, b):
        if k not in wide.columns:
            raise ValueError(f"no {hue} {k!r}; there are {list(wide.columns)}")
    d = (wide[a] - wide[b]).rename("d").reset_index()
    return {int(n): t_interval(g["d"].to_numpy(), level=level) for n, g in d.groupby("n_train")}
