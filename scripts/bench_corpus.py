"""Corpus-scale embedding: peak resident memory and texts/s of ``vizlab.embed_corpus``.

Each size runs in a fresh process (so ``ru_maxrss`` is that run's peak) on a CSV made by
repeating the shipped tweets (``vizlab.datasets.load_sentiment(None)``, ~38k texts) up to
the size, with MiniLM (``minilm`` preset), mean pooling, the default batch and shard sizes.

    nice .venv/bin/python scripts/bench_corpus.py                 # 10k and 100k texts
    nice .venv/bin/python scripts/bench_corpus.py --sizes 4000 12000 --shard-size 1000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _current_rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def worker(n: int, tmp: Path, device: str, shard_size: int) -> dict:
    import pandas as pd
    import torch

    import vizlab
    from vizlab.datasets import load_sentiment

    csv = tmp / f"texts-{n}.csv"
    df = load_sentiment(None)[["text", "label"]]
    df["text"] = df["text"].str.replace("\r", " ")  # pandas' CSV writer leaves a bare CR unquoted
    reps = -(-n // len(df))
    pd.concat([df] * reps, ignore_index=True).iloc[:n].to_csv(csv, index=False)
    del df
    lm = vizlab.load_model("minilm", device=device)
    # resident memory after each shard is written (the shard writer is wrapped, nothing else changes)
    import vizlab.extraction.corpus as corpus

    trace, write = [], corpus.write_shard

    def traced_write(path, data):
        write(path, data)
        trace.append(round(_current_rss_mb()))

    corpus.write_shard = traced_write
    before = _rss_mb()
    t0 = time.perf_counter()
    run = vizlab.embed_corpus(lm, csv, tmp / f"vectors-{n}.parquet", label_col="label", shard_size=shard_size,
                              progress=False)
    seconds = time.perf_counter() - t0
    assert run.n_rows == n, run
    return {"texts": n, "seconds": round(seconds, 1), "texts_per_s": round(n / seconds, 1),
            "rss_before_mb": round(before), "peak_rss_mb": round(_rss_mb()),
            "shards": run.n_shards, "rss_after_each_shard_mb": trace, "threads": torch.get_num_threads(), "device": device}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--shard-size", type=int, default=10_000, help="texts per shard (default: the API's 10,000)")
    ap.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--tmp", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, Path(args.tmp), args.device, args.shard_size)))
        return
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            res = subprocess.run([sys.executable, __file__, "--worker", str(n), "--tmp", tmp,
                                  "--device", args.device, "--shard-size", str(args.shard_size)],
                                 capture_output=True, text=True, env={**os.environ, "TQDM_DISABLE": "1"})
            if res.returncode:
                sys.exit(f"size {n} failed:\n{res.stderr[-3000:]}")
            rows.append(json.loads(res.stdout.strip().splitlines()[-1]))
            r = rows[-1]
            print(f"{r['texts']:>7} texts  {r['seconds']:>7.1f} s  {r['texts_per_s']:>6.1f} texts/s  "
                  f"RSS after model load {r['rss_before_mb']} MB, peak {r['peak_rss_mb']} MB  "
                  f"({r['shards']} shards, {r['threads']} threads, {r['device']})", flush=True)
            print(f"        resident memory after each shard (MB): {r['rss_after_each_shard_mb']}", flush=True)
    if len(rows) > 1:
        a, b = rows[0], rows[-1]
        print(f"peak RSS {a['texts']} -> {b['texts']} texts: {a['peak_rss_mb']} -> {b['peak_rss_mb']} MB "
              f"({b['peak_rss_mb'] - a['peak_rss_mb']:+d} MB for {b['texts'] / a['texts']:.0f}x the texts)")


if __name__ == "__main__":
    main()
