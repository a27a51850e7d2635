"""REPORT.md: every registered figure is shown, every link resolves, quoted numbers match the manifest.

Numbers the report quotes from ``figures/manifest.json`` are tagged in the Markdown source with an
invisible comment right after them, e.g. ``**0,666**<!--n:embeddings_similarity.paraphrase_movie-->``;
the test reads the number before each tag and compares it with the manifest's ``results``, so a
regenerated figure with different numbers makes the report fail until its text is updated.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from vizlab.figures.registry import all_figures

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "REPORT.md"
TAG = re.compile(r"<!--n:([A-Za-z0-9_]+)\.([^>]*?)-->")
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


@pytest.fixture(scope="module")
def report() -> str:
    return REPORT.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def manifest() -> dict:
    rows = json.loads((ROOT / "figures" / "manifest.json").read_text(encoding="utf-8"))
    return {r["id"]: r for r in rows}


def test_every_registered_figure_is_embedded(report):
    missing = [s.id for s in all_figures() if f"](figures/{s.id}.png)" not in report]
    assert not missing, f"figures not embedded in REPORT.md: {missing}"


def test_every_local_link_resolves(report):
    targets = [t for t in LINK.findall(report) if not re.match(r"[a-z]+://|#|mailto:", t)]
    assert targets, "the report has no local links"
    broken = [t for t in targets if not (ROOT / t.split("#")[0]).exists()]
    assert not broken, f"links in REPORT.md that point to missing files: {broken}"


def _prose(markdown: str) -> str:
    """``markdown`` without its fenced code blocks and inline code (examples there are not links)."""
    return re.sub(r"`[^`\n]*`", "", re.sub(r"(?ms)^\s*```.*?^\s*```", "", markdown))


def test_readme_links_resolve():
    readme = _prose((ROOT / "README.md").read_text(encoding="utf-8"))
    assert "](figures/tokenization_counts.png)" not in readme  # the example of "Adding a figure" is code
    targets = [t for t in LINK.findall(readme) if not re.match(r"[a-z]+://|#|mailto:", t)]
    broken = [t for t in targets if not (ROOT / t.split("#")[0]).exists()]
    assert not broken, f"links in README.md that point to missing files: {broken}"


def test_embedded_figures_are_registered(report):
    ids = {s.id for s in all_figures()}
    shown = set(re.findall(r"\]\(figures/([A-Za-z0-9_]+)\.png\)", report))
    assert shown <= ids, f"REPORT.md shows figures that are not registered: {sorted(shown - ids)}"


def _lookup(results, key: str):
    """``results["a"]["b"][2]`` for ``"a.b.2"``; keys may themselves hold dots (``"T0.5_prob"``)."""
    if key in (results if isinstance(results, dict) else {}):
        return results[key]
    parts = key.split(".")
    for i in range(len(parts) - 1, 0, -1):
        head, rest = ".".join(parts[:i]), ".".join(parts[i:])
        if isinstance(results, dict) and head in results:
            return _lookup(results[head], rest)
        if isinstance(results, list) and head.isdigit() and int(head) < len(results):
            return _lookup(results[int(head)], rest)
    if isinstance(results, list) and key.isdigit() and int(key) < len(results):
        return results[int(key)]
    raise KeyError(key)


_SUP = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")


def _shown(text: str):
    """The value written just before a tag: a number (pt-BR: decimal comma, ``.`` between
    thousands, optional ``%`` or ``× 10⁻⁷``), a shape ``A × B × C``, or a quoted “string”.

    Returns ``(value, decimals, percent)``; ``decimals`` is the precision shown (None: exact).
    """
    text = text.rstrip("*_ ")
    if m := re.search(r"“([^”]*)”$", text):
        return m.group(1), None, False
    if m := re.search(r"(-?\d+(?:,(\d+))?) × 10([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)$", text):
        exp = int(m.group(3).translate(_SUP))
        decimals = len(m.group(2) or "") - exp
        return float(m.group(1).replace(",", ".")) * 10.0 ** exp, decimals, False
    if m := re.search(r"\d+(?: × \d+)+$", text):
        return [int(x) for x in m.group(0).split(" × ")], None, False
    if m := re.search(r"(?<![\d,.])(\d{1,3}(?:\.\d{3})+)$", text):
        return int(m.group(1).replace(".", "")), 0, False
    if m := re.search(r"([-−+]?\d+(?:,(\d+))?)\s*(%|p\.p\.)?$", text):  # p.p. = percentage points
        decimals = len(m.group(2) or "")
        return float(m.group(1).replace(",", ".").replace("−", "-")), decimals, bool(m.group(3))
    return None, None, False


def _matches(shown, decimals, percent, value) -> bool:
    if isinstance(shown, (str, list)):
        return shown == (value.strip().lstrip("␣▁") if isinstance(value, str) else value)  # "␣Sul" -> "Sul"
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    if percent and abs(value) <= 1:
        value = 100 * value
    return abs(shown - value) <= 0.5 * 10.0 ** -decimals + 1e-9


def test_quoted_numbers_match_the_manifest(report, manifest):
    problems = []
    for m in TAG.finditer(report):
        fid, key = m.group(1), m.group(2)
        shown, decimals, percent = _shown(report[max(0, m.start() - 80):m.start()])
        if fid not in manifest:
            problems.append(f"{fid}.{key}: figure not in figures/manifest.json")
            continue
        try:
            value = _lookup(manifest[fid].get("results") or {}, key)
        except KeyError:
            problems.append(f"{fid}.{key}: no such result (has {sorted(manifest[fid].get('results') or {})})")
            continue
        if shown is None or not _matches(shown, decimals, percent, value):
            problems.append(f"{fid}.{key}: report says {shown!r}, manifest has {value!r}")
    assert not problems, "numbers in REPORT.md out of date:\n" + "\n".join(problems)


def test_lookup_of_nested_and_dotted_keys():
    results = {"T0.5_prob": 0.4, "shapes": {"q": [2, 12]}, "top": ["muro", "pé"]}
    assert _lookup(results, "T0.5_prob") == 0.4
    assert _lookup(results, "shapes.q") == [2, 12] and _lookup(results, "shapes.q.1") == 12
    assert _lookup(results, "top.0") == "muro"
    with pytest.raises(KeyError):
        _lookup(results, "shapes.k")


def test_number_tags_are_found_by_the_parser():
    assert _shown("chega a **72,4 %**") == (72.4, 1, True)
    assert _shown("similaridade **0,666**") == (0.666, 3, False)
    assert _shown("formato **3 × 12**") == ([3, 12], None, False)
    assert _shown("vira **2 × 15 × 384**") == ([2, 15, 384], None, False)
    assert _shown("tem **22.713.216**") == (22713216, 0, False)
    v, d, _ = _shown("erro de **2,96 × 10⁻⁷**")
    assert abs(v - 2.96e-7) < 1e-15 and d == 9 and _matches(v, d, False, 2.96e-07)
    assert _shown("é **“teclado”**") == ("teclado", None, False)
    assert _shown("sem número **?**") == (None, None, False)
    assert _shown("cai para **−0,01**") == (-0.01, 2, False)
    assert _shown("vantagem de **+8,5 p.p.**") == (8.5, 1, True) and _matches(8.5, 1, True, 0.085)
    assert _matches(72.4, 1, True, 0.7241) and not _matches(72.4, 1, True, 0.7261)
    assert _matches(0.67, 2, False, 0.666) and not _matches(0.66, 2, False, 0.666)


def test_report_covers_the_assignment(report):
    for heading in ("Pré-treinamento", "Transfer learning", "Embeddings", "Transformers",
                    "Atenção", "Fine-tuning", "Capítulo 1", "Capítulo 2", "Capítulo 3"):
        assert re.search(rf"^#+ .*{heading}", report, re.M), heading
    for n in (1, 2, 3):
        assert f"images/nlp_capitulo_{n}.png" in report
    assert "acrescentada pelo autor" in report
    assert "attention_viewer.html" in report


# ---------------------------------------------------------------------------------------------------
# Comparisons. A sentence that states a difference carries a tag naming the manifest results it
# compares, e.g. ``<!--cmp:transfer_layer_probes.accuracy.pretrained.6 > transfer_layer_probes.topic_only-->``
# or, for a difference with its own (paired) interval, ``<!--cmp:fine_tuning_x.a_minus_b > 0-->``.
# Each side is a manifest result ``{"value", "lo", "hi", ...}`` or a plain number. The claim holds
# when the intervals say so: ``A > B`` needs A's lower end above B's upper end. "Not
# distinguishable" is written ``<!--cmp:fig.a_minus_b ~ 0-->`` only: the left side must be a recorded
# *difference* (a key with ``minus``, e.g. from vizlab.analysis.intervals.paired_bootstrap_diff on the
# same items) whose interval holds 0. Two separate intervals that overlap are not a test of the
# difference (their difference can still be significant), so ``A ~ B`` with B other than 0 fails.
# So a rebuilt figure whose intervals no longer support a sentence makes the report fail.
CMP = re.compile(r"<!--cmp:\s*([^<>~]+?)\s*(>|<|~)\s*([^<>~]+?)\s*-->")


def _side(manifest, ref: str):
    """``(lo, hi)`` of one side of a comparison: a number, or ``figure.key`` with an interval."""
    try:
        v = float(ref)
        return v, v
    except ValueError:
        pass
    fid, _, key = ref.partition(".")
    value = _lookup(manifest[fid].get("results") or {}, key)
    if isinstance(value, dict):
        return float(value["lo"]), float(value["hi"])
    return float(value), float(value)


def _holds(a, op: str, b) -> bool:
    (alo, ahi), (blo, bhi) = a, b
    if op == ">":
        return alo > bhi
    if op == "<":
        return ahi < blo
    return alo <= bhi and blo <= ahi  # "~": the intervals overlap


def _tilde_problem(left: str, op: str, right: str) -> str | None:
    """Why a ``~`` comparison is not a test, or None: it must compare a recorded difference with 0."""
    if op != "~":
        return None
    if right.strip() != "0" or "minus" not in left.partition(".")[2]:
        return (f"{left} ~ {right}: overlapping intervals are not a test of 'no difference'; record the "
                "difference (vizlab.analysis.intervals.paired_bootstrap_diff on the same items) and tag "
                "<!--cmp:figure.a_minus_b ~ 0-->")
    return None


def test_stated_differences_are_supported_by_the_intervals(report, manifest):
    problems, n = [], 0
    for m in CMP.finditer(report):
        n += 1
        left, op, right = m.groups()
        if why := _tilde_problem(left, op, right):
            problems.append(why)
            continue
        try:
            a, b = _side(manifest, left), _side(manifest, right)
        except (KeyError, ValueError) as e:
            problems.append(f"{m.group(0)}: cannot resolve ({e})")
            continue
        if not _holds(a, op, b):
            problems.append(f"{left} {op} {right}: intervals {a} and {b} do not support it")
    assert n >= 10, "the report's comparisons should be tagged <!--cmp:A > B-->"
    assert not problems, "comparisons in REPORT.md not supported by the manifest:\n" + "\n".join(problems)


def test_comparison_parser():
    assert _holds((0.6, 0.7), ">", (0.5, 0.59)) and not _holds((0.6, 0.7), ">", (0.5, 0.61))
    assert _holds((0.4, 0.5), "<", (0.51, 0.6)) and not _holds((0.4, 0.52), "<", (0.51, 0.6))
    assert _holds((0.5, 0.6), "~", (0.55, 0.7)) and not _holds((0.5, 0.6), "~", (0.61, 0.7))
    assert _holds((-0.01, 0.03), "~", (0.0, 0.0)) and _holds((0.02, 0.05), ">", (0.0, 0.0))
    fake = {"f": {"results": {"d": {"value": 0.03, "lo": 0.01, "hi": 0.05}, "acc": [0.5, 0.7]}}}
    assert _side(fake, "f.d") == (0.01, 0.05) and _side(fake, "f.acc.1") == (0.7, 0.7) and _side(fake, "0") == (0, 0)
    m = CMP.search("texto <!--cmp:f.a.2 > f.topic_only--> fim")
    assert m.groups() == ("f.a.2", ">", "f.topic_only")
    assert _tilde_problem("f.a_minus_b", "~", "0") is None and _tilde_problem("f.x.a_minus_b.3", "~", "0") is None
    assert _tilde_problem("f.a", "~", "f.b") and _tilde_problem("f.a_minus_b", "~", "f.c_minus_d")
    assert _tilde_problem("f.accuracy", "~", "0") and _tilde_problem("f.a", ">", "f.b") is None


def test_each_sentiment_section_tags_its_comparisons(report):
    sections = re.split(r"^### ", report, flags=re.M)
    for title in ("2. Transfer learning", "3. Embeddings", "6. Fine-tuning"):
        body = next(s for s in sections if s.startswith(title))
        assert len(CMP.findall(body)) >= 3, f"section {title!r} states comparisons without <!--cmp:...--> tags"


# ---------------------------------------------------------------------------------------------------
# Figures as a document: "Figura N" under each embed, numbered in order; references name the id.
EMBED = re.compile(r"^!\[([^\]]*)\]\(figures/([A-Za-z0-9_]+)\.png\)\s*$", re.M)
FIG_REF = re.compile(r"(\d+)<!--fig:([A-Za-z0-9_]+)-->")


def _embeds(report: str) -> list[tuple[str, str, str]]:
    """``(alt text, figure id, first non-blank line after the embed)`` for each embedded figure."""
    lines, out = report.split("\n"), []
    for i, line in enumerate(lines):
        if m := EMBED.match(line):
            after = next((x for x in lines[i + 1:] if x.strip()), "")
            out.append((m.group(1), m.group(2), after))
    return out


def test_every_figure_has_its_number_and_caption_underneath(report):
    embeds = _embeds(report)
    assert len(embeds) >= 30
    wrong = [f"{fid}: expected the caption to start with '**Figura {k} — {alt.rstrip('.')}.**', got {after[:60]!r}"
             for k, (alt, fid, after) in enumerate(embeds, start=1)
             if not after.startswith(f"**Figura {k} — {alt.rstrip('.')}.**")
             or len(after) <= len(f"**Figura {k} — {alt.rstrip('.')}.**") + 20]
    assert not wrong, "run python scripts/number_figures.py:\n" + "\n".join(wrong)


def test_figure_references_name_an_embedded_figure_by_its_number(report):
    numbers = {fid: k for k, (_, fid, _) in enumerate(_embeds(report), start=1)}
    refs = FIG_REF.findall(report)
    assert len(refs) >= 10
    bad = [f"{n}<!--fig:{fid}-->: " + (f"Figura {numbers[fid]}" if fid in numbers else "not embedded")
           for n, fid in refs if numbers.get(fid) != int(n)]
    assert not bad, "run python scripts/number_figures.py:\n" + "\n".join(bad)
    # a bare "Figura N" in the text (not a caption label) must carry the id of the figure it means
    prose = "\n".join(x for x in _prose(report).split("\n") if not x.startswith("**Figura "))
    untagged = re.findall(r"[Ff]iguras? \d+(?!\d|<!--fig:)", prose)
    assert not untagged, f"references without <!--fig:id--> tag: {untagged}"
    # and a figure id in backticks is no longer how the text points at a figure
    named = sorted({i for i in re.findall(r"`([A-Za-z0-9_]+)`", report) if i in numbers})
    assert not named, f"write 'Figura N<!--fig:id-->' instead of the id: {named}"


def test_numbering_script_agrees_with_the_report(report):
    import runpy

    numbered = runpy.run_path(str(ROOT / "scripts" / "number_figures.py"))["numbered"]
    assert numbered(report) == report, "run python scripts/number_figures.py"


# ---------------------------------------------------------------------------------------------------
# References (ABNT): every work cited in the text is in the list, and every entry is cited.
CITE_PAREN = re.compile(r"\b([A-Z]{2,}(?: [A-Z]{2,})*)(?: et al\.)?(?:; [A-Z][A-Z .]*?)*, (\d{4})\b")
CITE_TEXT = re.compile(r"\b([A-Z][a-zà-ú]+)(?: et al\.| e [A-Z][a-zà-ú]+)?\s+\((\d{4})\)")


def _references(report: str) -> dict[str, set[str]]:
    """Entry key (the author as written before the first comma or full stop) -> the years in the entry."""
    body = report.split("\n## Referências\n", 1)[1].split("\n## ", 1)[0]
    entries = [" ".join(e.split()) for e in body.strip().split("\n\n") if e.strip()]
    return {re.split(r"[,.]", e, maxsplit=1)[0]: set(re.findall(r"\b(?:19|20)\d{2}\b", e)) for e in entries}


def _citations(report: str) -> set[tuple[str, str]]:
    text = " ".join(_prose(report.split("\n## Referências\n", 1)[0]).split())
    return ({(a, y) for a, y in CITE_PAREN.findall(text)}
            | {(a.upper(), y) for a, y in CITE_TEXT.findall(text)})


def test_citation_parser():
    assert _citations("x (VASWANI et al., 2017; REIMERS; GUREVYCH, 2019) e (VAN DER MAATEN; HINTON, 2008)"
                      " e Jain e Wallace (2019) e Neely et al.\n(2022) (BERT; DEVLIN et al., 2019)") == {
        ("VASWANI", "2017"), ("REIMERS", "2019"), ("VAN DER MAATEN", "2008"), ("JAIN", "2019"),
        ("NEELY", "2022"), ("DEVLIN", "2019")}


def test_every_citation_is_in_the_references_and_every_reference_is_cited(report):
    refs, cites = _references(report), _citations(report)
    assert len(refs) >= 15
    missing = sorted(f"{a}, {y}" for a, y in cites if y not in refs.get(a, set()))
    assert not missing, f"cited in the text but not in ## Referências: {missing}"
    uncited = sorted(set(refs) - {a for a, _ in cites})
    assert not uncited, f"in ## Referências but never cited: {uncited}"
    assert list(refs) == sorted(refs), "ABNT lists the references in alphabetical order"
    for work in ("VASWANI", "DEVLIN", "SUNDARARAJAN", "JAIN", "ABNAR", "KORNBLITH", "CLARK", "SU", "MCINNES",
                 "VAN DER MAATEN", "CROWDFLOWER", "HUGGING FACE"):
        assert work in refs, work


def test_report_is_a_document(report):
    headings = re.findall(r"^## (.+)$", report, re.M)
    assert "Conclusão" in headings and headings[-1] == "Referências"
    assert headings.index("Conclusão") > headings.index("Questão 2 — curso de NLP da Hugging Face, capítulos 1 a 3")
