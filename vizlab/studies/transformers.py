"""Studies of the 'transformers' section: the architecture with real shapes; softmax and temperature."""

from __future__ import annotations

import dataclasses

import numpy as np

from vizlab.analysis.softmax import entropy, softmax, top_k
from vizlab.studies import StudyContext, study

ARCH_BATCH = ["O gato está em cima do teclado.", "Bom dia!"]
PROMPT = "O gato está em cima do"
TEMPERATURES = (0.5, 1.0, 2.0)
TOP_K = 10
GENERATION_SEEDS = (0, 1)  # two samples per temperature, each with its own fixed seed
GENERATION_TOKENS = 12


def architecture(lm, texts=ARCH_BATCH) -> dict:
    """Sizes from the config and the shapes measured on one batch (``ArchitectureSummary`` as data)."""
    from vizlab.extraction.architecture import describe_architecture

    s = dataclasses.asdict(describe_architecture(lm, texts))
    s["shapes"] = {k: list(v) for k, v in s["shapes"].items()}
    return s


@study("transformers_architecture",
    inputs={"models": ["minilm", "gemma-270m"], "data": "a batch of 2 hand-picked sentences", "n": 2, "seed": None},
)
def _architecture(ctx: StudyContext) -> dict:
    data = {}
    for name in ("minilm", "gemma-270m"):
        s = architecture(ctx.model(name))
        key = name.replace("-", "_")
        ctx.record(f"{key}_n_params", s["n_params"])
        ctx.record(f"{key}_shapes", s["shapes"])
        data[key] = s
    return data


def softmax_temperature(lm, prompt: str, *, temperatures=TEMPERATURES, k: int = TOP_K) -> dict:
    """The ``k`` likeliest next tokens after ``prompt`` and their probabilities at each temperature.

    Returns ``logits`` (k,), ``probs`` (temperatures, k), ``tokens`` (raw vocabulary strings),
    ``words`` (decoded), ``top_mass`` (probability of the k tokens together) and ``entropy`` (nats,
    over the whole vocabulary) per temperature.
    """
    from vizlab.extraction.lm import next_token_logits

    z = next_token_logits(lm, [prompt])[0]
    idx = top_k(z, k)
    probs = np.stack([softmax(z, temperature=T) for T in temperatures])
    raw = lm.tokens(idx)
    return {
        "prompt": prompt,
        "temperatures": list(temperatures),
        "logits": z[idx],
        "probs": probs[:, idx],
        "tokens": list(raw),
        "words": [lm.decode([i]).strip() or tok for i, tok in zip(idx, raw)],
        "top_mass": np.array([p[idx].sum() for p in probs]),
        "entropy": entropy(probs),
    }


@study("transformers_softmax_temperature",
    inputs={"models": ["gemma-270m"], "data": f"prompt {PROMPT!r}", "n": 1, "seed": list(GENERATION_SEEDS),
            "temperatures": list(TEMPERATURES), "prompt": PROMPT, "top_k": TOP_K,
            "generation": f"sampling, {GENERATION_TOKENS} new tokens, no top-k/top-p"},
)
def _softmax_temperature(ctx: StudyContext) -> dict:
    d = softmax_temperature(ctx.model("gemma-270m"), PROMPT)
    ctx.record("prompt", PROMPT)
    ctx.record("top_tokens", d["words"])
    for T, p, h in zip(TEMPERATURES, d["probs"], d["entropy"]):
        ctx.record(f"T{T:g}_top1_prob", round(float(p[0]), 4))
        ctx.record(f"T{T:g}_entropy_nats", round(float(h), 3))
    d["samples"] = generations(ctx.model("gemma-270m"), PROMPT)
    ctx.record("samples", d["samples"])
    return d


def generations(lm, prompt: str, *, temperatures=TEMPERATURES, seeds=GENERATION_SEEDS,
                max_new_tokens: int = GENERATION_TOKENS) -> dict:
    """What ``lm`` writes after ``prompt`` at each temperature, one text per seed.

    Returns ``{"T0.5": [text_seed0, text_seed1, ...], ...}`` (continuations only, whitespace-trimmed).
    """
    from vizlab.extraction.sampling import sample_text

    return {f"T{T:g}": [" ".join(sample_text(lm, prompt, temperature=T, seed=s, max_new_tokens=max_new_tokens).split())
                        for s in seeds] for T in temperatures}
