"""Who may attend to whom: the attention masks of encoders, decoders and encoder-decoders, read from the models.

A mask is read from the attention weights a model returns: query ``i`` may look at key ``j``
exactly where the weight is not zero (a blocked pair gets ``-inf`` before the softmax, hence 0).

- :func:`model_mask` runs a shipped model (MiniLM: every token sees every token; Gemma: each token
  sees itself and the tokens before it) and, for a decoder, keeps the token it predicts after
  each position;
- :func:`encoder_decoder_masks` builds an encoder-decoder (T5, BART, ...) **from its config
  alone**, with random weights (no download: a mask does not depend on the weights), and reads
  its three masks: encoder self-attention, decoder self-attention, cross-attention.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import torch

from vizlab.extraction.batching import one_text
from vizlab.extraction.forward import encode, no_grad, run
from vizlab.extraction.models import LoadedModel, check_model
from vizlab.extraction.rng import seeded

__all__ = ["ModelMask", "model_mask", "encoder_decoder_masks"]


@dataclass(frozen=True, eq=False)
class ModelMask:
    """The attention mask of one model on one text.

    Attributes
    ----------
    tokens : list of str
        Raw tokens.
    allowed : ndarray of bool, shape (n_tokens, n_tokens)
        ``[i, j]``: query ``i`` attends to key ``j`` (non-zero weight in every head of the first layer).
    predictions : list of str or None
        Decoders: the most likely next token after each position (raw pieces).
    kind : str
    model_name : str
    """

    tokens: list[str]
    allowed: np.ndarray
    predictions: list[str] | None
    kind: str
    model_name: str = ""


def model_mask(lm: LoadedModel, text: str) -> ModelMask:
    """Run ``text`` and read which (query, key) pairs get attention (first layer, all heads)."""
    check_model(lm)
    texts = one_text(text, caller="model_mask")
    enc = encode(lm, texts)
    lm_head = lm.kind == "decoder" and hasattr(lm.model, "get_output_embeddings") and \
        lm.model.get_output_embeddings() is not None
    out, _ = run(lm, enc, head=lm_head, output_attentions=True)
    pred = lm.tokens(out.logits[0].argmax(-1)) if lm_head else None
    allowed = (out.attentions[0][0] > 0).all(0).cpu().numpy()
    return ModelMask(lm.tokens(enc["input_ids"][0]), allowed, pred, lm.kind, lm.name)


def encoder_decoder_masks(config, n_source: int, n_target: int, *, seed: int = 0) -> dict[str, np.ndarray]:
    """The three masks of an encoder-decoder built from ``config`` with random weights.

    Parameters
    ----------
    config : transformers.PretrainedConfig or str
        An encoder-decoder config (``T5Config()``, ``BartConfig()``, ...) or the model type whose
        default config to use (``"t5"``, ``"bart"``); no weights are loaded.
    n_source, n_target : int
        Lengths of the input (encoder) and of the output so far (decoder).

    Returns
    -------
    dict
        ``encoder`` (n_source, n_source), ``decoder`` (n_target, n_target), ``cross``
        (n_target, n_source): boolean, True where the query attends to the key.
    """
    from transformers import AutoConfig, AutoModelForSeq2SeqLM

    if isinstance(config, str):
        config = AutoConfig.for_model(config)
    if not getattr(config, "is_encoder_decoder", False):
        raise ValueError(f"{type(config).__name__} is not an encoder-decoder config")
    with seeded(seed), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = AutoModelForSeq2SeqLM.from_config(config, attn_implementation="eager").eval()
    g = torch.Generator().manual_seed(seed)
    low = 5  # skip the special ids at the start of the vocabulary
    src = torch.randint(low, config.vocab_size, (1, n_source), generator=g)
    tgt = torch.randint(low, config.vocab_size, (1, n_target), generator=g)
    # A throwaway model built from a config, fed random ids: no LoadedModel, no tokenizer, nothing
    # to place, so it is called directly (in run's gradient mode) rather than through forward.run.
    with no_grad():
        out = model(input_ids=src, attention_mask=torch.ones_like(src), decoder_input_ids=tgt,
                    output_attentions=True, return_dict=True)
    first = lambda t: (t[0][0] > 0).all(0).cpu().numpy()  # noqa: E731
    return {"encoder": first(out.encoder_attentions), "decoder": first(out.decoder_attentions),
            "cross": first(out.cross_attentions)}
