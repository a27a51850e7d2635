"""Report figures on the mechanics a reader of the Illustrated Transformer and the HF course expects.

Behind the pipeline, dynamic padding, where position comes from, attention to the end (V, weighted
sum, concatenation, W_O), encoder / decoder / encoder-decoder masks, and attribution next to
attention. Each builder is registered in one of the existing sections.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from vizlab.figures.fine_tuning import INPUTS as FT_INPUTS
from vizlab.figures.fine_tuning import LABELS_PT, TRAINING, finetuned, split_data
from vizlab.figures.registry import FigureContext, register
from vizlab.tokens import display_tokens

PIPELINE_TEXT = "I love this movie, but the ending was terrible!"


def _label_names(ctx: FigureContext, labels) -> list[str]:
    return [ctx.t(LABELS_PT.get(x, x), x) for x in labels]


# ----------------------------------------------------------------------------------------- pipeline


@register(
    "pipeline_steps",
    section="fine_tuning",
    caption_pt=(
        "O que `pipeline(\"text-classification\")` faz, passo a passo, com os números reais do MiniLM "
        "ajustado para sentimento: o texto bruto vira tokens (WordPiece) e ids (a linha de cada token no "
        "vocabulário); o modelo devolve o vetor final do [CLS], que o pooler transforma nos 384 valores "
        "lidos pela cabeça de classificação; a cabeça dá um logit por classe; a softmax transforma os "
        "logits em probabilidades, e o rótulo é a classe mais provável. As probabilidades são as mesmas "
        "que o pipeline do 🤗 Transformers devolve para o mesmo modelo e texto (diferença registrada no "
        "manifesto)."
    ),
    caption_en=(
        "What `pipeline(\"text-classification\")` does, step by step, with the real numbers of the MiniLM "
        "fine-tuned for sentiment: the raw text becomes tokens (WordPiece) and ids (each token's row in the "
        "vocabulary); the model returns the final [CLS] vector, which the pooler turns into the 384 values "
        "the classification head reads; the head gives one logit per class; the softmax turns the logits "
        "into probabilities, and the label is the most likely class. The probabilities are those the 🤗 "
        "Transformers pipeline returns for the same model and text (difference in the manifest)."
    ),
    inputs={**FT_INPUTS, "text": PIPELINE_TEXT},
)
def pipeline_steps(ctx: FigureContext):
    from vizlab.extraction.pipeline import classify_steps, pipeline_probabilities
    from vizlab.plot.pipeline import plot_classifier_pipeline

    lm = finetuned(ctx).model
    st = classify_steps(lm, PIPELINE_TEXT)
    ref = pipeline_probabilities(lm, PIPELINE_TEXT)
    diff = max(abs(ref[lab] - float(p)) for lab, p in zip(st.labels, st.probabilities))
    titles = None if ctx.lang == "en" else {
        "text": "1. texto bruto",
        "tokens": "2. tokens (tokenizador)   →   3. ids (linha no vocabulário)",
        "token_row": "token",
        "id_row": "id",
        "model": "4. modelo: {n_layers} camadas → vetor do [CLS]\n→ pooler ({hidden} valores)",
        "vector": "valor",
        "logits": "5. logits\n(cabeça linear: 3 × {hidden} pesos)",
        "probs": "6. softmax\np = eᶻ / Σ eᶻ",
        "label": "7. rótulo",
        "probability": "probabilidade",
        "logit": "logit",
        "check": "pipeline(\"text-classification\"):\nas mesmas probabilidades",
        "dims": "dimensão do vetor",
    }
    fig = plt.figure(figsize=(13, 7.4))
    plot_classifier_pipeline(st.logits, probabilities=st.probabilities, labels=st.labels,
                             label_names=_label_names(ctx, st.labels), text=st.text,
                             tokens=display_tokens(st.tokens), ids=st.input_ids,
                             vector=st.pooled if st.pooled is not None else st.cls_vector,
                             n_layers=st.n_layers, titles=titles, lang=ctx.lang, fig=fig)
    fig.suptitle(ctx.t("Por trás do pipeline de classificação: cada passo com seus números (MiniLM ajustado)",
                       "Behind the classification pipeline: every step with its numbers (fine-tuned MiniLM)"),
                 y=0.995)
    ctx.record("text", PIPELINE_TEXT)
    ctx.record("n_tokens", len(st.tokens))
    ctx.record("logits", {lab: round(float(z), 3) for lab, z in zip(st.labels, st.logits)})
    ctx.record("probabilities", {lab: round(float(p), 3) for lab, p in zip(st.labels, st.probabilities)})
    ctx.record("label", st.label)
    ctx.record("pipeline_max_abs_diff", float(f"{diff:.3g}"))
    ctx.record("head_max_abs_error", float(f"{st.head_max_error:.3g}"))
    return fig
