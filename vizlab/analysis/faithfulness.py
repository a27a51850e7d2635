"""Is a token ranking faithful to the model? Erasure tests of ERASER (DeYoung et al., 2020).

A method that ranks the tokens of a text by importance (attention, rollout, integrated gradients,
gradient × input, a random order) is scored by what happens to the model's probability of the
class it predicted on the whole text, ``p``, when tokens are erased:

- **comprehensiveness**: ``p(full) - p(full without its top-k % tokens)``; high when the tokens
  the method ranks first are the ones the prediction needs;
- **sufficiency**: ``p(full) - p(only its top-k % tokens)``; low (near 0, or negative) when the
  tokens the method ranks first are enough for the prediction.

Both are averaged over several ``k`` (:data:`FRACTIONS`), ERASER's *area over the perturbation
curve* (AOPC). Erasing means deleting the tokens from the input (special tokens ``[CLS]``/``[SEP]``
always stay), as ERASER does, not replacing them by a mask token.

>>> ranked = top_tokens(np.array([0.0, 3.0, 1.0, 2.0, 0.0]), special_mask=np.array([1, 0, 0, 0, 1], bool),
...                     fraction=0.5)
>>> ranked.astype(int).tolist()
[0, 1, 0, 1, 0]
>>> without, only = erased_ids(np.array([101, 7, 8, 9, 102]), ranked)
>>> without.tolist(), only.tolist()
([101, 8, 102], [101, 7, 9, 102])
"""

from __future__ import annotations

import numpy as np

__all__ = ["FRACTIONS", "n_top", "top_tokens", "erased_ids"]

FRACTIONS = (0.1, 0.2, 0.5)  # the k of the top-k % tokens, as fractions of the non-special tokens


def n_top(n_candidates: int, fraction: float) -> int:
    """How many tokens the top ``fraction`` of ``n_candidates`` is: ``ceil(fraction * n)``, at least 1."""
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], e.g. 0.2 for the top 20 %; got {fraction!r}")
    if n_candidates < 1:
        raise ValueError("a text needs at least one non-special token to erase")
    return max(1, int(np.ceil(fraction * n_candidates - 1e-9)))


def top_tokens(scores, *, special_mask, fraction: float) -> np.ndarray:
    """Mask of the top ``fraction`` of the non-special tokens by ``scores`` (larger = more important).

    Parameters
    ----------
    scores : ndarray of shape (n_tokens,)
        One score per token, special tokens included (their scores are ignored).
    special_mask : ndarray of bool, shape (n_tokens,)
        Tokens never ranked nor erased (``[CLS]``, ``[SEP]``).
    fraction : float
        E.g. 0.2: the top 20 % (:func:`n_top` tokens). Ties are broken by position (earlier first).

    Returns
    -------
    ndarray of bool, shape (n_tokens,)
    """
    s = np.asarray(scores, dtype=float)
    special = np.asarray(special_mask, dtype=bool)
    if s.shape != special.shape or s.ndim != 1:
        raise ValueError(f"scores and special_mask must be 1-D of the same length, got {s.shape} and {special.shape}")
    if not np.isfinite(s[~special]).all():
        raise ValueError("scores of the non-special tokens must be finite")
    candidates = np.flatnonzero(~special)
    k = n_top(len(candidates), fraction)
    order = candidates[np.argsort(-s[candidates], kind="stable")]
    out = np.zeros(len(s), dtype=bool)
    out[order[:k]] = True
    return out


def erased_ids(input_ids, top) -> tuple[np.ndarray, np.ndarray]:
    """The two erased inputs of ERASER: ``input_ids`` without the ``top`` tokens, and with only them.

    The first and last tokens (``[CLS]``, ``[SEP]`` of a BERT input) are never erased.

    Returns
    -------
    without : ndarray of int
        The text with the top tokens deleted (comprehensiveness).
    only : ndarray of int
        The first and last token (``[CLS]``/``[SEP]``) around the top tokens in their original order
        (sufficiency).
    """
    ids = np.asarray(input_ids)
    top = np.asarray(top, dtype=bool)
    if ids.shape != top.shape:
        raise ValueError(f"input_ids and top must have the same length, got {ids.shape} and {top.shape}")
    if top[0] or top[-1]:
        raise ValueError("the first and last tokens ([CLS], [SEP]) cannot be erased")
    keep_only = top.copy()
    keep_only[0] = keep_only[-1] = True
    return ids[~top], ids[keep_only]
