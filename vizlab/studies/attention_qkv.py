"""Study of the conceptual query/key/value diagram (section 'attention'): the shapes of one attention
block measured on MiniLM, and one query's real scores and weights."""

from __future__ import annotations

import numpy as np

from vizlab.studies import StudyContext, study
from vizlab.studies.attention import ERROR_BOUND, GRID_SENTENCE, qk_walkthrough

QKV_SENTENCE = "cats chase mice"
QKV_QUERY = "cats"


def qkv_diagram(lm, sentence: str = QKV_SENTENCE, *, query_token: str = QKV_QUERY) -> dict:
    """The numbers a conceptual query/key/value diagram is labelled with, measured on ``lm``.

    The head is the one of the Q·K walkthrough (the clearest "next token" head on
    :data:`GRID_SENTENCE`); on ``sentence`` it gives the shapes of every tensor of one attention block
    (measured, not read from the config) and the scores and weights of the row of ``query_token``.

    Returns
    -------
    dict
        ``tokens``, ``query`` (index), ``layer``, ``head`` (reader numbers), ``n_heads``, ``head_dim``,
        ``hidden``, ``shapes`` (name -> list of int: ``x``, ``w_q``, ``q``, ``k``, ``v``, ``scores``,
        ``weights``, ``z``, ``concat``, ``w_o``, ``output``), ``scores_row`` and ``weights_row``
        (n_tokens,), ``max_error`` (recomputed vs the model's attention).
    """
    from vizlab.studies.mechanics import attention_output

    head_of = qk_walkthrough(lm, GRID_SENTENCE)
    d = qk_walkthrough(lm, sentence, layer=head_of["layer"], head=head_of["head"], query_token=query_token)
    if query_token not in d["tokens"]:
        raise ValueError(f"{query_token!r} is not a token of {sentence!r} ({d['tokens']}); pick one of them")
    out = attention_output(lm, sentence, layer=d["layer"], head=d["head"])
    n, hd = d["q"].shape
    hidden = out["w_o"].shape[0]
    shapes = {"x": [n, hidden], "w_q": [hidden, hd], "q": list(d["q"].shape), "k": list(d["k"].shape),
              "v": list(out["v"].shape), "scores": list(d["scores"].shape), "weights": list(d["weights"].shape),
              "z": list(out["z"].shape), "concat": list(out["concat"].shape), "w_o": list(out["w_o"].shape),
              "output": list(out["rebuilt"].shape)}
    i = d["query"]
    return {"sentence": sentence, "tokens": d["tokens"], "query": i, "layer": d["layer"], "head": d["head"],
            "n_heads": d["n_heads"], "head_dim": int(hd), "hidden": int(hidden), "shapes": shapes,
            "scores_row": d["scores"][i], "weights_row": d["weights"][i],
            "max_error": float(np.abs(d["weights"] - d["reference"]).max())}


@study("attention_qkv_diagram",
    inputs={"models": ["minilm"], "data": f"sentence {QKV_SENTENCE!r}", "n": 1, "seed": None,
            "sentence": QKV_SENTENCE, "query": QKV_QUERY},
)
def _qkv_diagram(ctx: StudyContext) -> dict:
    d = qkv_diagram(ctx.model("minilm"))
    if not d.pop("max_error") < ERROR_BOUND:
        raise RuntimeError("recomputed attention differs from the model's: the diagram's numbers would be wrong")
    w = d["weights_row"]
    top = int(np.argmax(w))
    ctx.record("layer", d["layer"])
    ctx.record("head", d["head"])
    ctx.record("n_heads", d["n_heads"])
    ctx.record("head_dim", d["head_dim"])
    ctx.record("hidden", d["hidden"])
    ctx.record("shapes", d["shapes"])
    ctx.record("query_token", d["tokens"][d["query"]])
    ctx.record("top_key_token", d["tokens"][top])
    ctx.record("top_key_weight", round(float(w[top]), 3))
    ctx.record("weights_row", [round(float(x), 3) for x in w])
    ctx.record("scores_row", [round(float(x), 2) for x in d["scores_row"]])
    return d
