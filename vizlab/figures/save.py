"""The one place figures are written: PNG + SVG, deterministic bytes, atomic writes."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib as mpl
from matplotlib.figure import Figure

from vizlab.cache import atomic_write_bytes
from vizlab.plot.style import SAVE_DPI

__all__ = ["save_figure", "figure_bytes", "DPI"]

DPI = SAVE_DPI  # vizlab.plot.style measures the printed size at it


def figure_bytes(fig: Figure, fmt: str, *, dpi: int = DPI) -> bytes:
    """Render ``fig`` to bytes with no timestamps or random ids (same figure -> same bytes)."""
    meta = {
        "png": {"Software": None},
        "svg": {"Date": None, "Creator": None},
        "pdf": {"Creator": None, "Producer": None, "CreationDate": None},
    }[fmt]
    buf = io.BytesIO()
    with mpl.rc_context({"svg.hashsalt": "vizlab", "svg.fonttype": "path"}):
        fig.savefig(buf, format=fmt, dpi=dpi, metadata=meta, bbox_inches="tight", facecolor="white")
    return buf.getvalue()


def save_figure(fig: Figure, out_dir: str | Path, stem: str, *, formats=("png", "svg"), dpi: int = DPI) -> list[Path]:
    """Write ``fig`` as ``out_dir/stem.png`` and ``.svg``; each file is replaced atomically.

    Every format is rendered before anything is written, so a failure leaves the previous
    files untouched. Returns the paths written.
    """
    out_dir = Path(out_dir)
    rendered = {fmt: figure_bytes(fig, fmt, dpi=dpi) for fmt in formats}
    paths = []
    for fmt, data in rendered.items():
        path = out_dir / f"{stem}.{fmt}"
        atomic_write_bytes(path, data)
        paths.append(path)
    return paths
