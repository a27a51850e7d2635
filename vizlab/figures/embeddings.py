"""Report figures of the 'embeddings' section."""

from __future__ import annotations

import matplotlib.pyplot as plt

from vizlab.analysis.similarity import cluster_order, cosine_similarity_matrix
from vizlab.figures.registry import FigureContext, register
from vizlab.plot.similarity import plot_similarity

# Hand-picked sentences: paraphrase pairs, opposites and unrelated topics (pt / en).
SIMILARITY_SENTENCES = {
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
}


@register(
    "embeddings_similarity",
    section="embeddings",
    caption_pt=(
        "Similaridade de cosseno entre os embeddings (média dos tokens da última camada do "
        "all-MiniLM-L6-v2) de 12 frases; a ordem vem de um agrupamento hierárquico, de modo que "
        "paráfrases formam blocos claros na diagonal."
    ),
    caption_en=(
        "Cosine similarity between the embeddings (mean of last-layer token vectors of "
        "all-MiniLM-L6-v2) of 12 sentences, ordered by hierarchical clustering so that "
        "paraphrases form bright blocks on the diagonal."
    ),
    inputs={"models": ["minilm"], "data": "12 hand-picked sentences", "n": 12, "seed": None},
)
def embeddings_similarity(ctx: FigureContext):
    from vizlab.extraction.run import embed

    sentences = SIMILARITY_SENTENCES[ctx.lang]
    X = embed(ctx.model("minilm"), sentences, pooling="mean")
    S = cosine_similarity_matrix(X)
    order = cluster_order(S)
    S_ord = S[order][:, order]
    labels = [sentences[i] for i in order]
    fig, ax = plt.subplots(figsize=(9.5, 8))
    plot_similarity(S_ord, labels=labels, ax=ax,
                    colorbar_label=ctx.t("similaridade de cosseno", "cosine similarity"))
    ax.set_title(ctx.t("Frases parecidas têm embeddings parecidos", "Similar sentences have similar embeddings"))
    pairs = {
        "paraphrase_movie": float(S[0, 1]),
        "opposite_movie": float(S[0, 2]),
        "unrelated_cat_rates": float(S[9, 11]),
    }
    for k, v in pairs.items():
        ctx.record(k, round(v, 3))
    return fig
