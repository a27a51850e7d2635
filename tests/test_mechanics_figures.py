"""Pipeline, padding, masks and attribution figures: recipes checked against independent computations,
plots checked by what they drew."""

from __future__ import annotations

import numpy as np
import pytest
import torch

LABELS = ("negative", "neutral", "positive")
TEXT = "I love this movie, but the ending was terrible!"


@pytest.fixture(scope="module")
def tiny_clf(bert_tokenizer):
    from transformers import BertConfig, BertForSequenceClassification

    from vizlab.extraction.models import wrap_model

    cfg = BertConfig(vocab_size=bert_tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2,
                     num_attention_heads=4, intermediate_size=64, max_position_embeddings=64,
                     initializer_range=0.3, num_labels=3, id2label=dict(enumerate(LABELS)),
                     label2id={x: i for i, x in enumerate(LABELS)})
    torch.manual_seed(0)
    return wrap_model(BertForSequenceClassification(cfg).eval(), bert_tokenizer, name="tiny-clf")


# ------------------------------------------------------------------------------------------ pipeline


def test_classify_steps_equal_transformers_pipeline(tiny_clf):
    from vizlab.extraction.pipeline import classify_steps, pipeline_probabilities

    st = classify_steps(tiny_clf, TEXT)
    ref = pipeline_probabilities(tiny_clf, TEXT)
    assert set(ref) == set(LABELS)
    np.testing.assert_allclose(st.probabilities, [ref[x] for x in st.labels], atol=1e-6)
    # every step is consistent: ids are the tokenizer's, softmax of the logits, head of the pooled vector
    assert st.tokens == tiny_clf.tokenizer.tokenize(TEXT, add_special_tokens=True)
    assert st.input_ids.tolist() == tiny_clf.tokenizer(TEXT)["input_ids"]
    e = np.exp(st.logits - st.logits.max())
    np.testing.assert_allclose(st.probabilities, e / e.sum(), atol=1e-12)
    assert st.head_max_error < 1e-5
    assert st.pooled.shape == (32,) and st.label == LABELS[int(np.argmax(st.logits))]


def test_classify_steps_bad_input(tiny_bert, tiny_clf):
    from vizlab.extraction.pipeline import classify_steps

    with pytest.raises(ValueError, match="classification head"):
        classify_steps(tiny_bert, TEXT)
    with pytest.raises(ValueError, match="empty"):
        classify_steps(tiny_clf, "")


def test_plot_pipeline_draws_the_numbers():
    from vizlab.plot.pipeline import plot_classifier_pipeline

    z = np.array([1.14, -1.55, 0.53])
    p = np.exp(z) / np.exp(z).sum()
    r = plot_classifier_pipeline(z, probabilities=p, labels=LABELS, label_names=["negativo", "neutro", "positivo"],
                                 text=TEXT, tokens=["[CLS]", "i", "␣love", "[SEP]"], ids=[101, 1045, 2293, 102],
                                 vector=np.linspace(-1, 1, 8), n_layers=6, lang="pt")
    widths = [b.get_width() for b in r.artists_["prob_bars"]]
    np.testing.assert_allclose(widths, p)
    np.testing.assert_allclose([b.get_width() for b in r.artists_["logit_bars"]], z)
    shown = [t.get_text() for t in r.artists_["tokens"]]
    assert shown[:4] == ["[CLS]", "101", "i", "1045"]
    assert r.artists_["label"].get_text() == "negativo"
    texts = [t.get_text() for t in r.axes_["probs"].texts]
    assert "62,1 %" in texts  # decimal comma
    assert "1,14" in [t.get_text() for t in r.axes_["logits"].texts]
    np.testing.assert_allclose(r.im_.get_array()[0], np.linspace(-1, 1, 8))


# ------------------------------------------------------------------------------------------ masks


def test_model_masks_encoder_and_decoder(tiny_bert, tiny_decoder):
    from vizlab.extraction.masks import model_mask

    enc = model_mask(tiny_bert, "the cat sat on the mat")
    assert enc.allowed.all() and enc.predictions is None and enc.tokens[0] == "[CLS]"
    dec = model_mask(tiny_decoder, "the cat sat on the mat")
    n = len(dec.tokens)
    np.testing.assert_array_equal(dec.allowed, np.tril(np.ones((n, n), bool)))
    # the predictions are the argmax of the model's own logits at each position
    enc_ids = tiny_decoder.tokenizer("the cat sat on the mat", return_tensors="pt")
    with torch.no_grad():
        top = tiny_decoder.model(**enc_ids).logits[0].argmax(-1).tolist()
    assert dec.predictions == tiny_decoder.tokenizer.convert_ids_to_tokens(top)


def test_encoder_decoder_masks_from_config():
    from transformers import BartConfig, T5Config

    from vizlab.extraction.masks import encoder_decoder_masks

    for cfg in (T5Config(d_model=16, d_kv=4, d_ff=32, num_layers=1, num_heads=2, vocab_size=100),
                BartConfig(d_model=16, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2,
                           decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32, vocab_size=100)):
        m = encoder_decoder_masks(cfg, 5, 4)
        assert m["encoder"].shape == (5, 5) and m["encoder"].all()
        np.testing.assert_array_equal(m["decoder"], np.tril(np.ones((4, 4), bool)))
        assert m["cross"].shape == (4, 5) and m["cross"].all()
    with pytest.raises(ValueError, match="not an encoder-decoder"):
        from transformers import BertConfig

        encoder_decoder_masks(BertConfig(), 3, 3)


def test_plot_architecture_masks_draws_the_masks():
    from vizlab.plot.masks import plot_architecture_masks

    causal = np.tril(np.ones((3, 3), bool))
    r = plot_architecture_masks(
        [{"allowed": np.ones((3, 3), bool), "queries": list("abc"), "keys": list("abc"), "group": 0, "title": "enc"},
         {"allowed": causal, "queries": list("abc"), "keys": list("abc"), "group": 1, "title": "dec",
          "predictions": ["x", "y", "z"]}],
        legend=("pode olhar", "bloqueado"), suptitles=("Encoder", "Decoder"))
    np.testing.assert_array_equal(r.axes_["panel1"].images[0].get_array(), causal.astype(float))
    preds = [t.get_text() for t in r.artists_["panels"][1].artists_["predictions"]]
    assert preds == ["→ x", "→ y", "→ z"]
    assert [t.get_text() for t in r.artists_["legend"].get_texts()] == ["pode olhar", "bloqueado"]
    assert {"Encoder", "Decoder"} <= {t.get_text() for t in r.figure_.texts}
