"""Language-model outputs: next-token distributions, fill-in-the-blank scores, the logit lens.

- :func:`next_token_logits`: what a decoder predicts after a prompt (the pre-training objective);
- :func:`token_logprobs` / :func:`fill_blank`: fill a blank in a sentence using the words on
  *both* sides, with a decoder (rescoring candidates on the whole sentence) or with a real
  masked-language model (``AutoModelForMaskedLM``) when one is supplied;
- :func:`logit_lens`: every layer's hidden state read through the final norm and the
  unembedding (:mod:`vizlab.analysis.lens` holds the container and the math).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import torch

from vizlab.analysis.lens import LogitLens, lens_from_logits, log_softmax
from vizlab.analysis.softmax import softmax
from vizlab.extraction.batching import validate_texts
from vizlab.extraction.forward import encode, no_grad, run
from vizlab.extraction.hooks import hook_points
from vizlab.extraction.models import LoadedModel

__all__ = [
    "next_token_logits", "token_logprobs", "fill_blank", "FillBlank", "lens_logits", "logit_lens",
    "is_masked_lm",
]


def _require_lm_head(lm: LoadedModel) -> None:
    if lm.kind != "decoder" or not hasattr(lm.model, "get_output_embeddings") or lm.model.get_output_embeddings() is None:
        raise ValueError(
            f"{lm.name!r} has no language-model head (it is {'an' if lm.kind[:1] in 'aeiou' else 'a'} {lm.kind}); "
            "next-token prediction needs a decoder such as the 'gemma-270m' preset"
        )


def next_token_logits(lm: LoadedModel, prompts) -> np.ndarray:
    """The model's logits for the token that follows each prompt.

    Parameters
    ----------
    lm : LoadedModel
        A decoder (causal LM).
    prompts : str or list of str

    Returns
    -------
    ndarray of shape (n_prompts, vocab_size), float32
        Exactly what the model's own forward pass gives at the last position (including any
        logit soft-capping the model applies); ``softmax`` of a row is the next-token
        distribution.
    """
    _require_lm_head(lm)
    prompts = validate_texts(prompts)
    keep = {"logits_to_keep": 1} if _accepts_keep(lm) else {}
    rows = []
    for p in prompts:  # one at a time: no padding, exact
        out, _ = run(lm, p, **keep)
        rows.append(out.logits[0, -1].float().cpu().numpy())
    return np.stack(rows)


def _accepts_keep(lm: LoadedModel) -> bool:
    import inspect

    return "logits_to_keep" in inspect.signature(lm.model.forward).parameters


# --------------------------------------------------------------------------- fill in the blank


def is_masked_lm(lm: LoadedModel) -> bool:
    """True for an encoder with a masked-LM head (e.g. ``AutoModelForMaskedLM`` + a [MASK] token)."""
    head = lm.model.get_output_embeddings() if hasattr(lm.model, "get_output_embeddings") else None
    return lm.kind == "encoder" and head is not None and getattr(lm.tokenizer, "mask_token", None) is not None


def token_logprobs(lm: LoadedModel, text: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Log-probability a decoder gives to each token of ``text`` given the tokens before it.

    Returns
    -------
    tokens : list of str, length n_tokens
    logprobs : ndarray of float64, shape (n_tokens,)
        ``log p(token_t | tokens_<t)``; NaN for the first token (nothing predicts it).
    offsets : ndarray of int, shape (n_tokens, 2)
        Character span of each token in ``text`` ((0, 0) for special tokens).
    """
    _require_lm_head(lm)
    (text,) = validate_texts([text])
    enc = encode(lm, text, offsets=True)
    offsets = enc["offset_mapping"][0].numpy()
    out, _ = run(lm, enc)
    logits = out.logits[0].float().cpu().numpy()
    ids = enc["input_ids"][0].cpu().numpy()
    lp = np.full(len(ids), np.nan)
    if len(ids) > 1:
        lp[1:] = np.take_along_axis(log_softmax(logits[:-1]), ids[1:, None], -1)[:, 0]
    return lm.tokens(ids), lp, offsets


@dataclasses.dataclass(frozen=True, eq=False)
class FillBlank:
    """Candidates for the blank in a sentence and how well each fits.

    Attributes
    ----------
    template : str
        The sentence with its blank (e.g. ``"Fui ao ___ sacar dinheiro."``).
    candidates : list of str
    scores : ndarray of float64, shape (n_candidates,)
        Log-score of each candidate using the whole sentence: the log-probability of the
        complete sentence (decoder) or of the candidate's tokens at the masked positions
        (masked LM).
    left_logprob : ndarray of float64, shape (n_candidates,) or None
        Decoder only: ``log p(candidate | words before the blank)``, what next-word
        prediction alone would say.
    method : {"decoder-rescoring", "masked-lm"}
    model_name : str
    """

    template: str
    candidates: list
    scores: np.ndarray
    left_logprob: np.ndarray | None
    method: str
    model_name: str = ""

    @property
    def probs(self) -> np.ndarray:
        """Probability of each candidate given the whole sentence, normalised over the candidates."""
        return softmax(self.scores)

    @property
    def left_probs(self) -> np.ndarray | None:
        """Probability of each candidate from the words before the blank only, over the candidates."""
        return None if self.left_logprob is None else softmax(self.left_logprob)


def _word_candidates(lm: LoadedModel, logits: np.ndarray, k: int, pool: int, *, skip_prefix: str = "") -> list[str]:
    order = np.argsort(-logits, kind="stable")[:pool]
    words, seen = [], set()
    for i in order:
        (piece,) = lm.tokens([i])
        if skip_prefix and piece.startswith(skip_prefix):
            continue
        w = lm.decode([i]).strip()
        if w.isalpha() and w.lower() not in seen:
            seen.add(w.lower())
            words.append(w)
        if len(words) == k:
            break
    if len(words) < 2:
        raise ValueError("the model's top predictions at the blank are not words; pass candidates=[...] yourself")
    return words


def _complete_word(lm: LoadedModel, prefix: str, word: str, max_pieces: int = 3) -> str:
    """Extend a word-start token greedily while the decoder's top next token continues the word."""
    for _ in range(max_pieces):
        nxt = lm.decode([np.argmax(next_token_logits(lm, prefix + word)[0])])
        if not (nxt.isalpha() and nxt == nxt.lstrip()):
            break
        word += nxt
    return word


def _check_candidates(candidates) -> list[str]:
    if isinstance(candidates, str) or not hasattr(candidates, "__iter__"):
        raise TypeError("candidates must be a list of strings")
    out = list(candidates)
    if not out or any(not isinstance(c, str) or not c.strip() for c in out):
        raise ValueError("candidates must be a non-empty list of non-blank strings")
    if len(set(out)) != len(out):
        raise ValueError("candidates contain duplicates")
    return out


def fill_blank(
    lm: LoadedModel, template: str, *, candidates=None, k: int = 8, blank: str = "___", pool: int = 100
) -> FillBlank:
    """Rank words for the blank in ``template`` using the context on both sides.

    With a decoder (no masked-LM head, e.g. the ``gemma-270m`` preset) each candidate is put in
    the blank and the *whole sentence* is scored (sum of token log-probabilities), so the words
    after the blank count too. Without ``candidates``, they are the ``k`` most probable
    next words after the text before the blank. With a masked LM (an encoder whose model has
    an MLM head, e.g. ``wrap_model(AutoModelForMaskedLM.from_pretrained(path), tokenizer)``)
    the blank becomes ``[MASK]`` tokens and a candidate's score is the log-probability of its
    tokens at those positions.

    Parameters
    ----------
    template : str
        A sentence with exactly one ``blank``.
    candidates : list of str, optional
    k : int
        Number of candidates to propose when ``candidates`` is None.
    pool : int
        How many top tokens to look through for ``k`` whole words.

    Returns
    -------
    FillBlank
    """
    if not isinstance(template, str):
        raise TypeError(f"template must be a str, got {type(template).__name__}")
    if template.count(blank) != 1:
        raise ValueError(f"template must contain the blank {blank!r} exactly once: {template!r}")
    prefix, suffix = template.split(blank)
    if is_masked_lm(lm):
        return _fill_masked(lm, template, prefix, suffix, candidates, k, pool)
    _require_lm_head(lm)
    if not prefix.strip():
        raise ValueError("a decoder needs some words before the blank to propose candidates")
    if candidates is None:
        start = prefix.rstrip()
        words = _word_candidates(lm, next_token_logits(lm, start)[0], k, pool)
        candidates = list(dict.fromkeys(_complete_word(lm, prefix, w) for w in words))
    candidates = _check_candidates(candidates)
    scores, left = [], []
    for c in candidates:
        _, lp, off = token_logprobs(lm, prefix + c + suffix)
        start, end = len(prefix), len(prefix) + len(c)
        mine = (off[:, 1] > start) & (off[:, 0] < end)
        scores.append(np.nansum(lp))
        left.append(lp[mine].sum())
    return FillBlank(template, candidates, np.array(scores), np.array(left), "decoder-rescoring", lm.name)


def _fill_masked(lm, template, prefix, suffix, candidates, k, pool) -> FillBlank:
    tok = lm.tokenizer
    mask = tok.mask_token

    def logits_for(n_masks: int):
        text = prefix + " ".join([mask] * n_masks) + suffix
        enc = encode(lm, text)
        logits = run(lm, enc)[0].logits[0].float().cpu().numpy()
        pos = np.flatnonzero(enc["input_ids"][0].cpu().numpy() == tok.mask_token_id)
        return log_softmax(logits[pos])

    if candidates is None:
        candidates = _word_candidates(lm, logits_for(1)[0], k, pool, skip_prefix="##")
    candidates = _check_candidates(candidates)
    scores = []
    for c in candidates:
        ids = tok(c, add_special_tokens=False)["input_ids"]
        lp = logits_for(len(ids))
        scores.append(float(sum(lp[i, t] for i, t in enumerate(ids))))
    return FillBlank(template, candidates, np.array(scores), None, "masked-lm", lm.name)


# --------------------------------------------------------------------------- logit lens


def _final_norm(lm: LoadedModel) -> torch.nn.Module:
    norm = hook_points(lm).get("final_norm")
    if norm is None:
        raise ValueError(f"cannot find the final norm of {lm.name!r}: the logit lens needs "
                         "a decoder with a final norm named norm, final_layernorm or ln_f")
    return norm


def _finish_logits(lm: LoadedModel, logits: torch.Tensor) -> torch.Tensor:
    """The model's own post-processing of the unembedding output (scaling, soft-capping)."""
    cfg = lm.text_config
    scale = getattr(cfg, "logit_scale", None)  # Cohere multiplies
    if isinstance(scale, (int, float)) and not isinstance(scale, bool):
        logits = logits * scale
    div = getattr(cfg, "logits_scaling", None)  # Granite divides
    if isinstance(div, (int, float)) and div:
        logits = logits / div
    cap = getattr(cfg, "final_logit_softcapping", None)  # Gemma 2 / 3
    if cap:
        logits = cap * torch.tanh(logits / cap)
    return logits


def lens_logits(lm: LoadedModel, prompt: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Every layer's hidden state read through the final norm and unembedding.

    The last layer's pre-norm state is taken from the input of the final norm (some models
    return their last hidden state already normalised), and the model's logit scaling /
    soft-capping is applied, so the last row equals the model's own logits.

    Returns
    -------
    tokens : list of str, length n_tokens
    logits : ndarray of float32, shape (n_layers + 1, n_tokens, vocab)
    model_logits : ndarray of float32, shape (n_tokens, vocab)
        The model's own output for comparison.
    """
    _require_lm_head(lm)
    (prompt,) = validate_texts([prompt])
    norm, head = _final_norm(lm), lm.model.get_output_embeddings()
    enc = encode(lm, prompt)
    out, got = run(lm, enc, inputs=["final_norm"], output_hidden_states=True)
    with no_grad():  # the final norm and the unembedding applied to run's outputs
        states = list(out.hidden_states[:-1]) + [got.input("final_norm")]
        logits = torch.stack([_finish_logits(lm, head(norm(h)))[0] for h in states])
    tokens = lm.tokens(enc["input_ids"][0])
    return tokens, logits.float().cpu().numpy(), out.logits[0].float().cpu().numpy()


def logit_lens(lm: LoadedModel, prompt: str, *, k: int = 5) -> LogitLens:
    """What each layer of a decoder would predict next, at every position of ``prompt``.

    Parameters
    ----------
    lm : LoadedModel
        A decoder.
    prompt : str
    k : int
        Top tokens kept per layer and position.

    Returns
    -------
    LogitLens
        Top-k tokens and probabilities per (layer, position), the probability each layer
        gives to the model's final prediction, and the entropy.
    """
    tokens, logits, model_logits = lens_logits(lm, prompt)
    if not np.allclose(logits[-1], model_logits, rtol=1e-4, atol=1e-3):
        raise RuntimeError(f"the lens at the last layer does not reproduce {lm.name!r}'s logits: this "
                           "architecture post-processes its logits in a way vizlab does not know")
    final_ids = np.argmax(model_logits, axis=-1)
    rows = [lens_from_logits(z, k=k, final_ids=final_ids) for z in logits]  # layer by layer: less memory
    top_ids = np.stack([r["top_ids"] for r in rows])
    decode = np.vectorize(lambda i: lm.decode([i]), otypes=[object])
    return LogitLens(
        tokens=tokens,
        top_ids=top_ids,
        top_probs=np.stack([r["top_probs"] for r in rows]),
        top_tokens=decode(top_ids).astype(str),
        final_ids=final_ids,
        final_prob=np.stack([r["final_prob"] for r in rows]),
        entropy=np.stack([r["entropy"] for r in rows]),
        layers=tuple(range(len(rows))),
        model_name=lm.name,
        fingerprint=lm.fingerprint,
    )
