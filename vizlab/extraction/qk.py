"""Capture the queries and keys an attention block computes, step by step (:mod:`~vizlab.extraction.hooks`).

For one text and one block this records what goes into the attention product:

- BERT-style encoders: ``q = W_q h + b_q`` and ``k = W_k h + b_k`` split into heads;
- Gemma-3-style decoders: the projections, then the per-head RMS norms (``q_norm``/``k_norm``),
  then the rotary position embedding (applied here to the captured tensors with the
  ``cos``/``sin`` the model passed to the block), with grouped-query attention (several query
  heads share one key head), scaling by ``query_pre_attn_scalar ** -0.5``, the causal mask and
  the sliding window of local layers.

:func:`trace_qk` also keeps the attention the model itself returned, so
``vizlab.analysis.softmax.attention_from_qk(trace.q, trace.k, ...)`` can be checked against it
(:meth:`QKTrace.max_error`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from vizlab.analysis.attention import kv_head_index
from vizlab.analysis.softmax import attention_from_qk, attention_scores
from vizlab.extraction.batching import one_text
from vizlab.extraction.forward import encode, run
from vizlab.extraction.hooks import attention_modules
from vizlab.extraction.models import LoadedModel, check_model

__all__ = ["QKTrace", "apply_rotary", "trace_qk"]


@dataclass(frozen=True, eq=False)
class QKTrace:
    """Queries, keys and attention of one block on one text (CPU numpy).

    Attributes
    ----------
    tokens : list of str
    layer : int
        The layer (block) as readers number it, from 1 (``attentions[layer - 1]`` of an extraction).
    hidden : ndarray of shape (n_tokens, hidden)
        Input of the attention projections (after the block's pre-norm in pre-norm models).
    q_proj : ndarray of shape (n_heads, n_tokens, head_dim)
        Output of the query projection, split into heads.
    k_proj : ndarray of shape (n_kv_heads, n_tokens, head_dim)
    q_normed, k_normed : ndarray or None
        After the per-head query/key norms (models that have them).
    q, k : ndarray
        What enters the dot product (after norms and rotary embedding), same shapes as above.
    cos, sin : ndarray of shape (n_tokens, head_dim) or None
        The rotary embedding the model used.
    scaling : float
        Factor applied to ``q @ k.T``.
    softcap : float or None
        Attention logit soft-capping.
    mask : ndarray of bool, shape (n_tokens, n_tokens)
        True where query ``i`` may attend to key ``j``.
    kv_index : ndarray of int, shape (n_heads,)
        Key/value head read by each query head.
    attentions : ndarray of shape (n_heads, n_tokens, n_tokens)
        The attention weights the model returned for this block.
    sliding_window : int or None
    model_name, kind : str
    """

    tokens: list[str]
    layer: int
    hidden: np.ndarray
    q_proj: np.ndarray
    k_proj: np.ndarray
    q_normed: np.ndarray | None
    k_normed: np.ndarray | None
    q: np.ndarray
    k: np.ndarray
    cos: np.ndarray | None
    sin: np.ndarray | None
    scaling: float
    softcap: float | None
    mask: np.ndarray
    kv_index: np.ndarray
    attentions: np.ndarray
    sliding_window: int | None = None
    model_name: str = ""
    kind: str = "encoder"

    @property
    def n_heads(self) -> int:
        return self.q.shape[0]

    @property
    def head_dim(self) -> int:
        return self.q.shape[-1]

    def scores(self) -> np.ndarray:
        """Scaled scores ``scaling * q_h k_g(h)^T``, shape (n_heads, n_tokens, n_tokens)."""
        return attention_scores(self.q, self.k, scaling=self.scaling, kv_index=self.kv_index)

    def recomputed(self) -> np.ndarray:
        """Attention recomputed from ``q`` and ``k`` (mask, soft-cap, softmax)."""
        return attention_from_qk(self.q, self.k, scaling=self.scaling, mask=self.mask,
                                 cap=self.softcap, kv_index=self.kv_index)

    def max_error(self) -> float:
        """Largest absolute difference between the recomputed and the returned attention."""
        return float(np.abs(self.recomputed() - self.attentions).max())


def _rotate_half(x: np.ndarray) -> np.ndarray:
    half = x.shape[-1] // 2
    return np.concatenate([-x[..., half:], x[..., :half]], axis=-1)


def apply_rotary(x, cos, sin) -> np.ndarray:
    """Rotary position embedding ``x * cos + rotate_half(x) * sin`` (Hugging Face layout).

    Parameters
    ----------
    x : ndarray of shape (n_heads, n_tokens, head_dim)
    cos, sin : ndarray of shape (n_tokens, head_dim)
    """
    x = np.asarray(x, dtype=np.float64)
    return x * cos[None] + _rotate_half(x) * sin[None]


def _heads(t: torch.Tensor, head_dim: int) -> np.ndarray:
    """(1, n, H*d) or (1, H, n, d) -> (H, n, d) float64 numpy."""
    t = t.detach().float().cpu()
    if t.dim() == 3:
        t = t.view(t.shape[0], t.shape[1], -1, head_dim).transpose(1, 2)
    return t[0].numpy().astype(np.float64)


def _allowed(n: int, causal: bool, window: int | None) -> np.ndarray:
    i, j = np.indices((n, n))
    ok = np.ones((n, n), bool)
    if causal:
        ok &= j <= i
        if window is not None:
            ok &= (i - j) < window
    return ok


def trace_qk(lm: LoadedModel, text: str, *, layer: int) -> QKTrace:
    """Run ``text`` through the model and record the queries/keys of layer ``layer``.

    Layers and heads are numbered as readers see them: layer 1 is the first block, head 1 the first
    head, hidden state 0 the embedding output; negative numbers count from the end.

    Parameters
    ----------
    lm : LoadedModel
    text : str or (str, str)
        One text (a pair for encoders); no padding is involved.
    layer : int
        The layer (block): 1 to ``lm.n_layers``, or -1 for the last. An out-of-range number raises a
        ValueError naming the valid ones.

    Returns
    -------
    QKTrace
    """
    check_model(lm)
    texts = one_text(text, caller="trace_qk")
    layer = lm.block_index(layer)
    mod = attention_modules(lm)[layer]
    head_dim = int(getattr(mod, "head_dim", 0) or mod.attention_head_size)
    point = f"blocks.{layer}.attn"
    parts = {key: f"{point}.{key}" for key in ("q_proj", "k_proj", "q_norm", "k_norm")}
    enc = encode(lm, texts)
    out, got = run(lm, enc, head=False, names=lambda name: name in parts.values(), inputs=[point],
                   output_attentions=True)
    args, kwargs = got.args[point], got.kwargs[point]
    hidden = got.input(point)
    pe = kwargs.get("position_embeddings")
    if pe is None and len(args) > 1 and isinstance(args[1], tuple):
        pe = args[1]
    attn = out.attentions[layer][0].float().cpu().numpy().astype(np.float64)
    q_proj, k_proj = _heads(got[parts["q_proj"]], head_dim), _heads(got[parts["k_proj"]], head_dim)
    q_n = _heads(got[parts["q_norm"]], head_dim) if parts["q_norm"] in got else None
    k_n = _heads(got[parts["k_norm"]], head_dim) if parts["k_norm"] in got else None
    q = q_proj if q_n is None else q_n
    k = k_proj if k_n is None else k_n
    cos = sin = None
    if pe is not None:
        cos = pe[0][0].float().cpu().numpy().astype(np.float64)
        sin = pe[1][0].float().cpu().numpy().astype(np.float64)
        q, k = apply_rotary(q, cos, sin), apply_rotary(k, cos, sin)
    n = attn.shape[-1]
    causal = lm.kind == "decoder" and bool(getattr(mod, "is_causal", True))
    window = getattr(mod, "sliding_window", None)
    return QKTrace(
        tokens=lm.tokens(enc["input_ids"][0]),
        layer=layer + 1,
        hidden=hidden[0].detach().float().cpu().numpy(),
        q_proj=q_proj, k_proj=k_proj, q_normed=q_n, k_normed=k_n, q=q, k=k, cos=cos, sin=sin,
        scaling=float(getattr(mod, "scaling", head_dim**-0.5)),
        softcap=getattr(mod, "attn_logit_softcapping", None),
        mask=_allowed(n, causal, window if causal else None),
        kv_index=kv_head_index(q.shape[0], k.shape[0]),
        attentions=attn,
        sliding_window=window,
        model_name=lm.name,
        kind=lm.kind,
    )
