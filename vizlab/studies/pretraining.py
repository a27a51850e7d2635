"""Studies of the 'pretraining' section: next-word prediction, fill-in-the-blank, the logit lens.

:func:`next_words` is public: the ``vizlab predict`` command computes its bars with it, the same
way the report figure does (and draws them with :func:`vizlab.drawings.pretraining.draw_next_words`).
"""

from __future__ import annotations

import numpy as np

from vizlab.analysis.lens import top_k_rows
from vizlab.analysis.softmax import softmax
from vizlab.studies import StudyContext, study
from vizlab.tokens import display_tokens

__all__ = ["next_words", "blank_scores", "lens_paths"]

DECODER = "gemma-270m"

# The report's own example first ("O gato está em cima do" -> "teclado" in the draft).
NEXT_WORD_PROMPTS = [
    ("O gato está em cima do", " teclado"),
    ("O Brasil é um país da América do", " Sul"),
    ("Ontem choveu muito, então levei meu", " guarda"),
    ("Eu gosto de tomar café com", " leite"),
]
TOP_K = 8

BLANKS = [
    ("Fui ao ___ para sacar dinheiro.", "banco"),
    ("O gato dormiu em cima do ___ do computador.", "teclado"),
]
BLANK_K = 6

LENS_PROMPT = "O Brasil é um país da América do"
# The path the last position takes across layers (found in the lens's top tokens).
LENS_PATH = (" southwest", " Norte", " Sul")


def _decoded(lm, ids) -> list[str]:
    """Each token id decoded on its own (``" muro"``); :func:`vizlab.tokens.display_tokens` shows them."""
    return [lm.decode([int(i)]) for i in ids]


def _shown(words) -> list[str]:
    return display_tokens(list(words), scheme="plain")


def _first_id(lm, text: str) -> int:
    return lm.token_ids(text, special=False)[0]


def next_words(lm, prompts, *, k: int = TOP_K, temperature: float = 1.0, expected=None) -> dict:
    """What a decoder predicts after each prompt: its ``k`` most probable next tokens.

    Parameters
    ----------
    lm : LoadedModel
        A decoder.
    prompts : list of str
    k : int
    temperature : float
        Softmax temperature.
    expected : list of (str or None), optional
        A continuation per prompt (e.g. ``" teclado"``) whose probability and rank (from 1, over
        the whole vocabulary; its first token) are kept.

    Returns
    -------
    dict
        ``prompts``, ``temperature``, ``ids`` (n, k) int64, ``words`` (n lists of k decoded tokens,
        e.g. ``" muro"``), ``probs`` (n, k), most probable first, and per prompt ``expected``,
        ``expected_prob`` and ``expected_rank`` (None where no continuation was given).
    """
    from vizlab.extraction.lm import next_token_logits

    if temperature <= 0:
        raise ValueError(f"the temperature must be positive, got {temperature}")
    prompts = list(prompts)
    P = softmax(next_token_logits(lm, prompts), temperature=temperature, axis=-1)
    ids, probs = top_k_rows(P, min(k, P.shape[-1]))
    expected = list(expected) if expected is not None else [None] * len(P)
    e_prob, e_rank = [], []
    for i, e in enumerate(expected):
        tok = _first_id(lm, e) if e is not None else None
        e_prob.append(None if e is None else float(P[i, tok]))
        e_rank.append(None if e is None else int((P[i] > P[i, tok]).sum()) + 1)
    return {"prompts": prompts, "temperature": float(temperature), "ids": ids,
            "words": [_decoded(lm, row) for row in ids], "probs": probs,
            "expected": expected, "expected_prob": e_prob, "expected_rank": e_rank}


@study("pretraining_next_word",
    inputs={"models": [DECODER], "data": "4 Portuguese prompts", "n": 4, "seed": None, "k": TOP_K},
)
def _next_word(ctx: StudyContext) -> dict:
    d = next_words(ctx.model(DECODER), [p for p, _ in NEXT_WORD_PROMPTS], k=TOP_K,
                   expected=[e for _, e in NEXT_WORD_PROMPTS])
    for i, (_, expected) in enumerate(NEXT_WORD_PROMPTS):
        key = expected.strip().lower()
        ctx.record(f"p_{key}", float(f"{d['expected_prob'][i]:.3g}"))
        ctx.record(f"rank_{key}", d["expected_rank"][i])
        ctx.record(f"top1_{i}", [_shown(d["words"][i])[0], round(float(d["probs"][i, 0]), 3)])
    return d


def blank_scores(lm, blanks, *, k: int = BLANK_K) -> list[dict]:
    """Fill each blank with a decoder: candidates scored from the left context and from the whole sentence.

    The candidates are the ``k`` words :func:`vizlab.extraction.lm.fill_blank` proposes, plus the
    expected word when it is not among them (``added``; then its rank as the next word after the
    text before the blank, over the whole vocabulary, is ``expected_rank``).

    Parameters
    ----------
    lm : LoadedModel
        A decoder.
    blanks : list of (str, str)
        ``(template with "___", expected word)``.
    k : int

    Returns
    -------
    list of dict
        Per blank: ``template``, ``expected``, ``prefix`` (the text before the blank),
        ``candidates``, ``left_probs`` and ``probs`` (normalised over the candidates), ``added``,
        ``expected_rank`` (or None).
    """
    from vizlab.extraction.lm import fill_blank

    out = []
    for template, expected in blanks:
        proposed = fill_blank(lm, template, k=k).candidates
        added = expected not in proposed
        fb = fill_blank(lm, template, candidates=proposed + ([expected] if added else []))
        prefix = template.split("___")[0].rstrip()
        rank = next_words(lm, [prefix], k=1, expected=[" " + expected])["expected_rank"][0] if added else None
        out.append({"template": template, "expected": expected, "prefix": prefix, "candidates": list(fb.candidates),
                    "left_probs": fb.left_probs, "probs": fb.probs, "added": added, "expected_rank": rank})
    return out


@study("pretraining_masked_word",
    inputs={"models": [DECODER], "data": "2 Portuguese sentences with a blank", "n": 2, "seed": None,
            "method": "decoder rescoring of next-word candidates"},
)
def _masked_word(ctx: StudyContext) -> dict:
    blanks = blank_scores(ctx.model(DECODER), BLANKS)
    for i, b in enumerate(blanks):
        expected, cands = b["expected"], b["candidates"]
        if b["added"]:
            ctx.record(f"blank{i}_rank_{expected}_next_word", b["expected_rank"])
        ctx.record(f"blank{i}_best_whole_sentence", cands[int(np.argmax(b["probs"]))])
        ctx.record(f"blank{i}_best_left_only", cands[int(np.argmax(b["left_probs"]))])
        ctx.record(f"blank{i}_p_{expected}", round(float(b["probs"][cands.index(expected)]), 3))
    return {"blanks": blanks}


def lens_paths(lm, prompt: str, path, *, k: int = 3) -> dict:
    """The logit lens of ``prompt`` (without ``<bos>``) and, at its last position, the probability of
    each token of ``path`` at every layer.

    Returns
    -------
    dict
        ``tokens`` (the prompt's tokens after ``<bos>``), ``layers`` (hidden-state index of each row),
        ``final_prob`` (layers, positions): probability each layer gives to the model's final
        prediction; ``top_words`` (layers lists of positions decoded tokens): the lens's most probable
        token; ``bold`` (it is already the final prediction); ``outline`` (a path token at the last
        position); ``path``; ``path_probs`` (len(path), layers); ``final_word``.
    """
    from vizlab.extraction.lm import lens_logits, logit_lens

    L = logit_lens(lm, prompt, k=k)
    keep = slice(1, None)  # drop <bos>: nothing to read there
    top_ids = L.top_ids[:, keep, 0]
    _, logits, _ = lens_logits(lm, prompt)
    P_last = softmax(logits[:, -1], axis=-1)
    path_ids = [_first_id(lm, w) for w in path]
    outline = np.zeros(top_ids.shape, bool)
    outline[:, -1] = np.isin(top_ids[:, -1], path_ids)
    return {"prompt": prompt, "tokens": list(L.tokens[keep]), "layers": [int(i) for i in L.layers],
            "final_prob": L.final_prob[:, keep], "top_ids": top_ids,
            "top_words": [_decoded(lm, row) for row in top_ids],
            "bold": top_ids == L.final_ids[keep][None, :], "outline": outline,
            "final_id": int(L.final_ids[-1]), "final_word": _decoded(lm, [L.final_ids[-1]])[0],
            "path": list(path), "path_ids": path_ids, "path_probs": P_last[:, path_ids].T}


@study("pretraining_logit_lens",
    inputs={"models": [DECODER], "data": "1 Portuguese prompt", "n": 1, "seed": None},
)
def _logit_lens(ctx: StudyContext) -> dict:
    d = lens_paths(ctx.model(DECODER), LENS_PROMPT, LENS_PATH)
    final, top_last = d["final_prob"][:, -1], d["top_ids"][:, -1]
    ctx.record("final_token", _shown([d["final_word"]])[0])
    ctx.record("final_prob", round(float(final[-1]), 3))
    ctx.record("first_layer_top1_final", int(np.argmax(top_last == d["final_id"])))
    ctx.record("first_layer_p_over_half", int(np.argmax(final > 0.5)) if (final > 0.5).any() else None)
    for w, pid, p in zip(d["path"], d["path_ids"], d["path_probs"]):
        key = w.strip().lower()
        ctx.record(f"path_{key}_top1_layers", [int(i) for i in np.flatnonzero(top_last == pid)])
        ctx.record(f"path_{key}_max_prob", round(float(p.max()), 3))
        ctx.record(f"path_{key}_max_layer", int(p.argmax()))
    return d
