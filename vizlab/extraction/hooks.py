"""Named hook points on a loaded model, and one context manager that captures what they compute.

Every extraction function that needs a model's internals (the logit lens, the query/key trace,
the attention-output trace, the architecture summary) asks for them by name, in the spirit of
TransformerLens' hook points and ``run_with_cache(names_filter=...)``: through the forward-pass
entry :func:`vizlab.extraction.forward.run` (``names=``, ``inputs=``), which captures them with
:func:`capture`. The hooks are always removed when the block ends, even when the forward pass
raises.

Hook point names (:func:`hook_points` lists those a model has):

==============================  ==========================================================
``embed``                       the token embedding layer
``blocks.{i}``                  transformer block ``i`` (0-based), output = the block's output
``blocks.{i}.attn``             its self-attention module
``blocks.{i}.attn.q_proj``      query projection (BERT's ``query``), likewise ``k_proj``, ``v_proj``
``blocks.{i}.attn.q_norm``      per-head query norm (Gemma 3, Qwen 3 ...), likewise ``k_norm``
``blocks.{i}.mlp.in``           the feed-forward's expanding linear layer (``up_proj``,
                                BERT's ``intermediate.dense``, GPT-2's ``c_fc``)
``final_norm``                  the norm after the last block (decoders)
``unembed``                     the output embeddings (language-model head)
==============================  ==========================================================

>>> out, got = run(lm, "O gato dorme.", names=["blocks.0.attn.q_proj"], inputs=["final_norm"])  # doctest: +SKIP
>>> got["blocks.0.attn.q_proj"].shape, got.input("final_norm").shape              # doctest: +SKIP
>>> with capture(lm, ["blocks.0.attn.q_proj"]) as got:     # around any forward pass   # doctest: +SKIP
...     lm.model(**enc)
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import torch

from vizlab.extraction.batching import base_model
from vizlab.extraction.models import LoadedModel

__all__ = ["Capture", "attention_modules", "capture", "hook_points"]

#: Sub-module names of an attention module -> hook point suffix.
_ATTN_PARTS = {"q_proj": "q_proj", "query": "q_proj", "k_proj": "k_proj", "key": "k_proj",
               "v_proj": "v_proj", "value": "v_proj", "q_norm": "q_norm", "k_norm": "k_norm"}
#: Where a block keeps the linear layer that expands to the feed-forward's inner size.
_FFN_IN = ("mlp.up_proj", "intermediate.dense", "mlp.fc1", "mlp.c_fc")
_FINAL_NORM = ("norm", "final_layernorm", "ln_f", "final_layer_norm")

NamesFilter = str | Iterable[str] | Callable[[str], bool] | None


def _is_attention(name: str, mod: torch.nn.Module) -> bool:
    if "cross" in name.lower():
        return False
    return (hasattr(mod, "q_proj") and hasattr(mod, "k_proj")) or (
        isinstance(getattr(mod, "query", None), torch.nn.Linear)
        and isinstance(getattr(mod, "key", None), torch.nn.Linear)
    )


def attention_modules(lm: LoadedModel) -> list[torch.nn.Module]:
    """The self-attention module of every block, in order.

    Recognises modules with ``q_proj``/``k_proj`` (Llama, Gemma, Mistral, ...) or
    ``query``/``key`` (BERT and relatives).
    """
    found = [mod for name, mod in base_model(lm).named_modules() if _is_attention(name, mod)]
    if len(found) != lm.n_layers:
        raise ValueError(
            f"found {len(found)} attention modules with query/key projections in {lm.name!r}, expected "
            f"{lm.n_layers}: this architecture is not supported"
        )
    return found


def _get(mod: torch.nn.Module, dotted: str) -> torch.nn.Module | None:
    for part in dotted.split("."):
        mod = getattr(mod, part, None)
        if not isinstance(mod, torch.nn.Module):
            return None
    return mod


def _blocks(lm: LoadedModel, attns: list[torch.nn.Module]) -> list[torch.nn.Module]:
    """The ``n_layers`` blocks: the module list whose items each hold one attention module."""
    body = base_model(lm)
    for mod in body.modules():
        if isinstance(mod, torch.nn.ModuleList) and len(mod) == lm.n_layers and all(
            any(m is a for m in block.modules()) for block, a in zip(mod, attns)
        ):
            return list(mod)
    raise ValueError(f"could not find the transformer blocks of {lm.name!r}: unsupported architecture")


def hook_points(lm: LoadedModel) -> dict[str, torch.nn.Module]:
    """Every named hook point of ``lm`` and the module behind it, in forward order.

    Returns
    -------
    dict of str -> torch.nn.Module
        See the module docstring for the names; parts a model lacks (``q_norm`` in BERT,
        ``final_norm`` in an encoder) are absent.
    """
    points: dict[str, torch.nn.Module] = {}
    emb = lm.model.get_input_embeddings() if hasattr(lm.model, "get_input_embeddings") else None
    if isinstance(emb, torch.nn.Module):
        points["embed"] = emb
    attns = attention_modules(lm)
    for i, (block, attn) in enumerate(zip(_blocks(lm, attns), attns)):
        points[f"blocks.{i}"] = block
        points[f"blocks.{i}.attn"] = attn
        for attr, suffix in _ATTN_PARTS.items():
            sub = getattr(attn, attr, None)
            if isinstance(sub, torch.nn.Module) and f"blocks.{i}.attn.{suffix}" not in points:
                points[f"blocks.{i}.attn.{suffix}"] = sub
        ffn = next((m for m in (_get(block, p) for p in _FFN_IN) if m is not None), None)
        if ffn is not None:
            points[f"blocks.{i}.mlp.in"] = ffn
    body = base_model(lm)
    norm = next((m for m in (getattr(body, n, None) for n in _FINAL_NORM) if isinstance(m, torch.nn.Module)), None)
    if norm is not None:
        points["final_norm"] = norm
    head = lm.model.get_output_embeddings() if hasattr(lm.model, "get_output_embeddings") else None
    if isinstance(head, torch.nn.Module):
        points["unembed"] = head
    return points


@dataclass(eq=False)
class Capture:
    """What the hook points computed during a :func:`capture` block (the last call of each).

    Attributes
    ----------
    outputs : dict of str -> Any
        Output of each captured hook point (a tensor, or the module's tuple output).
    args, kwargs : dict of str -> tuple / dict
        Positional and keyword arguments each hook point in ``inputs`` was called with.
    calls : dict of str -> int
        How many times each hook point ran.
    """

    outputs: dict[str, Any] = field(default_factory=dict)
    args: dict[str, tuple] = field(default_factory=dict)
    kwargs: dict[str, dict] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.outputs[name]

    def __contains__(self, name: object) -> bool:
        return name in self.outputs

    def output(self, name: str) -> torch.Tensor:
        """The output tensor of ``name`` (the first item when the module returns a tuple)."""
        out = self.outputs[name]
        return out[0] if isinstance(out, tuple) else out

    def input(self, name: str) -> torch.Tensor:
        """The main input of ``name``: its ``hidden_states`` keyword or its first positional argument."""
        kwargs, args = self.kwargs[name], self.args[name]
        return kwargs["hidden_states"] if "hidden_states" in kwargs else args[0]


def _select(points: dict[str, torch.nn.Module], names: NamesFilter) -> list[str]:
    if names is None:
        return []
    if callable(names):
        return [n for n in points if names(n)]
    wanted = [names] if isinstance(names, str) else list(names)
    unknown = [n for n in wanted if n not in points]
    if unknown:
        raise KeyError(f"no hook point {unknown[0]!r} in this model; it has: {', '.join(points)}")
    return list(dict.fromkeys(wanted))


@contextlib.contextmanager
def capture(lm: LoadedModel, names: NamesFilter = None, *, inputs: NamesFilter = None) -> Iterator[Capture]:
    """Record what named hook points compute while the block runs; the hooks are removed on exit.

    Parameters
    ----------
    lm : LoadedModel
    names : str, list of str or callable, optional
        Hook points whose *output* to keep (forward hooks). A callable is a filter on the
        names of :func:`hook_points` (``lambda n: n.endswith(".attn.q_proj")``), and may match
        none; listed names must exist.
    inputs : str, list of str or callable, optional
        Hook points whose *inputs* (positional and keyword arguments) to keep (forward
        pre-hooks with keyword arguments), e.g. the hidden states and the rotary ``cos``/``sin``
        entering an attention module.

    Yields
    ------
    Capture
        Filled during the forward passes run inside the block (the last call of each point).
        Tensors are kept as the model produced them (same device, not copied).
    """
    points = hook_points(lm)
    out_names, in_names = _select(points, names), _select(points, inputs)
    got = Capture()
    handles = []

    def keep_output(name):
        def hook(_mod, _args, out):
            got.outputs[name] = out
            got.calls[name] = got.calls.get(name, 0) + 1
        return hook

    def keep_input(name):
        def hook(_mod, args, kwargs):
            got.args[name], got.kwargs[name] = args, kwargs
            if name not in out_names:
                got.calls[name] = got.calls.get(name, 0) + 1
        return hook

    try:
        for name in in_names:
            handles.append(points[name].register_forward_pre_hook(keep_input(name), with_kwargs=True))
        for name in out_names:
            handles.append(points[name].register_forward_hook(keep_output(name)))
        yield got
    finally:
        for h in handles:
            h.remove()
