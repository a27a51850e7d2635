"""Draw one figure from its source data and render its files in memory: the same in the build's own
process and in a worker process (:mod:`vizlab.figures.workers`), so the bytes never depend on where
it ran. Loads no model; writes nothing.
"""

from __future__ import annotations

from vizlab.drawings import DrawContext, DrawingSpec
from vizlab.sourcedata import decode

__all__ = ["FORMATS", "Drawn", "draw"]

FORMATS = ("png", "svg")


class Drawn:
    """A drawn figure: every file's bytes and the catalogue texts the drawing read."""

    def __init__(self, files: dict[str, bytes], texts: list[str]):
        self.files = files
        self.texts = texts


def draw(spec: DrawingSpec, data: bytes, *, lang: str) -> Drawn:
    """Draw ``spec`` from its source data bytes in ``lang``; return the PNG, SVG and attached files."""
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    from vizlab.figures.save import figure_bytes
    from vizlab.i18n import recording_texts
    from vizlab.plot.style import fit_to_page, report_style
    from vizlab.seeding import fixed_random_state

    src = decode(data)
    ctx = DrawContext(lang)
    try:
        with recording_texts() as used, fixed_random_state(0), report_style():
            fig = spec.draw(src, ctx)
            if not isinstance(fig, Figure):
                raise TypeError(f"the drawing of {spec.id!r} returned {type(fig).__name__}, "
                                "expected a matplotlib Figure")
            fit_to_page(fig)
            files = {f"{spec.id}.{fmt}": figure_bytes(fig, fmt) for fmt in FORMATS}
    finally:
        plt.close("all")
    for name, text in ctx.attachments.items():
        if name in files or name == "manifest.json" or name.endswith(".data.json"):
            raise ValueError(f"ctx.attach: {name!r} is a name the build uses; pick another")
        files[name] = text.encode("utf-8")
    return Drawn(files, sorted(used))
