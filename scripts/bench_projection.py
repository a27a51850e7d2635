#!/usr/bin/env python
"""Benchmark vizlab's seeded UMAP route against plain ``umap.UMAP(random_state=0)``.

Both run on the same MiniLM sentence embeddings (mean-pooled last layer) of the shipped
sentiment tweets, 2,000 and 10,000 of them, in one process. For each: wall time, the time
ratio, and scikit-learn's trustworthiness (k = 15, euclidean in the 384-d space) of the map.
Numba compilation is done once beforehand on a small set for both paths and reported
separately. vizlab's route is also run twice to check it is reproducible.

    .venv/bin/python scripts/bench_projection.py [--sizes 2000 10000] [--epochs 100 200]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[2000, 10000])
    p.add_argument("--epochs", type=int, nargs="+", default=[100, 200],
                   help="vizlab n_epochs variants to measure")
    p.add_argument("--k", type=int, default=15, help="neighbours for trustworthiness")
    p.add_argument("--json", type=Path, help="also write the results here")
    args = p.parse_args(argv)

    import numpy as np
    import umap
    from sklearn.manifold import trustworthiness

    import vizlab
    from vizlab.analysis.projection import project
    from vizlab.datasets import load_sentiment

    warnings.filterwarnings("ignore", module="umap")
    n_max = max(args.sizes)
    df = load_sentiment(n_max, seed=0)
    t = time.perf_counter()
    X_all = vizlab.embed(vizlab.load_model("minilm", device="cpu"), df["text"].tolist(), progress=False)
    print(f"embeddings: {X_all.shape} in {time.perf_counter() - t:.1f}s (cached after the first run)")

    t = time.perf_counter()
    small = X_all[:500]
    umap.UMAP(random_state=0).fit_transform(small)
    umap.UMAP(random_state=0, force_approximation_algorithm=True).fit_transform(small)
    warm_umap = time.perf_counter() - t
    t = time.perf_counter()
    project(small, "umap", random_state=0)
    warm_vizlab = time.perf_counter() - t
    print(f"numba warm-up (not in the timings below): umap-learn {warm_umap:.1f}s, "
          f"then vizlab's path {warm_vizlab:.1f}s")

    rows = []
    for n in args.sizes:
        X = X_all[:n]
        t = time.perf_counter()
        Y = umap.UMAP(random_state=0).fit_transform(X)
        base_s = time.perf_counter() - t
        base_tw = trustworthiness(X, Y, n_neighbors=args.k)
        row = {"n": n, "umap_s": round(base_s, 2), "umap_trust": round(float(base_tw), 4)}
        print(f"\nn={n}: umap.UMAP(random_state=0)  {base_s:7.1f}s  trustworthiness {base_tw:.4f}", flush=True)
        for ep in args.epochs:
            t = time.perf_counter()
            P = project(X, "umap", random_state=0, n_epochs=ep, cache=False, progress=False)
            s = time.perf_counter() - t
            tw = trustworthiness(X, P.coords, n_neighbors=args.k)
            same = np.array_equal(P.coords, project(X, "umap", random_state=0, n_epochs=ep, cache=False,
                                                    progress=False).coords) if n == min(args.sizes) else None
            row[f"vizlab{ep}_s"] = round(s, 2)
            row[f"vizlab{ep}_trust"] = round(float(tw), 4)
            row[f"vizlab{ep}_speedup"] = round(base_s / s, 1)
            rep = "" if same is None else f"  reproducible: {same}"
            print(f"  vizlab.project(n_epochs={ep})  {s:7.1f}s  trustworthiness {tw:.4f}  "
                  f"speed-up {base_s / s:4.1f}x  Δtrust {tw - base_tw:+.4f}{rep}", flush=True)
            print(f"    {P.describe()}")
        rows.append(row)

    info = {"machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores "
                       f"(shared with other jobs while measured)",
            "umap": umap.__version__, "k": args.k, "rows": rows}
    if args.json:
        args.json.write_text(json.dumps(info, indent=2) + "\n")
    print("\n" + json.dumps(info))
    return 0


if __name__ == "__main__":
    sys.exit(main())
