"""Number the figures of REPORT.md: "Figura N" under each embedded figure, in the order they appear,
and every reference to a figure in the text.

Under each embed ``![Título](figures/<id>.png)`` the caption starts with ``**Figura N — Título.**``
(the title is the embed's alt text). A reference in the text names the figure by its id in a tag
right after the number, ``Figura 7<!--fig:attention_head_grid-->`` (or ``Figuras 3<!--fig:a--> e
4<!--fig:b-->``), so a figure added or moved renumbers every label and reference when this script
runs again; tests/test_report.py fails until it has run.

    python scripts/number_figures.py          # rewrite REPORT.md in place
    python scripts/number_figures.py --check  # exit 1 if a number is out of date
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

REPORT = Path(__file__).resolve().parents[1] / "REPORT.md"
EMBED = re.compile(r"^!\[([^\]]*)\]\(figures/([A-Za-z0-9_]+)\.png\)\s*$", re.M)
LABEL = re.compile(r"^\*\*Figura \d+ — [^\n]*?\.\*\*|^\*Figura `[A-Za-z0-9_]+`\.\*")
REF = re.compile(r"\d+<!--fig:([A-Za-z0-9_]+)-->")


def figure_numbers(text: str) -> dict[str, int]:
    """Figure id -> its number (1, 2, ... in the order of the embeds)."""
    return {fid: k for k, (_, fid) in enumerate(EMBED.findall(text), start=1)}


def numbered(text: str) -> str:
    """``text`` with every caption label and tagged reference numbered by :func:`figure_numbers`."""
    numbers = figure_numbers(text)
    lines = text.split("\n")
    for i, line in enumerate(lines):
        m = EMBED.match(line)
        if not m:
            continue
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        label = f"**Figura {numbers[m.group(2)]} — {m.group(1).rstrip('.')}.**"
        if j < len(lines) and LABEL.match(lines[j]):
            lines[j] = label + lines[j][LABEL.match(lines[j]).end():]
        elif j < len(lines):
            lines[j] = f"{label} {lines[j]}"
    text = "\n".join(lines)

    def ref(m: re.Match) -> str:
        fid = m.group(1)
        if fid not in numbers:
            raise SystemExit(f"REPORT.md refers to figure {fid!r}, which it does not embed")
        return f"{numbers[fid]}<!--fig:{fid}-->"

    return REF.sub(ref, text)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only say whether the numbers are up to date")
    args = ap.parse_args(argv)
    text = REPORT.read_text(encoding="utf-8")
    new = numbered(text)
    if args.check:
        if new != text:
            print("REPORT.md: figure numbers out of date; run python scripts/number_figures.py", file=sys.stderr)
            return 1
        return 0
    if new != text:
        REPORT.write_text(new, encoding="utf-8")
        print("REPORT.md: figures renumbered")
    return 0


if __name__ == "__main__":
    sys.exit(main())
