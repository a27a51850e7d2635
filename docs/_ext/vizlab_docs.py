"""Pages generated at build time from vizlab itself, so they cannot go stale:

- ``gallery/``: one page per registered report figure (:func:`vizlab.figures.registry.all_figures`),
  with its caption (``captions.toml``), the committed PNG, its source data ``figures/<id>.data.json``,
  the numbers the report quotes (``figures/manifest.json``) and the code of its study and drawing.
  A new figure appears by itself; nothing is computed (no model runs during the build).
- ``_generated/cli.md``: the ``--help`` of every ``vizlab`` command, from :func:`vizlab.cli.build_parser`.
- ``tutorial/explore.ipynb``: a copy of ``notebooks/explore.ipynb`` (with its saved outputs) inside
  the source folder, its links to repository files pointed at the site.

Why not sphinx-gallery: it builds a gallery by *running* example scripts, and the report's figures come
from studies that load models and train (minutes to an hour on 2 cores); the gallery here only shows
what ``make figures`` already built and checked, so a page per registry entry is all it needs.
"""

from __future__ import annotations

import inspect
import json
import textwrap
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1]
ROOT = DOCS.parent
FIGURES = ROOT / "figures"
GALLERY = DOCS / "gallery"
GENERATED = DOCS / "_generated"
TUTORIAL = DOCS / "tutorial"

SECTION_TITLES = {
    "pretraining": "Pre-training",
    "transfer_learning": "Transfer learning",
    "embeddings": "Embeddings",
    "transformers": "Transformers",
    "attention": "Attention",
    "fine_tuning": "Fine-tuning",
    "tokenization": "Tokenization",
}


def _write(path: Path, text: str) -> None:
    """Write only when the text changed, so Sphinx's incremental build rereads only what changed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def _fence(code: str, lang: str = "python") -> str:
    fence = "````" if "```" in code else "```"
    return f"{fence}{lang}\n{code.rstrip()}\n{fence}\n"


def _results_table(results: dict) -> str:
    if not results:
        return "This figure records no numbers.\n"
    rows = ["| result | value |", "|---|---|"]
    for key, value in results.items():
        shown = json.dumps(value, ensure_ascii=False)
        if len(shown) > 120:
            shown = shown[:117] + "…"
        rows.append(f"| `{key}` | `{shown.replace('|', '¦')}` |")
    return "\n".join(rows) + "\n"


def figure_page(spec, entry: dict | None) -> str:
    """The Markdown page of one registered figure."""
    fid = spec.id
    rel = "../../figures"
    cap_en = spec.caption.get("en") or spec.caption["pt"]
    cap_pt = spec.caption["pt"]
    inputs = {k: v for k, v in spec.inputs.items()}
    if entry is None:
        return (f"(fig-{fid})=\n# `{fid}`\n\n{cap_en}\n\n:::{{warning}}\n`figures/{fid}.png` is not built yet: "
                f"run `vizlab figures --only {fid}`.\n:::\n")
    files = entry.get("files", [])
    extras = [f for f in files if not f.endswith((".png", ".svg", ".data.json"))]
    study_fn, draw_fn = spec.study.compute, spec.drawing.draw
    try:
        study_src = textwrap.dedent(inspect.getsource(study_fn))
        draw_src = textwrap.dedent(inspect.getsource(draw_fn))
    except OSError:  # pragma: no cover - source always available in a checkout
        study_src = draw_src = "# source not available"
    lines = [
        f"(fig-{fid})=",
        f"# `{fid}`",
        "",
        f"*{SECTION_TITLES.get(spec.section, spec.section)}* · models: "
        + (", ".join(f"`{m}`" for m in inputs.get("models", [])) or "none")
        + f" · data: {inputs.get('data') or '—'} · n = {inputs.get('n') if inputs.get('n') is not None else '—'}"
        + f" · seed: {inputs.get('seed') if inputs.get('seed') is not None else '—'}",
        "",
        f"```{{figure}} {rel}/{fid}.png",
        f":alt: {fid}",
        f":name: img-{fid}",
        "",
        cap_en,
        "```",
        "",
        f"**Português** (the report's caption): {cap_pt}",
        "",
        "## Files",
        "",
        f"- Source data (what the drawing reads; {_size(FIGURES / (fid + '.data.json'))}): "
        f"{{download}}`{fid}.data.json <{rel}/{fid}.data.json>`, read back with "
        f"{{func}}`vizlab.sourcedata.load_source_data`",
        f"- Vector image: {{download}}`{fid}.svg <{rel}/{fid}.svg>`",
    ]
    for name in extras:
        lines.append(f"- Interactive, offline page: {{download}}`{name} <{rel}/{name}>` (open it from disk)")
    lines += [
        "",
        "## The call that makes it",
        "",
        "From the repository root (recomputes only when stale; `--redraw` redraws from the source data "
        "with no model):",
        "",
        _fence(f"vizlab figures --only {fid}", "bash"),
        f"Its study, in {{mod}}`{spec.study.module}` (computes the source data):",
        "",
        _fence(study_src),
        f"Its drawing, in {{mod}}`{spec.drawing.module}` (draws from the source data alone):",
        "",
        _fence(draw_src),
        "Redraw it in Python from the committed source data, with no model:",
        "",
        _fence(
            "from pathlib import Path\n\n"
            "from vizlab.figures.registry import get_figure\n"
            "from vizlab.figures.render import draw\n\n"
            f"spec = get_figure({fid!r})\n"
            f"drawn = draw(spec.drawing, Path('figures/{fid}.data.json').read_bytes(), lang='en')\n"
            f"Path('{fid}_en.png').write_bytes(drawn.files['{fid}.png'])"),
        "## Numbers it records",
        "",
        "The numbers REPORT.md quotes from this figure (`figures/manifest.json`):",
        "",
        _results_table(entry.get("results", {})),
    ]
    return "\n".join(lines)


def _size(path: Path) -> str:
    if not path.exists():
        return "missing"
    n = path.stat().st_size
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} kB"


def gallery_index(specs, entries: dict) -> str:
    lines = [
        "(gallery)=",
        "# Gallery of the report's figures",
        "",
        f"Every figure of the report, {len(specs)} in all, generated at build time from the figure registry "
        "({func}`vizlab.figures.registry.all_figures`), the captions of `vizlab/figures/captions.toml` and the "
        "files `make figures` committed in `figures/`: a new registered figure appears here by itself. "
        "Each page gives the caption, the source data, the code of the study and drawing that make it, and "
        "the numbers it records. Nothing is computed while the site is built.",
        "",
    ]
    toc = []
    for section in dict.fromkeys(s.section for s in specs):
        lines += [f"## {SECTION_TITLES.get(section, section)}", "", "::::{container} vizlab-gallery", ""]
        for spec in (s for s in specs if s.section == section):
            cap = spec.caption.get("en") or spec.caption["pt"]
            short = cap.split(". ")[0].rstrip(".") + "."
            if len(short) > 160:
                short = short[:157] + "…"
            lines += [":::{container} vizlab-card", "", "```{image} ../../figures/" + spec.id + ".png",
                      f":alt: {spec.id}", f":target: {spec.id}.html", "```", "",
                      f"[`{spec.id}`]({spec.id}.md): {short}", ":::", ""]
            toc.append(spec.id)
        lines += ["::::", ""]
    lines += ["```{toctree}", ":hidden:", "", *toc, "```", ""]
    return "\n".join(lines)


def write_gallery() -> int:
    from vizlab.figures.registry import all_figures

    specs = all_figures()
    manifest = FIGURES / "manifest.json"
    entries = {e["id"]: e for e in json.loads(manifest.read_text(encoding="utf-8"))} if manifest.exists() else {}
    keep = {"index.md"} | {f"{s.id}.md" for s in specs}
    if GALLERY.exists():
        for old in GALLERY.glob("*.md"):
            if old.name not in keep:
                old.unlink()
    _write(GALLERY / "index.md", gallery_index(specs, entries))
    for spec in specs:
        _write(GALLERY / f"{spec.id}.md", figure_page(spec, entries.get(spec.id)))
    return len(specs)


def write_cli() -> None:
    import argparse

    from vizlab.cli import build_parser

    parser = build_parser()
    parser.prog = "vizlab"
    parts = ["```text", parser.format_help().rstrip(), "```", ""]
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, p in sub.choices.items():
        parts += [f"# `vizlab {name}`", "", "```text", p.format_help().rstrip(), "```", ""]
    _write(GENERATED / "cli.md", "\n".join(parts))


def write_tutorial() -> None:
    """Copy the notebook into the source folder; links to repository files go to the site's pages."""
    nb = json.loads((ROOT / "notebooks" / "explore.ipynb").read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        text = "".join(cell["source"])
        text = text.replace("](../REPORT.md)", "](../gallery/index.md)")
        cell["source"] = text
    note = ("```{note}\nThis page is `notebooks/explore.ipynb` as committed, with the outputs it was saved with: "
            "the site does not run it (no model runs while the site is built). `tests/test_notebook.py` runs it "
            "in a fresh kernel and checks that the saved outputs are still what it prints. Open it in Jupyter to "
            "run it with your own sentences; it is in Portuguese, as the report is.\n```\n")
    nb["cells"].insert(1, {"cell_type": "markdown", "id": "vizlab-docs-note", "metadata": {}, "source": note})
    _write(TUTORIAL / "explore.ipynb", json.dumps(nb, ensure_ascii=False, indent=1) + "\n")


def generate(app) -> None:
    n = write_gallery()
    write_cli()
    write_tutorial()
    from sphinx.util import logging

    logging.getLogger(__name__).info(f"vizlab_docs: {n} gallery pages, the CLI reference and the tutorial written")


def _lookup(path: str):
    """The object named by a dotted ``path`` inside vizlab, and the dotted path of its parent; ``None``
    when there is none (imports the longest module prefix, then follows attributes)."""
    import importlib

    parts = path.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        parent = ".".join(parts[:i])
        try:
            for j, attr in enumerate(parts[i:]):
                parent = ".".join(parts[: i + j])
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return obj, parent
    return None


def resolve_vizlab_names(app, env, node, contnode):
    """Resolve what Sphinx's Python domain cannot, when the name really exists in vizlab:

    - a re-export (``vizlab.load_model``, the lazy names of ``vizlab.__all__``; ``load_corpus`` as
      imported by :mod:`vizlab.extraction.corpus`; ``vizlab.plot.PlotResult``) links to the page of the
      object it names, where it is defined;
    - a module constant without a doc comment (``SHARE_THRESHOLD``, ``vizlab.i18n.CATALOGUE``) or a
      dataclass field links to the page of its module or class.

    A name that does not exist stays a broken reference, and the strict build fails on it.
    """
    import inspect

    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "").lstrip("~.")
    modname, clsname = node.get("py:module"), node.get("py:class")
    candidates = []
    if target.startswith("vizlab."):
        candidates.append(target)
    if modname and clsname:
        candidates.append(f"{modname}.{clsname}.{target}")
    if modname:
        candidates.append(f"{modname}.{target}")
    domain = env.domains["py"]
    for cand in candidates:
        found = _lookup(cand)
        if found is None:
            continue
        obj, parent = found
        if inspect.ismodule(obj):
            names = [(obj.__name__, "mod")]
        elif getattr(obj, "__module__", "").startswith("vizlab") and hasattr(obj, "__qualname__"):
            names = [(f"{obj.__module__}.{obj.__qualname__}", "obj")]
        else:  # a constant or a field: its module's or class's page
            names = [(parent, "obj"), (parent, "mod")]
        for name, reftype in names:
            if name == target and reftype == node.get("reftype"):
                continue
            new = node.deepcopy()
            new["reftarget"], new["reftype"] = name, reftype
            ref = domain.resolve_xref(env, node["refdoc"], app.builder, reftype, name, new, contnode)
            if ref is not None:
                return ref
    # A short name in a context Sphinx does not carry (an autosummary table's summary line): the one
    # documented vizlab object of that name, inside the package the target names (``vizlab.plot.PlotResult``
    # is ``vizlab.plot.display.PlotResult``). Ambiguous names stay broken.
    prefix, _, last = target.rpartition(".")
    if not last.isidentifier():
        return None
    matches = [name for name in domain.objects
               if name.startswith("vizlab.") and name.endswith("." + last)
               and (not prefix or name.startswith(prefix + "."))]
    if len(matches) == 1:
        new = node.deepcopy()
        new["reftarget"], new["reftype"] = matches[0], "obj"
        return domain.resolve_xref(env, node["refdoc"], app.builder, "obj", matches[0], new, contnode)
    return None


def _math_svg(latex: str) -> str:
    """``latex`` drawn by matplotlib's mathtext as an ``<img>`` holding its SVG (a ``data:`` URL): math
    without MathJax, whose script would come from a CDN. mathtext knows ``\\Vert`` but not ``\\lVert``."""
    import base64
    import io

    from matplotlib import mathtext

    tex = " ".join(latex.split()).replace(r"\lVert", r"\Vert").replace(r"\rVert", r"\Vert")
    buf = io.BytesIO()
    from matplotlib.font_manager import FontProperties

    mathtext.math_to_image(f"${tex}$", buf, prop=FontProperties(size=15), format="svg", dpi=100)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    from html import escape

    return f'<img class="vizlab-math" src="data:image/svg+xml;base64,{data}" alt="{escape(latex)}">'


def _visit_inline_math(self, node):
    self.body.append(_math_svg(node.astext()))
    from docutils import nodes

    raise nodes.SkipNode


def _visit_block_math(self, node):
    from docutils import nodes

    self.body.append('<div class="math vizlab-math-block">' + _math_svg(node.astext()) + "</div>")
    raise nodes.SkipNode


def drop_stale_stubs(app) -> None:
    """Remove API stubs of objects that no longer exist (autosummary writes stubs, never deletes them), so a
    renamed or moved function does not break an incremental build."""
    stubs = DOCS / "api" / "generated"
    for stub in stubs.glob("*.rst") if stubs.exists() else ():
        if _lookup(stub.stem) is None:
            stub.unlink()


def setup(app):
    app.connect("builder-inited", drop_stale_stubs, priority=400)  # before autosummary (500) regenerates
    app.add_html_math_renderer("vizlab_mathtext", inline_renderers=(_visit_inline_math, None),
                               block_renderers=(_visit_block_math, None))
    app.connect("builder-inited", generate)
    app.connect("missing-reference", resolve_vizlab_names)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
