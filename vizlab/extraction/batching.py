"""Texts to model inputs: checking, tokenizing, length-sorted batches and dynamic padding.

Every extraction function (``extract``, ``embed``, fine-tuning, the q/k trace, the
architecture summary, attributions, the pipeline steps) turns texts into model inputs through
this module, most of them by way of :func:`vizlab.extraction.forward.encode` and
:func:`~vizlab.extraction.forward.run`, so they all tokenize, truncate and pad the same way:

1. :func:`validate_texts` checks the argument (a list of non-blank strings or
   ``(text, text_pair)`` tuples) and gives clear errors;
2. :func:`encode_texts` tokenizes every text once (fast batch calls), truncating those longer
   than the limit (:func:`length_limit`);
3. :func:`plan_batches` groups texts of similar length into batches (single texts and
   sentence pairs never share one) and warns about truncation (one :class:`TruncationWarning`
   per call, naming the texts, from :func:`warn_truncated`); for training,
   :class:`LengthGroupedBatches` draws random batches of similar-length texts instead;
4. :func:`pad_batch` right-pads one batch to its own longest text (dynamic padding), and
5. :func:`model_inputs` keeps the tensors the model takes, on its device.

:func:`tokenize_batch` does 2 and 4 in one call for a small batch, and :func:`base_model` is
the transformer body the extraction functions run.

>>> plan = plan_batches(lm, texts, max_length=None, batch_size=16)       # doctest: +SKIP
>>> for idx in plan.batches:                                             # doctest: +SKIP
...     enc = pad_batch(lm, [plan.features[i] for i in idx])
...     out = base_model(lm)(**model_inputs(lm, enc))
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple

import torch

from vizlab.extraction.models import LoadedModel

__all__ = [
    "TextInput", "BatchPlan", "LengthGroupedBatches", "validate_texts", "one_text", "base_model",
    "length_limit", "tokenize_batch", "encode_texts", "plan_batches", "pad_batch", "model_inputs",
    "TruncationWarning", "warn_truncated",
]

TextInput = str | tuple[str, str]

#: Tensors of a tokenizer's output that a model's forward takes.
MODEL_INPUTS = frozenset({"input_ids", "attention_mask", "token_type_ids"})


def validate_texts(texts) -> list[TextInput]:
    """Check the texts argument: a non-empty list of non-blank strings or (text, text_pair) tuples.

    A single string (or one ``(text, text_pair)`` tuple) becomes a list of one.

    Returns
    -------
    list of str or (str, str)

    Raises
    ------
    TypeError
        For a non-list, or items that are not strings.
    ValueError
        For an empty list, blank texts, or tuples that are not pairs.
    """
    if isinstance(texts, (str, tuple)) and not (isinstance(texts, tuple) and len(texts) != 2):
        texts = [texts]
    if texts is None or isinstance(texts, (bytes, dict)) or not isinstance(texts, Iterable):
        raise TypeError(f"texts must be a list of strings, got {type(texts).__name__}")
    texts = list(texts)
    if not texts:
        raise ValueError("texts is empty: pass at least one non-empty string")
    for i, t in enumerate(texts):
        parts = t if isinstance(t, tuple) else (t,)
        if isinstance(t, tuple) and len(t) != 2:
            raise ValueError(f"texts[{i}] is a tuple of {len(t)} items; a sentence pair is (text, text_pair)")
        for p in parts:
            if not isinstance(p, str):
                raise TypeError(
                    f"texts[{i}] is {type(p).__name__}, not str: convert it (e.g. str(x)) or drop it"
                )
            if not p.strip():
                raise ValueError(f"texts[{i}] is empty or whitespace only: remove it or give it some text")
    return texts


def one_text(text, *, caller: str) -> list[TextInput]:
    """:func:`validate_texts` for functions that take a single text (or one pair): a list of one.

    Raises
    ------
    ValueError
        For more than one text (the message names ``caller``), besides :func:`validate_texts`'s errors.
    """
    texts = validate_texts(text)
    if len(texts) != 1:
        raise ValueError(f"{caller} takes one text, got {len(texts)}; loop over texts instead")
    return texts


def base_model(lm: LoadedModel) -> torch.nn.Module:
    """The transformer body without a task head (``model.model`` of a CausalLM, etc.)."""
    m = lm.model
    if hasattr(m, "get_decoder") and lm.kind == "decoder":
        with contextlib.suppress(Exception):
            dec = m.get_decoder()
            if dec is not None:
                return dec
    bm = getattr(m, "base_model", m)
    return bm if bm is not None else m


def length_limit(lm: LoadedModel, max_length: int | None) -> int:
    """Tokens kept per text: ``max_length`` capped at the model's own limit (the limit when None)."""
    return lm.max_length if max_length is None else min(int(max_length), lm.max_length)


class TruncationWarning(UserWarning):
    """Some texts were longer than the token limit and were cut to it (one warning per call).

    Attributes
    ----------
    indices : tuple of int
        Positions of the truncated texts in the call's ``texts`` (for
        :func:`~vizlab.extraction.corpus.embed_corpus`'s one summary: their input rows).
    lengths : tuple of int
        Their lengths in tokens before truncation (empty in ``embed_corpus``'s summary).
    limit : int
        The limit they were cut to.
    """

    def __init__(self, message: str, indices: Sequence[int] = (), lengths: Sequence[int] = (), limit: int = 0):
        super().__init__(message)
        self.indices, self.lengths, self.limit = tuple(indices), tuple(lengths), int(limit)


def warn_truncated(lengths: Sequence[int], limit: int, *, stacklevel: int = 2, shown: int = 5) -> None:
    """One :class:`TruncationWarning` summing up every text longer than ``limit`` (none when none is).

    Parameters
    ----------
    lengths : list of int
        Tokens of each text before truncation (from :func:`encode_texts`).
    limit : int
    stacklevel : int
        As for :func:`warnings.warn`, counted from the caller of this function.
    shown : int
        Texts named in the message; the rest are counted.
    """
    long = [i for i, n in enumerate(lengths) if n > limit]
    if not long:
        return
    k, n = len(long), len(lengths)
    named = ", ".join(f"texts[{i}] has {lengths[i]} tokens" for i in long[:shown])
    if k > shown:
        named += f" and {k - shown} more"
    verb = "is" if k == 1 else "are"
    message = (f"{k} of {n} text{'s' if n != 1 else ''} {verb} longer than the limit of {limit} tokens and "
               f"{'was' if k == 1 else 'were'} truncated to {limit} tokens: {named}")
    warnings.warn(TruncationWarning(message, long, [lengths[i] for i in long], limit), stacklevel=stacklevel + 1)


@contextlib.contextmanager
def _right_padding(tok):
    old_side = tok.padding_side
    tok.padding_side = "right"
    try:
        yield tok
    finally:
        tok.padding_side = old_side


def tokenize_batch(lm: LoadedModel, texts: Sequence[TextInput], *, max_length: int | None = None):
    """Tokenize a small batch with right padding to its longest text.

    Parameters
    ----------
    lm : LoadedModel
    texts : list of str, or list of (str, str)
        All single texts or all sentence pairs.
    max_length : int, optional
        Truncate longer texts to this many tokens (no truncation when None).

    Returns
    -------
    transformers.BatchEncoding
        Tensors of shape (n_texts, longest): ``input_ids``, ``attention_mask``,
        ``special_tokens_mask`` (and ``token_type_ids`` for tokenizers that make them).
    """
    a = [t[0] if isinstance(t, tuple) else t for t in texts]
    b = [t[1] for t in texts] if all(isinstance(t, tuple) for t in texts) else None
    if b is None and any(isinstance(t, tuple) for t in texts):
        raise ValueError("mix of single texts and sentence pairs in one batch")
    with _right_padding(lm.tokenizer) as tok:
        return tok(
            a,
            b,
            padding=True,
            truncation=max_length is not None,
            max_length=max_length,
            return_tensors="pt",
            return_special_tokens_mask=True,
        )


def encode_texts(lm: LoadedModel, texts: Sequence[TextInput], limit: int, *,
                 offsets: bool = False) -> tuple[list[dict], list[int]]:
    """Tokenize every text once (fast batch calls), without padding.

    Parameters
    ----------
    texts : list of str or (str, str)
    limit : int
        Texts longer than this are truncated to it (see :func:`length_limit`).
    offsets : bool
        Also return each token's character span (``offset_mapping``, fast tokenizers only).

    Returns
    -------
    features : list of dict
        Per text, the tokenizer's lists (``input_ids``, ``attention_mask``,
        ``special_tokens_mask``, ...), ready for :func:`pad_batch`.
    lengths : list of int
        Tokens of each text *before* truncation (special tokens included).
    """
    tok = lm.tokenizer
    feats: list[dict] = [None] * len(texts)  # type: ignore[list-item]
    lengths = [0] * len(texts)
    for pair in (False, True):
        idx = [i for i, t in enumerate(texts) if isinstance(t, tuple) == pair]
        if not idx:
            continue
        args = ([texts[i][0] for i in idx], [texts[i][1] for i in idx]) if pair else ([texts[i] for i in idx],)
        # verbose=False: no "Token indices sequence length is longer than ..." from transformers, which
        # does not apply (the texts longer than the limit are tokenized again below, truncated)
        enc = tok(*args, return_special_tokens_mask=True, return_offsets_mapping=offsets, verbose=False)
        for j, i in enumerate(idx):
            feats[i] = {k: enc[k][j] for k in enc.keys()}
            lengths[i] = len(enc["input_ids"][j])
        long = [j for j, i in enumerate(idx) if lengths[i] > limit]
        if long:
            sub = tuple([a[j] for j in long] for a in args)
            enc = tok(*sub, truncation=True, max_length=limit, return_special_tokens_mask=True,
                      return_offsets_mapping=offsets)
            for k, j in enumerate(long):
                feats[idx[j]] = {key: enc[key][k] for key in enc.keys()}
    return feats, lengths


class BatchPlan(NamedTuple):
    """Texts tokenized once and grouped into batches (from :func:`plan_batches`).

    Attributes
    ----------
    features : list of dict
        Tokenizer output of each text (truncated to the limit), in the input order.
    batches : list of list of int
        Text indices of each batch: texts of similar length together, shortest first;
        single texts and sentence pairs never share a batch.
    truncated : list of bool
        Whether each text was cut at the limit.
    """

    features: list[dict]
    batches: list[list[int]]
    truncated: list[bool]


def plan_batches(lm: LoadedModel, texts: Sequence[TextInput], *, max_length: int | None,
                 batch_size: int) -> BatchPlan:
    """Tokenize once, warn about truncation, and group texts of similar length into batches.

    Sorting by length keeps the padding of each batch small; since every result is cut back
    to the text's own tokens, the order does not change any number.

    Parameters
    ----------
    texts : list of str or (str, str)
        Already checked by :func:`validate_texts`.
    max_length : int or None
        Truncate longer texts (with a warning); None: the model's limit.
    batch_size : int
        Texts per batch.

    Returns
    -------
    BatchPlan
    """
    limit = length_limit(lm, max_length)
    feats, lengths = encode_texts(lm, texts, limit)
    warn_truncated(lengths, limit, stacklevel=3)
    batches = []
    for pair in (False, True):  # single texts and sentence pairs never share a batch
        order = sorted((i for i, t in enumerate(texts) if isinstance(t, tuple) == pair),
                       key=lambda i: (lengths[i], i))
        batches += [order[s : s + batch_size] for s in range(0, len(order), batch_size)]
    truncated = [n > limit for n in lengths]
    return BatchPlan(feats, batches, truncated)


def pad_batch(lm: LoadedModel, features: list[dict], *, padding: bool | str = True,
              max_length: int | None = None):
    """Right-pad pre-tokenized texts to the longest of the batch (dynamic padding).

    Parameters
    ----------
    features : list of dict
        Items of :attr:`BatchPlan.features` (or :func:`encode_texts`).
    padding : True, "longest" or "max_length"
        Pad to the longest text of the batch, or every text to ``max_length``.

    Returns
    -------
    transformers.BatchEncoding
        Tensors of shape (n_texts, longest in the batch) (``max_length`` with ``padding="max_length"``).
    """
    with _right_padding(lm.tokenizer) as tok, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "use __call__ instead of pad" advice does not apply here
        return tok.pad(features, padding=padding, max_length=max_length, return_tensors="pt")


def model_inputs(lm: LoadedModel, enc) -> dict[str, torch.Tensor]:
    """The tensors of a tokenizer output that ``lm``'s forward takes, moved to its device.

    ``special_tokens_mask`` and the like are dropped, and so are ``token_type_ids`` when the
    model does not take them (decoders).
    """
    inputs = {k: v.to(lm.device) for k, v in enc.items() if k in MODEL_INPUTS}
    if "token_type_ids" in inputs and "token_type_ids" not in lm.tokenizer.model_input_names:
        inputs.pop("token_type_ids")
    return inputs


class LengthGroupedBatches:
    """Batches of texts of similar length, in random order, drawn anew each epoch (a batch sampler).

    The shuffled texts are cut into chunks of ``group`` batches; each chunk is sorted by
    length before being cut into batches, so a batch pads little, yet which texts meet in a
    batch and the batch order stay random (the ``group_by_length`` of the HF Trainer).

    Parameters
    ----------
    lengths : list of int
        Tokens of each text (from :func:`encode_texts`).
    batch_size : int
    generator : torch.Generator
        The only source of randomness (global random state is never used).
    grouped : bool
        False: plain shuffled batches.
    group : int
        Batches per length-sorted chunk.
    """

    def __init__(self, lengths: list[int], batch_size: int, generator: torch.Generator, *,
                 grouped: bool = True, group: int = 50):
        self.lengths, self.batch_size, self.gen, self.grouped, self.group = lengths, batch_size, generator, grouped, group

    def __len__(self) -> int:
        return -(-len(self.lengths) // self.batch_size)

    def __iter__(self) -> Iterator[list[int]]:
        perm = torch.randperm(len(self.lengths), generator=self.gen).tolist()
        if not self.grouped:
            yield from (perm[s : s + self.batch_size] for s in range(0, len(perm), self.batch_size))
            return
        chunk = self.batch_size * self.group
        batches = []
        for s in range(0, len(perm), chunk):
            part = sorted(perm[s : s + chunk], key=lambda i: self.lengths[i])
            batches += [part[k : k + self.batch_size] for k in range(0, len(part), self.batch_size)]
        for b in torch.randperm(len(batches), generator=self.gen).tolist():
            yield batches[b]
