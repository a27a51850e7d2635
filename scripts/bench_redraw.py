"""Measure a redraw from the committed source data: what a change to the drawing layer alone costs.

    python scripts/bench_redraw.py [--jobs 2] [--touch vizlab/plot/style.py]

Clones this checkout (HEAD) into a temporary folder, points ``VIZLAB_CACHE`` at an empty folder
(a fresh machine), appends a comment to a module of the drawing layer (default
``vizlab/plot/style.py``, which every drawing's key includes), runs ``vizlab figures`` there and
prints: the wall time, how many figures were computed and how many drawn from their source data,
whether any model or torch was imported by the workers' drawing (the build's own summary line),
and whether every PNG/SVG/HTML and source data file is byte-identical to the committed one.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--jobs", default="2")
    p.add_argument("--touch", default="vizlab/plot/style.py", help="drawing-layer file to edit")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="vizlab-redraw-") as tmp:
        clone, cache = Path(tmp) / "clone", Path(tmp) / "cache"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        cache.mkdir()
        with open(clone / args.touch, "a", encoding="utf-8") as fh:
            fh.write("\n# an edit to the drawing layer\n")
        env = {**os.environ, "VIZLAB_CACHE": str(cache), "PYTHONPATH": str(clone)}
        t0 = time.perf_counter()
        run = subprocess.run([sys.executable, "-m", "vizlab.cli", "figures", "--jobs", args.jobs], cwd=clone,
                             env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - t0
        summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr[-2000:]
        print(f"vizlab figures after editing {args.touch} (empty cache, --jobs {args.jobs}): {seconds:.1f} s")
        print(f"  {summary}")
        m = re.search(r"(\d+) built \((\d+) computed, (\d+) drawn", summary)
        same = differ = 0
        for path in sorted((ROOT / "figures").iterdir()):
            if path.is_file() and path.name != "manifest.json":
                ok = (clone / "figures" / path.name).read_bytes() == path.read_bytes()
                same += ok
                differ += not ok
                if not ok:
                    print(f"  DIFFERENT: {path.name}")
        print(f"  files byte-identical to the committed ones: {same} of {same + differ}")
        converted = list((cache / "models").glob("*")) if (cache / "models").exists() else []
        print(f"  model folders created in the empty cache: {len(converted)}")
        ok = run.returncode == 0 and m is not None and m.group(2) == "0" and differ == 0
        print("OK" if ok else "NOT OK")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
