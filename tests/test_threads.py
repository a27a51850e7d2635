"""Results do not depend on the machine's thread count: the sensitive steps run pinned to one thread."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from vizlab.analysis.projection import project
from vizlab.threads import limited_threads


@pytest.fixture(scope="module")
def vectors():
    rng = np.random.default_rng(0)
    centres = rng.normal(scale=4, size=(3, 16))
    return (centres[rng.integers(0, 3, 120)] + rng.normal(size=(120, 16))).astype(np.float32)


def _with_threads(n, fn):
    """Run ``fn`` as if on an ``n``-core machine (every pool allowed ``n`` threads)."""
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        with threadpool_limits(limits=n):
            return fn()
    finally:
        torch.set_num_threads(before)


@pytest.mark.parametrize("method", ["tsne", pytest.param("umap", marks=pytest.mark.slow)])  # umap: numba compiles
def test_projection_is_bit_identical_with_1_and_2_threads(vectors, method):
    kw = {"n_epochs": 30} if method == "umap" else {"perplexity": 10.0}
    one = _with_threads(1, lambda: project(vectors, method, pca_dims=8, **kw))
    two = _with_threads(2, lambda: project(vectors, method, pca_dims=8, **kw))
    assert one.coords.tobytes() == two.coords.tobytes()


def test_limited_threads_restores_every_setting():
    from threadpoolctl import threadpool_info

    torch_before = torch.get_num_threads()
    pools_before = [p["num_threads"] for p in threadpool_info()]
    with limited_threads(1):
        assert torch.get_num_threads() == 1
        assert all(p["num_threads"] == 1 for p in threadpool_info())
    assert torch.get_num_threads() == torch_before
    assert [p["num_threads"] for p in threadpool_info()] == pools_before
    with pytest.raises(ValueError, match="positive integer"):
        with limited_threads(0):
            pass


def test_finetune_weights_identical_with_1_and_2_threads(tiny_bert):
    """The default ``num_threads=1`` trains the same weights whatever torch was set to."""
    from vizlab.extraction.finetune import finetune

    texts = ["good movie", "bad film", "great fun, loved it", "awful plot", "loved it so much",
             "hated it", "what a wonderful day", "terrible service again"]
    df = pd.DataFrame({"text": texts, "label": ["pos", "neg"] * 4})

    def train():
        res = finetune(tiny_bert, df, cache=False, epochs=1, batch_size=4, lr=1e-3, progress=False,
                       freeze_embeddings=False)
        return {k: v.detach().clone() for k, v in res.model.model.state_dict().items()}, res.n_threads

    (w1, n1), (w2, n2) = _with_threads(1, train), _with_threads(2, train)
    assert n1 == n2 == 1
    assert w1.keys() == w2.keys()
    for k in w1:
        assert torch.equal(w1[k], w2[k]), k
