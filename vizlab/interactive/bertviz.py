"""Feed bertviz's notebook views from vizlab activations (for notebook users who are online).

bertviz loads require.js, d3 and jQuery from a CDN, so its views stay blank offline and in saved
files (use :func:`vizlab.interactive.save_attention_html` there). It also expects one text
without padding and, for a sentence pair, where sentence B starts: these helpers take care
of that from an :class:`~vizlab.activations.Activations`.
"""

from __future__ import annotations

import numpy as np

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


def bertviz_head_view(acts, **kwargs):
    """bertviz's head view of one text (``kwargs`` go to ``bertviz.head_view``, e.g. ``layer=``,
    ``heads=``, ``html_action="return"`` to get the HTML object instead of displaying it)."""
    return _bertviz().head_view(**bertviz_inputs(acts), **kwargs)


def bertviz_model_view(acts, **kwargs):
    """bertviz's model view (every layer x head) of one text; see :func:`bertviz_head_view`."""
    return _bertviz().model_view(**bertviz_inputs(acts), **kwargs)
