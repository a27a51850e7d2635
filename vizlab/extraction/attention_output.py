"""Attention to the end: values, weighted sum, concatenation of heads and W_O, captured with hooks.

:func:`trace_attention_output` runs one text and records, for one block, what comes after the
softmax that :func:`vizlab.extraction.qk.trace_qk` stops at: the values ``V`` (output of the value
projection), the attention weights the model returned, and the output projection ``W_O``. The
attention output is then rebuilt with :mod:`vizlab.analysis.attention_output` (``A V`` per head,
heads concatenated, ``concat W_Oᵀ + b``) and compared with what the model itself computed:

- Llama / Gemma / Qwen style (``o_proj`` inside the attention module): the module's output;
- BERT style (``attention.output.dense``): the output of ``attention.self`` (the concatenated
  heads) and the input of the feed-forward (``LayerNorm(W_O concat + b + h)``, the residual
  connection and the norm included).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from vizlab.analysis.attention import kv_head_index
from vizlab.analysis.attention_output import concat_heads, project_output, weighted_values
from vizlab.extraction.batching import one_text
from vizlab.extraction.forward import encode, run
from vizlab.extraction.hooks import hook_points
from vizlab.extraction.models import LoadedModel, check_model

__all__ = ["AttentionOutputTrace", "trace_attention_output"]


@dataclass(frozen=True, eq=False)
class AttentionOutputTrace:
    """What one attention block does after the softmax, on one text (CPU numpy, float64).

    Attributes
    ----------
    tokens : list of str
    layer : int
        The layer (block) as readers number it, from 1.
    v : ndarray of shape (n_kv_heads, n_tokens, head_dim)
        Values (output of the value projection, split into heads).
    weights : ndarray of shape (n_heads, n_tokens, n_tokens)
        Attention weights the model returned.
    kv_index : ndarray of int, shape (n_heads,)
        Value head read by each query head.
    w_o : ndarray of shape (hidden, n_heads * head_dim)
    b_o : ndarray of shape (hidden,) or None
    reference : ndarray of shape (n_tokens, hidden)
        The model's own value at ``reference_point``.
    reference_point : str
        ``"o_proj"`` (output of W_O) or ``"attention_output"`` (BERT: after W_O, the residual
        connection and the LayerNorm).
    reference_concat : ndarray of shape (n_tokens, n_heads * head_dim) or None
        The model's own concatenated heads (BERT: output of ``attention.self``).
    residual : ndarray of shape (n_tokens, hidden) or None
        BERT: the block input added back before the norm.
    norm : tuple of (weight, bias, eps) or None
        BERT: the LayerNorm after W_O.
    model_name, kind : str
    """

    tokens: list[str]
    layer: int
    v: np.ndarray
    weights: np.ndarray
    kv_index: np.ndarray
    w_o: np.ndarray
    b_o: np.ndarray | None
    reference: np.ndarray
    reference_point: str
    reference_concat: np.ndarray | None = None
    residual: np.ndarray | None = None
    norm: tuple | None = None
    model_name: str = ""
    kind: str = "encoder"

    @property
    def n_heads(self) -> int:
        return self.weights.shape[0]

    @property
    def head_dim(self) -> int:
        return self.v.shape[-1]

    def per_head(self) -> np.ndarray:
        """``A_h V_g(h)`` for every head, shape (n_heads, n_tokens, head_dim)."""
        return weighted_values(self.weights, self.v, kv_index=self.kv_index)

    def concat(self) -> np.ndarray:
        """The heads side by side, shape (n_tokens, n_heads * head_dim)."""
        return concat_heads(self.per_head())

    def projected(self) -> np.ndarray:
        """``concat W_Oᵀ + b_O``, shape (n_tokens, hidden)."""
        return project_output(self.concat(), self.w_o, self.b_o)

    def reconstructed(self) -> np.ndarray:
        """The rebuilt value at ``reference_point`` (BERT: residual and LayerNorm applied)."""
        out = self.projected()
        if self.reference_point == "attention_output":
            x = out + self.residual
            w, b, eps = self.norm
            mu = x.mean(-1, keepdims=True)
            var = ((x - mu) ** 2).mean(-1, keepdims=True)
            out = (x - mu) / np.sqrt(var + eps) * w + b
        return out

    def max_error(self) -> float:
        """Largest absolute difference between the rebuilt and the model's attention output."""
        return float(np.abs(self.reconstructed() - self.reference).max())

    def concat_error(self) -> float:
        """Largest difference between the rebuilt and the model's concatenated heads (NaN if not captured)."""
        if self.reference_concat is None:
            return float("nan")
        return float(np.abs(self.concat() - self.reference_concat).max())


def _np(t: torch.Tensor) -> np.ndarray:
    return t.detach().double().cpu().numpy()


def _output_projection(block: torch.nn.Module, attn: torch.nn.Module):
    """(W_O linear, BERT-style output module or None)."""
    for name in ("o_proj", "out_proj", "dense"):
        lin = getattr(attn, name, None)
        if isinstance(lin, torch.nn.Linear):
            return lin, None
    out = getattr(getattr(block, "attention", None), "output", None)
    if out is not None and isinstance(getattr(out, "dense", None), torch.nn.Linear):
        return out.dense, out
    raise ValueError("could not find the attention output projection (o_proj / attention.output.dense)")


def trace_attention_output(lm: LoadedModel, text, *, layer: int) -> AttentionOutputTrace:
    """Run ``text`` and record the values, weights and W_O of layer ``layer``.

    Layers and heads are numbered as readers see them: layer 1 is the first block, head 1 the first
    head, hidden state 0 the embedding output; negative numbers count from the end.

    Parameters
    ----------
    lm : LoadedModel
    text : str or (str, str)
        One text (a pair for encoders).
    layer : int
        The layer (block): 1 to ``lm.n_layers``, or -1 for the last.

    Returns
    -------
    AttentionOutputTrace
        ``max_error()`` compares the rebuilt attention output with the model's own.
    """
    check_model(lm)
    texts = one_text(text, caller="trace_attention_output")
    layer = lm.block_index(layer)
    points = hook_points(lm)
    p = f"blocks.{layer}"
    attn = points[f"{p}.attn"]
    w_lin, bert_out = _output_projection(points[p], attn)
    head_dim = int(getattr(attn, "head_dim", 0) or attn.attention_head_size)
    enc = encode(lm, texts)
    names = [f"{p}.attn.v_proj", f"{p}.attn"]
    ins = [f"{p}.attn"] + ([f"{p}.mlp.in"] if bert_out is not None else [])
    out, got = run(lm, enc, names=names, inputs=ins, output_attentions=True)
    weights = _np(out.attentions[layer][0])
    v_flat = _np(got.output(f"{p}.attn.v_proj")[0])  # (n, n_kv * d)
    n = v_flat.shape[0]
    v = v_flat.reshape(n, -1, head_dim).transpose(1, 0, 2)
    attn_out = _np(got.output(f"{p}.attn")[0])
    common = dict(tokens=lm.tokens(enc["input_ids"][0]), layer=layer + 1, v=v,
                  weights=weights, kv_index=kv_head_index(weights.shape[0], v.shape[0]),
                  w_o=_np(w_lin.weight), b_o=None if w_lin.bias is None else _np(w_lin.bias),
                  model_name=lm.name, kind=lm.kind)
    if bert_out is None:
        return AttentionOutputTrace(**common, reference=attn_out, reference_point="o_proj")
    ln = bert_out.LayerNorm
    return AttentionOutputTrace(
        **common, reference=_np(got.input(f"{p}.mlp.in")[0]), reference_point="attention_output",
        reference_concat=attn_out, residual=_np(got.input(f"{p}.attn")[0]),
        norm=(_np(ln.weight), _np(ln.bias), float(ln.eps)))
