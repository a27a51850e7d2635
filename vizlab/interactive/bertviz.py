"""Feed bertviz's notebook views from vizlab activations (for notebook users who are online).

bertviz loads require.js, d3 and jQuery from a CDN, so its views stay blank offline and in saved
files (use :func:`vizlab.interactive.save_attention_html` there). It also expects one text
without padding and, for a sentence pair, where sentence B starts: these helpers take care
of that from an :class:`~vizlab.activations.Activations`.
"""

from __future__ import annotations

import numpy as np

from vizlab.numbering import check_head_number, layer_number, position_of
from vizlab.tokens import display_tokens

__all__ = ["bertviz_inputs", "bertviz_head_view", "bertviz_model_view"]


def bertviz_inputs(acts) -> dict:
    """``attention``, ``tokens`` and ``sentence_b_start`` as bertviz wants them.

    Parameters
    ----------
    acts : Activations
        One text (vizlab already removed its padding), with attentions.

    Returns
    -------
    dict
        ``attention``: tuple of torch tensors, one per layer, shape (1, n_heads, n, n);
        ``tokens``: list of str, as :func:`vizlab.tokens.display_tokens` shows them; ``sentence_b_start``: index of the first token of sentence B
        for a pair, else None.
    """
    if isinstance(acts, (list, tuple)):
        if len(acts) != 1:
            raise ValueError(f"bertviz shows one text at a time; got {len(acts)} (pass acts[i])")
        acts = acts[0]
    if getattr(acts, "attentions", None) is None:
        raise ValueError("these activations hold no attentions: extract them with attentions=True")
    try:
        import torch
    except ImportError as err:  # pragma: no cover - torch is a core dependency
        raise ImportError("bertviz needs torch: pip install torch") from err
    a = np.asarray(acts.attentions, dtype=np.float32)
    attention = tuple(torch.from_numpy(layer.copy())[None] for layer in a)
    start = None
    tt = acts.token_type_ids
    if tt is not None and np.any(np.asarray(tt) == 1):
        start = int(np.argmax(np.asarray(tt) == 1))
    return {"attention": attention, "tokens": display_tokens(acts.tokens), "sentence_b_start": start}


def _bertviz():
    try:
        import bertviz
    except ImportError as err:
        raise ImportError("bertviz is not installed: pip install bertviz") from err
    return bertviz


def _numbers(acts) -> tuple[list[int], int]:
    """The layer numbers (from 1) of the rows bertviz receives, and the number of heads."""
    if isinstance(acts, (list, tuple)) and len(acts) == 1:
        acts = acts[0]
    a = getattr(acts, "attentions", None)
    if a is None:
        return [], 0
    rows = list(getattr(acts, "attention_layers", ()) or range(np.shape(a)[0]))
    return [layer_number(i) for i in rows], int(np.shape(a)[1])


def _rows(numbers, layers: list[int]) -> list[int]:
    return [position_of(n, layers, what="layer") for n in numbers]


def _heads(numbers, n_heads: int) -> list[int]:
    return [check_head_number(h, n_heads, from_end=True) for h in numbers]


def bertviz_head_view(acts, *, layer: int | None = None, heads=None, include_layers=None, **kwargs):
    """bertviz's head view of one text.

    Layers and heads are numbered as readers see them: layer 1 is the first block, head 1 the first
    head, hidden state 0 the embedding output; negative numbers count from the end.

    Parameters
    ----------
    acts : Activations
        One text, with attentions.
    layer : int, optional
        The layer shown first.
    heads : list of int, optional
        The heads selected first.
    include_layers : list of int, optional
        Show only these layers.
    **kwargs
        Passed on to ``bertviz.head_view``, e.g. ``html_action="return"`` to get the HTML object
        instead of displaying it. vizlab converts the numbers above to bertviz's 0-based ones.
    """
    layers, n_heads = _numbers(acts)
    if layer is not None:
        kwargs["layer"] = _rows([layer], layers)[0]
    if heads is not None:
        kwargs["heads"] = _heads(heads, n_heads)
    if include_layers is not None:
        kwargs["include_layers"] = _rows(include_layers, layers)
    return _bertviz().head_view(**bertviz_inputs(acts), **kwargs)


def bertviz_model_view(acts, *, include_layers=None, include_heads=None, **kwargs):
    """bertviz's model view (every layer x head) of one text; see :func:`bertviz_head_view`.

    Layers and heads are numbered as readers see them: layer 1 is the first block, head 1 the first
    head, hidden state 0 the embedding output; negative numbers count from the end.

    ``include_layers`` and ``include_heads`` (lists of numbers) show only those layers and heads;
    ``kwargs`` go to ``bertviz.model_view``.
    """
    layers, n_heads = _numbers(acts)
    if include_layers is not None:
        kwargs["include_layers"] = _rows(include_layers, layers)
    if include_heads is not None:
        kwargs["include_heads"] = _heads(include_heads, n_heads)
    return _bertviz().model_view(**bertviz_inputs(acts), **kwargs)
