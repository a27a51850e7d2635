"""Studies of the 'tokenization' section: subword tokens and ids; padding and masks."""

from __future__ import annotations

import numpy as np

from vizlab.analysis.words import word_spans
from vizlab.studies import StudyContext, study

__all__ = ["SUBWORD_SENTENCE", "encode", "token_strip", "padded_batch"]

# Portuguese on purpose: MiniLM's WordPiece vocabulary is English, Gemma's is multilingual.
SUBWORD_SENTENCE = "Os pesquisadores descobriram inesperadamente um tratamento promissor."
SUBWORD_SENTENCE_EN = "The researchers unexpectedly discovered a promising treatment."
PAIR = ("Is the cat asleep?", "Yes, on the keyboard.")
# (model, text, language of the text): the strips of the subwords figure, top to bottom
STRIPS = [("minilm", SUBWORD_SENTENCE, "pt"), ("gemma-270m", SUBWORD_SENTENCE, "pt"),
          ("minilm", SUBWORD_SENTENCE_EN, "en")]
PADDING_SENTENCES = [
    "Adorei o filme!",
    "O atendimento foi péssimo.",
    "Amanhã vai chover muito em São Paulo, segundo a previsão do tempo.",
]
PADDING_MAX_LENGTH = 12


def encode(lm, texts, *, max_length=None, segments=False):
    """Tokens, ids, attention and special-token masks of a right-padded batch (numpy).

    With ``segments=True`` the ``token_type_ids`` (sentence A = 0, B = 1) come fifth.
    """
    from vizlab.extraction.batching import tokenize_batch

    enc = tokenize_batch(lm, list(texts), max_length=max_length)
    ids = enc["input_ids"].numpy()
    tokens = [lm.tokens(row) for row in ids]
    out = (tokens, ids, enc["attention_mask"].numpy(), enc["special_tokens_mask"].numpy().astype(bool))
    return (*out, enc["token_type_ids"].numpy()) if segments else out


def token_strip(lm, text, *, pair: bool = False) -> dict:
    """How ``lm``'s tokenizer cuts one text (or a ``(A, B)`` pair with ``pair=True``) into tokens and ids.

    Returns
    -------
    dict
        ``text``, ``tokens`` (the tokenizer's strings), ``ids``, ``special`` (bool),
        ``word_index`` (the word each token belongs to), ``tokens_per_word`` (mean pieces of the
        words, special tokens left out) and, for a pair, ``segments`` (``token_type_ids``).
    """
    tokens, ids, _, special, *segments = encode(lm, [text], segments=pair)
    tokens, ids, special = tokens[0], ids[0], special[0]
    spans = word_spans(tokens, special)
    out = {"text": list(text) if pair else text, "tokens": list(tokens), "ids": ids, "special": special,
           "word_index": np.repeat(np.arange(spans.n_words), spans.pieces),
           "tokens_per_word": round(float(spans.pieces[~spans.special].mean()), 2)}
    if pair:
        out["segments"] = segments[0][0]
    return out


@study("tokenization_subwords",
    inputs={"models": ["minilm", "gemma-270m"], "data": "one hand-picked sentence (pt) + its translation + a pair",
            "n": 3, "seed": None},
)
def _subwords(ctx: StudyContext) -> dict:
    strips = []
    for name, text, lang in STRIPS:
        s = {"model": name, "lang": lang, **token_strip(ctx.model(name), text)}
        key = f"{name.replace('-', '_')}_{lang}"
        ctx.record(f"{key}_n_tokens", len(s["tokens"]))
        ctx.record(f"{key}_tokens_per_word", s["tokens_per_word"])
        strips.append(s)
    pair = token_strip(ctx.model("minilm"), PAIR, pair=True)
    ctx.record("pair_token_type_ids", pair["segments"].tolist())
    return {"sentence": SUBWORD_SENTENCE, "strips": strips, "pair": pair}


def padded_batch(lm, texts, *, max_length: int) -> dict:
    """A right-padded batch of ``texts`` cut at ``max_length`` tokens, as ``lm``'s tokenizer gives it.

    Returns
    -------
    dict
        ``texts``, ``max_length``, ``tokens`` (per text, padding included), ``input_ids``,
        ``attention_mask``, ``special_mask``, ``untruncated_lengths`` (tokens without the cut),
        ``truncated``, and ``shortest`` (the row with the fewest real tokens).
    """
    tokens, ids, mask, special = encode(lm, texts, max_length=max_length)
    full = [lm.count_tokens(t) for t in texts]
    return {"texts": list(texts), "max_length": max_length, "tokens": [list(t) for t in tokens], "input_ids": ids,
            "attention_mask": mask, "special_mask": special, "untruncated_lengths": full,
            "truncated": [n > max_length for n in full], "shortest": int(np.argmin(mask.sum(1)))}


def _bidirectional(mask_row) -> np.ndarray:
    """Who each query may attend to in an encoder: every real token (n x n)."""
    n = len(mask_row)
    return np.ascontiguousarray(np.broadcast_to(mask_row[None, :], (n, n)))


def _causal(mask_row) -> np.ndarray:
    """Who each query may attend to in a decoder: the real tokens up to itself (n x n)."""
    n = len(mask_row)
    return np.tril(np.ones((n, n), int)) * mask_row[None, :]


@study("tokenization_padding_mask",
    inputs={"models": ["minilm", "gemma-270m"], "data": "three hand-picked sentences (pt)",
            "n": 3, "seed": None, "max_length": PADDING_MAX_LENGTH},
)
def _padding_mask(ctx: StudyContext) -> dict:
    enc = padded_batch(ctx.model("minilm"), PADDING_SENTENCES, max_length=PADDING_MAX_LENGTH)
    dec = padded_batch(ctx.model("gemma-270m"), PADDING_SENTENCES, max_length=PADDING_MAX_LENGTH)
    ids, mask = enc["input_ids"], enc["attention_mask"]
    ctx.record("batch_shape", list(ids.shape))
    ctx.record("real_tokens_per_sentence", mask.sum(1).tolist())
    ctx.record("untruncated_lengths", enc["untruncated_lengths"])
    ctx.record("input_ids", ids.tolist())
    row, g_row = enc["shortest"], dec["shortest"]
    return {**enc,
            "encoder_mask": _bidirectional(mask[row]),
            "decoder": {"row": g_row, "tokens": dec["tokens"][g_row], "mask": _causal(dec["attention_mask"][g_row])}}
