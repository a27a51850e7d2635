"""One forward-pass entry: tokenise, place on the device, run without gradients, capture hook points.

Every extraction function that runs a model over texts (``extract``, ``embed``, the masks, the
query/key and attention-output traces, the architecture summary, the classifier steps, the
language-model scores and the logit lens, held-out logits during fine-tuning) runs it through
:func:`run`, in the spirit of TransformerLens' ``run_with_cache(names_filter=...)``:

1. :func:`encode` checks and tokenises the texts (:mod:`~vizlab.extraction.batching`): texts
   longer than ``max_length`` (default: the model's limit) are truncated, with **one**
   :class:`~vizlab.extraction.batching.TruncationWarning` that sums them all up, and the batch is
   right-padded to its longest text;
2. the tensors the model takes are moved to its device
   (:func:`~vizlab.extraction.batching.model_inputs`);
3. the model runs under :func:`no_grad` (``torch.inference_mode``);
4. the named hook points asked for (:mod:`~vizlab.extraction.hooks`) are captured on the way and
   the hooks removed afterwards.

>>> out, cache = run(lm, ["O gato dorme.", "The cat sleeps."], names=["blocks.3.attn"],
...                  output_attentions=True)                                       # doctest: +SKIP
>>> cache.output("blocks.3.attn").shape, out.attentions[3].shape                    # doctest: +SKIP

When the caller needs the tokens too, it encodes first and passes the encoding:

>>> enc = encode(lm, "Fui ao banco.", offsets=True)                                # doctest: +SKIP
>>> out, _ = run(lm, enc)                                                           # doctest: +SKIP

Passes that need gradients have their own, differentiable forward: fine-tuning
(:mod:`~vizlab.extraction.training`) and attributions (Captum differentiates its own function of
the ids, :mod:`~vizlab.extraction.attribution`); they tokenise and place inputs through the
same :mod:`~vizlab.extraction.batching` functions as :func:`encode`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import torch

from vizlab.extraction.batching import (
    base_model,
    encode_texts,
    length_limit,
    model_inputs,
    pad_batch,
    validate_texts,
    warn_truncated,
)
from vizlab.extraction.hooks import Capture, capture
from vizlab.extraction.models import LoadedModel, check_model

__all__ = ["encode", "run", "no_grad"]

NamesFilter = str | Iterable[str] | Callable[[str], bool] | None


def no_grad():
    """The gradient mode :func:`run` uses (``torch.inference_mode()``).

    Its outputs are inference tensors: compute on them with parts of the model (a norm, the
    unembedding, a pooler) inside this block too.
    """
    return torch.inference_mode()


def encode(lm: LoadedModel, texts, *, max_length: int | None = None, padding: bool | str = True,
           offsets: bool = False):
    """Tokenise texts for one forward pass: truncated at the limit (one warning), right-padded.

    Parameters
    ----------
    lm : LoadedModel
    texts : str, (str, str) or list of them
        Single texts or BERT-style sentence pairs (not both in one call).
    max_length : int, optional
        Truncate longer texts to this many tokens, with one warning naming them; default and
        upper bound: the model's limit.
    padding : True, "longest" or "max_length"
        Pad to the longest text (the default), or every text to the limit.
    offsets : bool
        Also return ``offset_mapping``: the character span of each token in its text,
        ``(0, 0)`` for special tokens and padding.

    Returns
    -------
    transformers.BatchEncoding
        Tensors of shape (n_texts, n_tokens), on the CPU: ``input_ids``, ``attention_mask``,
        ``special_tokens_mask`` (and ``token_type_ids`` for tokenizers that make them,
        ``offset_mapping`` of shape (n_texts, n_tokens, 2) with ``offsets=True``).
    """
    check_model(lm)
    texts = validate_texts(texts)
    if len({isinstance(t, tuple) for t in texts}) > 1:
        raise ValueError("mix of single texts and sentence pairs in one batch: encode them apart")
    if padding not in (True, "longest", "max_length"):
        raise ValueError(f"padding must be True, 'longest' or 'max_length', got {padding!r}")
    limit = length_limit(lm, max_length)
    feats, lengths = encode_texts(lm, texts, limit, offsets=offsets)
    warn_truncated(lengths, limit, stacklevel=2)
    spans = [f.pop("offset_mapping") for f in feats] if offsets else None
    enc = pad_batch(lm, feats, padding=padding, max_length=limit if padding == "max_length" else None)
    if spans is not None:
        n = enc["input_ids"].shape[1]
        enc["offset_mapping"] = torch.tensor([[tuple(p) for p in s] + [(0, 0)] * (n - len(s)) for s in spans],
                                             dtype=torch.long)
    return enc


def run(
    lm: LoadedModel,
    texts_or_encoding,
    *,
    names: NamesFilter = None,
    inputs: NamesFilter = None,
    head: bool = True,
    module: torch.nn.Module | None = None,
    output_attentions: bool = False,
    output_hidden_states: bool = False,
    max_length: int | None = None,
    padding: bool | str = True,
    **forward_kwargs: Any,
) -> tuple[Any, Capture]:
    """Run ``lm`` once, without gradients, and capture named hook points on the way.

    Parameters
    ----------
    lm : LoadedModel
    texts_or_encoding : str, (str, str), list of them, or a mapping of tensors
        Texts are tokenised by :func:`encode` (with ``max_length`` and ``padding``); an
        encoding (from :func:`encode`, :func:`~vizlab.extraction.batching.pad_batch`, or a dict
        of ``input_ids``/``attention_mask``... tensors) is used as it is. Either way only the
        tensors the model takes are passed, moved to its device.
    names : str, list of str or callable, optional
        Hook points whose outputs to capture (``"blocks.3.attn"``, or a filter on the names of
        :func:`~vizlab.extraction.hooks.hook_points`), as in :func:`~vizlab.extraction.hooks.capture`.
    inputs : str, list of str or callable, optional
        Hook points whose inputs (positional and keyword arguments) to capture.
    head : bool
        Run ``lm.model`` with its head (logits of a causal LM or a classifier); False runs the
        transformer body alone (:func:`~vizlab.extraction.batching.base_model`), which gives the
        same hidden states without computing a decoder's vocabulary-sized logits.
    module : torch.nn.Module, optional
        Run this module instead, with ``lm``'s tokenizer and device (a classifier being
        fine-tuned from ``lm``); hook points are not available then.
    output_attentions, output_hidden_states : bool
        Ask the model for its attention weights (the model must be loaded with
        ``attentions=True``) and its hidden states.
    max_length : int, optional
        Truncation limit for texts (default: the model's limit); not for an encoding.
    padding : True, "longest" or "max_length"
        For texts, see :func:`encode`.
    **forward_kwargs
        Passed to the model's forward (``logits_to_keep=1``, ...).

    Returns
    -------
    outputs : transformers.utils.ModelOutput
        The model's output (``return_dict=True``), tensors on the model's device.
    cache : Capture
        What the named hook points computed (empty without ``names``/``inputs``).

    Raises
    ------
    RuntimeError
        ``output_attentions=True`` and the model returned no attention weights.
    """
    check_model(lm)
    if isinstance(texts_or_encoding, Mapping):
        if max_length is not None or padding is not True:
            raise ValueError("max_length and padding apply to texts; this input is already tokenised")
        enc = texts_or_encoding
    else:
        enc = encode(lm, texts_or_encoding, max_length=max_length, padding=padding)
    if module is not None and (names is not None or inputs is not None):
        raise ValueError("hook points are named on lm's modules: they cannot be captured in another module")
    model = module if module is not None else lm.model if head else base_model(lm)
    if output_attentions:
        forward_kwargs["output_attentions"] = True
    if output_hidden_states:
        forward_kwargs["output_hidden_states"] = True
    hooks = capture(lm, names, inputs=inputs) if names is not None or inputs is not None else \
        contextlib.nullcontext(Capture())
    with hooks as cache, no_grad():
        out = model(**model_inputs(lm, enc), return_dict=True, **forward_kwargs)
    if output_attentions and (getattr(out, "attentions", None) is None or any(a is None for a in out.attentions)):
        raise RuntimeError("the model returned no attention weights: load it with attentions=True "
                           "(eager attention implementation)")
    return out, cache
