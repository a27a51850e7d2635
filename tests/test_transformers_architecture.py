"""Architecture summary measured with hooks; its diagram stages; real-model checks (slow)."""

import numpy as np
import pytest

from vizlab.extraction.architecture import describe_architecture


def test_encoder_shapes_match_config(tiny_bert):
    s = describe_architecture(tiny_bert, ["the cat sat on the mat", "hi"])
    n = s.shapes["input_ids"][1]
    assert s.shapes["input_ids"] == (2, n)
    assert s.shapes["embeddings"] == (2, n, 32) == s.shapes["block"] == s.shapes["output"]
    assert s.shapes["q"] == (2, 4, n, 8) == s.shapes["k"]
    assert s.shapes["attention"] == (2, 4, n, n)
    assert s.shapes["ffn"] == (2, n, 64)
    assert (s.kind, s.positions, s.qk_norm, s.n_layers) == ("encoder", "absolute", False, 2)
    assert s.n_params == sum(p.numel() for p in tiny_bert.model.parameters())


def test_decoder_shapes_gqa_and_logits(tiny_decoder):
    s = describe_architecture(tiny_decoder, ["the cat sat"])
    n = s.shapes["input_ids"][1]
    assert s.shapes["q"] == (1, 4, n, 8) and s.shapes["k"] == (1, 2, n, 8)
    assert s.shapes["output"] == (1, n, tiny_decoder.config.vocab_size)  # LM-head logits
    assert (s.kind, s.positions, s.qk_norm, s.n_kv_heads) == ("decoder", "rotary", True, 2)


def test_diagram_stages_follow_the_summary(tiny_bert, tiny_decoder):
    from vizlab.drawings.transformers import architecture_stages

    t = lambda pt, en: en  # noqa: E731
    for lm, head_word in ((tiny_bert, "encoder output"), (tiny_decoder, "LM head")):
        s = describe_architecture(lm, ["the cat sat"])
        stages, (i0, i1, label), branches = architecture_stages(s, t)
        assert label == "× 2 blocks" and 0 < i0 < i1 < len(stages) - 1
        assert head_word in stages[-1].title
        assert any(str(s.intermediate) in st.detail for st in stages)
        if s.kind == "encoder":
            # the classifier as transformers builds it: [CLS] -> pooler -> linear; mean pooling for embeddings
            (clf_label, clf), (emb_label, emb) = branches
            assert [st.title.split()[0] for st in clf] == ["[CLS]", "pooler", "linear"]
            assert "tanh" in clf[1].detail and clf[-1].shape.endswith("3)")
            assert "mean pooling" in emb[0].detail
        else:
            assert branches == []


@pytest.mark.models
def test_real_models(minilm, gemma):
    from vizlab.analysis.attention import head_stats, is_causal
    from vizlab.extraction.run import extract
    from vizlab.studies.tokenization import SUBWORD_SENTENCE, encode

    g = extract(gemma, ["O gato está em cima do teclado."], attentions=True, hidden_states=False)[0]
    assert g.attentions.shape[:2] == (18, 4) and is_causal(g.attentions)
    np.testing.assert_allclose(g.attentions.sum(-1), 1.0, atol=1e-4)
    st = head_stats(g)
    assert np.all(st.next == 0) and st.cls.mean() > 0.5  # <bos> is Gemma's attention sink
    s = describe_architecture(gemma, ["O gato está em cima do teclado."])
    assert s.shapes["q"][1:2] == (4,) and s.shapes["k"][1:2] == (1,) and s.shapes["output"][-1] == 262144
    assert s.sliding_window == 512 and s.head_dim == 256
    # MiniLM's English WordPiece cuts the Portuguese sentence into far more pieces than Gemma
    n_minilm = len(encode(minilm, [SUBWORD_SENTENCE])[0][0])
    n_gemma = len(encode(gemma, [SUBWORD_SENTENCE])[0][0])
    assert n_minilm > 1.5 * n_gemma
