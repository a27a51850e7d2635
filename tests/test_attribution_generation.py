"""vizlab.attribute_generation: generated ids are model.generate's, each row is the attribution of its prefix
(checked against autograd and a hand-written integral), the causal mask, the figure, the page, the CLI."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import torch

from vizlab.extraction.attribution import attribute_encoded
from vizlab.extraction.generation import attribute_generation

PROMPT = "the cat sat on the mat because"
N = 5


def _prompt_ids(lm):
    return lm.tokenizer(PROMPT, return_tensors="pt")["input_ids"]


@pytest.fixture(scope="module")
def greedy(tiny_decoder):
    # the [PAD] baseline of the hand-written integral below (decoders default to the mean embedding)
    return attribute_generation(tiny_decoder, PROMPT, N, baseline="pad")


def _logit(lm, embeds, target):
    return lm.model(inputs_embeds=embeds, attention_mask=torch.ones(embeds.shape[:2], dtype=torch.long)).logits[:, -1, target]


def _direct_grad_x_input(lm, ids, target):
    emb = lm.model.get_input_embeddings()(ids).detach().requires_grad_(True)
    _logit(lm, emb, target).sum().backward()
    return (emb.grad * emb).sum(-1)[0].detach().numpy()


def _direct_ig(lm, ids, target, n=50):
    """Integrated gradients on the embeddings from the padding baseline (special tokens kept), written
    without Captum: Gauss-Legendre points and weights on [0, 1] from numpy (the rule Captum uses; with a
    baseline of near-zero embeddings, RMSNorm makes the integrand steep near 0, where a midpoint rule
    converges slowly)."""
    tok = lm.tokenizer
    special = torch.tensor(tok.get_special_tokens_mask(ids[0].tolist(), already_has_special_tokens=True)).bool()
    base_ids = torch.where(special, ids[0], torch.full_like(ids[0], tok.pad_token_id))[None]
    layer = lm.model.get_input_embeddings()
    x, b = layer(ids).detach(), layer(base_ids).detach()
    nodes, weights = np.polynomial.legendre.leggauss(n)
    alphas = torch.tensor((nodes + 1) / 2, dtype=torch.float32)
    path = (b + alphas[:, None, None] * (x - b)).requires_grad_(True)
    _logit(lm, path, target).sum().backward()
    avg = (path.grad * torch.tensor(weights / 2, dtype=torch.float32)[:, None, None]).sum(0, keepdim=True)
    return ((x - b) * avg).sum(-1)[0].numpy()


def test_generated_ids_are_model_generate_greedy(tiny_decoder, greedy):
    enc = tiny_decoder.tokenizer(PROMPT, return_tensors="pt")
    with torch.no_grad():
        out = tiny_decoder.model.generate(**{k: v for k, v in enc.items() if k != "token_type_ids"},
                                          max_new_tokens=N, do_sample=False)
    expected = out[0, enc["input_ids"].shape[1]:].numpy()
    np.testing.assert_array_equal(greedy.generated_ids, expected)
    n_prompt = enc["input_ids"].shape[1]
    assert greedy.n_prompt == n_prompt and greedy.n_generated == N
    assert greedy.tokens == tiny_decoder.tokenizer.convert_ids_to_tokens(out[0])
    # greedy: each token is the argmax of a plain forward pass (no cache) on its prefix
    for i in range(N):
        with torch.no_grad():
            logits = tiny_decoder.model(input_ids=out[:, :n_prompt + i]).logits[0, -1]
        assert int(torch.argmax(logits)) == greedy.generated_ids[i]
        assert greedy.probabilities[i] == pytest.approx(float(torch.softmax(logits.double(), -1).max()), rel=1e-4)


def test_matrix_shape_and_causal_mask(greedy):
    n_prompt = greedy.n_prompt
    assert greedy.matrix.shape == (N, n_prompt + N)
    causal = greedy.causal_mask
    assert causal.shape == greedy.matrix.shape
    for i in range(N):  # row i sees the prompt and the i tokens generated before it, not itself
        assert not causal[i, :n_prompt + i].any() and causal[i, n_prompt + i:].all()
    assert np.isnan(greedy.matrix[causal]).all() and np.isfinite(greedy.matrix[~causal]).all()
    assert (greedy.matrix[~causal] != 0).sum() > 0.5 * (~causal).sum()
    assert greedy.display[-N:] == greedy.generated_display
    frame = greedy.to_frame()
    assert len(frame) == (~causal).sum() and frame["prompt"].sum() == N * n_prompt


def test_each_row_is_the_attribution_of_its_prefix(tiny_decoder, greedy):
    """Row i = integrated gradients of the logit of token i on the prefix prompt + t_1..t_{i-1}: the same
    as the single-target path on ids built here, and as a hand-written integral."""
    ids = torch.cat([_prompt_ids(tiny_decoder)[0], torch.as_tensor(greedy.generated_ids)])[None]
    for i in range(N):
        end = greedy.n_prompt + i
        prefix = ids[:, :end]
        a = attribute_encoded(tiny_decoder, {"input_ids": prefix, "attention_mask": torch.ones_like(prefix)},
                              target=int(greedy.generated_ids[i]), baseline="pad")
        np.testing.assert_allclose(greedy.matrix[i, :end], a.scores, rtol=1e-5, atol=1e-7)
        assert greedy.deltas[i] == pytest.approx(a.delta, abs=1e-6)
        direct = _direct_ig(tiny_decoder, prefix, int(greedy.generated_ids[i]), n=int(greedy.n_steps[i]))
        np.testing.assert_allclose(greedy.matrix[i, :end], direct, atol=1e-3 * np.abs(direct).max())
        # completeness, row by row: the gap kept in the result is what is missing from the sum
        gap = greedy.target_scores[i] - greedy.baseline_scores[i]
        assert greedy.deltas[i] == pytest.approx(np.nansum(greedy.matrix[i]) - gap, abs=1e-5)
def test_grad_x_input_rows_equal_autograd(tiny_decoder, greedy):
    g = attribute_generation(tiny_decoder, PROMPT, N, method="grad_x_input")
    np.testing.assert_array_equal(g.generated_ids, greedy.generated_ids)
    ids = torch.cat([_prompt_ids(tiny_decoder)[0], torch.as_tensor(g.generated_ids)])[None]
    for i in range(N):
        end = g.n_prompt + i
        np.testing.assert_allclose(g.matrix[i, :end], _direct_grad_x_input(tiny_decoder, ids[:, :end],
                                                                            int(g.generated_ids[i])),
                                   rtol=1e-4, atol=1e-6)
    assert (g.n_steps == 1).all()


def test_seeded_sampling_is_reproducible(tiny_decoder, greedy):
    kw = {"method": "grad_x_input", "temperature": 1.5}
    a = attribute_generation(tiny_decoder, PROMPT, 8, seed=1, **kw)
    b = attribute_generation(tiny_decoder, PROMPT, 8, seed=1, **kw)
    c = attribute_generation(tiny_decoder, PROMPT, 8, seed=2, **kw)
    np.testing.assert_array_equal(a.generated_ids, b.generated_ids)
    np.testing.assert_array_equal(a.matrix, b.matrix)
    assert list(a.generated_ids) != list(c.generated_ids)
    assert a.sampling == {"do_sample": True, "temperature": 1.5, "seed": 1} and greedy.sampling == {"do_sample": False}
    # the same draw as model.generate's own sampler (full softmax at T, torch seeded the same way)
    enc = tiny_decoder.tokenizer(PROMPT, return_tensors="pt")
    with torch.random.fork_rng():
        torch.manual_seed(1)
        out = tiny_decoder.model.generate(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"],
                                          max_new_tokens=8, do_sample=True, temperature=1.5, top_k=0, top_p=1.0)
    np.testing.assert_array_equal(a.generated_ids, out[0, enc["input_ids"].shape[1]:].numpy())


def test_given_continuation(tiny_decoder, greedy):
    g = attribute_generation(tiny_decoder, PROMPT, generated=greedy.generated_ids[:3], baseline="pad")
    np.testing.assert_allclose(g.matrix, greedy.matrix[:3, :g.matrix.shape[1]], rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"n": 0}, "from 1 to 256"),
    ({"n": 2.5}, "from 1 to 256"),
    ({"n": True}, "from 1 to 256"),
    ({"temperature": -1.0, "seed": 0}, "positive"),
    ({"temperature": 0.7}, "needs a seed"),
    ({"seed": 3}, "seed is for sampling"),
    ({"method": "saliency"}, "unknown method"),
    ({"prompt": ""}, "empty"),
    ({"generated": []}, "empty"),
])
def test_bad_input(tiny_decoder, kwargs, match):
    kwargs = {"prompt": PROMPT, "n": 2, **kwargs}
    with pytest.raises(ValueError, match=match):
        attribute_generation(tiny_decoder, kwargs.pop("prompt"), kwargs.pop("n"), **kwargs)


def test_a_classifier_cannot_generate(tiny_clf):
    with pytest.raises(ValueError, match="decoder"):
        attribute_generation(tiny_clf, PROMPT, 2)


# ----------------------------------------------------------------------------------------- figure


def test_plot_draws_the_matrix_with_the_causal_mask(greedy):
    from vizlab.plot.attribution import plot_generation_attribution

    r = plot_generation_attribution(greedy.matrix, tokens=greedy.display, n_prompt=greedy.n_prompt,
                                    gaps=greedy.relative_deltas, lang="en")
    shown = r.im_.get_array()
    assert shown.shape == greedy.matrix.shape
    np.testing.assert_array_equal(np.ma.getmaskarray(shown), greedy.causal_mask)
    np.testing.assert_allclose(shown.compressed(), greedy.matrix[~greedy.causal_mask])
    lim = np.nanmax(np.abs(greedy.matrix))
    assert (r.im_.norm.vmin, r.im_.norm.vmax) == pytest.approx((-lim, lim))  # one scale, centred on 0
    assert [t.get_text() for t in r.ax_.get_yticklabels()] == greedy.generated_display
    assert [t.get_text() for t in r.ax_.get_xticklabels()] == greedy.display
    assert r.values_["top"] == greedy.top_sources(skip_special=False)
    assert [p.get_xy()[0] + 0.5 for p in r.artists_["top"]] == r.values_["top"]
    assert r.colorbar_ is not None and "supports" in r.colorbar_.ax.get_ylabel()
    assert len(r.artists_["gaps"]) == N and r.artists_["gaps"][0].get_text().endswith("%")
    with pytest.raises(ValueError, match="shape"):
        plot_generation_attribution(greedy.matrix[:, 1:], tokens=greedy.display, n_prompt=greedy.n_prompt)


def test_drawing_from_source_data(greedy):
    from vizlab.drawings.generation import draw_generation_attribution
    from vizlab.sourcedata import decode, encode
    from vizlab.studies.generation import generation_data

    src = decode(encode(generation_data(greedy), {}))  # what the build writes and the drawing reads back
    np.testing.assert_array_equal(np.isnan(src["matrix"]), greedy.causal_mask)
    r = draw_generation_attribution(src, lang="pt")
    np.testing.assert_allclose(r.im_.get_array().compressed(), greedy.matrix[~greedy.causal_mask], rtol=1e-6)
    width, _ = r.figure_.get_size_inches()
    assert width * 25.4 <= 183.5
    title = r.ax_.get_title(loc="left")
    assert "gulosa" in title and "lacuna" in title and "16,8 %" not in title.replace(",", ".")


# ----------------------------------------------------------------------------------------- page


def _page_data(page: str) -> dict:
    blob = re.search(r'<script type="application/json" id="vizlab-data">(.*?)</script>', page, re.S)
    return json.loads(blob.group(1).replace("<\\/", "</"))


def test_page_embeds_the_rows_and_loads_nothing(greedy):
    from vizlab.interactive import generation_html

    page = generation_html(greedy, lang="pt")
    data = _page_data(page)
    assert data["tokens"] == greedy.display and data["n_prompt"] == greedy.n_prompt
    for i, row in enumerate(data["rows"]):
        assert len(row) == greedy.n_prompt + i
        np.testing.assert_allclose(row, greedy.matrix[i, :greedy.n_prompt + i], atol=1e-4)
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", page)
    assert "http://" not in page.replace('xmlns="http://www.w3.org', "") and "https://" not in page
    assert "Passe o cursor" in page


@pytest.mark.browser
def test_page_hover_shows_the_row(greedy, tmp_path):
    from chromium import CHROMIUM, NO_CHROMIUM, Browser

    from vizlab.interactive import save_generation_html

    if CHROMIUM is None:
        pytest.skip(NO_CHROMIUM)
    path = save_generation_html(greedy, tmp_path / "gen.html", lang="en")
    row = 2
    with Browser(tmp_path) as browser:
        page = browser.open(path.as_uri())
        page.wait_for("document.body.getAttribute('data-rendered') === '1'", timeout=30)
        assert page.eval("document.documentElement.getAttribute('data-errors')") == ""
        box = page.eval(f"(() => {{ const r = document.querySelector('#text .gen[data-row=\"{row}\"]')"
                        ".getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()")
        page.mouse("mouseMoved", *box)
        page.wait_for(f"document.body.getAttribute('data-row') === '{row + 1}'", timeout=10)
        got = page.eval("[...document.querySelectorAll('#text .tok')].map(s => s.getAttribute('data-score'))")
        end = greedy.n_prompt + row
        assert all(v is None for v in got[end:])
        np.testing.assert_allclose([float(v) for v in got[:end]], greedy.matrix[row, :end], atol=1e-4)
        top = page.eval("[...document.querySelectorAll('#top-sources tr td:first-child')].map(t => t.textContent)")
        assert top and top[0] == greedy.display[int(np.nanargmax(np.where(greedy.special_mask[:end], -np.inf,
                                                                               np.abs(greedy.matrix[row, :end]))))]
        assert page.errors == []
        outside = [u for u in page.requests if not u.startswith(("file:", "data:", "about:", "blob:"))]
        assert outside == []


# ----------------------------------------------------------------------------------------- CLI


@pytest.fixture(scope="module")
def decoder_dir(tmp_path_factory, tiny_decoder):
    import copy

    folder = tmp_path_factory.mktemp("tiny-decoder")
    copy.deepcopy(tiny_decoder.model).save_pretrained(folder)
    tiny_decoder.tokenizer.save_pretrained(folder)
    return str(folder)


def test_cli_generate_writes_png_and_html(decoder_dir, tmp_path, capsys, greedy):
    from vizlab.cli import main

    png, page = tmp_path / "gen.png", tmp_path / "gen.html"
    assert main(["attribute", PROMPT, "--generate", str(N), "--model", decoder_dir, "-o", str(png),
                 "--html", str(page), "--lang", "en"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = _page_data(page.read_text(encoding="utf-8"))
    assert data["tokens"][data["n_prompt"]:] == greedy.generated_display
    assert "greedy" in out[0] and "max gap" in out[0]
    assert len(out) == 1 + N
    for line, tok in zip(out[1:], greedy.generated_display):  # display tokens, ␣ for the word space
        assert line.strip().startswith(tok) and "<-" in line


@pytest.mark.parametrize(("extra", "match"), [
    (["--generate", "0"], "from 1 to 256"),
    (["--generate", "2", "--temperature", "0.8"], "--seed"),
    (["--generate", "2", "--seed", "1"], "--temperature"),
    (["--generate", "2", "--target", "cat"], "--target"),
    (["--seed", "1"], "--generate"),
    (["--generate", "2", "-o", "x.csv"], "-o/--output"),
])
def test_cli_generate_bad_options(decoder_dir, tmp_path, capsys, extra, match):
    from vizlab.cli import main

    args = ["attribute", PROMPT, "--model", decoder_dir, *extra]
    if "-o" not in extra:
        args += ["-o", str(tmp_path / "x.png")]
    assert main(args) == 2
    assert match in capsys.readouterr().err


# ----------------------------------------------------------------------------------------- the report's figure


def test_shipped_figure_keeps_every_row_within_the_gap():
    """The report's figure (Gemma, a Portuguese prompt, 10 greedy tokens): every row's completeness gap
    within 5 %, and the source data says the same as the manifest."""
    from pathlib import Path

    from vizlab.figures.manifest import read_manifest
    from vizlab.sourcedata import load_source_data
    from vizlab.studies.generation import MAX_GAP, N_GENERATED

    figures = Path(__file__).resolve().parents[1] / "figures"
    entry = next(e for e in read_manifest(figures) if e["id"] == "attribution_generation")
    res, src = entry["results"], load_source_data(figures / "attribution_generation.data.json")
    assert res["n_generated"] == N_GENERATED == len(src["gaps"]) and res["rows_within_gap"] == N_GENERATED
    assert max(src["gaps"]) <= MAX_GAP and res["max_gap"] == pytest.approx(max(src["gaps"]), rel=1e-2)
    m = np.asarray(src["matrix"])
    causal = np.arange(m.shape[1])[None] >= src["n_prompt"] + np.arange(m.shape[0])[:, None]
    assert np.isnan(m[causal]).all() and np.isfinite(m[~causal]).all()
    # completeness from the source data alone: each row sums to its logit difference, up to its gap
    diff = np.asarray(src["target_scores"]) - np.asarray(src["baseline_scores"])
    np.testing.assert_allclose(np.abs(np.nansum(m, 1) - diff) / np.abs(diff), src["gaps"], atol=1e-6)


def test_gemma_portuguese_greedy(gemma):
    """The shipped Gemma: greedy ids are model.generate's, and integrated gradients with 50 steps keep
    every row's gap within 5 %."""
    g = attribute_generation(gemma, "O Brasil é o maior país da", 2)
    enc = gemma.tokenizer("O Brasil é o maior país da", return_tensors="pt")
    with torch.no_grad():
        out = gemma.model.generate(**enc, max_new_tokens=2, do_sample=False)
    np.testing.assert_array_equal(g.generated_ids, out[0, enc["input_ids"].shape[1]:].numpy())
    assert g.display[0] == "<bos>" and g.special_mask[0] and (g.matrix[:, 0] == 0).all()
    assert (g.relative_deltas < 0.05).all()
