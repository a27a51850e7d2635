"""Where a model's sense of position comes from, read from its weights.

- BERT-style encoders (MiniLM) **learn one vector per absolute position** and add it to the token
  embedding: :func:`learned_positions`, and :func:`absolute_pair_scores`, the first block's
  ``q·k`` of one token pair moved to every pair of positions (``LayerNorm(token + position +
  segment)`` then ``W_q``/``W_k``).
- Gemma (and Llama-style decoders) add nothing to the embeddings; they **rotate** queries and
  keys by an angle proportional to the position (RoPE): :func:`rope_frequencies` (the angle per
  position of each dimension pair) and :func:`rotary_tables` (the ``cos``/``sin`` the model uses at
  given positions).
"""

from __future__ import annotations

import numpy as np
import torch

from vizlab.extraction.batching import base_model
from vizlab.extraction.forward import no_grad
from vizlab.extraction.models import LoadedModel

__all__ = ["learned_positions", "absolute_pair_scores", "rope_frequencies", "rotary_tables"]


def _embeddings(lm: LoadedModel):
    emb = getattr(base_model(lm), "embeddings", None)
    if emb is None or not hasattr(emb, "position_embeddings"):
        raise ValueError(f"{lm.name!r} has no learned absolute position embeddings "
                         "(decoders such as Gemma use rotary embeddings: see rope_frequencies)")
    return emb


def learned_positions(lm: LoadedModel, n_positions: int | None = None) -> np.ndarray:
    """The learned position vectors, ndarray of shape (n_positions, hidden) (all of them by default)."""
    w = _embeddings(lm).position_embeddings.weight.detach().float().cpu().numpy()
    return w if n_positions is None else w[: int(n_positions)]


def absolute_pair_scores(lm: LoadedModel, query_token: str, key_token: str, *, n_positions: int = 64) -> np.ndarray:
    """First-block scores ``q·k/√d`` of one token pair placed at every pair of positions.

    ``q(m) = W_q LayerNorm(E[query_token] + P[m] + T[0]) + b_q`` and ``k(n)`` likewise: what the
    first attention block of a BERT-style encoder computes before the softmax when
    ``query_token`` sits at position ``m`` and ``key_token`` at position ``n``.

    Returns
    -------
    ndarray of shape (n_heads, n_positions, n_positions)
        ``[h, m, n]``.
    """
    emb = _embeddings(lm)
    vocab = lm.tokenizer.get_vocab()
    for t in (query_token, key_token):
        if t not in vocab:
            raise ValueError(f"{t!r} is not a token of {lm.name!r}'s vocabulary")
    from vizlab.extraction.hooks import attention_modules

    att = attention_modules(lm)[0]
    with no_grad():  # parts of the first block applied to weights: no text, no forward pass to run
        P = emb.position_embeddings.weight[:n_positions]
        T = emb.token_type_embeddings.weight[0] if hasattr(emb, "token_type_embeddings") else 0
        xs = [emb.LayerNorm(emb.word_embeddings.weight[vocab[t]] + P + T) for t in (query_token, key_token)]
        q_lin = att.query if hasattr(att, "query") else att.q_proj
        k_lin = att.key if hasattr(att, "key") else att.k_proj
        d = int(getattr(att, "attention_head_size", 0) or att.head_dim)
        q = q_lin(xs[0]).view(n_positions, -1, d).transpose(0, 1)  # (H, n, d)
        k = k_lin(xs[1]).view(n_positions, -1, d).transpose(0, 1)
        s = q @ k.transpose(-1, -2) / np.sqrt(d)
    return s.double().cpu().numpy()


def _rotary(lm: LoadedModel):
    rot = getattr(base_model(lm), "rotary_emb", None)
    if rot is None:
        raise ValueError(f"{lm.name!r} has no rotary position embedding (rotary_emb)")
    return rot


def rope_frequencies(lm: LoadedModel) -> dict[str, np.ndarray]:
    """Angle per position (radians) of each dimension pair, per layer type.

    Returns
    -------
    dict
        ``{"sliding_attention": ndarray of shape (head_dim // 2,), "full_attention": ...}`` for
        Gemma 3 (local and global layers use different bases), ``{"default": ...}`` for models with
        one rotary table.
    """
    rot = _rotary(lm)
    out = {}
    for name, buf in rot.named_buffers():
        if name.endswith("inv_freq") and "original" not in name:
            key = name[: -len("_inv_freq")] if name != "inv_freq" else "default"
            out[key] = buf.detach().double().cpu().numpy()
    return out


def rotary_tables(lm: LoadedModel, positions, *, layer_type: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``cos``, ``sin`` of shape (n_positions, head_dim) that the model uses at ``positions``."""
    rot = _rotary(lm)
    pos = torch.as_tensor(np.asarray(positions), dtype=torch.long)[None]
    x = torch.zeros(1, dtype=torch.float32)
    with no_grad():
        if layer_type is not None:
            cos, sin = rot(x, pos, layer_type)
        else:
            cos, sin = rot(x, pos)
    return cos[0].double().cpu().numpy(), sin[0].double().cpu().numpy()
