"""The code blocks of REPORT.md run, and the generated text the report quotes is what the code writes.

Every fenced ```python block (in the order of the report, sharing one namespace, like the cells of a
notebook) is executed with the shipped models; a block fenced ```python skip is shown but not run
(fine-tuning takes minutes). The Gemma generation block reproduces the texts the softmax study
recorded for seed 0, so the table in the report, the manifest and the code shown agree.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"^```python([^\n]*)\n(.*?)^```", re.M | re.S)


def _blocks(markdown: str) -> list[tuple[str, str]]:
    """``(info, code)`` of each ```python block, in order (info: what follows ``python`` on the fence)."""
    return [(m.group(1).strip(), m.group(2)) for m in BLOCK.finditer(markdown)]


def test_blocks_are_found():
    md = "x\n```python\nprint(1)\n```\n\n```python skip\nslow()\n```\n```\nnot python\n```\n"
    assert _blocks(md) == [("", "print(1)\n"), ("skip", "slow()\n")]


def test_report_has_a_code_block_per_concept():
    blocks = _blocks((ROOT / "REPORT.md").read_text(encoding="utf-8"))
    code = "\n".join(c for _, c in blocks)
    # logits/softmax, features + probe, embeddings, tokenization, padding/mask, generation, attention, fine-tuning
    for call in ("softmax", "LogisticRegression", "vizlab.embed", "convert_ids_to_tokens", "attention_mask",
                 ".generate(", "output_attentions=True", "vizlab.finetune"):
        assert call in code, f"no code block shows {call}"
    assert all(info in ("", "skip") for info, _ in blocks)
    assert all(len(c.splitlines()) <= 12 for _, c in blocks), "keep the report's code blocks short"


@pytest.mark.slow
@pytest.mark.models
def test_report_code_blocks_run_and_reproduce_the_quoted_text():
    blocks = _blocks((ROOT / "REPORT.md").read_text(encoding="utf-8"))
    namespace: dict = {"__name__": "report"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for k, (info, code) in enumerate(blocks):
            if info == "skip":
                continue
            try:
                exec(compile(code, f"REPORT.md python block {k + 1}", "exec"), namespace)
            except Exception as e:  # say which block broke
                raise AssertionError(f"REPORT.md python block {k + 1} failed: {e!r}\n{code}") from e
    printed = " ".join(out.getvalue().split())
    assert "muro 9.9%" in printed and "0.705" in printed
    rows = {r["id"]: r for r in json.loads((ROOT / "figures" / "manifest.json").read_text(encoding="utf-8"))}
    samples = rows["transformers_softmax_temperature"]["results"]["samples"]
    for T in ("T0.5", "T1", "T2"):
        assert samples[T][0] in printed, f"the generation block does not write the recorded {T} text"
