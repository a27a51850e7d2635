"""One numbering convention for layers and heads, converted in this one place.

Arrays are indexed from 0, as in transformers; what a reader sees is numbered like this in every
figure, the viewer, the command line, the manifest and the report:

- **Layers (transformer blocks) count from 1**: ``camada 1`` is the first block, ``camada L`` the
  last. An attention array ``attentions[i]`` belongs to layer ``i + 1``.
- **Hidden states count from 0**: ``hidden_states[0]`` is the output of the embedding layer (shown as
  ``emb.``, the input of layer 1) and ``hidden_states[i]`` the output of layer ``i``. So "the
  representation after layer 3" and "layer 3" are the same number.
- **Heads count from 1** within their layer: ``cabeça 1`` ... ``cabeça H``.

>>> layer_number(0), head_number(11), layer_index(6), head_index(12)
(1, 12, 5, 11)
>>> hidden_label(0), hidden_label(3, lang="en")
('emb.', '3')
>>> layer_head_name(4, 11), layer_head_name(4, 11, lang="en")
('camada 5, cabeça 12', 'layer 5, head 12')
>>> layer_head_label(5, 12), layer_head_label(5, 12, lang="en")
('camada 5, cabeça 12', 'layer 5, head 12')
"""

from __future__ import annotations

__all__ = [
    "layer_number",
    "head_number",
    "layer_index",
    "head_index",
    "hidden_label",
    "layer_head_name",
    "layer_head_label",
    "check_layer_number",
    "check_head_number",
]


def layer_number(index: int) -> int:
    """Reader's number of the block whose 0-based array index is ``index`` (0 -> 1)."""
    return int(index) + 1


def head_number(index: int) -> int:
    """Reader's number of the head whose 0-based array index is ``index`` (0 -> 1)."""
    return int(index) + 1


def layer_index(number: int) -> int:
    """0-based array index of the block a reader calls ``number`` (1 -> 0)."""
    return int(number) - 1


def head_index(number: int) -> int:
    """0-based array index of the head a reader calls ``number`` (1 -> 0)."""
    return int(number) - 1


def hidden_label(index: int, *, lang: str = "pt") -> str:
    """Tick label of hidden state ``index``: ``emb.`` for 0 (embedding output), else the layer number."""
    return "emb." if int(index) == 0 else str(int(index))


def layer_head_name(layer: int, head: int, *, lang: str = "pt") -> str:
    """``'camada 5, cabeça 12'`` for the 0-based indices ``(4, 11)``."""
    return layer_head_label(layer_number(layer), head_number(head), lang=lang)


def layer_head_label(layer: int, head: int, *, lang: str = "pt") -> str:
    """``'camada 5, cabeça 12'`` for the reader numbers ``(5, 12)``, as source data and the CLI hold them."""
    if lang == "pt":
        return f"camada {int(layer)}, cabeça {int(head)}"
    return f"layer {int(layer)}, head {int(head)}"


def check_layer_number(number: int, n_layers: int, *, what: str = "layer") -> int:
    """Validate a reader's layer number (1..n_layers) and return its 0-based index."""
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= n_layers:
        raise ValueError(f"{what} must be a number from 1 to {n_layers} (layers count from 1), got {number!r}")
    return layer_index(number)


def check_head_number(number: int, n_heads: int, *, what: str = "head") -> int:
    """Validate a reader's head number (1..n_heads) and return its 0-based index."""
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= n_heads:
        raise ValueError(f"{what} must be a number from 1 to {n_heads} (heads count from 1), got {number!r}")
    return head_index(number)
