"""Language-model outputs of a decoder: next-token distributions."""

from __future__ import annotations

import numpy as np
import torch

from vizlab.extraction.models import LoadedModel
from vizlab.extraction.run import validate_texts

__all__ = ["next_token_logits"]


def _require_lm_head(lm: LoadedModel) -> None:
    if lm.kind != "decoder" or not hasattr(lm.model, "get_output_embeddings") or lm.model.get_output_embeddings() is None:
        raise ValueError(
            f"{lm.name!r} has no language-model head (it is a {lm.kind}); next-token prediction needs "
            "a decoder such as the 'gemma-270m' preset"
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
    rows = []
    with torch.inference_mode():
        for p in prompts:  # one at a time: no padding, exact
            enc = lm.tokenizer(p, return_tensors="pt").to(lm.device)
            out = lm.model(**enc, logits_to_keep=1) if _accepts_keep(lm) else lm.model(**enc)
            rows.append(out.logits[0, -1].float().cpu().numpy())
    return np.stack(rows)


def _accepts_keep(lm: LoadedModel) -> bool:
    import inspect

    return "logits_to_keep" in inspect.signature(lm.model.forward).parameters
