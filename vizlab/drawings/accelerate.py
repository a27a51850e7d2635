"""Drawing of chapter 3 (🤗 Accelerate): the same fine-tuning in 1 process and in 2 data-parallel processes."""

from __future__ import annotations

from vizlab.drawings import DrawContext, drawing
from vizlab.plot.data_parallel import plot_data_parallel
from vizlab.sourcedata import SourceData


def draw_data_parallel(src, *, lang: str = "pt", fig=None):
    """The per-step loss of both runs and each process's share of a batch, of a
    :func:`vizlab.studies.accelerate.data_parallel` result; returns the :class:`~vizlab.plot.PlotResult`."""
    return plot_data_parallel(src["loss_one"], src["loss_many"], src["shares"], fig=fig, lang=lang)


@drawing("finetune_accelerate_ddp", section="fine_tuning")
def _data_parallel(src: SourceData, ctx: DrawContext):
    return draw_data_parallel(src, lang=ctx.lang).figure_
