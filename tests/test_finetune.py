"""Fine-tuning: a tiny random BERT on a handful of texts (fast), the real MiniLM (slow)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from vizlab.extraction.batching import tokenize_batch
from vizlab.extraction.finetune import FineTuneResult, finetune, predict
from vizlab.extraction.models import state_fingerprint
from vizlab.extraction.run import embed_layers, extract

TEXTS = ["good movie", "bad film", "great fun, loved it", "awful plot", "loved it so much", "hated it",
         "what a wonderful day", "terrible service again", "nice", "worst ever", "so happy today",
         "really sad and angry"]
LABELS = ["pos", "neg"] * 6
FAST = {"epochs": 2, "batch_size": 4, "lr": 1e-3, "progress": False}


@pytest.fixture(scope="module")
def data():
    df = pd.DataFrame({"text": TEXTS, "label": LABELS})
    return df.iloc[:8].reset_index(drop=True), df.iloc[8:].reset_index(drop=True)


@pytest.fixture(scope="module")
def cached(tiny_bert, data, tmp_path_factory):
    """One cached run and its re-run (the second one loads from the cache)."""
    root = tmp_path_factory.mktemp("ft-cache")
    train, held = data
    first = finetune(tiny_bert, train, eval_df=held, cache=root, **FAST)
    second = finetune(tiny_bert, train, eval_df=held, cache=root, **FAST)
    return root, first, second


def test_history_has_one_row_per_step_and_an_eval_before_and_after_each_epoch(cached):
    _, res, _ = cached
    h = res.history
    assert isinstance(res, FineTuneResult)
    assert h.n_steps == 2 * 2 and h.n_epochs == 2  # 8 texts / batch 4 = 2 steps per epoch
    np.testing.assert_array_equal(h.step, [1, 2, 3, 4])
    np.testing.assert_allclose(h.epoch, [0.5, 1.0, 1.5, 2.0])
    np.testing.assert_array_equal(h.eval_step, [0, 2, 4])
    assert len(h.loss) == len(h.accuracy) == len(h.lr) == 4
    assert np.all((h.eval_accuracy >= 0) & (h.eval_accuracy <= 1))
    # 10% warm-up of 4 steps rounds to none: linear decay from the peak
    np.testing.assert_allclose(h.lr, [1e-3, 0.75e-3, 0.5e-3, 0.25e-3])
    per_epoch = h.per_epoch()
    assert list(per_epoch.columns) == ["epoch", "train_loss", "train_accuracy", "eval_loss", "eval_accuracy"]
    assert per_epoch["eval_accuracy"].tolist() == pytest.approx(h.eval_accuracy[1:].tolist())
    assert per_epoch["train_loss"].iloc[0] == pytest.approx(h.loss[:2].mean())
    frame = h.to_frame()
    assert set(frame["split"]) == {"train", "eval"} and len(frame) == 2 * 4 + 2 * 3
    assert res.eval_predictions.shape == (4,)
    assert res.eval_accuracy == pytest.approx(np.mean(res.eval_predictions == res.eval_labels))
    assert res.labels == ("neg", "pos")


def test_second_run_loads_from_the_cache(cached):
    root, first, second = cached
    assert not first.from_cache and second.from_cache
    assert first.path == second.path and first.path.parent == root
    assert second.model.fingerprint == first.model.fingerprint
    for name in ("loss", "accuracy", "eval_accuracy", "lr"):
        np.testing.assert_array_equal(getattr(second.history, name), getattr(first.history, name))
    np.testing.assert_array_equal(second.eval_predictions, first.eval_predictions)
    assert second.train_seconds == first.train_seconds
    # no temp folders left behind (.locks holds the lock that makes a second process wait for the first)
    assert sorted(p.name for p in root.iterdir()) == [".locks", first.path.name]


def test_different_hyper_parameters_get_their_own_cache_entry(tiny_bert, data, cached):
    root, first, _ = cached
    other = finetune(tiny_bert, data[0], eval_df=data[1], cache=root, warmup=0.5, **{**FAST, "epochs": 1})
    assert not other.from_cache and other.path != first.path
    assert other.history.n_steps == 2
    np.testing.assert_allclose(other.history.lr, [0.0, 1e-3])  # one warm-up step from 0, then the peak


def test_a_damaged_cache_entry_is_reported_and_retrained(tiny_bert, data, tmp_path):
    kw = {**FAST, "epochs": 1, "cache": tmp_path}
    first = finetune(tiny_bert, data[0], **kw)
    (first.path / "model.safetensors").write_bytes(b"truncated")
    with pytest.warns(RuntimeWarning, match="unreadable"):
        again = finetune(tiny_bert, data[0], **kw)
    assert not again.from_cache and again.path == first.path
    np.testing.assert_allclose(again.history.loss, first.history.loss, rtol=1e-5)
    assert finetune(tiny_bert, data[0], **kw).from_cache


def test_fine_tuned_model_has_its_own_fingerprint_and_base_is_untouched(tiny_bert, cached):
    _, res, _ = cached
    assert res.model.fingerprint != tiny_bert.fingerprint
    assert state_fingerprint(tiny_bert.model) == tiny_bert.fingerprint  # training copied the weights
    assert res.base is tiny_bert
    assert res.model.kind == "encoder" and res.model.name == "tiny-bert+finetuned"


def test_extraction_reads_the_fine_tuned_encoder(cached):
    """embed/extract on the fine-tuned model == hidden states of a plain forward of the classifier."""
    _, res, _ = cached
    lm = res.model
    texts = ["good movie", "a rather bad film overall"]
    enc = tokenize_batch(lm, texts)
    with torch.no_grad():
        out = lm.model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"],
                       token_type_ids=enc["token_type_ids"], output_hidden_states=True, output_attentions=True)
    acts = extract(lm, texts, attentions=True, cache=False)
    H = embed_layers(lm, texts, cache=False)
    for i, a in enumerate(acts):
        n = a.n_tokens
        ref = torch.stack(out.hidden_states)[:, i, :n].numpy()
        np.testing.assert_allclose(a.hidden_states, ref, atol=1e-5)
        np.testing.assert_allclose(a.attentions, torch.stack(out.attentions)[:, i, :, :n, :n].numpy(), atol=1e-6)
        np.testing.assert_allclose(H[:, i], ref.mean(axis=1), atol=1e-5)
    base_H = embed_layers(res.base, texts, cache=False)
    assert not np.allclose(base_H[-1], H[-1])  # the encoder did change
    np.testing.assert_allclose(base_H[0], H[0], atol=1e-6)  # frozen embeddings did not


def test_attention_change_source_data_holds_reader_numbers(cached, tmp_path, monkeypatch):
    """The most changed head is stored as readers number it (layer and head from 1), and the drawing
    names and frames it from those numbers."""
    from matplotlib.patches import Rectangle

    from vizlab.drawings.fine_tuning import draw_attention_change
    from vizlab.studies.fine_tuning import attention_change

    monkeypatch.setenv("VIZLAB_CACHE", str(tmp_path))
    _, res, _ = cached
    d = attention_change(res, TEXTS)
    li, h = np.unravel_index(int(np.argmax(d["change"])), d["change"].shape)
    assert (d["layer"], d["head"]) == (li + 1, h + 1)
    (before,) = extract(res.base, [d["text"]], attentions=True, cache=False)
    np.testing.assert_array_equal(d["before"], before.attentions[li, h])
    r = draw_attention_change(d, lang="en")
    assert r.values_ == {"layer": li + 1, "head": h + 1}
    assert r.axes_["before"].get_title() == f"before: layer {li + 1}, head {h + 1}"
    (box,) = [p for p in r.axes_["change"].patches if isinstance(p, Rectangle)]
    assert box.get_xy() == (h - 0.5, li - 0.5)


def test_same_seed_same_model_other_seed_other_model(tiny_bert, data, cached):
    _, res, _ = cached
    again = finetune(tiny_bert, data[0], eval_df=data[1], cache=False, **FAST)
    assert again.path is None and not again.from_cache
    np.testing.assert_allclose(again.history.loss, res.history.loss, rtol=1e-5)
    p1, p2 = predict(again.model, TEXTS), predict(res.model, TEXTS)
    np.testing.assert_allclose(p1, p2, atol=1e-5)  # in-memory model == saved and reloaded model
    other = finetune(tiny_bert, data[0], eval_df=data[1], cache=False, **{**FAST, "seed": 1})
    assert not np.allclose(other.history.loss, res.history.loss)


def test_predict_gives_probabilities(cached):
    _, res, _ = cached
    P = predict(res.model, TEXTS)
    assert P.shape == (len(TEXTS), 2)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-6)
    with pytest.raises(ValueError, match="classification head"):
        predict(res.base, TEXTS)


def test_unfrozen_embeddings_train_and_threads_are_restored(tiny_bert, data):
    threads = torch.get_num_threads()
    res = finetune(tiny_bert, data[0], cache=False, freeze_embeddings=False, num_threads=1,
                   **{**FAST, "epochs": 1})
    assert torch.get_num_threads() == threads and res.n_threads == 1
    emb_after = res.model.model.base_model.embeddings.word_embeddings.weight
    emb_before = tiny_bert.model.embeddings.word_embeddings.weight
    assert not torch.allclose(emb_after, emb_before)
    assert len(res.history.eval_step) == 0 and np.isnan(res.eval_accuracy) and res.eval_predictions is None


def test_bad_input(tiny_bert, tiny_decoder, data):
    train, held = data
    with pytest.raises(ValueError, match="encoder"):
        finetune(tiny_decoder, train, cache=False)
    with pytest.raises(TypeError, match="DataFrame"):
        finetune(tiny_bert, TEXTS, cache=False)
    with pytest.raises(ValueError, match="lacks column"):
        finetune(tiny_bert, train.rename(columns={"text": "sentence"}), cache=False)
    with pytest.raises(ValueError, match="single label"):
        finetune(tiny_bert, train.assign(label="pos"), cache=False)
    with pytest.raises(ValueError, match="not among the classes"):
        finetune(tiny_bert, train, eval_df=held.assign(label="meh"), cache=False)
    with pytest.raises(ValueError, match="lr"):
        finetune(tiny_bert, train, lr=5, cache=False)
    with pytest.raises(ValueError, match="epochs"):
        finetune(tiny_bert, train, epochs=0, cache=False)
    with pytest.raises(ValueError, match="empty"):
        finetune(tiny_bert, train.assign(text=["ok"] * 7 + [" "]), cache=False)
    with pytest.raises(TypeError, match="LoadedModel"):
        finetune("minilm", train)


# ------------------------------------------------------------------------------------ real model


@pytest.mark.models
def test_real_minilm_small_run_is_cached_and_extractable(minilm, tmp_path):
    from vizlab.datasets import load_sentiment

    df = load_sentiment(48, seed=1)
    kw = {"epochs": 1, "batch_size": 16, "progress": False, "cache": tmp_path}
    res = finetune(minilm, df.iloc[:32], eval_df=df.iloc[32:], **kw)
    assert res.history.n_steps == 2 and res.model.n_layers == 6 and res.model.n_heads == 12
    assert res.model.fingerprint != minilm.fingerprint
    again = finetune(minilm, df.iloc[:32], eval_df=df.iloc[32:], **kw)
    assert again.from_cache and again.model.fingerprint == res.model.fingerprint
    text = df["text"].iloc[40]
    enc = tokenize_batch(again.model, [text])
    with torch.no_grad():
        ref = again.model.model(**{k: enc[k] for k in ("input_ids", "attention_mask", "token_type_ids")},
                                output_hidden_states=True).hidden_states[-1][0].numpy()
    (act,) = extract(again.model, [text], layers=[-1], cache=False)
    np.testing.assert_allclose(act.hidden_states[0], ref, atol=1e-4)


@pytest.mark.models
def test_default_run_beats_the_frozen_probe():
    """The report's run (2,400 tweets, 2 epochs; loaded from the vizlab cache once trained)."""
    from vizlab.studies import StudyContext
    from vizlab.studies.fine_tuning import finetuned

    res = finetuned(StudyContext())
    assert res.initial_eval_accuracy < 0.45  # untrained head: near chance (1/3)
    assert res.eval_accuracy > 0.70  # frozen-features probe on the same split: ~0.67
    assert len(res.eval_predictions) == 600


@pytest.mark.models
def test_section_figures_record_numbers_consistent_with_the_run():
    from vizlab.drawings.fine_tuning import draw_confusion, draw_layer_cka
    from vizlab.studies import StudyContext, registered_studies
    from vizlab.studies.fine_tuning import finetuned

    ctx = StudyContext()
    res = finetuned(ctx)
    studies = registered_studies()
    data = studies["finetune_cka"].compute(ctx)
    cka = ctx.results["cka_per_layer"]
    assert len(cka) == 7 and cka[0] == pytest.approx(1.0)  # frozen embedding layer: unchanged
    assert cka[-1] < 0.6 < cka[1]  # upper layers moved far more than lower ones
    fig = draw_layer_cka(data, lang="en").figure_
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), cka, atol=1e-4)
    ctx.reset()
    data = studies["finetune_confusion"].compute(ctx)
    counts = draw_confusion(data, lang="en").figure_.axes[0].images[0].get_array()
    assert counts.shape == (3, 3)
    assert ctx.results["accuracy"] == pytest.approx(res.eval_accuracy, abs=1e-4)
