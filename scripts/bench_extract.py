#!/usr/bin/env python
"""Benchmark vizlab extraction against a bare forward pass, its cache, and embed's memory.

Prints measured numbers:
1. overhead of ``vizlab.extract`` (attentions + hidden states) and ``vizlab.embed`` over a
   bare ``model(**batch)`` forward pass on the same texts and batch size (target <= 10 %);
2. cached rerun speed-up (target >= 20x);
3. peak memory of ``embed`` on 1k vs 10k texts, each in a fresh process (target: no growth
   beyond the (n, hidden) result).

Usage: python scripts/bench_extract.py [--model minilm] [--n 512] [--skip-memory]
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _bare(lm, texts, batch_size, **flags):
    import torch

    from vizlab.extraction.batching import base_model

    body = base_model(lm)
    with torch.inference_mode():
        for s in range(0, len(texts), batch_size):
            enc = lm.tokenizer(texts[s : s + batch_size], padding=True, truncation=True, return_tensors="pt")
            body(**enc, **flags)


def _best(fn, repeat=3):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def memory_child(model: str, n: int) -> None:
    import vizlab
    from vizlab.datasets import load_sentiment

    texts = load_sentiment(n, seed=0, balanced=False).text.tolist()
    lm = vizlab.load_model(model, device="cpu")
    vizlab.embed(lm, texts[:64], cache=False, progress=False)  # warm up allocator
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    X = vizlab.embed(lm, texts, cache=False, progress=False, batch_size=32)
    dt = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"n": n, "peak_growth_mb": (after - before) / 1024, "result_mb": X.nbytes / 2**20,
                      "seconds": dt}))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="minilm")
    p.add_argument("--n", type=int, default=512, help="texts for the overhead/cache timings")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--skip-memory", action="store_true")
    p.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.memory_child:
        return memory_child(args.model, args.memory_child)

    import torch

    import vizlab
    from vizlab.cache import ArrayCache
    from vizlab.datasets import load_sentiment

    texts = load_sentiment(args.n, seed=0, balanced=False).text.tolist()
    lm = vizlab.load_model(args.model, device="cpu")
    bs = args.batch_size
    print(f"model={args.model} texts={len(texts)} batch_size={bs} torch_threads={torch.get_num_threads()} "
          f"cpus={os.cpu_count()}")
    _bare(lm, texts[:bs], bs)  # warm-up

    bare_full = _best(lambda: _bare(lm, texts, bs, output_hidden_states=True, output_attentions=True))
    ours_full = _best(lambda: vizlab.extract(lm, texts, attentions=True, batch_size=bs, cache=False, progress=False))
    bare_hid = _best(lambda: _bare(lm, texts, bs, output_hidden_states=True))
    ours_emb = _best(lambda: vizlab.embed(lm, texts, batch_size=bs, cache=False, progress=False))
    print(f"extract (attentions+hidden): bare {bare_full:.2f}s  vizlab {ours_full:.2f}s  "
          f"overhead {100 * (ours_full / bare_full - 1):+.1f}%")
    print(f"embed   (mean pooling):      bare {bare_hid:.2f}s  vizlab {ours_emb:.2f}s  "
          f"overhead {100 * (ours_emb / bare_hid - 1):+.1f}%")

    with tempfile.TemporaryDirectory() as tmp:
        store = ArrayCache("extract", root=tmp)
        t = time.perf_counter()
        vizlab.extract(lm, texts, attentions=True, batch_size=bs, cache=store, progress=False)
        cold = time.perf_counter() - t
        warm = _best(lambda: vizlab.extract(lm, texts, attentions=True, batch_size=bs, cache=store, progress=False))
        estore = ArrayCache("embed", root=tmp)
        t = time.perf_counter()
        vizlab.embed(lm, texts, cache=estore, progress=False)
        ecold = time.perf_counter() - t
        ewarm = _best(lambda: vizlab.embed(lm, texts, cache=estore, progress=False))
    print(f"cache extract: first {cold:.2f}s  rerun {warm:.3f}s  speed-up {cold / warm:.0f}x")
    print(f"cache embed:   first {ecold:.2f}s  rerun {ewarm:.3f}s  speed-up {ecold / ewarm:.0f}x")

    if not args.skip_memory:
        for n in (1000, 10000):
            out = subprocess.run([sys.executable, __file__, "--model", args.model, "--memory-child", str(n)],
                                 capture_output=True, text=True, check=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"embed memory n={n}: peak RSS growth {r['peak_growth_mb']:.1f} MiB "
                  f"(result array {r['result_mb']:.1f} MiB) in {r['seconds']:.1f}s")


if __name__ == "__main__":
    main()
