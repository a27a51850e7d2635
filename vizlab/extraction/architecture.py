"""What a model is made of, read from its config and measured on a real batch.

:func:`describe_architecture` runs one padded batch through the model, captures named hook
points (:mod:`~vizlab.extraction.hooks`) and records the tensor shape at each stage (ids,
embeddings, queries/keys of one head group, the attention weights, the feed-forward's inner
layer, a block's output, the final output), next to the sizes in the config. The architecture figure is drawn from this, not from a drawing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vizlab.extraction.batching import validate_texts
from vizlab.extraction.forward import encode, run
from vizlab.extraction.hooks import hook_points
from vizlab.extraction.models import LoadedModel, check_model

__all__ = ["ArchitectureSummary", "describe_architecture"]


@dataclass(frozen=True)
class ArchitectureSummary:
    """Sizes from the config and shapes measured on one batch.

    Attributes
    ----------
    model_name, kind : str
    n_layers, n_heads, n_kv_heads, head_dim, hidden, intermediate, vocab, max_positions : int
    norm : str
        Class name of the normalisation layers (``LayerNorm``, ``Gemma3RMSNorm`` ...).
    positions : {"absolute", "rotary"}
    activation : str
    qk_norm : bool
        Whether queries and keys are normalised per head before the product.
    sliding_window : int or None
    n_params : int
    shapes : dict of str -> tuple of int
        ``input_ids`` (batch, seq), ``embeddings`` (batch, seq, hidden), ``q``/``k``
        (batch, heads, seq, head_dim), ``attention`` (batch, heads, seq, seq), ``ffn`` (batch, seq,
        intermediate), ``block`` (batch, seq, hidden), ``output`` (the final hidden states, or the
        logits (batch, seq, vocab) of a causal LM).
    texts : list of str
    """

    model_name: str
    kind: str
    n_layers: int
    n_heads: int
    n_kv_heads: int
    head_dim: int
    hidden: int
    intermediate: int
    vocab: int
    max_positions: int
    norm: str
    positions: str
    activation: str
    qk_norm: bool
    sliding_window: int | None
    n_params: int
    shapes: dict = field(default_factory=dict)
    texts: list = field(default_factory=list)


def describe_architecture(lm: LoadedModel, texts) -> ArchitectureSummary:
    """Read the sizes of ``lm`` and measure its tensor shapes on the padded batch ``texts``.

    Parameters
    ----------
    lm : LoadedModel
    texts : list of str
        A small batch (padded to its longest text, as in training and extraction).

    Returns
    -------
    ArchitectureSummary
    """
    check_model(lm)
    texts = validate_texts(texts)
    cfg = lm.text_config
    points = hook_points(lm)
    attn0, block0 = points["blocks.0.attn"], points["blocks.0"]
    names = {"blocks.0.attn.q_proj": "q_flat", "blocks.0.attn.k_proj": "k_flat", "blocks.0": "block",
             "blocks.0.mlp.in": "ffn"}
    enc = encode(lm, texts)
    lm_head = lm.kind == "decoder" and "unembed" in points
    out, cap = run(lm, enc, head=lm_head, names=lambda name: name in names, output_attentions=True,
                   output_hidden_states=True)
    final = out.logits if lm_head else out.last_hidden_state
    got = {key: tuple(cap.output(name).shape) for name, key in names.items() if name in cap}
    head_dim = int(getattr(attn0, "head_dim", 0) or getattr(attn0, "attention_head_size", 0))
    b, n = enc["input_ids"].shape
    shapes = {
        "input_ids": (b, n),
        "embeddings": tuple(out.hidden_states[0].shape),
        "q": (b, got["q_flat"][-1] // head_dim, n, head_dim),
        "k": (b, got["k_flat"][-1] // head_dim, n, head_dim),
        "attention": tuple(out.attentions[0].shape),
        "block": got["block"],
        "output": tuple(final.shape),
    }
    if "ffn" in got:
        shapes["ffn"] = got["ffn"]
    norm = next((type(m).__name__ for m in block0.modules() if "norm" in type(m).__name__.lower()), "none")
    rope = getattr(cfg, "rope_parameters", None) or getattr(cfg, "rope_theta", None)
    return ArchitectureSummary(
        model_name=lm.name, kind=lm.kind, n_layers=lm.n_layers, n_heads=lm.n_heads,
        n_kv_heads=lm.n_kv_heads, head_dim=head_dim, hidden=lm.hidden_size,
        intermediate=int(getattr(cfg, "intermediate_size", 0) or 0), vocab=int(cfg.vocab_size),
        max_positions=int(getattr(cfg, "max_position_embeddings", 0) or 0), norm=norm,
        positions="rotary" if rope else "absolute",
        activation=str(getattr(cfg, "hidden_activation", None) or getattr(cfg, "hidden_act", "")),
        qk_norm=hasattr(attn0, "q_norm"), sliding_window=getattr(cfg, "sliding_window", None),
        n_params=int(sum(p.numel() for p in lm.model.parameters())), shapes=shapes, texts=list(texts),
    )
