"""Run the figure registry: build each figure, save PNG + SVG, write the manifest."""

from __future__ import annotations

import argparse
import json
import os
import time
import traceback
from pathlib import Path

import matplotlib

from vizlab.cache import atomic_write_bytes
from vizlab.figures.registry import SECTIONS, FigureContext, all_figures
from vizlab.figures.save import save_figure
from vizlab.plot.style import report_style

__all__ = ["build_figures", "main"]

ROOT = Path(__file__).resolve().parents[2]


def build_figures(*, out: Path, only=None, section=None, lang="pt", log=print) -> tuple[list[dict], list[tuple[str, str]]]:
    """Build the selected figures; returns (manifest entries written, failures as (id, error))."""
    import matplotlib.pyplot as plt

    specs = all_figures()
    known = {s.id for s in specs}
    for fid in only or []:
        if fid not in known:
            raise ValueError(f"no figure {fid!r}; known figures: {', '.join(sorted(known))}")
    if section is not None and section not in SECTIONS:
        raise ValueError(f"unknown section {section!r}; use one of {', '.join(SECTIONS)}")
    specs = [s for s in specs if (not only or s.id in only) and (section is None or s.section == section)]
    ctx = FigureContext(lang=lang)
    entries, failures = [], []
    for i, spec in enumerate(specs, 1):
        log(f"[{i}/{len(specs)}] {spec.id} ({spec.section}) ...", end="", flush=True)
        t0 = time.perf_counter()
        ctx.reset()
        try:
            with report_style():
                fig = spec.build(ctx)
                files = save_figure(fig, out, spec.id)
            plt.close("all")
            for name, text in ctx.attachments.items():
                atomic_write_bytes(out / name, text.encode("utf-8"))
                files.append(out / name)
        except Exception as err:  # reported, the others still run
            plt.close("all")
            failures.append((spec.id, f"{type(err).__name__}: {err}"))
            log(f" FAILED: {type(err).__name__}: {err}")
            traceback.print_exc()
            continue
        dt = time.perf_counter() - t0
        log(f" {dt:.1f}s")
        entries.append({
            "id": spec.id,
            "section": spec.section,
            "caption": spec.caption_for(lang),
            "files": [p.name for p in files],
            "inputs": spec.inputs,
            "fingerprints": dict(ctx.fingerprints),
            "results": dict(ctx.results),
            "seconds": round(dt, 1),
        })
    return entries, failures


def _write_manifest(out: Path, entries: list[dict]) -> None:
    path = out / "manifest.json"
    old = []
    if path.exists():
        try:
            old = json.loads(path.read_text())
        except ValueError:
            old = []
    merged = {e["id"]: e for e in old if isinstance(e, dict) and "id" in e}
    merged.update({e["id"]: e for e in entries})
    order = {s.id: i for i, s in enumerate(all_figures())}
    rows = sorted((e for e in merged.values() if e["id"] in order), key=lambda e: order[e["id"]])
    atomic_write_bytes(path, (json.dumps(rows, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))


def main(argv=None) -> int:
    matplotlib.use("Agg")
    p = argparse.ArgumentParser(description="Regenerate the report's figures.")
    p.add_argument("--only", nargs="+", metavar="ID", help="figure ids to build")
    p.add_argument("--section", choices=SECTIONS)
    p.add_argument("--lang", choices=["pt", "en"], default="pt")
    p.add_argument("--out", type=Path, default=ROOT / "figures")
    args = p.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    entries, failures = build_figures(out=args.out, only=args.only, section=args.section, lang=args.lang)
    _write_manifest(args.out, entries)
    if failures:
        print(f"{len(failures)} figure(s) failed:")
        for fid, err in failures:
            print(f"  {fid}: {err}")
        return 1
    print(f"{len(entries)} figure(s) written to {args.out}")
    return 0
