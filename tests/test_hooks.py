"""Named hook points and the capture context manager (tiny random models)."""

from __future__ import annotations

import pytest
import torch

from vizlab.extraction.batching import base_model, model_inputs, tokenize_batch
from vizlab.extraction.hooks import attention_modules, capture, hook_points

TEXT = "the cat sat on the mat"


def _n_hooks(lm) -> int:
    return sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in lm.model.modules())


def _run(lm, text=TEXT, **kw):
    enc = tokenize_batch(lm, [text])
    with torch.inference_mode():
        return base_model(lm)(**model_inputs(lm, enc), output_hidden_states=True, return_dict=True, **kw)


def test_hook_point_names(tiny_bert, tiny_decoder):
    bert = hook_points(tiny_bert)
    assert list(bert)[:3] == ["embed", "blocks.0", "blocks.0.attn"]
    assert {"blocks.1.attn.q_proj", "blocks.1.attn.k_proj", "blocks.1.attn.v_proj", "blocks.1.mlp.in"} <= set(bert)
    assert "final_norm" not in bert and "blocks.0.attn.q_norm" not in bert and "unembed" not in bert
    assert bert["blocks.1.attn.q_proj"] is attention_modules(tiny_bert)[1].query
    assert bert["blocks.0"] is tiny_bert.model.encoder.layer[0]
    dec = hook_points(tiny_decoder)
    assert {"blocks.0.attn.q_norm", "blocks.0.attn.k_norm", "final_norm", "unembed"} <= set(dec)
    assert dec["blocks.1.mlp.in"] is tiny_decoder.model.model.layers[1].mlp.up_proj
    assert dec["final_norm"] is tiny_decoder.model.model.norm


def test_captured_tensors_equal_direct_computation(tiny_bert):
    with capture(tiny_bert, ["blocks.0", "blocks.1.attn.q_proj"], inputs=["blocks.1.attn"]) as got:
        out = _run(tiny_bert)
    # a block's output is the next hidden state
    torch.testing.assert_close(got.output("blocks.0"), out.hidden_states[1])
    # the query projection of what entered the attention module: h W_q^T + b_q
    sa = attention_modules(tiny_bert)[1]
    h = got.input("blocks.1.attn")
    torch.testing.assert_close(h, out.hidden_states[1])
    with torch.inference_mode():
        torch.testing.assert_close(got["blocks.1.attn.q_proj"], h @ sa.query.weight.T + sa.query.bias)
    assert got.calls == {"blocks.0": 1, "blocks.1.attn.q_proj": 1, "blocks.1.attn": 1}


def test_decoder_final_norm_input_and_rotary_kwargs(tiny_decoder):
    points = hook_points(tiny_decoder)
    with capture(tiny_decoder, lambda n: n.endswith(".attn.q_norm"), inputs=["final_norm", "blocks.0.attn"]) as got:
        out = _run(tiny_decoder)
    assert set(got.outputs) == {"blocks.0.attn.q_norm", "blocks.1.attn.q_norm"}
    with torch.inference_mode():
        torch.testing.assert_close(points["final_norm"](got.input("final_norm")), out.last_hidden_state)
    cos, sin = got.kwargs["blocks.0.attn"]["position_embeddings"]
    n = out.last_hidden_state.shape[1]
    assert cos.shape[-2:] == (n, 8) and sin.shape == cos.shape


def test_hooks_are_removed_after_the_block_and_when_the_forward_raises(tiny_bert):
    before = _n_hooks(tiny_bert)
    with capture(tiny_bert, lambda n: True, inputs=lambda n: True) as got:
        assert _n_hooks(tiny_bert) > before
        _run(tiny_bert)
    assert _n_hooks(tiny_bert) == before and got.outputs
    bad = torch.tensor([[tiny_bert.model.config.vocab_size + 5]])  # an id past the embedding matrix
    with pytest.raises(IndexError), capture(tiny_bert, ["embed", "blocks.0"], inputs=["blocks.0.attn"]):
        tiny_bert.model(input_ids=bad)
    assert _n_hooks(tiny_bert) == before
    with pytest.raises(RuntimeError, match="boom"), capture(tiny_bert, ["blocks.0"]) as got:
        _run(tiny_bert)
        raise RuntimeError("boom")
    assert _n_hooks(tiny_bert) == before and "blocks.0" in got
    # after the block nothing is recorded any more
    got.outputs.clear()
    _run(tiny_bert)
    assert not got.outputs


def test_unknown_names_are_refused_before_anything_is_hooked(tiny_bert):
    before = _n_hooks(tiny_bert)
    with pytest.raises(KeyError, match="no hook point 'blocks.0.attn.q_norm'.*blocks.0.attn.q_proj"):
        with capture(tiny_bert, ["blocks.0", "blocks.0.attn.q_norm"]):
            pass  # pragma: no cover
    assert _n_hooks(tiny_bert) == before


def test_last_call_is_kept_and_calls_are_counted(tiny_bert):
    with capture(tiny_bert, "blocks.0") as got:
        _run(tiny_bert, "a")
        out = _run(tiny_bert)
    assert got.calls["blocks.0"] == 2
    torch.testing.assert_close(got.output("blocks.0"), out.hidden_states[1])
