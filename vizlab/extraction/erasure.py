"""A classifier's class probabilities on inputs given as token ids: the erased texts of ERASER's tests.

:mod:`vizlab.analysis.faithfulness` decides which tokens to delete; this module runs the erased
inputs through the model. Token ids, not texts, go in: deleting word pieces and decoding them back
to text would tokenize differently.
"""

from __future__ import annotations

import numpy as np
import torch

from vizlab.extraction.batching import pad_batch
from vizlab.extraction.forward import encode, run
from vizlab.extraction.models import LoadedModel, check_model

__all__ = ["token_ids", "class_probabilities"]


def token_ids(lm: LoadedModel, text: str) -> np.ndarray:
    """The ids of ``text`` as the model's forward pass (and :func:`vizlab.attribute`) tokenizes it."""
    return encode(lm, [text])["input_ids"][0].cpu().numpy()


def class_probabilities(lm: LoadedModel, sequences, *, batch_size: int = 64) -> np.ndarray:
    """Softmax of a classifier's logits for each sequence of token ids (dropout off, no gradients).

    Parameters
    ----------
    lm : LoadedModel
        A classifier (e.g. ``vizlab.finetune(...).model``).
    sequences : list of 1-D int arrays
        Token ids, special tokens included (e.g. from :func:`token_ids`, with tokens deleted).
    batch_size : int
        Sequences per forward pass; they are sorted by length, so each batch is padded little.

    Returns
    -------
    ndarray of shape (n_sequences, n_labels)
        Column ``i`` is ``lm.config.id2label[i]``.
    """
    check_model(lm, name="lm")
    if not hasattr(lm.model, "classifier") and not hasattr(lm.model, "score"):
        raise ValueError(f"{lm.name!r} has no classification head: pass a fine-tuned classifier "
                         "(vizlab.finetune(...).model)")
    seqs = [np.asarray(s, dtype=np.int64) for s in sequences]
    if any(s.ndim != 1 or len(s) == 0 for s in seqs):
        raise ValueError("each sequence must be a non-empty 1-D array of token ids")
    order = sorted(range(len(seqs)), key=lambda i: (len(seqs[i]), i))
    out = np.zeros((len(seqs), lm.model.config.num_labels), dtype=np.float64)
    was_training = lm.model.training
    lm.model.eval()
    try:
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            enc = pad_batch(lm, [{"input_ids": seqs[i].tolist()} for i in idx])
            logits = run(lm, enc)[0].logits.double()
            out[idx] = torch.softmax(logits, -1).cpu().numpy()
    finally:
        lm.model.train(was_training)
    return out
