#!/usr/bin/env python
"""Show that the tests of easy-to-miss defects have teeth: each is run with the one-line bug
put into the source (then the source is restored) and without it.

    python scripts/test_teeth.py        # ~3 min; prints "with the bug -> 1 failed ..." per defect

The defects (issues 18 and 19): the extract/embed cache key without the code version; a change in
one drawing module redrawing every figure; corpus shards and their index written in place; the array
cache written in place; the texts a drawing read not recorded (a text edit would go unseen); a
drawing-only change recomputing the study; the build leaving the global random state changed. Each
test must fail with its bug and pass without it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BUGS = [
 ("1 extract key without code version", "vizlab/extraction/run.py",
  '"extract", _VERSION, code_version(__name__), runtime_versions(),', '"extract", _VERSION, runtime_versions(),',
  "tests/test_provenance.py::test_an_extraction_cache_entry_of_other_code_or_packages_is_not_served"),
 ("1 embed key without code version", "vizlab/extraction/run.py",
  'key = cache_key("embed", _VERSION, code_version(__name__), runtime_versions(),', 'key = cache_key("embed", _VERSION, runtime_versions(),',
  "tests/test_provenance.py::test_an_extraction_cache_entry_of_other_code_or_packages_is_not_served"),
 ("2 every loaded sibling module in every drawing's code key", "vizlab/figures/keys.py",
  '"code": source_hash([dr.module, *DRAWING_COMMON], exclude=_SCRIPT_MODULES),',
  '"code": source_hash([dr.module, *DRAWING_COMMON, *(m for m in __import__("sys").modules if m.startswith(dr.module.rpartition(".")[0] + "."))], exclude=_SCRIPT_MODULES),',
  "tests/test_build.py::test_a_change_in_one_figure_module_rebuilds_only_the_figures_it_holds"),
 ("3 shards with a plain write_bytes", "vizlab/corpus_store.py",
  '    atomic_write_bytes(p, data)', '    p.write_bytes(data)',
  "tests/test_atomic_writes.py::test_an_interrupted_shard_leaves_no_shard_file_and_the_next_run_completes"),
 ("3 index with a plain write_bytes", "vizlab/corpus_store.py",
  '    atomic_write_bytes(p, (json.dumps(data, indent=1, ensure_ascii=False) + "\\n").encode("utf-8"))',
  '    p.write_bytes((json.dumps(data, indent=1, ensure_ascii=False) + "\\n").encode("utf-8"))',
  "tests/test_atomic_writes.py::test_an_interrupted_index_write_keeps_the_previous_index"),
 ("4 ArrayCache.save without the atomic helper", "vizlab/cache.py",
  'atomic_write_bytes(self._file(key), buf.getvalue())', 'self._file(key).write_bytes(buf.getvalue())',
  "tests/test_atomic_writes.py::test_an_interrupted_cache_entry_is_not_left_behind"),
 ("5 the texts a drawing read not recorded", "vizlab/figures/render.py",
  "return Drawn(files, sorted(used))", "return Drawn(files, [])",
  "tests/test_build.py::test_an_edited_text_or_caption_redraws_only_the_figures_that_use_it"),
 ("6 a stale drawing recomputes its study", "vizlab/figures/build.py",
  "tasks = [Task(row.spec, None if force or row.recompute else row.data) for row in todo]",
  "tasks = [Task(row.spec, None) for row in todo]",
  "tests/test_build.py::test_a_drawing_change_redraws_from_the_source_data_and_computes_nothing"),
 ("7 the build's random state not put back", "vizlab/seeding.py",
  "        random.setstate(states[0])", "        pass",
  "tests/test_build.py::test_the_build_leaves_the_global_random_state_as_it_found_it"),
]


def _pytest(test: str) -> str:
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test],
                       capture_output=True, text=True, cwd=ROOT)
    return r.stdout.strip().splitlines()[-1]


def main() -> int:
    toothless = 0
    for name, path, old, new, test in BUGS:
        p = ROOT / path
        src = p.read_text()
        if src.count(old) != 1:
            raise SystemExit(f"{name}: the line to break is not (once) in {path}; update this script")
        try:
            p.write_text(src.replace(old, new))
            with_bug = _pytest(test)
        finally:
            p.write_text(src)
        without = _pytest(test)
        ok = "failed" in with_bug and "failed" not in without
        toothless += not ok
        print(f"{name}: with the bug -> {with_bug}; without -> {without}{'' if ok else '  NO TEETH'}", flush=True)
    return 1 if toothless else 0


if __name__ == "__main__":
    sys.exit(main())
