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
