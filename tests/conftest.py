"""Shared fixtures: tiny random models built from a config (fast), real shipped models (slow).

Each test session gets its own, empty vizlab cache (``$VIZLAB_CACHE`` is set here, before
vizlab is imported, and inherited by the CLI subprocesses): extraction, embeddings, projections
and fine-tuned models are all recomputed, so a warm user cache cannot hide a regression. Only
the converted model folders (``models/``: the dequantized Gemma, ~2 min to convert, part of the
installation rather than a result) are shared with the user's cache: on a fresh machine the first
test process that needs Gemma converts it there, once, and the others wait for it.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _session_cache() -> Path:
    from platformdirs import user_cache_dir

    user = Path(os.environ.get("VIZLAB_CACHE") or user_cache_dir("vizlab")).expanduser()
    session = Path(tempfile.mkdtemp(prefix="vizlab-test-cache-"))
    atexit.register(shutil.rmtree, session, ignore_errors=True)
    # Converted models are part of the installation, not results: the user's models/ folder is
    # shared (created if missing), so a fresh machine converts Gemma once, whichever test process
    # needs it first; the other pytest-xdist workers wait for it (vizlab.cache.build_folder_once).
    try:
        (user / "models").mkdir(parents=True, exist_ok=True)
        (session / "models").symlink_to((user / "models").resolve(), target_is_directory=True)
    except OSError:  # a read-only user cache: convert into the session cache
        pass
    os.environ["VIZLAB_CACHE"] = str(session)
    return session


SESSION_CACHE = _session_cache()

# Kinds of slow tests (pyproject.toml [tool.pytest.ini_options] markers): each is also "slow".
SLOW_KINDS = ("models", "figures", "browser", "processes")


def pytest_collection_modifyitems(config, items):
    """Mark what is slow: tests on the real models (the minilm/gemma fixtures) are "models", tests
    of the one all-figures build (the built fixture) are "figures", and every test of a slow kind
    is also "slow", so ``-m "not slow"`` (make test-fast) leaves them all out."""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if names & {"minilm", "gemma"}:
            item.add_marker(pytest.mark.models)
        if "built" in names:
            item.add_marker(pytest.mark.figures)
        if any(item.get_closest_marker(kind) for kind in SLOW_KINDS):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


SENTIMENT_LABELS = ("negative", "neutral", "positive")


@pytest.fixture(scope="module")
def tiny_clf(bert_tokenizer):
    """A 2-layer BERT sentiment classifier with random weights (larger init so the logits depend on the
    text; eager attention so attention weights can be returned)."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    from vizlab.extraction.models import wrap_model

    cfg = BertConfig(vocab_size=bert_tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2,
                     num_attention_heads=4, intermediate_size=64, max_position_embeddings=64,
                     initializer_range=0.3, num_labels=3, id2label=dict(enumerate(SENTIMENT_LABELS)),
                     label2id={x: i for i, x in enumerate(SENTIMENT_LABELS)})
    cfg._attn_implementation = "eager"
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = BertForSequenceClassification(cfg).eval()
    return wrap_model(model, bert_tokenizer, name="tiny-clf")


@pytest.fixture(scope="session")
def bert_tokenizer():
    """The WordPiece tokenizer shipped with MiniLM (a local folder, no network)."""
    from tiny_models import minilm_tokenizer

    return minilm_tokenizer()


@pytest.fixture(scope="session")
def tiny_bert(bert_tokenizer):
    """A 2-layer, 4-head, hidden-32 BERT with random weights (builds in well under a second)."""
    from tiny_models import tiny_bert

    return tiny_bert(bert_tokenizer)


@pytest.fixture(scope="session")
def tiny_decoder(bert_tokenizer):
    """A 2-layer Gemma-3-style causal LM with grouped-query attention (4 query heads, 2 kv heads)."""
    from transformers import Gemma3TextConfig

    from vizlab.extraction.models import model_from_config

    cfg = Gemma3TextConfig(vocab_size=bert_tokenizer.vocab_size, hidden_size=32, intermediate_size=64,
                           num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, head_dim=8,
                           max_position_embeddings=128, sliding_window=16,
                           pad_token_id=bert_tokenizer.pad_token_id)
    return model_from_config(cfg, bert_tokenizer, name="tiny-decoder", seed=0, causal=True)


@pytest.fixture(scope="session")
def minilm():
    import vizlab

    return vizlab.load_model("minilm", device="cpu")


@pytest.fixture(scope="session")
def gemma():
    import vizlab

    return vizlab.load_model("gemma-270m", device="cpu")
