"""Next-token distributions on arrays: softmax, top-k, entropy, and the logit lens.

The *logit lens* reads a decoder's intermediate hidden states as if they were the last one:
each layer's state goes through the final norm and the unembedding, giving a next-token
distribution per layer and position, which shows how the prediction forms across depth.
The model-specific part (norm, unembedding, soft-capping) lives in
:func:`vizlab.extraction.lm.logit_lens`; this module holds the container and the math.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vizlab.analysis.softmax import entropy, softmax

__all__ = ["log_softmax", "top_k_rows", "LogitLens", "lens_from_logits"]


def log_softmax(logits, axis: int = -1) -> np.ndarray:
    """Numerically stable ``log(softmax(logits))`` in float64.

    >>> np.round(np.exp(log_softmax([0.0, np.log(3.0)])), 3)
    array([0.25, 0.75])
    """
    z = np.asarray(logits, dtype=np.float64)
    z = z - np.max(z, axis=axis, keepdims=True)
    return z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))


def top_k_rows(scores, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` largest entries of every row (last axis), largest first (ties: lower index first).

    The batched counterpart of :func:`vizlab.analysis.softmax.top_k`.

    Parameters
    ----------
    scores : ndarray of shape (..., n)
    k : int

    Returns
    -------
    indices : ndarray of int64, shape (..., k)
    values : ndarray, shape (..., k)

    >>> top_k_rows(np.array([[0.1, 0.5, 0.2, 0.5]]), 2)
    (array([[1, 3]]), array([[0.5, 0.5]]))
    """
    s = np.asarray(scores)
    n = s.shape[-1]
    if not isinstance(k, (int, np.integer)) or not 1 <= k <= n:
        raise ValueError(f"k must be an integer between 1 and {n}, got {k!r}")
    part = np.argpartition(-s, k - 1, axis=-1)[..., :k] if k < n else np.broadcast_to(np.arange(n), s.shape)
    vals = np.take_along_axis(s, part, -1)
    order = np.lexsort((part, -vals), axis=-1)
    return np.take_along_axis(part, order, -1).astype(np.int64), np.take_along_axis(vals, order, -1)


@dataclass(frozen=True, eq=False)
class LogitLens:
    """Next-token predictions read from every layer of a decoder, for one prompt.

    Attributes
    ----------
    tokens : list of str
        The prompt's tokens (position ``t`` predicts the token after ``tokens[t]``).
    top_ids : ndarray of int64, shape (n_layers + 1, n_tokens, k)
        The ``k`` most probable next tokens at each layer and position, most probable first.
    top_probs : ndarray of float32, shape (n_layers + 1, n_tokens, k)
    top_tokens : ndarray of str, shape (n_layers + 1, n_tokens, k)
        ``top_ids`` decoded (readable strings, e.g. ``" mesa"``).
    final_ids : ndarray of int64, shape (n_tokens,)
        The model's own most probable next token at each position (last layer).
    final_prob : ndarray of float32, shape (n_layers + 1, n_tokens)
        Probability each layer gives to ``final_ids``: how early the final answer emerges.
    entropy : ndarray of float32, shape (n_layers + 1, n_tokens)
        Entropy (bits) of each layer's distribution.
    layers : tuple of int
        Hidden-state index of each row (0 = embeddings, n_layers = last block).
    model_name, fingerprint : str
    """

    tokens: list
    top_ids: np.ndarray
    top_probs: np.ndarray
    top_tokens: np.ndarray
    final_ids: np.ndarray
    final_prob: np.ndarray
    entropy: np.ndarray
    layers: tuple
    model_name: str = ""
    fingerprint: str = ""

    def to_frame(self):
        """Long-form DataFrame: one row per (layer, position) with the top token and its probability."""
        import pandas as pd

        L, T = self.top_probs.shape[:2]
        return pd.DataFrame({
            "layer": np.repeat(self.layers, T),
            "position": np.tile(np.arange(T), L),
            "input_token": np.tile(np.asarray(self.tokens, dtype=object), L),
            "top_token": self.top_tokens[..., 0].reshape(-1),
            "top_prob": self.top_probs[..., 0].reshape(-1),
            "final_prob": self.final_prob.reshape(-1),
            "entropy": self.entropy.reshape(-1),
        })


def lens_from_logits(logits, *, k: int = 5, final_ids=None) -> dict[str, np.ndarray]:
    """Top-k, entropy and the probability of the final prediction, from per-layer logits.

    Parameters
    ----------
    logits : ndarray of shape (n_layers + 1, n_tokens, vocab) or (n_tokens, vocab)
        Lens logits (last row = the model's own logits).
    k : int
    final_ids : ndarray of int, shape (n_tokens,), optional
        Tokens whose probability to follow; default the argmax of the last row.

    Returns
    -------
    dict with ``top_ids``, ``top_probs`` (..., n_tokens, k), ``entropy``, ``final_prob``
    (..., n_tokens) and ``final_ids`` (n_tokens,).
    """
    z = np.asarray(logits)
    if z.ndim not in (2, 3):
        raise ValueError(f"logits must be (n_layers, n_tokens, vocab) or (n_tokens, vocab), got {z.shape}")
    p = softmax(z, axis=-1)
    if final_ids is None:
        final_ids = np.argmax(z.reshape(-1, *z.shape[-2:])[-1], axis=-1)
    final_ids = np.asarray(final_ids, dtype=np.int64)
    ids, probs = top_k_rows(p, k)
    fp = np.take_along_axis(p, np.broadcast_to(final_ids[:, None], p.shape[:-1] + (1,)), -1)[..., 0]
    return {"top_ids": ids, "top_probs": probs.astype(np.float32), "entropy": (entropy(p) / np.log(2)).astype(np.float32),
            "final_prob": fp.astype(np.float32), "final_ids": final_ids}
