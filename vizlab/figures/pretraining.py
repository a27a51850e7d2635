"""Report figures of the 'pretraining' section: next-word prediction, fill-in-the-blank, the logit lens."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from vizlab.analysis.lens import top_k_rows
from vizlab.analysis.softmax import softmax
from vizlab.figures.registry import FigureContext, register
from vizlab.plot.lens import plot_logit_lens
from vizlab.plot.prediction import plot_blank_scores, plot_topk_bars, show_token

DECODER = "gemma-270m"

# The report's own example first ("O gato está em cima do" -> "teclado" in the draft).
NEXT_WORD_PROMPTS = [
    ("O gato está em cima do", " teclado"),
    ("O Brasil é um país da América do", " Sul"),
    ("Ontem choveu muito, então levei meu", " guarda"),
    ("Eu gosto de tomar café com", " leite"),
]
TOP_K = 8


@register(
    "pretraining_next_word",
    section="pretraining",
    caption_pt=(
        "O objetivo do pré-treinamento: prever a próxima palavra. As barras são as 8 continuações "
        "mais prováveis (probabilidade do softmax sobre as 262 mil entradas do vocabulário) que o "
        "Gemma-3-270m dá a quatro começos de frase; '␣' marca o espaço que abre uma palavra. Em "
        "laranja, a palavra que uma pessoa esperaria, quando ela está entre as 8. Para o exemplo do "
        "texto, 'O gato está em cima do', este modelo pequeno prefere 'muro', 'pé' e 'carro'; "
        "'teclado' fica muito atrás (posição e probabilidade no manifesto)."
    ),
    caption_en=(
        "The pre-training objective: predict the next word. Bars are the 8 most probable "
        "continuations (softmax over the 262k-entry vocabulary) Gemma-3-270m gives to four sentence "
        "starts; '␣' marks the space that opens a word. In orange, the word a person would expect, "
        "when it is among the 8. For the report's example, 'O gato está em cima do', this small "
        "model prefers 'muro', 'pé' and 'carro'; 'teclado' is far behind (rank and probability in "
        "the manifest)."
    ),
    inputs={"models": [DECODER], "data": "4 Portuguese prompts", "n": 4, "seed": None, "k": TOP_K},
)
def pretraining_next_word(ctx: FigureContext):
    from vizlab.extraction.lm import next_token_logits

    lm = ctx.model(DECODER)
    P = softmax(next_token_logits(lm, [p for p, _ in NEXT_WORD_PROMPTS]), axis=-1)
    ids, probs = top_k_rows(P, TOP_K)
    fig, axes = plt.subplots(2, 2, figsize=(10, 6.4))
    for i, (ax, (prompt, expected)) in enumerate(zip(axes.flat, NEXT_WORD_PROMPTS)):
        labels = [show_token(lm.tokenizer.decode([int(j)])) for j in ids[i]]
        plot_topk_bars(probs[i], labels=labels, ax=ax, highlight=show_token(expected),
                       title=f"“{prompt} …”", xlabel=ctx.t("probabilidade", "probability"))
        tok = lm.tokenizer(expected, add_special_tokens=False)["input_ids"][0]
        key = expected.strip().lower()
        ctx.record(f"p_{key}", float(f"{P[i, tok]:.3g}"))
        ctx.record(f"rank_{key}", int((P[i] > P[i, tok]).sum()) + 1)
        ctx.record(f"top1_{i}", [labels[0], round(float(probs[i, 0]), 3)])
    fig.suptitle(ctx.t("Gemma-3-270m: as 8 próximas palavras mais prováveis",
                       "Gemma-3-270m: the 8 most probable next words"))
    fig.tight_layout()
    return fig


BLANKS = [
    ("Fui ao ___ para sacar dinheiro.", "banco"),
    ("O gato dormiu em cima do ___ do computador.", "teclado"),
]


@register(
    "pretraining_masked_word",
    section="pretraining",
    caption_pt=(
        "Preencher a lacuna usa as palavras dos dois lados. Nenhum dos modelos incluídos tem a "
        "cabeça de 'palavra mascarada' do BERT, então a lacuna é preenchida assim: os candidatos "
        "são as 6 palavras mais prováveis do Gemma-3-270m depois do texto antes da lacuna, mais a "
        "palavra esperada; cada um é posto na lacuna e a frase inteira é pontuada (soma dos "
        "log-probabilidades dos tokens). Cinza: probabilidade só com as palavras antes da lacuna "
        "(previsão da próxima palavra); azul: com a frase inteira, normalizada entre os candidatos. "
        "O final da frase ('para sacar dinheiro', 'do computador') muda a escolha."
    ),
    caption_en=(
        "Filling a blank uses the words on both sides. None of the shipped models has BERT's "
        "masked-word head, so the blank is filled like this: the candidates are Gemma-3-270m's 6 most "
        "probable words after the text before the blank, plus the expected word; each is put in the "
        "blank and the whole sentence is scored (sum of token log-probabilities). Grey: probability "
        "from the words before the blank only (next-word prediction); blue: using the whole "
        "sentence, normalised over the candidates. The end of the sentence changes the choice."
    ),
    inputs={"models": [DECODER], "data": "2 Portuguese sentences with a blank", "n": 2, "seed": None,
            "method": "decoder rescoring of next-word candidates"},
)
def pretraining_masked_word(ctx: FigureContext):
    from vizlab.extraction.lm import fill_blank

    lm = ctx.model(DECODER)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4))
    for i, (ax, (template, expected)) in enumerate(zip(axes, BLANKS)):
        proposed = fill_blank(lm, template, k=6).candidates
        cands = proposed + ([expected] if expected not in proposed else [])
        fb = fill_blank(lm, template, candidates=cands)
        plot_blank_scores(fb.left_probs, fb.probs, candidates=fb.candidates, ax=ax,
                          labels=(ctx.t("só palavras antes da lacuna", "words before the blank only"),
                                  ctx.t("frase inteira", "whole sentence")),
                          xlabel=ctx.t("probabilidade entre os candidatos", "probability among the candidates"),
                          title=f"“{template}”",
                          legend_kw={"loc": "upper center", "bbox_to_anchor": (0.5, -0.17), "ncol": 2,
                                     "frameon": False})
        best = fb.candidates[int(np.argmax(fb.probs))]
        ctx.record(f"blank{i}_best_whole_sentence", best)
        ctx.record(f"blank{i}_best_left_only", fb.candidates[int(np.argmax(fb.left_probs))])
        ctx.record(f"blank{i}_p_{expected}", round(float(fb.probs[fb.candidates.index(expected)]), 3))
    fig.suptitle(ctx.t("Preencher a lacuna: o contexto à direita muda a resposta (Gemma-3-270m)",
                       "Fill in the blank: the right-hand context changes the answer (Gemma-3-270m)"))
    fig.tight_layout()
    return fig


LENS_PROMPT = "O Brasil é um país da América do"


@register(
    "pretraining_logit_lens",
    section="pretraining",
    caption_pt=(
        "Lente de logits (logit lens) do Gemma-3-270m para 'O Brasil é um país da América do': o "
        "estado oculto de cada camada (linhas) em cada posição (colunas) é passado pela normalização "
        "final e pela matriz de desembedding, como se fosse a última camada. Cada célula mostra a "
        "próxima palavra mais provável e a cor, sua probabilidade; em negrito, quando coincide com a "
        "previsão final do modelo. Na camada 0 a lente devolve o próprio token de entrada (o Gemma usa "
        "a mesma matriz para embedding e desembedding); nas camadas intermediárias a leitura é ruído; "
        "a previsão ('Sul') se forma nas duas últimas camadas. A última linha reproduz exatamente a "
        "saída do modelo."
    ),
    caption_en=(
        "Logit lens of Gemma-3-270m for 'O Brasil é um país da América do' ('Brazil is a country of "
        "South ...'): each layer's hidden state (rows) at each position (columns) is passed through the "
        "final norm and the unembedding matrix as if it were the last layer. Each cell shows the most "
        "probable next token, coloured by its probability; bold where it equals the model's final "
        "prediction. At layer 0 the lens returns the input token itself (Gemma ties its embedding and "
        "unembedding matrices); middle layers read as noise; the prediction ('Sul') forms in the "
        "last two layers. The last row reproduces the model's own output exactly."
    ),
    inputs={"models": [DECODER], "data": "1 Portuguese prompt", "n": 1, "seed": None},
)
def pretraining_logit_lens(ctx: FigureContext):
    from vizlab.extraction.lm import logit_lens

    lm = ctx.model(DECODER)
    L = logit_lens(lm, LENS_PROMPT, k=3)
    keep = slice(1, None)  # drop <bos>: nothing to read there
    top = L.top_ids[:, keep, 0]
    fig, ax = plt.subplots(figsize=(10, 8.2))
    plot_logit_lens(L.top_probs[:, keep, 0], top_tokens=L.top_tokens[:, keep, 0],
                    input_tokens=[lm.tokenizer.decode([i]) for i in lm.tokenizer.convert_tokens_to_ids(L.tokens[keep])],
                    layers=L.layers, ax=ax, highlight=top == L.final_ids[keep][None, :],
                    colorbar_label=ctx.t("probabilidade da palavra mais provável", "probability of the top token"),
                    xlabel=ctx.t("posição de entrada (prevendo o token seguinte)",
                                 "input position (predicting the next token)"),
                    ylabel=ctx.t("camada (0 = embeddings, 18 = última)", "layer (0 = embeddings, 18 = last)"))
    ax.set_title(ctx.t("Lente de logits: como a previsão se forma ao longo das camadas",
                       "Logit lens: how the prediction forms across layers"))
    final = L.final_prob[:, -1]
    ctx.record("final_token", show_token(L.top_tokens[-1, -1, 0]))
    ctx.record("final_prob", round(float(final[-1]), 3))
    ctx.record("first_layer_top1_final", int(np.argmax(L.top_ids[:, -1, 0] == L.final_ids[-1])))
    ctx.record("first_layer_p_over_half", int(np.argmax(final > 0.5)) if (final > 0.5).any() else None)
    return fig
