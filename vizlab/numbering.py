"""One numbering convention for layers and heads, converted in this one place.

Arrays are indexed from 0, as in transformers; what a reader sees is numbered like this in every
figure, the viewer, the command line, the manifest and the report:

- **Layers (transformer blocks) count from 1**: ``camada 1`` is the first block, ``camada L`` the
  last. An attention array ``attentions[i]`` belongs to layer ``i + 1``.
- **Hidden states count from 0**: ``hidden_states[0]`` is the output of the embedding layer (shown as
  ``emb.``, the input of layer 1) and ``hidden_states[i]`` the output of layer ``i``. So "the
  representation after layer 3" and "layer 3" are the same number.
- **Heads count from 1** within their layer: ``cabeça 1`` ... ``cabeça H``.

The Python API takes and returns the same numbers: every keyword named ``layer``, ``head``,
``highlight`` (a ``(layer, head)`` pair), ``layers`` or ``heads``, and every ``(layer, head)`` a function
returns, is a reader number, and its docstring says so with :data:`RULE`. Python also takes negative
numbers counting from the end (``-1`` = the last layer, head or hidden state), as a list does; array
positions (``attentions[i]``, ``Activations.attention_layers``) stay 0-based.

>>> layer_number(0), head_number(11), layer_index(6), head_index(12)
(1, 12, 5, 11)
>>> hidden_label(0), hidden_label(3, lang="en")
('emb.', '3')
>>> layer_head_name(4, 11), layer_head_name(4, 11, lang="en")
('camada 5, cabeça 12', 'layer 5, head 12')
>>> layer_head_label(5, 12), layer_head_label(5, 12, lang="en")
('camada 5, cabeça 12', 'layer 5, head 12')
>>> check_layer_number(-1, 6, from_end=True), check_hidden_number(-1, 6), position_of(4, [2, 4, 6])
(5, 6, 1)
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
    "check_hidden_number",
    "position_of",
    "RULE",
]

RULE = ("Layers and heads are numbered as readers see them: layer 1 is the first block, head 1 the first "
        "head, hidden state 0 the embedding output; negative numbers count from the end.")
"""The one sentence every public docstring with a ``layer``/``head``/``highlight`` keyword carries
(``tests/test_conventions.py`` checks it)."""


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


def layer_head_name(layer_idx: int, head_idx: int, *, lang: str = "pt") -> str:
    """``'camada 5, cabeça 12'`` for the 0-based array indices ``(4, 11)``."""
    return layer_head_label(layer_number(layer_idx), head_number(head_idx), lang=lang)


def layer_head_label(layer: int, head: int, *, lang: str = "pt") -> str:
    """``'camada 5, cabeça 12'`` for the reader numbers ``(5, 12)``, as source data and the CLI hold them.

    Layers and heads are numbered as readers see them: layer 1 is the first block, head 1 the first
    head, hidden state 0 the embedding output; negative numbers count from the end.
    """
    if lang == "pt":
        return f"camada {int(layer)}, cabeça {int(head)}"
    return f"layer {int(layer)}, head {int(head)}"


def _is_int(number) -> bool:
    import numbers

    return isinstance(number, numbers.Integral) and not isinstance(number, bool)


def _check(number, count: int, what: str, plural: str, from_end: bool) -> int:
    if from_end and _is_int(number) and -count <= number <= -1:
        return int(number) + count
    if not _is_int(number) or not 1 <= number <= count:
        ends = f", or -{count} to -1 counting from the end" if from_end else ""
        raise ValueError(f"{what} must be a number from 1 to {count}{ends} ({plural} count from 1), got {number!r}")
    return int(number) - 1


def check_layer_number(number: int, n_layers: int, *, what: str = "layer", from_end: bool = False) -> int:
    """Validate a reader's layer number (1..n_layers) and return its 0-based index.

    ``from_end=True`` (the Python API) also takes -n_layers..-1, counting from the end (-1 = the last).
    """
    return _check(number, n_layers, what, "layers", from_end)


def check_head_number(number: int, n_heads: int, *, what: str = "head", from_end: bool = False) -> int:
    """Validate a reader's head number (1..n_heads) and return its 0-based index.

    ``from_end=True`` (the Python API) also takes -n_heads..-1, counting from the end (-1 = the last).
    """
    return _check(number, n_heads, what, "heads", from_end)


def check_hidden_number(number: int, n_layers: int, *, what: str = "layer") -> int:
    """Validate a hidden-state number (0 = the embedding output ... n_layers = the output of the last
    layer; -1 = the last) and return it as 0..n_layers, the position in ``hidden_states``."""
    n = n_layers + 1
    if _is_int(number) and -n <= number <= n_layers:
        return int(number) % n
    raise ValueError(f"{what} {number!r} is out of range: hidden states are numbered from 0 (the embedding "
                     f"output) to {n_layers} (the output of layer {n_layers}), or -{n} to -1 counting from the end")


def position_of(number, numbers, *, what: str = "layer") -> int:
    """Position of the reader number ``number`` among ``numbers`` (the reader numbers of an array's rows,
    e.g. ``[1, 2, ..., 6]`` or ``[2, 4, 6]``); a negative number counts from the end of ``numbers``."""
    numbers = [int(n) if _is_int(n) else n for n in numbers]
    if _is_int(number) and number in numbers:
        return numbers.index(int(number))
    if _is_int(number) and -len(numbers) <= number <= -1:
        return int(number) + len(numbers)
    shown = ", ".join(str(n) for n in numbers)
    raise ValueError(f"{what} must be one of {shown} ({what}s count from 1), or -{len(numbers)} to -1 "
                     f"counting from the end, got {number!r}")
