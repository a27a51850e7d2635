"""Data-parallel fine-tuning through accelerate: shares of a batch, 1 vs 2 processes."""

from __future__ import annotations

import numpy as np
import pytest

from vizlab.extraction.training import ProcessShare


def test_process_shares_cover_each_global_batch_once():
    batches = [[5, 1, 7, 2], [0, 3, 6], [4]]
    shares = [list(ProcessShare(batches, r, 2)) for r in range(2)]
    assert shares[0] == [[5, 7], [0, 6], [4]]
    assert shares[1] == [[1, 2], [3], [4]]  # empty share: the first text, with size 0
    s = ProcessShare(batches, 1, 2)
    sizes = [(s.global_size, s.size) for _ in s]
    assert sizes == [(4, 2), (3, 1), (1, 0)]
    assert list(ProcessShare(batches)) == batches


@pytest.mark.processes  # two fresh processes plus torchrun with 2 workers: ~50 s on 2 cores
def test_two_processes_give_the_weights_of_one():
    from vizlab.extraction.data_parallel import compare_processes

    r = compare_processes(2, epochs=1)
    assert r["max_weight_diff"] < 1e-5
    np.testing.assert_allclose(r["loss"]["1"], r["loss"]["n"], atol=1e-5)
    steps = len(r["loss"]["1"])
    assert steps == 13 and len(r["trace"]) == 2 * steps
    for step in range(1, steps + 1):
        rows = [t for t in r["trace"] if t["step"] == step]
        assert sum(t["texts"] for t in rows) == rows[0]["global_texts"]
