"""The attribution of generated text: what each token Gemma writes rests on, in the prompt and before it.

Gemma continues a Portuguese prompt by :data:`N_GENERATED` tokens (greedy), and each generated token's
logit is attributed to the prefix it was predicted from (integrated gradients, the single-target path
of :func:`vizlab.attribute`, one row per token); drawn by :mod:`vizlab.drawings.generation`, with an
offline page. :func:`generation_attribution` is what ``vizlab attribute --generate N`` runs.
"""

from __future__ import annotations

import numpy as np

from vizlab.studies import StudyContext, study

__all__ = ["GENERATION_PROMPT", "N_GENERATED", "GENERATION_STEPS", "MAX_GAP", "generation_attribution",
           "generation_data"]

DECODER = "gemma-270m"
GENERATION_PROMPT = "O Brasil é o maior país da"
N_GENERATED = 10
GENERATION_STEPS = 50  # points of the integration path per generated token
MAX_GAP = 0.05  # the completeness gap each row must stay within (relative to the logit difference)


def generation_data(g) -> dict:
    """A :class:`~vizlab.extraction.generation.GenerationAttribution` as source data.

    Returns
    -------
    dict
        ``model``, ``prompt``, ``method``, ``sampling``, ``tokens`` (all, as shown), ``n_prompt``,
        ``matrix`` (n_generated, n_tokens; NaN where causal), ``gaps`` (relative completeness gap per
        row), ``deltas``, ``target_scores``, ``baseline_scores``, ``probabilities``, ``n_steps``,
        ``special`` (bool per token), ``top`` (column of each row's largest source).
    """
    return {"model": g.model_name, "prompt": g.prompt, "method": g.method, "sampling": dict(g.sampling),
            "tokens": g.display, "n_prompt": g.n_prompt, "matrix": g.matrix, "gaps": g.relative_deltas,
            "deltas": g.deltas, "target_scores": g.target_scores, "baseline_scores": g.baseline_scores,
            "probabilities": g.probabilities, "n_steps": g.n_steps, "special": g.special_mask,
            "top": np.array(g.top_sources(), dtype=np.int64)}


def generation_attribution(lm, prompt: str, n: int, *, method: str = "integrated_gradients", n_steps: int = 50,
                           temperature: float | None = None, seed: int | None = None, **options) -> dict:
    """:func:`vizlab.attribute_generation` as source data (:func:`generation_data`); ``options``
    (``baseline``, ``max_steps``) go to it."""
    from vizlab.extraction.generation import attribute_generation

    return generation_data(attribute_generation(lm, prompt, n, method=method, n_steps=n_steps,
                                                temperature=temperature, seed=seed, **options))


@study("attribution_generation",
    inputs={"models": [DECODER], "data": "one Portuguese prompt written for the report", "n": None,
            "prompt": GENERATION_PROMPT, "n_generated": N_GENERATED, "decoding": "greedy",
            "method": "integrated_gradients", "n_steps": GENERATION_STEPS, "seed": None},
)
def _attribution_generation(ctx: StudyContext) -> dict:
    d = generation_attribution(ctx.model(DECODER), GENERATION_PROMPT, N_GENERATED, n_steps=GENERATION_STEPS)
    n_prompt, m, gaps = d["n_prompt"], d["matrix"], d["gaps"]
    gen = d["tokens"][n_prompt:]
    ctx.record("generated", "".join(gen).replace("␣", " "))
    ctx.record("n_generated", len(gen))
    ctx.record("max_gap", float(f"{float(np.max(gaps)):.3g}"))
    ctx.record("mean_gap", float(f"{float(np.mean(gaps)):.3g}"))
    ctx.record("rows_within_gap", int(np.sum(gaps <= MAX_GAP)))
    ctx.record("top_sources", [[g, d["tokens"][j]] for g, j in zip(gen, d["top"])])
    # share of each row's |attribution| that falls on the prompt (rows after the first; the first sees only it)
    absm = np.abs(np.nan_to_num(m))
    share = absm[:, :n_prompt].sum(1) / absm.sum(1)
    ctx.record("prompt_share_mean", round(float(np.mean(share[1:])), 3))
    ctx.record("prompt_share_min", round(float(np.min(share[1:])), 3))
    ctx.record("p_mean", round(float(np.mean(d["probabilities"])), 3))
    return d
