"""Drawing of the attribution of generated text (study: :mod:`vizlab.studies.generation`): the heatmap of
each generated token against the tokens before it, and the offline page where hovering a generated token
shows what it rests on."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from vizlab.drawings import DrawContext, drawing
from vizlab.i18n import Lang
from vizlab.interactive.generation import generation_html
from vizlab.plot.attribution import plot_generation_attribution
from vizlab.plot.style import report_style
from vizlab.sourcedata import SourceData

__all__ = ["draw_generation_attribution"]

WIDTH_IN = 183 / 25.4  # Nature's double column


def _title(src, tr: Lang) -> str:
    gen = "".join(src["tokens"][src["n_prompt"]:]).replace("␣", " ")
    worst = tr.pct(float(np.max(src["gaps"])), 1)
    return tr.t(f"{src['model']}: “{src['prompt']}” → “{gen.strip()}”\n"
                f"decodificação gulosa; lacuna de completude ≤ {worst} em cada linha",
                f"{src['model']}: “{src['prompt']}” → “{gen.strip()}”\n"
                f"greedy decoding; completeness gap ≤ {worst} in every row")


def draw_generation_attribution(src, *, lang: str = "pt", fig=None):
    """Heatmap of one :func:`vizlab.studies.generation.generation_attribution` result, in the report style.

    Parameters
    ----------
    src : dict or SourceData
        ``tokens``, ``n_prompt``, ``matrix``, ``gaps``, ``model``, ``prompt``.
    lang : {"pt", "en"}
    fig : Figure, optional
        Default: 183 mm wide, as tall as the rows need.

    Returns
    -------
    PlotResult
        Of :func:`~vizlab.plot.attribution.plot_generation_attribution`.
    """
    tr = Lang(lang)
    n_gen = len(src["tokens"]) - int(src["n_prompt"])
    with report_style():
        if fig is None:
            fig = plt.figure(figsize=(WIDTH_IN, 1.7 + 0.22 * n_gen), layout="constrained")
        ax = fig.add_subplot()
        r = plot_generation_attribution(src["matrix"], tokens=src["tokens"], n_prompt=int(src["n_prompt"]),
                                        gaps=src["gaps"], lang=lang, ax=ax)
        ax.set_title(_title(src, tr), fontsize=8, loc="left", pad=16)
        for t in ax.get_xticklabels():  # upright columns: slanted labels' boxes cross their neighbours'
            t.set(rotation=90, ha="center", rotation_mode="default")
        return r


@drawing("attribution_generation", section="attention")
def _attribution_generation(src: SourceData, ctx: DrawContext):
    r = draw_generation_attribution(src, lang=ctx.lang)
    ctx.attach("attribution_generation.html", generation_html(src, lang=ctx.lang))
    return r.figure_
