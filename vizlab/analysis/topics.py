"""Topic as a confound of sentiment: the baselines a sentiment result is compared with.

The tweets' labels depend on their topic (:mod:`vizlab.datasets`), so a representation that only
recognised the topic would already look "sentiment-aware". These functions give, on arrays:

- :func:`topic_majority` — a classifier that knows only the topic: the most frequent training
  label of the text's topic (the overall majority for an unseen topic);
- :func:`topic_baseline_oof` — its out-of-fold predictions on the same stratified folds as
  :func:`vizlab.analysis.probes.probe_predictions`;
- :func:`neighbour_agreement` / :func:`same_topic_chance` / :func:`within_topic_neighbours` —
  k-nearest-neighbour label agreement, what the topic alone predicts for it, and the agreement
  when the neighbours must share the text's topic.

>>> topic_majority(["a", "a", "b"], ["neg", "neg", "pos"], ["b", "a", "c"]).tolist()
['pos', 'neg', 'neg']
"""

from __future__ import annotations

import numpy as np

from vizlab.analysis.probes import probe_folds

__all__ = ["topic_majority", "topic_baseline_oof", "neighbour_agreement", "same_topic_chance",
           "within_topic_neighbours", "label_table"]


def _majority(labels: np.ndarray) -> str:
    values, counts = np.unique(labels, return_counts=True)  # sorted values: ties go to the first
    return values[np.argmax(counts)]


def topic_majority(topic_train, y_train, topic_test) -> np.ndarray:
    """Predict for each test text the most frequent training label of its topic.

    Parameters
    ----------
    topic_train, y_train : array-like of shape (n_train,)
    topic_test : array-like of shape (n_test,)

    Returns
    -------
    ndarray of shape (n_test,)
        Ties between labels go to the first in sorted order; a topic absent from the training
        texts gets the overall majority label.
    """
    tt, yt = np.asarray(topic_train).astype(str), np.asarray(y_train)
    if tt.shape != yt.shape or tt.ndim != 1 or len(tt) == 0:
        raise ValueError(f"topic_train and y_train must be 1-D of the same non-zero length, got "
                         f"{tt.shape} and {yt.shape}")
    rule = {t: _majority(yt[tt == t]) for t in np.unique(tt)}
    default = _majority(yt)
    return np.array([rule.get(t, default) for t in np.asarray(topic_test).astype(str)], dtype=yt.dtype)


def topic_baseline_oof(topics, y, *, cv: int = 5, seed: int = 0) -> np.ndarray:
    """Out-of-fold predictions of :func:`topic_majority` on shuffled stratified folds of ``y``.

    The folds are the linear probes' (:func:`vizlab.analysis.probes.probe_folds` on ``y``), so the
    two are compared text by text.
    """
    topics, y = np.asarray(topics).astype(str), np.asarray(y)
    if topics.shape != y.shape:
        raise ValueError(f"topics and y must have the same length, got {topics.shape} and {y.shape}")
    pred = np.empty_like(y)
    for train, test in probe_folds(cv, seed).split(np.zeros(len(y)), y):
        pred[test] = topic_majority(topics[train], y[train], topics[test])
    return pred


def neighbour_agreement(neighbours: np.ndarray, y) -> np.ndarray:
    """Fraction of each text's neighbours that share its label.

    Parameters
    ----------
    neighbours : ndarray of int, shape (n, k)
        Indices of each text's k nearest neighbours, itself excluded.
    y : array-like of shape (n,)

    Returns
    -------
    ndarray of shape (n,)
    """
    idx, y = np.asarray(neighbours), np.asarray(y)
    if idx.ndim != 2 or len(idx) != len(y):
        raise ValueError(f"neighbours must be (n, k) with one row per label, got {idx.shape} for {len(y)} labels")
    if (idx == np.arange(len(y))[:, None]).any():
        raise ValueError("a text is its own neighbour: drop the first column of a k-NN that includes the query")
    return (y[idx] == y[:, None]).mean(axis=1)


def same_topic_chance(y, topics) -> np.ndarray:
    """Expected label agreement of each text with a random *other* text of its topic.

    ``(n(topic, label) - 1) / (n(topic) - 1)``: what the neighbour agreement would be if the
    representation knew the topic and nothing else (NaN for a topic with one text).
    """
    y, topics = np.asarray(y).astype(str), np.asarray(topics).astype(str)
    if y.shape != topics.shape:
        raise ValueError(f"y and topics must have the same length, got {y.shape} and {topics.shape}")
    pair = np.char.add(np.char.add(topics, "\x00"), y)
    _, t_inv, t_cnt = np.unique(topics, return_inverse=True, return_counts=True)
    _, p_inv, p_cnt = np.unique(pair, return_inverse=True, return_counts=True)
    n_t, n_p = t_cnt[t_inv].astype(float), p_cnt[p_inv].astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n_t > 1, (n_p - 1) / (n_t - 1), np.nan)


def within_topic_neighbours(X: np.ndarray, topics, *, k: int = 15, metric: str = "cosine") -> np.ndarray:
    """Each text's ``k`` nearest neighbours among the other texts of its own topic.

    Returns
    -------
    ndarray of int, shape (n, k)
        Indices into ``X``; texts of a topic with ``k`` texts or fewer get -1 (and should be left out).
    """
    from sklearn.neighbors import NearestNeighbors

    X, topics = np.asarray(X, dtype=float), np.asarray(topics).astype(str)
    if X.ndim != 2 or len(X) != len(topics):
        raise ValueError(f"X must be (n, d) with one topic per row, got {X.shape} and {topics.shape}")
    out = np.full((len(X), k), -1, dtype=int)
    for t in np.unique(topics):
        members = np.flatnonzero(topics == t)
        if len(members) <= k:
            continue
        nn = NearestNeighbors(n_neighbors=k + 1, metric=metric, algorithm="brute").fit(X[members])
        _, idx = nn.kneighbors(X[members])
        # drop the query itself (the first column, or wherever an exact duplicate put it)
        rows = [r[r != i][:k] for i, r in zip(range(len(members)), idx)]
        out[members] = members[np.array(rows)]
    return out


def label_table(y, topics, *, labels=None, topic_order=None) -> dict:
    """Share of each label within each topic, and each topic's count: ``{topic: {"n": .., label: share}}``."""
    y, topics = np.asarray(y).astype(str), np.asarray(topics).astype(str)
    labels = list(labels) if labels is not None else sorted(set(y.tolist()))
    order = [t for t in (topic_order or sorted(set(topics.tolist()))) if (topics == t).any()]
    table = {}
    for t in order:
        m = topics == t
        table[t] = {"n": int(m.sum()), **{lab: round(float((y[m] == lab).mean()), 3) for lab in labels}}
    return table
