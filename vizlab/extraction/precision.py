"""The number format a forward pass computes in: float32, or bfloat16 where the processor has it.

A forward pass in float32 gives the model's own numbers. bfloat16 (16-bit floats with float32's
range, about 3 significant digits) runs the matrix products faster on processors that compute it
natively (Intel AMX or AVX512-BF16, GPUs from NVIDIA's Ampere on): on this project's 2-core Xeon with
AMX, ``vizlab embed``'s embedding step took 1.3x (tweets) to 1.7x (texts of 256 tokens) less time
than in float32 (docs/benchmarks.md; AVX512-BF16 without AMX was not measured). It changes an
all-MiniLM-L6-v2 sentence vector little: a cosine of at least 0.9999 with the float32 vector on
tweets and on texts cut at 256 tokens (``tests/test_precision.py``), enough to move a point of a
UMAP map among its neighbours. It is applied with :func:`torch.autocast`, which keeps the weights in
float32 and the softmax, layer norms and sums in float32 too; results are returned in float32.

``"auto"`` picks bfloat16 where the processor computes it natively and float32 elsewhere, where
bfloat16 would be emulated and slower. The Python API computes in float32 unless asked (the report's
figures are the same on every machine); the command line's ``vizlab embed`` uses ``"auto"`` and
says which it used.
"""

from __future__ import annotations

import contextlib
import functools
from pathlib import Path

import torch

__all__ = ["PRECISIONS", "native_bfloat16", "resolve_precision", "computing_in"]

PRECISIONS = ("float32", "bfloat16", "auto")

# The processor features that compute bfloat16 matrix products natively (Linux's /proc/cpuinfo names).
_BF16_FLAGS = frozenset({"amx_bf16", "avx512_bf16"})


@functools.cache
def _cpu_flags() -> frozenset[str]:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace")
    except OSError:  # not Linux: no flags known, so no native bfloat16 assumed
        return frozenset()
    return frozenset(w for line in text.splitlines() if line.startswith("flags") for w in line.split(":", 1)[1].split())


def native_bfloat16(device: torch.device | str = "cpu") -> bool:
    """Whether ``device`` computes bfloat16 matrix products natively (so bfloat16 is faster there).

    Parameters
    ----------
    device : torch.device or str
        A CPU: the AMX-BF16 or AVX512-BF16 instructions (read from ``/proc/cpuinfo``; False where it
        cannot be read). A CUDA GPU: compute capability 8.0 or more (Ampere on; older GPUs emulate
        bfloat16, which :func:`torch.cuda.is_bf16_supported` counts by default). Any other device: False.

    Returns
    -------
    bool

    >>> native_bfloat16("meta")
    False
    """
    device = torch.device(device)
    if device.type == "cpu":
        return bool(_cpu_flags() & _BF16_FLAGS)
    if device.type == "cuda":
        return torch.cuda.is_available() and torch.cuda.get_device_capability(device)[0] >= 8
    return False


def resolve_precision(precision: str, device: torch.device | str = "cpu") -> str:
    """``"float32"`` or ``"bfloat16"``: ``precision`` itself, or for ``"auto"`` bfloat16 where ``device``
    computes it natively (:func:`native_bfloat16`) and float32 elsewhere.

    Parameters
    ----------
    precision : {"float32", "bfloat16", "auto"}
    device : torch.device or str

    Returns
    -------
    str

    Raises
    ------
    ValueError
        An unknown ``precision``, naming the valid ones.

    >>> resolve_precision("float32")
    'float32'
    >>> resolve_precision("half")
    Traceback (most recent call last):
    ...
    ValueError: unknown precision 'half': use 'float32' (the model's own numbers), 'bfloat16' (faster where the processor has it, cosine >= 0.9999 with float32) or 'auto' (bfloat16 where native, else float32)
    """
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}: use 'float32' (the model's own numbers), 'bfloat16' "
                         "(faster where the processor has it, cosine >= 0.9999 with float32) or 'auto' "
                         "(bfloat16 where native, else float32)")
    if precision == "auto":
        return "bfloat16" if native_bfloat16(device) else "float32"
    return precision


def computing_in(precision: str, device: torch.device | str = "cpu"):
    """A context in which forward passes on ``device`` compute in ``precision``.

    Parameters
    ----------
    precision : {"float32", "bfloat16", "auto"}
        Resolved first (:func:`resolve_precision`).
    device : torch.device or str

    Returns
    -------
    context manager
        :func:`torch.autocast` to bfloat16, or one that does nothing for float32.
    """
    device = torch.device(device)
    if resolve_precision(precision, device) == "bfloat16":
        return torch.autocast(device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()
