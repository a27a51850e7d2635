"""Build figures into a scratch folder and compare them with figures/ byte for byte (and their results).

    python scripts/compare_figures.py transformers_architecture transformers_softmax_temperature
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(ids: list[str]) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from vizlab.figures.build import build_figures
    from vizlab.figures.manifest import read_manifest

    old = {e["id"]: e for e in read_manifest(ROOT / "figures")}
    from vizlab.drawings import registered_drawings
    from vizlab.figures.registry import join, read_captions, with_captions
    from vizlab.studies import registered_studies

    studies, drawings = registered_studies(), registered_drawings()
    if ids:  # other sections may be half converted: join only the figures asked for
        studies = {k: v for k, v in studies.items() if k in ids}
        drawings = {k: v for k, v in drawings.items() if k in ids}
    specs = join(studies, drawings)
    specs = with_captions(specs, {k: v for k, v in read_captions().items() if k in {s.id for s in specs}})
    out = Path(tempfile.mkdtemp(prefix="vizlab-compare-"))
    report = build_figures(out=out, only=ids or None, jobs=1, specs=specs)
    new = {e["id"]: e for e in read_manifest(out)}
    bad = 0
    for fid in report.built:
        for name in old[fid]["files"]:
            a, b = (ROOT / "figures" / name).read_bytes(), (out / name).read_bytes()
            same = a == b
            bad += not same
            print(f"{'same     ' if same else 'DIFFERENT'} {name} ({len(a)} -> {len(b)} bytes)")
        data = out / f"{fid}.data.json"
        print(f"          {data.name}: {data.stat().st_size:,} bytes")
        if json.dumps(old[fid]["results"], sort_keys=True) != json.dumps(new[fid]["results"], sort_keys=True):
            bad += 1
            print(f"DIFFERENT results of {fid}:")
            for k in sorted(set(old[fid]["results"]) | set(new[fid]["results"])):
                if old[fid]["results"].get(k) != new[fid]["results"].get(k):
                    print(f"   {k}: {old[fid]['results'].get(k)!r} -> {new[fid]['results'].get(k)!r}")
        else:
            print(f"same      results of {fid}")
    for fid, err in report.failed:
        bad += 1
        print(f"FAILED {fid}: {err}")
    print(f"{bad} differences; files in {out}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
