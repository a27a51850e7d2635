"""notebooks/explore.ipynb: a Portuguese tutorial, committed with its outputs, that runs end to end in a
fresh kernel and still prints what it was committed with.

Re-execute it after changing what it shows (its folder is the working directory):
``.venv/bin/jupyter execute --inplace notebooks/explore.ipynb``.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "explore.ipynb"
RERUN = "re-execute it and save its outputs: .venv/bin/jupyter execute --inplace notebooks/explore.ipynb"
MAX_BYTES = 3_000_000

# What the tutorial promises: the encoder, the decoder, the explorer and fine-tuning, each through the
# study and drawing the report uses.
PROMISED_CALLS = [
    'load_model("minilm")', 'load_model("gemma-270m")',
    "attention_data(", "draw_attention(", "show_attention(",
    "embedding_map(", "draw_embedding_map(", "embedding_explorer(",
    "next_words(", "draw_next_words(", "softmax_temperature(", "draw_softmax_temperature(",
    "load_source_data(", "draw_embedding_shift(",
]
PT_WORDS = {"de", "que", "o", "a", "os", "as", "um", "uma", "não", "é", "em", "do", "da", "para", "com"}
EN_WORDS = {"the", "of", "and", "to", "is", "in", "it", "for", "with", "this", "that", "on"}


def _code(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def _normal(text: str) -> str:
    """Output text without what changes from run to run: the temporary folder, memory addresses."""
    text = text.replace(str(Path(tempfile.gettempdir())), "<tmp>")
    text = re.sub(r"0x[0-9a-fA-F]+", "0x…", text)
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def outputs_summary(nb) -> list[dict]:
    """Per code cell: its printed text (stdout and plain-text results, joined: Jupyter may split a
    stream into chunks) and how many images, HTML displays and errors it showed. stderr is left out."""
    cells = []
    for cell in _code(nb):
        text, images, html, errors = [], 0, 0, []
        for o in cell.outputs:
            if o.output_type == "stream":
                if o.name == "stdout":
                    text.append(o.text)
            elif o.output_type == "error":
                errors.append(f"{o.ename}: {o.evalue}")
            else:
                data = o.get("data", {})
                if "image/png" in data:
                    images += 1
                elif "text/html" in data:
                    html += 1
                else:
                    text.append(data.get("text/plain", ""))
        cells.append({"source": cell.source.splitlines()[0] if cell.source else "", "text": _normal("".join(text)),
                      "images": images, "html": html, "errors": errors})
    return cells


# ------------------------------------------------------------------ the committed file (fast, no model)


def test_notebook_is_committed_with_its_outputs():
    assert NOTEBOOK.stat().st_size < MAX_BYTES, \
        f"{NOTEBOOK.name} is {NOTEBOOK.stat().st_size:,} bytes; keep it under {MAX_BYTES:,} (no big pages inline)"
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    code = _code(nb)
    assert code, "the notebook has no code cells"
    counts = [c.execution_count for c in code]
    assert counts == list(range(1, len(code) + 1)), \
        f"the code cells were not run once, in order, in a fresh kernel (execution counts {counts}); {RERUN}"
    summary = outputs_summary(nb)
    assert not [e for c in summary for e in c["errors"]], f"the committed outputs hold an error; {RERUN}"
    stderr = [o.text for c in code for o in c.outputs if o.output_type == "stream" and o.name == "stderr"]
    assert not stderr, f"the committed outputs hold warnings or progress bars: {stderr[0][:200]!r}"
    assert all(c.outputs for c in code), "every code cell should show something (a print, a figure or a page)"
    images = sum(c["images"] for c in summary)
    assert images >= 7, f"expected the grid, one head, the map, the bars, the temperature and two fine-tuning " \
                        f"figures; got {images} images; {RERUN}"
    shown = [o["data"] for c in code for o in c.outputs if "data" in o]
    assert all("image/svg+xml" not in d for d in shown), "images are saved as PNG"
    html = [d["text/html"] for d in shown if "text/html" in d]
    assert any("<iframe" in h and "srcdoc" in h for h in html), "the attention viewer is not shown inline"


def test_notebook_is_a_portuguese_tutorial_of_the_encoder_the_decoder_and_fine_tuning():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = "\n".join(c.source for c in _code(nb))
    langs = re.findall(r"""\blang\s*=\s*["'](\w+)["']""", code)
    assert langs and set(langs) == {"pt"}, f"every figure and page in Portuguese (lang=\"pt\"); found {langs}"
    missing = [call for call in PROMISED_CALLS if call not in code]
    assert not missing, f"the tutorial no longer shows {missing}"
    assert "finetune(" not in code, "the notebook must not train the fine-tuned model silently; it reads " \
                                    "the report's source data (figures/*.data.json)"
    assert "finetune_embedding_shift.data.json" in code
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        words = re.findall(r"[a-zà-ú]+", re.sub(r"`[^`]*`|“[^”]*”|\"[^\"]*\"|\*[^*]*\*", " ", cell.source.lower()))
        pt, en = sum(w in PT_WORDS for w in words), sum(w in EN_WORDS for w in words)
        assert pt > 2 * en, f"a text cell reads as English ({pt} Portuguese vs {en} English words): " \
                            f"{cell.source[:120]!r}"
    prose = " ".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "treinado em inglês" in prose and "lê português" in prose, \
        "say which model reads Portuguese (MiniLM was trained on English, Gemma reads Portuguese)"


# ------------------------------------------------------------------ executed (real models, a kernel)


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The notebook run in a fresh kernel on this checkout's vizlab, in an empty working directory."""
    from nbclient import NotebookClient

    cwd = tmp_path_factory.mktemp("notebook-cwd")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PYTHONPATH", path)  # the kernel imports this checkout, not another installed copy
        NotebookClient(nb, timeout=600, kernel_name="python3", record_timing=False,
                       resources={"metadata": {"path": str(cwd)}}).execute()
    return nb, cwd


@pytest.mark.models
@pytest.mark.processes  # a Jupyter kernel
def test_notebook_executes_end_to_end(executed):
    nb, cwd = executed
    summary = outputs_summary(nb)
    errors = [e for c in summary for e in c["errors"]]
    assert not errors, errors[0] if errors else ""
    assert sum(c["images"] for c in summary) >= 7
    html = [o["data"]["text/html"] for c in _code(nb) for o in c.outputs if "text/html" in o.get("data", {})]
    assert any("<iframe" in h and "srcdoc" in h for h in html), "the interactive viewer was not displayed"
    assert not list(cwd.iterdir()), "the notebook should not write files where it runs"


@pytest.mark.models
@pytest.mark.processes
def test_committed_outputs_are_current(executed):
    nb, _ = executed
    fresh, committed = outputs_summary(nb), outputs_summary(nbformat.read(NOTEBOOK, as_version=4))
    assert len(fresh) == len(committed)
    for new, old in zip(fresh, committed):
        assert new == old, f"the committed outputs of the cell {old['source']!r} are stale; {RERUN}"
