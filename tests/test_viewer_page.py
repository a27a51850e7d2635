"""The shipped offline attention viewer (figures/attention_viewer.html) in a real headless Chromium.

Chromium runs with no network at all (tests/chromium.py). The page must render every example of
its menu without a script error or a request outside the file, and draw one line per weight of
the selected head at or above the page's threshold, and one thumbnail per layer x head.
:func:`check_viewer_page` is also used by tests/test_every_figure.py on the page the build writes.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pytest
from chromium import CHROMIUM, NO_CHROMIUM, Browser

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "figures" / "attention_viewer.html"

pytestmark = pytest.mark.browser  # every test here drives (or checks the driving of) headless Chromium
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)


def page_data(path: Path) -> dict:
    """The JSON the page embeds (what its script draws from)."""
    page = Path(path).read_text(encoding="utf-8")
    blob = re.search(r'<script type="application/json" id="vizlab-data">(.*?)</script>', page, re.S)
    assert blob is not None, f"{path} embeds no vizlab-data"
    return json.loads(blob.group(1).replace("<\\/", "</"))


_DRAWN = """(() => {
  const lines = [...document.querySelectorAll('#line-group line')];
  const thumbs = [...document.querySelectorAll('#model-grid canvas.thumb')];
  const painted = thumbs.filter(c => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) return true;
    return false;
  }).length;
  return {rendered: document.body.getAttribute('data-rendered'),
          selected: document.body.getAttribute('data-selected'),
          errors: document.documentElement.getAttribute('data-errors'),
          lines: lines.map(l => [+l.getAttribute('data-q'), +l.getAttribute('data-k'), +l.getAttribute('data-w'),
                                 +l.getAttribute('data-layer'), +l.getAttribute('data-head')]),
          thumbs: thumbs.length, painted: painted,
          tokens: [...document.querySelectorAll('#lines .tok-left')].map(t => t.textContent)};
})()"""


def check_viewer_page(path: Path, tmp_path: Path) -> dict:
    """Open ``path`` offline in headless Chromium and check what it draws for every example.

    Returns a summary ``{example index: number of lines drawn}``; raises AssertionError on any
    problem (script error, network request, a line count that does not match the weights).
    """
    path = Path(path)
    data = page_data(path)
    init = data["initial"]
    drawn = {}
    with Browser(tmp_path) as browser:
        page = browser.open(path.as_uri())
        page.wait_for("document.body.getAttribute('data-rendered') === '1'", timeout=30)
        for k, ex in enumerate(data["examples"]):
            if k:  # choose the example from the menu, as a reader does
                page.eval(f"(() => {{ const s = document.getElementById('example'); s.value = '{k}'; "
                          "s.dispatchEvent(new Event('change')); })()")
            got = page.eval(_DRAWN)
            assert got["rendered"] == "1" and got["errors"] == "", f"example {k}: {got['errors']!r}"
            # the layer/head selected (the menu keeps the previous choice, clipped to this model)
            layer, head = (int(x) for x in got["selected"].split(":")[1:])
            if k == 0:
                assert (layer, head) == (init["layer"], init["head"])
            row = ex["layers"].index(layer)
            m = np.asarray(ex["attn"][row][head - 1])
            n = len(ex["tokens"])
            assert m.shape == (n, n)
            expected = {(q, key) for q, key in zip(*np.nonzero(m >= data["min_weight"]))}
            lines = {(q, key): w for q, key, w, _, _ in got["lines"]}
            assert len(got["lines"]) == len(lines) == len(expected) > 0, f"example {k}"
            assert set(lines) == expected, f"example {k}: lines drawn between the wrong tokens"
            for (q, key), w in lines.items():
                assert w == pytest.approx(m[q, key], abs=1e-3)
            assert {(x[3], x[4]) for x in got["lines"]} == {(layer, head)}
            assert got["tokens"] == ex["tokens"], f"example {k}: token labels"
            assert got["thumbs"] == got["painted"] == len(ex["layers"]) * ex["n_heads"], f"example {k}"
            drawn[k] = len(lines)
        assert page.errors == [], page.errors
        outside = [u for u in page.requests if not u.startswith(("file:", "data:", "about:", "blob:"))]
        assert outside == [], f"the page asked the network for {outside}"
    return drawn


def test_shipped_page_is_the_one_the_manifest_records():
    assert SHIPPED.exists(), "figures/attention_viewer.html is missing (make figures writes it)"
    from vizlab.figures.manifest import read_manifest

    owners = [e for e in read_manifest(SHIPPED.parent) if "attention_viewer.html" in e["files"]]
    assert len(owners) == 1
    assert owners[0]["sha256"]["attention_viewer.html"] == hashlib.sha256(SHIPPED.read_bytes()).hexdigest()
    data = page_data(SHIPPED)
    assert len(data["examples"]) >= 2 and 0 < data["min_weight"] < 1
    for ex in data["examples"]:
        attn = np.asarray(ex["attn"])
        assert attn.shape == (len(ex["layers"]), ex["n_heads"], len(ex["tokens"]), len(ex["tokens"]))
        np.testing.assert_allclose(attn.sum(-1), 1.0, atol=5e-3 * len(ex["tokens"]))  # rows rounded to 3 decimals
        assert ex["layers"] == list(range(1, len(ex["layers"]) + 1))  # readers' numbering


@pytest.fixture(scope="module")
def fresh_page(tmp_path_factory, tiny_bert, tiny_decoder):
    """A page written by the current code, shaped like the report's: an encoder sentence, a sentence
    pair, a decoder sentence (tiny random models, so it is fast)."""
    from vizlab.extraction.run import extract
    from vizlab.interactive import save_attention_html

    opts = dict(attentions=True, hidden_states=False, cache=False)
    enc = extract(tiny_bert, ["the animal did not cross the street because it was tired",
                              ("the cat sat", "it was warm")], **opts)
    dec = extract(tiny_decoder, ["o gato dormiu no sofá"], **opts)
    return save_attention_html([*enc, *dec], tmp_path_factory.mktemp("viewer") / "attention_viewer.html",
                               titles=["one", "pair", "decoder"], initial=(2, 3))


@needs_chromium
def test_current_viewer_draws_its_lines_offline(fresh_page, tmp_path):
    drawn = check_viewer_page(fresh_page, tmp_path)
    assert sorted(drawn) == [0, 1, 2]


@needs_chromium
def test_shipped_viewer_draws_its_lines_offline(tmp_path):
    drawn = check_viewer_page(SHIPPED, tmp_path)
    assert len(drawn) == len(page_data(SHIPPED)["examples"])


@needs_chromium
def test_the_check_fails_on_a_broken_page(fresh_page, tmp_path):
    """check_viewer_page can fail: a page whose script breaks, or that draws a line too few."""
    page = fresh_page.read_text(encoding="utf-8")
    broken = tmp_path / "broken.html"
    broken.write_text(page.replace('var DATA = JSON.parse(', 'var DATA = JSON.parse("{" + ', 1), encoding="utf-8")
    with pytest.raises((AssertionError, TimeoutError)):
        check_viewer_page(broken, tmp_path / "b1")
    short = tmp_path / "short.html"
    short.write_text(page.replace("if (w < DATA.min_weight) continue;",  # loses the last token's first line
                                  "if (w < DATA.min_weight || (i === n - 1 && j === 0)) continue;", 1),
                     encoding="utf-8")
    with pytest.raises(AssertionError):
        check_viewer_page(short, tmp_path / "b2")
