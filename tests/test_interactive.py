"""Offline HTML attention viewer (checked in a real headless Chromium) and bertviz adapters."""

import json
import re
import shutil
import subprocess

import numpy as np
import pytest

from vizlab.interactive import (
    attention_html,
    bertviz_head_view,
    bertviz_inputs,
    save_attention_html,
    show_attention,
)
from vizlab.tokens import display_tokens

CHROMIUM = next((p for p in (shutil.which("chromium"), shutil.which("chromium-browser"),
                             shutil.which("google-chrome")) if p), None)


@pytest.fixture(scope="module")
def acts(tiny_bert):
    from vizlab.extraction.run import extract

    return extract(tiny_bert, ["the cat sat on the mat", ("the cat sat", "it was warm")], attentions=True,
                   hidden_states=False, cache=False)


def _data(page: str) -> dict:
    blob = re.search(r'<script type="application/json" id="vizlab-data">(.*?)</script>', page, re.S).group(1)
    return json.loads(blob.replace("<\\/", "</"))


def test_page_is_self_contained_and_embeds_the_weights(acts):
    page = attention_html(acts, titles=["one", "pair"], initial=(2, 3))
    # nothing is loaded from anywhere: no src/href attributes, no URL but the SVG namespace name
    assert not re.search(r"\b(src|href)\s*=", page) and "<link" not in page
    assert set(re.findall(r"https?://[^\s\"'<>]+", page)) == {"http://www.w3.org/2000/svg"}
    data = _data(page)
    assert [e["title"] for e in data["examples"]] == ["one", "pair"]
    np.testing.assert_allclose(data["examples"][0]["attn"], np.round(acts[0].attentions, 3))
    # tokens as readers see them (vizlab.tokens), raw ones kept; layers numbered from 1
    assert data["examples"][0]["tokens"] == display_tokens(acts[0].tokens)
    assert data["examples"][0]["raw_tokens"] == acts[0].tokens
    assert data["examples"][0]["layers"] == [1, 2]
    assert data["initial"] == {"example": 0, "layer": 2, "head": 3}
    with pytest.raises(ValueError, match="count from 1"):
        attention_html(acts, initial=(0, 1))
    assert 'lang="pt"' in page and "camada" in page
    assert 'lang="en"' in attention_html(acts[0], lang="en")


def test_closing_script_tags_in_tokens_cannot_break_the_page(acts):
    import dataclasses

    evil = dataclasses.replace(acts[0], tokens=["</script>"] + acts[0].tokens[1:])
    page = attention_html(evil)
    assert page.count("</script>") == page.count("<script")
    assert _data(page)["examples"][0]["raw_tokens"][0] == "</script>"


def test_errors_and_notebook_display(acts, tmp_path):
    with pytest.raises(ValueError, match="titles"):
        attention_html(acts, titles=["only one"])
    with pytest.raises(ValueError, match="lang"):
        attention_html(acts, lang="fr")
    with pytest.raises(ValueError, match=".html"):
        save_attention_html(acts, tmp_path / "x.png")
    no_attn = type(acts[0])("x", ["a"], np.zeros(1), None, None, np.zeros(1, bool))
    with pytest.raises(ValueError, match="attentions=True"):
        attention_html(no_attn)
    view = show_attention(acts[0], height=400)
    html = view._repr_html_()
    assert html.startswith("<iframe srcdoc=") and 'height="400"' in html and "&lt;script" in html


def test_bertviz_inputs_split_pairs_and_render(acts):
    single = bertviz_inputs(acts[0])
    assert len(single["attention"]) == 2 and tuple(single["attention"][0].shape) == (1, 4, 8, 8)
    assert single["sentence_b_start"] is None
    pair = bertviz_inputs(acts[1])
    tt = acts[1].token_type_ids
    assert pair["sentence_b_start"] == int(np.flatnonzero(tt == 1)[0])
    assert pair["tokens"][pair["sentence_b_start"] - 1] == "[SEP]"
    with pytest.raises(ValueError, match="one text"):
        bertviz_inputs(acts)
    html = bertviz_head_view(acts[1], html_action="return")
    assert "sat" in html.data and "warm" in html.data


def test_bertviz_views_take_layers_and_heads_as_readers_number_them(acts, monkeypatch):
    """issue 23: ``layer=2, heads=[1]`` is the second layer's first head, as everywhere in vizlab; the
    adapter gives bertviz its own 0-based numbers."""
    import vizlab.interactive.bertviz as vb

    got = {}

    class Fake:
        def head_view(self, **kw):
            got.update(kw)

        def model_view(self, **kw):
            got.update(kw)

    monkeypatch.setattr(vb, "_bertviz", Fake)
    vb.bertviz_head_view(acts[0], layer=2, heads=[1, -1], include_layers=[1, 2], html_action="return")
    assert (got["layer"], got["heads"], got["include_layers"], got["html_action"]) == (1, [0, 3], [0, 1], "return")
    got.clear()
    vb.bertviz_model_view(acts[0], include_layers=[2], include_heads=[4])
    assert (got["include_layers"], got["include_heads"]) == ([1], [3])
    with pytest.raises(ValueError, match="layer must be one of 1, 2"):
        vb.bertviz_head_view(acts[0], layer=0)
    with pytest.raises(ValueError, match="head must be a number from 1 to 4"):
        vb.bertviz_model_view(acts[0], include_heads=[5])


def test_viewer_initial_head_may_count_from_the_end(acts):
    data = _data(attention_html(acts, initial=(-1, -1)))
    assert data["initial"] == {"example": 0, "layer": 2, "head": 4}


def _chromium(url: str, tmp_path, *extra) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", "--proxy-server=127.0.0.1:9",  # no network at all
             "--virtual-time-budget=3000"]
    return subprocess.run([CHROMIUM, *flags, *extra, url], capture_output=True, text=True, timeout=90)


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium; .ci/run installs it)")
def test_viewer_renders_in_headless_chromium(acts, tmp_path):
    path = save_attention_html(acts, tmp_path / "viewer.html", initial=(2, 3), min_weight=0.02)
    data = _data(path.read_text(encoding="utf-8"))
    ex = data["examples"][1]
    focus = 3
    # the hash numbers layers and heads from 1: layer 2, head 4 = attn[1][3]
    res = _chromium(path.as_uri() + f"#example=1&layer=2&head=4&focus={focus}", tmp_path, "--dump-dom")
    dom = res.stdout
    assert res.returncode == 0, res.stderr[-2000:]
    assert 'data-rendered="1"' in dom, "the viewer script did not finish rendering"
    errors = re.search(r'<html[^>]*data-errors="([^"]*)"', dom)
    assert errors is not None and errors.group(1) == "", f"JS errors: {errors and errors.group(1)}"
    assert "Uncaught" not in res.stderr
    # one <line> per (query, key) weight >= min_weight of the selected head, nothing else
    m = np.asarray(ex["attn"][1][3])
    lines = re.findall(r'<line [^>]*class="attn-line[^"]*"[^>]*>', dom)
    assert len(lines) == int((m >= data["min_weight"]).sum()) > 0
    assert all('data-layer="2"' in x and 'data-head="4"' in x for x in lines)
    assert 'data-selected="1:2:4"' in dom
    # hovering token 3 (via the URL hash) keeps only its row's lines active
    active = [x for x in lines if "attn-line active" in x]
    assert len(active) == int((m[focus] >= data["min_weight"]).sum())
    assert all(f'data-q="{focus}"' in x for x in active)
    # model view: one thumbnail per layer x head
    assert len(re.findall(r'<canvas[^>]*class="thumb', dom)) == len(ex["layers"]) * ex["n_heads"]
    shot = tmp_path / "viewer.png"
    _chromium(path.as_uri(), tmp_path, f"--screenshot={shot}", "--window-size=1400,900", "--hide-scrollbars")
    assert shot.exists() and shot.stat().st_size > 10_000


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium; .ci/run installs it)")
def test_chromium_check_sees_script_errors(acts, tmp_path):
    """The error hook works: a broken page is reported, so the check above can fail."""
    page = attention_html(acts[0]).replace('var DATA = JSON.parse(', 'var DATA = JSON.parse("{" + ')
    path = tmp_path / "broken.html"
    path.write_text(page, encoding="utf-8")
    dom = _chromium(path.as_uri(), tmp_path, "--dump-dom").stdout
    assert 'data-rendered="0"' in dom
    assert re.search(r'data-errors="[^"]+"', dom)
