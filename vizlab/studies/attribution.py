"""The attribution study: which tokens a classifier's prediction rests on, next to its attention.

Integrated gradients (and grad×input as a check) on the report's fine-tuned MiniLM for three
example sentences and :data:`N_ATTRIBUTION_TWEETS` held-out tweets, ranked against each layer's
[CLS] attention and the rollout (Kendall's τ); drawn by :mod:`vizlab.drawings.mechanics`. The
tweets' attributions take minutes: they are computed in parts and cached, keyed by this module's
code (and what it imports), so editing another study does not recompute them. :func:`attribution`
and :func:`attribution_model` are what ``vizlab attribute`` runs on any text.
"""

from __future__ import annotations

import functools

import numpy as np

from vizlab.studies import Step, StudyContext, study
from vizlab.studies.fine_tuning import DATA, FINETUNED, finetuned, split_data
from vizlab.studies.fine_tuning import INPUTS as FT_INPUTS

__all__ = ["ATTRIBUTION_SENTENCES", "N_ATTRIBUTION_TWEETS", "N_ATTRIBUTION_PARTS", "ATTRIBUTION_METHOD",
           "attribution_study", "attribution_tweets", "attribution_part", "attribution_table", "ATTRIBUTION_PARTS",
           "attribution_data", "attribution_model", "attribution", "sentiment_model_status"]

ATTRIBUTION_SENTENCES = (
    "The movie was not good, but the actors were brilliant.",
    "I hate waiting two hours for a delayed flight.",
    "thanks for the quick help, great service!",
)
N_ATTRIBUTION_TWEETS = 300
# The tweets' attributions are computed in parts (every N-th tweet), which a parallel build runs side by
# side; each part computes exactly what the whole would, so the numbers do not depend on the split.
N_ATTRIBUTION_PARTS = 4
ATTRIBUTION_METHOD = "integrated_gradients"


def attribution_study(lm, texts: list[str], *, only=None):
    """Per text: IG and grad×input attributions (predicted class), attention maps; τ table (n, layers + 1).

    ``only``: the positions of the texts to attribute (default: all). The attention maps are always
    extracted for all ``texts`` at once (cached), so a text's numbers do not depend on the split.

    Returns
    -------
    (ndarray, ndarray, list of (Attribution, Activations))
        τ rows, IG vs grad×input agreement per text, and each text's attribution and attention (its
        completeness: ``Attribution.relative_delta``, ``n_steps``, ``converged``).
    """
    from vizlab.analysis.attribution import attention_attribution_tau, kendall_tau
    from vizlab.analysis.rollout import rollout
    from vizlab.extraction.attribution import attribute
    from vizlab.extraction.run import extract

    acts = extract(lm, texts, attentions=True, hidden_states=False)
    rows, ref, attrs = [], [], []
    for i in range(len(texts)) if only is None else only:
        text, act = texts[i], acts[i]
        a = attribute(lm, text)
        g = attribute(lm, text, target=a.target_index, method="grad_x_input")
        if a.tokens != act.tokens:
            raise AssertionError(f"tokens differ between attribution and attention for {text!r}")
        rows.append(attention_attribution_tau(act.attentions, a.scores, special_mask=a.special_mask, query=0,
                                              extra={"rollout": rollout(act.attentions)}))
        keep = ~a.special_mask
        ref.append(kendall_tau(np.abs(a.scores[keep]), np.abs(g.scores[keep])))
        attrs.append((a, act))
    return np.array(rows), np.array(ref), attrs


def attribution_tweets() -> list[str]:
    """The held-out tweets whose attributions are compared with attention."""
    _, held = split_data()
    return list(held["text"][:N_ATTRIBUTION_TWEETS])


def attribution_part(ctx: StudyContext, part: int) -> dict[str, np.ndarray]:
    """τ rows (``"rows"``) and IG vs grad×input agreement (``"ref"``) of the tweets ``part``,
    ``part + N_ATTRIBUTION_PARTS``, ... (kept in the vizlab cache)."""
    from vizlab.cache import ArrayCache, cache_key
    from vizlab.provenance import code_version, package_versions

    texts = attribution_tweets()
    lm = finetuned(ctx).model
    key = cache_key("attribution-part", 2, code_version(__name__), package_versions(), lm.fingerprint, texts,
                    part, N_ATTRIBUTION_PARTS)

    def compute():
        rows, ref, attrs = attribution_study(lm, texts, only=range(part, len(texts), N_ATTRIBUTION_PARTS))
        return {"rows": rows, "ref": ref, "gap": np.array([a.relative_delta for a, _ in attrs]),
                "steps": np.array([a.n_steps for a, _ in attrs]), "converged": np.array([bool(a.converged)
                                                                                         for a, _ in attrs])}

    return ArrayCache("figure-tables").get_or_compute(key, compute)


def attribution_table(ctx: StudyContext, *, completeness: bool = False):
    """The τ table and IG vs grad×input agreement of all the tweets, assembled in tweet order; with
    ``completeness=True`` also a dict of per-tweet ``gap`` (relative), ``steps`` and ``converged``."""
    parts = [attribution_part(ctx, k) for k in range(N_ATTRIBUTION_PARTS)]
    keys = ("rows", "ref", "gap", "steps", "converged")
    n = sum(len(p["ref"]) for p in parts)
    out = {key: np.empty((n, *parts[0][key].shape[1:]), dtype=parts[0][key].dtype) for key in keys}
    for k, p in enumerate(parts):
        for key in keys:
            out[key][k::N_ATTRIBUTION_PARTS] = p[key]
    if completeness:
        return out["rows"], out["ref"], {key: out[key] for key in keys[2:]}
    return out["rows"], out["ref"]


def _attribution_step(ctx: StudyContext, part: int) -> None:
    attribution_part(ctx, part)


ATTRIBUTION_PARTS = tuple(Step(f"attribution part {k + 1}/{N_ATTRIBUTION_PARTS}",
                               functools.partial(_attribution_step, part=k), after=(FINETUNED.name,))
                          for k in range(N_ATTRIBUTION_PARTS))


def _finite(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def attribution_data(a, act=None) -> dict:
    """An :class:`~vizlab.extraction.attribution.Attribution` as data, with the [CLS] attention (last
    layer, mean of heads) and rollout of its text's activations ``act`` (a classifier's) as shares.

    Returns
    -------
    dict
        ``model``, ``text``, ``task``, ``method``, ``n_steps`` (used), ``target`` (class name, or the raw next
        token), ``target_display`` (as a reader sees it: ``␣Paris``), ``target_index``, ``target_probability``,
        ``delta`` (completeness gap), ``relative_delta`` (its share of the score difference; None when that is
        0), ``converged`` (within ``tolerance``; None for grad×input), ``baseline``; ``tokens`` (as shown),
        ``scores`` and ``special`` (bool), one per token, special tokens included; ``attention`` and
        ``rollout`` over the non-special tokens (None without ``act``).
    """
    d = {"model": a.model_name, "text": a.text, "task": a.task, "method": a.method, "n_steps": a.n_steps,
         "target": a.target, "target_display": a.target_display, "target_index": a.target_index,
         "target_probability": a.target_probability, "delta": float(a.delta), "baseline": a.baseline,
         "relative_delta": _finite(a.relative_delta), "converged": a.converged, "tolerance": a.tolerance,
         "tokens": a.display, "scores": a.scores, "special": a.special_mask, "attention": None, "rollout": None}
    if act is not None:
        from vizlab.analysis.rollout import rollout

        keep = ~a.special_mask
        att, rol = act.attentions[-1].mean(0)[0][keep], rollout(act.attentions)[0][keep]
        d["attention"], d["rollout"] = att / att.sum(), rol / rol.sum()
    return d


def _attention_ranking(d: dict, k: int = 3) -> list[dict]:
    """The ``k`` words the [CLS] gives most attention in an :func:`attribution_data` dict, with their
    shares and the number of words (``of``), so a text can say "second of 12"."""
    words = [t for t, sp in zip(d["tokens"], d["special"]) if not sp]
    order = np.argsort(-np.asarray(d["attention"]), kind="stable")[:k]
    return [{"token": words[i], "share": round(float(d["attention"][i]), 3), "rank": r + 1, "of": len(words)}
            for r, i in enumerate(order)]


@study("attribution_vs_attention", needs=(FINETUNED, *ATTRIBUTION_PARTS),
    inputs={**FT_INPUTS, "sentences": list(ATTRIBUTION_SENTENCES), "n_tweets": N_ATTRIBUTION_TWEETS,
            "method": "integrated_gradients, n_steps=50 doubled up to 800 until complete within 5 %"},
)
def _attribution_vs_attention(ctx: StudyContext) -> dict:
    from vizlab.analysis.attribution import rank_agreement
    from vizlab.extraction.attribution import TOLERANCE, default_baseline

    tweets = attribution_tweets()
    taus, ref, comp = attribution_table(ctx, completeness=True)
    summary = rank_agreement(taus)
    _, _, shown = attribution_study(finetuned(ctx).model, list(ATTRIBUTION_SENTENCES))
    n_layers = taus.shape[1] - 1
    mean = summary["mean"]
    ctx.record("n_tweets", len(tweets))
    ctx.record("tau_mean_by_layer", [round(float(x), 3) for x in mean[:n_layers]])
    ctx.record("tau_ci_by_layer", [[round(float(lo), 3), round(float(hi), 3)]
                                   for lo, hi in zip(summary["ci_low"][:n_layers], summary["ci_high"][:n_layers])])
    ctx.record("tau_rollout", round(float(mean[-1]), 3))
    ctx.record("tau_last_layer", round(float(mean[n_layers - 1]), 3))
    ctx.record("tau_best_layer", int(np.nanargmax(mean[:n_layers])) + 1)
    ctx.record("tau_max", round(float(np.nanmax(mean[:n_layers])), 3))
    ctx.record("share_positive_last_layer", round(float(summary["share_positive"][n_layers - 1]), 3))
    ctx.record("tau_ig_vs_grad_x_input", round(float(np.nanmean(ref)), 3))
    # completeness of every tweet's integrated gradients (steps doubled from 50 up to 800 until within 5 %)
    ctx.record("ig_baseline", default_baseline(finetuned(ctx).model))
    ctx.record("ig_tolerance", TOLERANCE)
    ctx.record("ig_converged_share", round(float(comp["converged"].mean()), 4))
    ctx.record("ig_n_not_converged", int((~comp["converged"]).sum()))
    ctx.record("ig_gap_median", round(float(np.median(comp["gap"])), 5))
    ctx.record("ig_gap_max", round(float(np.max(comp["gap"])), 5))
    ctx.record("ig_steps_median", int(np.median(comp["steps"])))
    ctx.record("ig_steps_max", int(np.max(comp["steps"])))
    examples = [attribution_data(a, act) for a, act in shown]
    ctx.record("examples", [{"text": a.text, "target": a.target, "top_token": a.display[int(np.argmax(
        np.where(a.special_mask, -np.inf, a.scores)))], "most_negative_token": a.display[int(np.argmin(
        np.where(a.special_mask, np.inf, a.scores)))], "delta": float(f"{a.delta:.2g}"),
        "attention_top": _attention_ranking(d)} for (a, _), d in zip(shown, examples)])
    return {"examples": examples, "n_layers": n_layers,
            "n_not_converged": int((~comp["converged"]).sum()),
            "n_texts": len(tweets), "tau_mean": mean, "tau_low": summary["ci_low"],
            "tau_high": summary["ci_high"], "reference": float(np.nanmean(ref))}


# ----------------------------------------------------------------------------------------- any text


DATA_TRAIN = DATA["n"] - DATA["n_eval"]  # the tweets it is trained on
SENTIMENT_TRAINING = ("`make figures` trains it, or `vizlab figures --only finetune_training_curves --force --out "
                      "<a scratch folder>` (about 3 minutes, once; the model is kept in the vizlab cache)")


def _trained_sentiment_model():
    """The report's fine-tuned MiniLM from the vizlab cache, or None when it is not trained yet."""
    from vizlab.extraction.finetune import NotTrainedError

    try:
        return finetuned(StudyContext(), train=False).model
    except NotTrainedError:
        return None


def sentiment_model_status() -> str:
    """One line for ``vizlab models``: whether ``vizlab attribute``'s default model is trained on this
    machine (looked up in the vizlab cache; nothing is trained)."""
    if _trained_sentiment_model() is not None:
        return "sentiment: trained, ready (in the vizlab cache)"
    return f"sentiment: not trained on this machine yet; {SENTIMENT_TRAINING}"


def attribution_model(name: str = "sentiment"):
    """The model ``vizlab attribute`` explains.

    ``"sentiment"``: the report's MiniLM fine-tuned on the sentiment tweets, as ``make figures`` trained
    and cached it (never trained here: a ``ValueError`` says how to train it); a preset or a folder:
    loaded with its classification head when its config names one.
    """
    from vizlab.extraction.models import load_model, preset_ready

    if name == "sentiment":
        lm = _trained_sentiment_model()
        if lm is None:
            gemma = "next token" if preset_ready("gemma-270m") else \
                "next token; converted once on first use, about 2 minutes"
            raise ValueError(
                f"the 'sentiment' model is the report's MiniLM fine-tuned on {DATA_TRAIN:,} English tweets, and "
                f"it is not trained on this machine yet: {SENTIMENT_TRAINING}. Or explain a model that needs "
                f"no training: --model gemma-270m ({gemma}) or a folder of your own classifier")
        return lm
    return load_model(name)  # a folder's classification head is read from its config


def attribution(lm, text: str, *, target=None, method: str = ATTRIBUTION_METHOD, n_steps: int = 50,
                baseline: str | None = None, max_steps: int | None = 800) -> dict:
    """Attribution of one score of ``text`` to its tokens (and, for a classifier, [CLS] attention and rollout).

    Parameters
    ----------
    lm : LoadedModel
        A classifier (a class's logit is explained) or a decoder (a next token's logit).
    target : str or int, optional
        Class name or index (default: the predicted class); for a decoder a token, or its id (a string
        of digits is read as an id).
    method : {"integrated_gradients", "grad_x_input"}
    n_steps : int
        Points of the integration path tried first (doubled up to 800 until complete within 5 %).
    baseline : str, optional
        :data:`vizlab.extraction.attribution.BASELINES`; default: the model's default baseline.
    max_steps : int or None
        The most steps the completeness check may double up to (None: ``n_steps`` only).

    Returns
    -------
    dict
        :func:`attribution_data`.
    """
    from vizlab.extraction.attribution import attribute, is_classifier

    classifier = is_classifier(lm)
    if isinstance(target, str) and target.isdigit() and not classifier:
        target = int(target)
    a = attribute(lm, text, target=target, method=method, n_steps=n_steps, baseline=baseline,
                  max_steps=max_steps)
    act = None
    if classifier:
        from vizlab.extraction.run import extract

        act = extract(lm, [text], attentions=True, hidden_states=False, cache=False)[0]
    return attribution_data(a, act)
