"""Yardsticks of the 'fine_tuning' section: the same fine-tuning with other seeds, and the labels' noise.

A change after fine-tuning is "large" only next to a scale: here the spread between runs of the
same recipe that differ only by the seed (head initialisation, batch order, dropout). The report's
run (seed 0, :data:`vizlab.studies.fine_tuning.TRAINING`) is repeated with the seeds of
:data:`SEEDS`, each cached like it; accuracy, CKA and attention change are measured for every seed,
and between seeds. The tweets' annotator agreement (``confidence``) says how far label noise caps
the accuracy. Kept apart from :mod:`vizlab.studies.fine_tuning` so that the attribution study, which
imports that module, keeps its cache key.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from vizlab.analysis.intervals import bootstrap_ci, interval
from vizlab.studies import Step, StudyContext, study
from vizlab.studies.fine_tuning import FINETUNED, INPUTS, N_ATTENTION_TEXTS, TRAINING, finetuned, split_data

__all__ = ["SEEDS", "FINETUNED_SEEDS", "finetuned_seed", "seed_spread", "label_noise"]

# The same recipe with other seeds (head initialisation, batch order, dropout), to give the
# seed-to-seed spread; seed 0 is the report's run. Each is a step of its own, cached like it.
SEEDS = (0, 1, 2)


def finetuned_seed(ctx: StudyContext, seed: int, *, train: bool = True):
    """The fine-tuned MiniLM of :data:`TRAINING` with another ``seed`` (same data, same recipe)."""
    from vizlab.extraction.finetune import finetune

    data, held = split_data()
    return finetune(ctx.model("minilm"), data, eval_df=held, train=train, **{**TRAINING, "seed": int(seed)})


def _train_seed(ctx: StudyContext, seed: int) -> None:
    finetuned_seed(ctx, seed)


FINETUNED_SEEDS = tuple(Step(f"fine-tuned MiniLM, seed {s}", functools.partial(_train_seed, seed=s))
                        for s in SEEDS[1:])






def _pairs(n: int) -> list[tuple[int, int]]:
    return [(i, j) for i in range(n) for j in range(i + 1, n)]


def seed_spread(runs: list, train: pd.DataFrame, held: pd.DataFrame, *, n_attention_texts: int = N_ATTENTION_TEXTS,
                ) -> dict:
    """How much fine-tuning changes the model, measured against how much two seeds of it differ.

    Parameters
    ----------
    runs : list of FineTuneResult
        The same recipe with different seeds (the first is the report's run), on ``train``/``held``.

    Returns
    -------
    dict
        ``seeds``; ``accuracy`` (per seed, bootstrap interval over the held-out tweets) and
        ``accuracy_over_seeds`` (t interval over the seeds), ``eval_accuracy_per_epoch`` (per seed);
        ``cka_vs_pretrained`` (seed x hidden state: CKA of each fine-tuned model with the pretrained
        one) and ``cka_between_seeds`` (pair x hidden state: two fine-tuned models); the same for the
        attention change (``attention_vs_pretrained``, ``attention_between_seeds``: mean Jensen-Shannon
        divergence per layer over the first ``n_attention_texts`` held-out tweets); ``pairs``;
        ``correct`` (seed x tweet, 0/1) for :func:`label_noise`.
    """
    from vizlab.analysis.cka import cka_by_layer
    from vizlab.analysis.intervals import t_interval
    from vizlab.analysis.shift import attention_change as head_change
    from vizlab.extraction.run import embed_layers, extract

    texts = list(held["text"])
    y = held["label"].to_numpy()
    labels = np.asarray(runs[0].labels)
    correct = np.array([(labels[r.eval_predictions] == y) for r in runs], dtype=float)
    pre = embed_layers(runs[0].base, texts)
    layers = [embed_layers(r.model, texts) for r in runs]
    att_texts = texts[:n_attention_texts]
    att_pre = [a.attentions for a in extract(runs[0].base, att_texts, attentions=True, hidden_states=False)]
    atts = [[a.attentions for a in extract(r.model, att_texts, attentions=True, hidden_states=False)] for r in runs]
    pairs = _pairs(len(runs))
    jsd = lambda a, b: head_change(a, b, metric="jsd").mean(axis=1)  # noqa: E731  (per layer, mean of heads)
    return {
        "seeds": [int(r.params["seed"]) for r in runs],
        "n_eval": len(held), "n_train": len(train), "n_attention_texts": len(att_texts),
        "accuracy": [bootstrap_ci(c) for c in correct],
        "accuracy_over_seeds": t_interval(correct.mean(axis=1)),
        "eval_accuracy_per_epoch": [[float(x) for x in r.history.per_epoch()["eval_accuracy"]] for r in runs],
        "train_accuracy_per_epoch": [[float(x) for x in r.history.per_epoch()["train_accuracy"]] for r in runs],
        "cka_vs_pretrained": np.array([cka_by_layer(pre, h) for h in layers]),
        "cka_between_seeds": np.array([cka_by_layer(layers[i], layers[j]) for i, j in pairs]),
        "attention_vs_pretrained": np.array([jsd(att_pre, a) for a in atts]),
        "attention_between_seeds": np.array([jsd(atts[i], atts[j]) for i, j in pairs]),
        "pairs": [list(p) for p in pairs],
        "correct": correct,
    }


CONFIDENT = 1.0  # annotator agreement of the "unanimous" tweets


def label_noise(correct: np.ndarray, held: pd.DataFrame) -> dict:
    """Accuracy of each seed on the tweets whose annotators agreed fully and on the others.

    ``confidence`` is CrowdFlower's agreement of the annotators with the published label (1 =
    unanimous); some collections do not have it. A random annotator of a tweet agrees with its label
    with probability ``confidence``, so its mean is the accuracy a human rater reaches against these
    labels: a ceiling set by label noise (``human_agreement``).

    Returns
    -------
    dict
        ``groups`` (``unanimous``, ``split``, ``unknown``) -> ``n`` and ``accuracy`` (bootstrap
        interval of the seeds' mean correctness per tweet; None under 2 tweets) and ``per_seed``;
        ``unanimous_minus_split`` (bootstrap interval of the difference, tweets resampled within
        each group); ``human_agreement`` (bootstrap interval of the mean confidence); ``share_known``.
    """
    conf = held["confidence"].to_numpy(dtype=float)
    known = np.isfinite(conf)
    groups = {"unanimous": known & (conf >= CONFIDENT), "split": known & (conf < CONFIDENT), "unknown": ~known}
    mean_ok = correct.mean(axis=0)
    out = {name: {"n": int(m.sum()), "accuracy": bootstrap_ci(mean_ok[m]) if m.sum() >= 2 else None,
                  "per_seed": [float(c[m].mean()) for c in correct]} for name, m in groups.items()}
    rng = np.random.default_rng(0)
    a, b = mean_ok[groups["unanimous"]], mean_ok[groups["split"]]
    diffs = np.array([rng.choice(a, len(a)).mean() - rng.choice(b, len(b)).mean() for _ in range(2000)])
    lo, hi = np.quantile(diffs, [0.025, 0.975])
    return {"groups": out,
            "unanimous_minus_split": interval(a.mean() - b.mean(), lo, hi, n=len(a) + len(b),
                                              method="bootstrap within each group (2000 resamples)"),
            "human_agreement": bootstrap_ci(conf[known]), "share_known": float(known.mean()),
            "split_confidence_mean": float(conf[groups["split"]].mean())}


@study("finetune_seeds", needs=(FINETUNED, *FINETUNED_SEEDS),
    inputs={**INPUTS, "seeds": list(SEEDS), "n_attention_texts": N_ATTENTION_TEXTS,
            "interval": "t interval over the seeds; bootstrap over the 600 held-out tweets per seed"},
)
def _seeds(ctx: StudyContext) -> dict:
    train, held = split_data()
    runs = [finetuned(ctx)] + [finetuned_seed(ctx, s) for s in SEEDS[1:]]
    d = seed_spread(runs, train, held)
    noise = label_noise(d.pop("correct"), held)
    cka_pre, cka_seed = d["cka_vs_pretrained"], d["cka_between_seeds"]
    att_pre, att_seed = d["attention_vs_pretrained"], d["attention_between_seeds"]
    r4 = lambda a: [round(float(x), 4) for x in a]  # noqa: E731
    ctx.record("seeds", d["seeds"])
    ctx.record("accuracy_per_seed", [r["value"] for r in d["accuracy"]])
    ctx.record("accuracy_over_seeds", d["accuracy_over_seeds"])
    ctx.record("accuracy_range", round(max(r["value"] for r in d["accuracy"]) - min(r["value"] for r in d["accuracy"]), 4))
    ctx.record("eval_accuracy_per_epoch", [r4(x) for x in d["eval_accuracy_per_epoch"]])
    ctx.record("train_accuracy_per_epoch", [r4(x) for x in d["train_accuracy_per_epoch"]])
    ctx.record("cka_vs_pretrained_mean", r4(cka_pre.mean(0)))
    ctx.record("cka_vs_pretrained_min", r4(cka_pre.min(0)))
    ctx.record("cka_vs_pretrained_max", r4(cka_pre.max(0)))
    ctx.record("cka_between_seeds_mean", r4(cka_seed.mean(0)))
    ctx.record("cka_between_seeds_min", r4(cka_seed.min(0)))
    ctx.record("attention_vs_pretrained_mean", r4(att_pre.mean(0)))
    ctx.record("attention_vs_pretrained_min", r4(att_pre.min(0)))
    ctx.record("attention_vs_pretrained_max", r4(att_pre.max(0)))
    ctx.record("attention_between_seeds_mean", r4(att_seed.mean(0)))
    ctx.record("attention_between_seeds_max", r4(att_seed.max(0)))
    # how much of the change is the recipe and how much the seed: 1 - CKA, fine-tuned vs pretrained over two seeds
    ctx.record("last_layer_change_ratio", round(float((1 - cka_pre[:, -1].mean()) / (1 - cka_seed[:, -1].mean())), 2))
    ctx.record("label_noise", noise["groups"])
    ctx.record("unanimous_minus_split", noise["unanimous_minus_split"])
    ctx.record("human_agreement", noise["human_agreement"])
    ctx.record("share_with_confidence", round(noise["share_known"], 4))
    ctx.record("per_seed_train_seconds", [round(r.train_seconds, 1) for r in runs])
    return {**d, "label_noise": noise}
