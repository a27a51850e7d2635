"""Data-parallel fine-tuning on the CPU: 1 process vs 2 (torchrun, gloo), same global batch.

Trains the small classifier of :func:`vizlab.extraction.data_parallel.compare_processes`
(2-layer BERT, hidden 32, dropout off, 99 tweets, global batch 8, 3 epochs: 39 steps, the last
batch of each epoch has 3 texts split 2 + 1) once in one process and once under
``torchrun --nproc_per_node 2``; prints the timings, the loss curves' largest difference and,
last, the largest weight difference (float round-off when the data-parallel loop is right).

    nice .venv/bin/python scripts/bench_ddp.py [--processes 2]
"""

from __future__ import annotations

import argparse

import numpy as np

from vizlab.extraction.data_parallel import compare_processes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--processes", type=int, default=2)
    args = ap.parse_args()
    r = compare_processes(args.processes)
    s, n = r["setup"], r["n_processes"]
    l1, ln = np.array(r["loss"]["1"]), np.array(r["loss"]["n"])
    shares = sorted({(t["global_texts"], t["texts"]) for t in r["trace"] if t["rank"] == n - 1})
    print(f"setup: {s['n_texts']} texts, global batch {s['batch_size']}, {s['epochs']} epochs, "
          f"{len(l1)} steps, BERT {s['layers']} layers x hidden {s['hidden']}, dropout off")
    print(f"1 process: {r['seconds']['1']:.2f} s of training; {n} processes: {r['seconds']['n']:.2f} s")
    print(f"(global batch, texts of the last process): {shares}")
    print(f"max loss diff per step: {np.abs(l1 - ln).max():.3g}")
    print(f"max weight diff 1 vs {n} processes: {r['max_weight_diff']:.3g}")


if __name__ == "__main__":
    main()
