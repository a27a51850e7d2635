"""The documentation site (``make docs``): built strictly and offline, complete, and loading nothing from the
network; the examples of the documented modules run.

The site is built once per test run, in a temporary folder (``site`` fixture, module scope: with
``--dist loadfile`` every test of this file runs on one worker and shares that build).
"""

from __future__ import annotations

import doctest
import importlib
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
BUILD_LIMIT_S = 900  # "a few minutes on 2 cores"; the machine is shared, so the limit is generous


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """``make docs``'s command, into a fresh folder: the built site's root and the build's wall time."""
    out = tmp_path_factory.mktemp("docs") / "html"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    t0 = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-j", "auto", "-W", "--keep-going", "-n", "-q",
         "-d", str(out.parent / "doctrees"), str(DOCS), str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=BUILD_LIMIT_S)
    seconds = time.monotonic() - t0
    assert proc.returncode == 0, f"make docs failed (warnings are errors):\n{proc.stderr[-6000:]}"
    return out, seconds


@pytest.mark.processes  # sphinx-build in a subprocess
def test_the_strict_build_passes_in_minutes(site):
    out, seconds = site
    assert (out / "index.html").exists()
    assert seconds < BUILD_LIMIT_S


@pytest.mark.processes  # sphinx-build in a subprocess
def test_a_broken_reference_fails_the_build(tmp_path):
    """The build is strict: one page with a reference to a function that does not exist fails it."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text("extensions = ['myst_parser']\nnitpicky = True\n")
    (src / "index.md").write_text("# t\n\n{func}`vizlab.no_such_function` and [a page](missing.md)\n")
    proc = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-n", "-q",
                           str(src), str(tmp_path / "out")], capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    assert "vizlab.no_such_function" in proc.stderr and "missing" in proc.stderr


def _text(html: str) -> str:
    """The text of a page, as a reader sees it (code blocks are split into highlighted spans)."""
    import html as _html

    return _html.unescape(re.sub(r"<[^>]+>", "", html))


def _alnum(text: str) -> str:
    """Letters and digits only: a caption compared with its page whatever the quotes and escapes."""
    return re.sub(r"[^0-9A-Za-zÀ-ÿ]+", "", re.sub(r"&#?\w+;", "", text))


@pytest.mark.processes  # sphinx-build in a subprocess
def test_the_gallery_shows_every_registered_figure(site):
    from vizlab.figures.registry import all_figures

    out, _ = site
    index = (out / "gallery" / "index.html").read_text(encoding="utf-8")
    for spec in all_figures():
        page = out / "gallery" / f"{spec.id}.html"
        assert page.exists(), spec.id
        html = page.read_text(encoding="utf-8")
        assert f'href="{spec.id}.html"' in index, spec.id
        png = re.search(r'<img[^>]+src="([^"]*' + re.escape(spec.id) + r'\.png)"', html)
        assert png and (page.parent / png.group(1)).resolve().is_file(), spec.id
        data = re.search(r'href="([^"]*' + re.escape(spec.id) + r'\.data\.json)"', html)
        assert data and (page.parent / data.group(1)).resolve().is_file(), spec.id
        assert (page.parent / data.group(1)).read_bytes() == (ROOT / "figures" / f"{spec.id}.data.json").read_bytes()
        assert f"vizlab figures --only {spec.id}" in _text(html)
        assert spec.study.compute.__name__ in html and spec.drawing.draw.__name__ in html  # the code that makes it
        caption = _alnum(spec.caption.get("en") or spec.caption["pt"])[:80]
        assert caption in _alnum(_text(html)), f"{spec.id}: caption not on its page"


@pytest.mark.processes  # sphinx-build in a subprocess
def test_every_public_function_has_an_api_page(site):
    """Every public function and method of every public module (tests/test_conventions.py's list) is
    documented on a page of the API reference."""
    from test_conventions import public_functions

    out, _ = site
    ids = set()
    for page in (out / "api").rglob("*.html"):
        ids |= set(re.findall(r'<dt class="sig sig-object py" id="([^"]+)"', page.read_text(encoding="utf-8")))
    missing = sorted(q for q in public_functions() if q not in ids)
    assert not missing, f"{len(missing)} public functions without an API page, e.g. {missing[:10]}"
    import vizlab

    for name in vizlab.__all__:  # the top-level functions and classes have their pages where they are defined
        obj = getattr(vizlab, name)
        if callable(obj) and not isinstance(obj, dict):
            assert f"{obj.__module__}.{obj.__qualname__}" in ids, name


@pytest.mark.processes  # sphinx-build in a subprocess
def test_a_new_user_reaches_the_csv_map_in_one_click(site):
    out, _ = site
    front = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="how-to/csv-map.html"' in front
    page = (out / "how-to" / "csv-map.html").read_text(encoding="utf-8")
    assert "vizlab embed vizlab/data/sample_posts.csv" in _text(page)


@pytest.mark.processes  # sphinx-build in a subprocess
def test_the_tutorial_page_shows_the_notebook_with_its_outputs(site):
    out, _ = site
    html = (out / "tutorial" / "explore.html").read_text(encoding="utf-8")
    nb = json.loads((ROOT / "notebooks" / "explore.ipynb").read_text(encoding="utf-8"))
    n_images = sum("image/png" in o.get("data", {}) for c in nb["cells"] if c["cell_type"] == "code"
                   for o in c.get("outputs", []))
    assert n_images > 0 and html.count("<img") >= n_images
    assert "tests/test_notebook.py" in html  # the page says its outputs are the committed, checked ones


# -- README: what it promises works as written -------------------------------------------------------------

README = ROOT / "README.md"


def test_readme_begins_with_the_two_commands_and_links_into_the_site():
    text = README.read_text(encoding="utf-8")
    first = re.search(r"```\n(.*?)```", text, re.S).group(1).splitlines()
    assert [ln.split()[:2] for ln in first] == [["make", "figures"], ["make", "test"]]
    assert text.index("make figures") < text.index("## ")
    assert "docs/how-to/csv-map.md" in text and "make docs" in text
    assert len(text.splitlines()) < 120, "README is an entrance; the long sections live in the site"


@pytest.mark.models
@pytest.mark.processes
def test_readme_quick_start_draws_the_sample_map_as_written(tmp_path):
    """The quick start's ``vizlab embed`` lines, run as written from a folder laid out as the repository
    (``vizlab/data/sample_posts.csv``), write a map of the 60 shipped tweets and its offline page."""
    text = README.read_text(encoding="utf-8")
    block = re.search(r"## Quick start.*?```bash\n(.*?)```", text, re.S).group(1)
    lines = [ln.split("#")[0].strip() for ln in block.splitlines() if ln.startswith("vizlab embed")]
    assert len(lines) == 2
    (tmp_path / "vizlab").mkdir()
    (tmp_path / "vizlab" / "data").symlink_to(ROOT / "vizlab" / "data")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    import shlex

    for line in lines:
        argv = shlex.split(line)
        proc = subprocess.run([sys.executable, "-m", "vizlab.cli", *argv[1:]], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert "60" in proc.stdout + proc.stderr
    from PIL import Image

    assert Image.open(tmp_path / "map.png").size[0] > 500
    page = (tmp_path / "map.html").read_text(encoding="utf-8")
    assert "torrential rain? Like every summer afternoon" in page  # a tweet of the sample, shown on hover


def test_the_sample_csv_is_package_data():
    """``pip install`` ships the sample: pyproject.toml names it as package data of ``vizlab.data``."""
    import tomllib

    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = data["tool"]["setuptools"]["package-data"]["vizlab.data"]
    from fnmatch import fnmatch

    assert any(fnmatch("sample_posts.csv", p) for p in patterns)
    from vizlab.data import sample_csv

    assert sample_csv().is_file() and sample_csv().parent == ROOT / "vizlab" / "data"


# -- offline: the built site loads nothing from the network ------------------------------------------------

PAGES = ["index.html", "getting-started.html", "how-to/csv-map.html", "gallery/index.html",
         "gallery/attention_head_grid.html", "tutorial/explore.html", "api/index.html",
         "api/generated/vizlab.analysis.cka.html", "search.html"]


@pytest.mark.processes  # sphinx-build in a subprocess
def test_no_page_refers_to_a_remote_script_style_or_font(site):
    out, _ = site
    remote = re.compile(r'<(?:script|link|img|iframe)[^>]+(?:src|href)="(?:https?:)?//', re.I)
    bad = [str(p.relative_to(out)) for p in out.rglob("*.html")
           if "_downloads" not in p.parts and remote.search(p.read_text(encoding="utf-8"))]
    assert not bad, f"pages that load something from the network: {bad[:10]}"
    css = [str(p.relative_to(out)) for p in (out / "_static").rglob("*.css")
           if re.search(r"url\((['\"]?)(https?:)?//", p.read_text(encoding="utf-8", errors="replace"))]
    assert not css, css


@pytest.mark.processes
@pytest.mark.browser
def test_pages_load_offline_in_chromium(site, tmp_path):
    from chromium import CHROMIUM, NO_CHROMIUM, Browser

    if CHROMIUM is None:
        pytest.skip(NO_CHROMIUM)
    out, _ = site
    with Browser(tmp_path) as browser:
        for name in PAGES:
            page = browser.open((out / name).as_uri())
            page.wait_for("document.fonts.status === 'loaded'")
            time.sleep(0.3)  # late requests (fonts, search index)
            outside = [u for u in page.requests if not u.startswith(("file://", "data:", "blob:", "about:"))]
            assert not outside, f"{name} asked the network for {outside}"
            assert not page.errors, f"{name}: {page.errors}"
            broken = page.eval("[...document.images].filter(i => i.complete && i.naturalWidth === 0)"
                               ".map(i => i.src)")
            assert not broken, f"{name}: images that did not load: {broken}"


# -- the documented examples run -------------------------------------------------------------------------

def _documented_modules():
    """Every public module whose source holds ``>>>`` examples (read as text: collecting imports nothing)."""
    for path in sorted((ROOT / "vizlab").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        parts = parts[:-1] if parts[-1] == "__init__" else parts
        if any(p.startswith("_") for p in parts[1:]) or ">>>" not in path.read_text(encoding="utf-8"):
            continue
        yield ".".join(parts)


@pytest.mark.parametrize("modname", list(_documented_modules()))
def test_documented_examples_run(modname):
    """The ``>>>`` examples of every module of the API reference, as doctest runs them (examples that
    need a model are marked ``# doctest: +SKIP`` in their docstring)."""
    mod = importlib.import_module(modname)
    tests = [t for t in doctest.DocTestFinder().find(mod, modname)
             if t.examples and (t.filename or "").startswith(str(ROOT / "vizlab"))]
    assert tests, f"{modname} shows >>> examples that doctest does not find"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report: list[str] = []
    for t in tests:
        runner.run(t, out=report.append)
    res = runner.summarize(verbose=False)
    assert res.failed == 0, "".join(report)[-4000:]
