"""The real batches of a fine-tuning run and how long each text is, for the dynamic-padding figure.

:func:`training_batches` draws the batches exactly as :func:`vizlab.finetune` does for the same
texts and hyper-parameters (same tokenization, length limit and seeded
:class:`~vizlab.extraction.batching.LengthGroupedBatches`), without training anything.
"""

from __future__ import annotations

import torch

from vizlab.extraction.batching import LengthGroupedBatches, encode_texts, length_limit, validate_texts
from vizlab.extraction.models import LoadedModel

__all__ = ["training_batches"]


def training_batches(base: LoadedModel, texts, *, batch_size: int = 16, max_length: int | None = 128,
                     seed: int = 0, group_by_length: bool = True, epochs: int = 1) -> tuple[list[list[list[int]]], list[int]]:
    """The batches of each epoch of a fine-tuning run (text indices, in training order) and each text's length.

    Returns
    -------
    batches : list (one per epoch) of list of list of int
    lengths : list of int
        Tokens of each text after truncation to the limit (special tokens included).
    """
    if not isinstance(base, LoadedModel):
        raise TypeError(f"base must be a LoadedModel, got {type(base).__name__}")
    texts = validate_texts(texts)
    limit = length_limit(base, max_length)
    _, lengths = encode_texts(base, texts, limit)
    gen = torch.Generator().manual_seed(seed)
    sampler = LengthGroupedBatches(lengths, batch_size, gen, grouped=group_by_length)
    return [[list(b) for b in sampler] for _ in range(epochs)], [min(int(n), limit) for n in lengths]
