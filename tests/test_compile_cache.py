"""umap-learn's numba functions are compiled once per machine, not once per process (issue 21, item 2):
a second process loads them from numba's on-disk cache and gives the same map, bit for bit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import vizlab

SCRIPT = r"""
import json, numpy as np, umap.umap_ as u
import vizlab
X = np.random.default_rng(0).normal(size=(120, 20)).astype(np.float32)
p = vizlab.project(X, "umap", random_state=0, cache=False)
fns = (u.smooth_knn_dist, u.compute_membership_strengths)
print(json.dumps({"coords": p.coords.tolist(),
                  "hits": sum(sum(f.stats.cache_hits.values()) for f in fns),
                  "misses": sum(sum(f.stats.cache_misses.values()) for f in fns)}))
"""


@pytest.mark.processes
def test_a_second_process_loads_the_compiled_umap_functions_and_draws_the_same_map(tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba"), "VIZLAB_CACHE": str(tmp_path / "vizlab"),
           "PYTHONPATH": str(Path(vizlab.__file__).parents[1])}

    def run():
        out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=600)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout.strip().splitlines()[-1])

    first, second = run(), run()
    assert first["misses"] > 0 and first["hits"] == 0  # compiled, and written to the cache
    assert any(p.name.startswith("umap_.smooth_knn_dist") for p in (tmp_path / "numba").rglob("*.nbi"))
    assert second["hits"] > 0 and second["misses"] == 0  # loaded, not compiled again
    assert first["coords"] == second["coords"]
