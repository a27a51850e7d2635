#!/usr/bin/env python
"""Benchmark the figure script: a cold run (empty cache) vs a warm rerun with nothing changed.

Both runs are ``scripts/make_figures.py`` in a fresh process, writing into a temporary folder
with a temporary, empty ``$VIZLAB_CACHE`` (only the converted model folders are linked in: they
are part of the installation, not of the computation). The warm run must rebuild nothing.
Prints both wall times and their ratio (target: warm <= 5 % of cold).

    python scripts/bench_figures.py                      # every figure (minutes)
    python scripts/bench_figures.py --only embeddings_similarity tokenization_subwords
    python scripts/bench_figures.py --section attention --determinism

``--determinism`` adds a third, forced run and checks that every PNG/SVG/HTML is
byte-identical to the cold run's.

``--jobs 1 2`` instead builds the selection cold once per number of worker processes (each run
with its own empty cache, so nothing computed by one run is reused by the other), prints each
wall time and the ratio to the first (target for 2 workers: <= 0.6 of one), and checks that every
file and every recorded number is the same for all of them:

    python scripts/bench_figures.py --jobs 1 2             # the whole set: 2 cold builds, ~25 min

``--threads 1 2`` does the same per thread count (``OMP_NUM_THREADS``, ``MKL_NUM_THREADS``,
``OPENBLAS_NUM_THREADS``, ``NUMBA_NUM_THREADS`` set to N, one worker):

    python scripts/bench_figures.py --threads 1 2          # the whole set: about 2 cold builds
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from vizlab.cache import cache_dir  # noqa: E402

TARGET = 0.05
JOBS_TARGET = 0.6  # cold build with 2 workers vs one worker


def _run(args: list[str], env: dict) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "make_figures.py"), *args],
                          env=env, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SystemExit(f"make_figures.py {' '.join(args)} failed (exit {proc.returncode})")
    return dt, proc.stdout


def _summary(stdout: str) -> str:
    m = re.search(r"^(\d+ built, \d+ up to date, \d+ failed)", stdout, re.M)
    return m.group(1) if m else "?"


def _files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())
            if p.suffix in {".png", ".svg", ".html"}}


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} logical CPUs, Python {platform.python_version()}"


def _empty_cache(path: Path) -> Path:
    """An empty vizlab cache with only the installed (converted) models linked in, not results."""
    path.mkdir(parents=True)
    if (cache_dir() / "models").is_dir():
        (path / "models").symlink_to(cache_dir() / "models", target_is_directory=True)
    return path


def _seed_times(out: Path, times_from: Path | None) -> None:
    """Give ``out`` a manifest holding only each figure's last build time (from ``times_from``), as
    figures/ has when `make figures` rebuilds it: workers order the work by those times. Every
    figure is still stale (no key), so all are built."""
    if times_from is None or not times_from.is_file():
        return
    out.mkdir(parents=True)
    rows = [{"id": e["id"], "seconds": e.get("seconds")} for e in json.loads(times_from.read_text())]
    (out / "manifest.json").write_text(json.dumps(rows))


def _compare(tmp: Path, select: list[str], runs: list[tuple[str, list[str], dict]],
             target: float | None = None, times_from: Path | None = None) -> int:
    """Cold builds, one per ``(label, extra arguments, extra environment)``, each on its own empty
    cache; 1 if any file or recorded number differs from the first run's."""
    print(f"machine: {_machine()}")
    files, seconds = {}, {}
    for i, (label, args, env_extra) in enumerate(runs):
        out, cache = tmp / f"figures-{i}", _empty_cache(tmp / f"cache-{i}")
        _seed_times(out, times_from)
        env = {**os.environ, "VIZLAB_CACHE": str(cache), "MPLBACKEND": "Agg", **env_extra}
        seconds[label], log = _run([*select, *args, "--out", str(out)], env)
        ratio = "" if not i else f"  = {seconds[label] / seconds[runs[0][0]]:.2f} x {runs[0][0]}"
        if i and target is not None:
            ratio += f" (target <= {target}: {'met' if seconds[label] <= target * seconds[runs[0][0]] else 'NOT met'})"
        print(f"{label:>12}: {seconds[label]:8.1f} s  ({_summary(log)}){ratio}", flush=True)
        files[label] = _files(out)
        files[label]["manifest results"] = json.dumps(  # the numbers REPORT quotes (timings aside)
            {e["id"]: {k: v for k, v in (e.get("results") or {}).items() if not k.endswith("seconds")}
             for e in json.loads((out / "manifest.json").read_text())}, sort_keys=True).encode()
    ref = files[runs[0][0]]
    differ = sorted({name for label, _, _ in runs[1:] for name in set(ref) | set(files[label])
                     if files[label].get(name) != ref.get(name)})
    print(f"{len(ref) - len(differ)}/{len(ref)} files byte-identical across {', '.join(files)}")
    if differ:
        print("  differ: " + ", ".join(differ))
    return 1 if differ else 0


_THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--only", nargs="+", metavar="ID", help="benchmark only these figures")
    p.add_argument("--section", help="benchmark only this section")
    p.add_argument("--determinism", action="store_true",
                   help="also force a rebuild and check the files are byte-identical")
    p.add_argument("--threads", nargs="+", type=int, metavar="N",
                   help="build cold once per thread count (one worker) and compare the files byte for byte")
    p.add_argument("--jobs", nargs="+", type=int, metavar="N",
                   help="build cold once per number of worker processes, compare times and files")
    p.add_argument("--times-from", type=Path, default=ROOT / "figures" / "manifest.json", metavar="MANIFEST",
                   help="with --jobs/--threads: order the work by the figure times this manifest recorded, "
                        "as make figures does with figures/ (default: figures/manifest.json; a missing file: none)")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = p.parse_args(argv)
    select = (["--only", *args.only] if args.only else []) + (["--section", args.section] if args.section else [])

    tmp = Path(tempfile.mkdtemp(prefix="vizlab-bench-"))
    runs = [(f"{n} thread{'s' * (n > 1)}", ["--jobs", "1"], {v: str(n) for v in _THREAD_VARS})
            for n in args.threads or []]
    runs += [(f"{n} worker{'s' * (n > 1)}", ["--jobs", str(n)], {}) for n in args.jobs or []]
    if runs:
        try:
            return _compare(tmp, select, runs, JOBS_TARGET if args.jobs else None, args.times_from)
        finally:
            if args.keep:
                print(f"kept {tmp}")
            else:
                shutil.rmtree(tmp, ignore_errors=True)
    out, cache = tmp / "figures", _empty_cache(tmp / "cache")
    env = {**os.environ, "VIZLAB_CACHE": str(cache), "MPLBACKEND": "Agg"}
    try:
        print(f"machine: {_machine()}")
        cold, log_cold = _run([*select, "--out", str(out)], env)  # on every core (--jobs auto)
        print(f"cold run : {cold:8.1f} s  ({_summary(log_cold)})")
        warm, log_warm = _run([*select, "--out", str(out)], env)
        print(f"warm run : {warm:8.1f} s  ({_summary(log_warm)})")
        if not re.search(r"^0 built, \d+ up to date, 0 failed", log_warm, re.M):
            raise SystemExit("the warm run rebuilt figures: the build is not incremental")
        ratio = warm / cold
        print(f"ratio    : {ratio:8.1%}  (target <= {TARGET:.0%}: {'met' if ratio <= TARGET else 'NOT met'})")
        if args.determinism:
            before = _files(out)
            forced, _ = _run([*select, "--out", str(out), "--force"], env)
            after = _files(out)
            same = [n for n in before if after.get(n) == before[n]]
            print(f"forced   : {forced:8.1f} s  (extraction cache warm); "
                  f"{len(same)}/{len(before)} files byte-identical")
            if len(same) != len(before):
                print("  differ: " + ", ".join(sorted(set(before) - set(same))))
                return 1
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
