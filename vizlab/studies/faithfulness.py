"""The faithfulness study: which token ranking is faithful to the classifier, by ERASER's erasure tests.

For held-out tweets of the attribution study (every :data:`STRIDE`-th of its
:data:`~vizlab.studies.attribution.N_ATTRIBUTION_TWEETS`) and the report's fine-tuned MiniLM, five
rankings of each tweet's tokens — the [CLS] attention of the last layer (mean of heads), attention
rollout, integrated gradients, gradient × input and a random order — are scored by comprehensiveness
and sufficiency (:mod:`vizlab.analysis.faithfulness`), instead of taking one of them (integrated
gradients) as the truth. Drawn by :mod:`vizlab.drawings.mechanics`.

The gradients are computed here again (the attribution study keeps only its τ table) and cached in
the vizlab cache, keyed by this module's code; integrated gradients cost a few CPU-seconds a tweet, so
the tweets are a systematic quarter of the 300 to keep the cold build within its budget
(``STRIDE = 1`` takes all 300).
"""

from __future__ import annotations

import time

import numpy as np

from vizlab.analysis.faithfulness import FRACTIONS
from vizlab.studies import StudyContext, study
from vizlab.studies.attribution import attribution_tweets
from vizlab.studies.fine_tuning import FINETUNED, finetuned
from vizlab.studies.fine_tuning import INPUTS as FT_INPUTS

__all__ = ["METHODS", "N_RANDOM", "STRIDE", "faithfulness", "faithfulness_tweets", "tweet_gradients", "summary"]

METHODS = ("attention", "rollout", "integrated_gradients", "grad_x_input", "random")
N_RANDOM = 5  # random orders per tweet, averaged
STRIDE = 4  # every STRIDE-th tweet of the attribution study's 300
INTERVAL = "95% percentile bootstrap over the tweets (2000 resamples); paired for differences"


def faithfulness_tweets() -> list[str]:
    """The held-out tweets of the erasure tests: every :data:`STRIDE`-th tweet of the attribution study."""
    return attribution_tweets()[::STRIDE]


def tweet_gradients(lm, texts: list[str]) -> tuple[list[dict[str, np.ndarray]], list[np.ndarray]]:
    """Each text's integrated-gradients and gradient × input scores for its predicted class (one per
    token, special tokens included, as :func:`vizlab.attribute` gives them) and its special-token mask."""
    from vizlab.extraction.attribution import attribute

    scores, special = [], []
    for text in texts:
        a = attribute(lm, text)
        g = attribute(lm, text, target=a.target_index, method="grad_x_input")
        scores.append({"integrated_gradients": a.scores, "grad_x_input": g.scores})
        special.append(a.special_mask)
    return scores, special


def _cached_gradients(ctx: StudyContext, lm, texts: list[str]):
    """:func:`tweet_gradients` of ``texts``, kept in the vizlab cache."""
    from vizlab.cache import ArrayCache, cache_key
    from vizlab.provenance import code_version, package_versions

    key = cache_key("faithfulness-gradients", 1, code_version("vizlab.extraction.attribution"), package_versions(),
                    lm.fingerprint, texts)

    def compute():
        scores, special = tweet_gradients(lm, texts)
        return {"ig": np.concatenate([s["integrated_gradients"] for s in scores]),
                "grad_x_input": np.concatenate([s["grad_x_input"] for s in scores]),
                "special": np.concatenate(special), "n_tokens": np.array([len(s) for s in special])}

    z = ArrayCache("figure-tables").get_or_compute(key, compute)
    ends = np.cumsum(z["n_tokens"])
    spans = list(zip(ends - z["n_tokens"], ends))
    return ([{"integrated_gradients": z["ig"][a:b], "grad_x_input": z["grad_x_input"][a:b]} for a, b in spans],
            [z["special"][a:b].astype(bool) for a, b in spans])


def faithfulness(lm, texts: list[str], gradients: list[dict], special: list, *, fractions=FRACTIONS,
                 n_random: int = N_RANDOM, random_state: int = 0) -> dict:
    """Comprehensiveness and sufficiency of every ranking of :data:`METHODS` on each text.

    Parameters
    ----------
    lm : LoadedModel
        The classifier the gradients explain.
    texts : list of str
    gradients : list of dict
        Per text, ``{"integrated_gradients": scores, "grad_x_input": scores}`` (signed, towards the
        predicted class; one per token, special tokens included), e.g. from :func:`tweet_gradients`.
    special : list of ndarray of bool
        Per text, its special tokens (never ranked nor erased).
    fractions : tuple of float
        The k of the top-k % (ERASER's AOPC averages over them).
    n_random : int
        Random orders per text; the random baseline is their average.

    Returns
    -------
    dict
        ``methods``, ``fractions``; ``comprehensiveness`` and ``sufficiency``: method -> ndarray of
        shape (n_texts, n_fractions) of probability drops; ``p_full`` (the predicted class's
        probability on each whole text), ``predicted`` (its index), ``n_tokens`` (non-special tokens
        per text).
    """
    from vizlab.analysis.faithfulness import erased_ids, top_tokens
    from vizlab.analysis.rollout import rollout
    from vizlab.extraction.erasure import class_probabilities, token_ids
    from vizlab.extraction.run import extract

    acts = extract(lm, texts, attentions=True, hidden_states=False)
    ids = [token_ids(lm, t) for t in texts]
    rankings = []  # per text: method -> list of score vectors (several for random)
    for i, (act, g, sp) in enumerate(zip(acts, gradients, special)):
        n = len(ids[i])
        if not (act.n_tokens == n == len(sp) == len(g["integrated_gradients"])):
            raise AssertionError(f"text {i}: tokens differ between the attribution, the attention and the ids")
        rng = np.random.default_rng([random_state, i])
        rankings.append({"attention": [act.attentions[-1].mean(0)[0]], "rollout": [rollout(act.attentions)[0]],
                         "integrated_gradients": [g["integrated_gradients"]], "grad_x_input": [g["grad_x_input"]],
                         "random": [rng.random(n) for _ in range(n_random)]})
    seqs, where = list(ids), []
    for i, r in enumerate(rankings):
        for m in METHODS:
            for d, s in enumerate(r[m]):
                for f, frac in enumerate(fractions):
                    without, only = erased_ids(ids[i], top_tokens(s, special_mask=special[i], fraction=frac))
                    where.append((i, m, d, f))
                    seqs += [without, only]
    probs = class_probabilities(lm, seqs)
    full = probs[: len(texts)]
    pred = full.argmax(1)
    p_full = full[np.arange(len(texts)), pred]
    shape = (len(texts), len(fractions))
    drop = {kind: {m: np.zeros(shape) for m in METHODS} for kind in ("comprehensiveness", "sufficiency")}
    for j, (i, m, _, f) in enumerate(where):
        w = 1.0 / len(rankings[i][m])
        p_without, p_only = probs[len(texts) + 2 * j, pred[i]], probs[len(texts) + 2 * j + 1, pred[i]]
        drop["comprehensiveness"][m][i, f] += w * (p_full[i] - p_without)
        drop["sufficiency"][m][i, f] += w * (p_full[i] - p_only)
    return {"methods": list(METHODS), "fractions": list(fractions), **drop, "p_full": p_full, "predicted": pred,
            "n_tokens": np.array([int((~s).sum()) for s in special])}


def summary(d: dict) -> dict:
    """AOPC per text and its intervals: ``aopc`` (kind -> method -> bootstrap interval), ``per_fraction``
    (kind -> method -> mean per fraction), ``differences`` (kind -> ``"<a>_minus_<b>"`` -> paired
    interval) for integrated gradients against every other method and every method against random."""
    from vizlab.analysis.intervals import bootstrap_ci, paired_bootstrap_diff

    out = {"aopc": {}, "per_fraction": {}, "differences": {}}
    for kind in ("comprehensiveness", "sufficiency"):
        per_text = {m: d[kind][m].mean(axis=1) for m in METHODS}  # AOPC: the mean over the fractions
        out["aopc"][kind] = {m: bootstrap_ci(v) for m, v in per_text.items()}
        out["per_fraction"][kind] = {m: [float(x) for x in d[kind][m].mean(0)] for m in METHODS}
        pairs = [("integrated_gradients", m) for m in METHODS if m != "integrated_gradients"]
        pairs += [(m, "random") for m in METHODS if m not in ("random", "integrated_gradients")]
        out["differences"][kind] = {f"{a}_minus_{b}": paired_bootstrap_diff(per_text[a], per_text[b])
                                    for a, b in pairs}
    return out


@study("attribution_faithfulness", needs=(FINETUNED,),
    inputs={**FT_INPUTS, "tweets": "every 4th of the attribution study's 300 held-out tweets", "methods": list(METHODS), "fractions": list(FRACTIONS),
            "n_random": N_RANDOM, "erasure": "tokens deleted from the input ([CLS]/[SEP] kept), as in ERASER",
            "interval": INTERVAL},
)
def _faithfulness(ctx: StudyContext) -> dict:
    texts = faithfulness_tweets()
    lm = finetuned(ctx).model
    t0 = time.perf_counter()
    gradients, special = _cached_gradients(ctx, lm, texts)
    t1 = time.perf_counter()
    d = faithfulness(lm, texts, gradients, special)
    seconds = time.perf_counter() - t1
    s = summary(d)
    ctx.record("interval", INTERVAL)
    ctx.record("n_tweets", len(texts))
    ctx.record("fractions", list(FRACTIONS))
    for kind in ("comprehensiveness", "sufficiency"):
        ctx.record(kind, s["aopc"][kind])
        ctx.record(f"{kind}_differences", s["differences"][kind])
    ctx.record("gradients_seconds", round(t1 - t0, 1))
    ctx.record("erasure_seconds", round(seconds, 1))
    return {"methods": list(METHODS), "fractions": list(FRACTIONS), "n_tweets": len(texts),
            "aopc": s["aopc"], "per_fraction": s["per_fraction"], "differences": s["differences"],
            "mean_p_full": float(d["p_full"].mean())}
