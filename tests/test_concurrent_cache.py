"""First use by several processes at once: one-time preparations and shared cache entries are
computed once, never half-written, never deleted under another process's feet."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from vizlab.cache import build_folder_once

# Each script is run by two processes that start together: both wait on a barrier (a file each in
# the folder given as the last-but-one argument) before the step that races.
BARRIER = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path

    ready, me = Path(sys.argv[-2]), sys.argv[-1]
    (ready / me).touch()
    while len(list(ready.iterdir())) < 2:
        time.sleep(0.01)
""")

# Both ask for the same folder and report whether they built it; the build is slow enough
# (0.5 s) that both ask while it runs.
RACE = "from vizlab.cache import build_folder_once\n" + BARRIER + textwrap.dedent("""
    target, built = Path(sys.argv[1]), []

    def build(tmp):
        built.append(str(tmp))
        for i in range(5):
            (tmp / f"part{i}").write_text(me)
            time.sleep(0.1)

    out = build_folder_once(target, build)
    print(json.dumps({"me": me, "built": built, "files": sorted(p.name for p in out.iterdir())}))
""")


def _race(tmp_path, code: str, *args: str, env=None) -> list[dict]:
    ready = tmp_path / "ready"
    ready.mkdir()
    procs = [subprocess.Popen([sys.executable, "-c", code, *args, str(ready), name], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env) for name in ("a", "b")]
    outs = [p.communicate(timeout=600) for p in procs]
    for p, (_, err) in zip(procs, outs):
        assert p.returncode == 0, err[-3000:]
    return [json.loads(out.strip().splitlines()[-1]) | {"stderr": err} for out, err in outs]


@pytest.mark.processes
def test_two_processes_build_a_folder_once(tmp_path):
    target = tmp_path / "cache" / "models" / "m"
    env = {**os.environ, "VIZLAB_CACHE": str(tmp_path / "cache")}
    runs = _race(tmp_path, RACE, str(target), env=env)
    builders = [r for r in runs if r["built"]]
    assert len(builders) == 1, runs  # the other one waited and used it
    writer = builders[0]["me"]
    for r in runs:
        assert r["files"] == [".complete", "part0", "part1", "part2", "part3", "part4"]
    assert {(target / f"part{i}").read_text() for i in range(5)} == {writer}
    assert sorted(p.name for p in target.parent.iterdir()) == [".locks", "m"]  # no temporary folder left


def test_a_failed_build_leaves_nothing_and_the_next_one_builds(tmp_path):
    target = tmp_path / "m"

    def broken(tmp):
        (tmp / "half").write_text("x")
        raise RuntimeError("conversion failed")

    with pytest.raises(RuntimeError, match="conversion failed"):
        build_folder_once(target, broken)
    assert [p.name for p in tmp_path.iterdir()] == [".locks"]
    calls = []
    build_folder_once(target, lambda tmp: calls.append((tmp / "ok").write_text("y")))
    build_folder_once(target, lambda tmp: calls.append("again"))  # complete: not rebuilt
    assert len(calls) == 1 and (target / "ok").read_text() == "y" and (target / ".complete").exists()


def test_an_incomplete_folder_is_rebuilt(tmp_path):
    target = tmp_path / "m"
    target.mkdir()
    (target / "stale").write_text("from a crash")  # no .complete marker
    build_folder_once(target, lambda tmp: (tmp / "fresh").write_text("z"))
    assert sorted(p.name for p in target.iterdir()) == [".complete", "fresh"]


GEMMA = "from vizlab.extraction.models import preset_folder\n" + BARRIER + textwrap.dedent("""
    print(json.dumps({"me": me, "built": [], "folder": str(preset_folder("gemma-270m"))}))
""")


@pytest.mark.models
@pytest.mark.processes
def test_two_processes_convert_gemma_once_on_an_empty_cache(tmp_path):
    """The real preparation: two processes (as torchrun or two figure workers start) on an empty
    vizlab cache convert the shipped GGUF once; both get the same complete folder."""
    cache = tmp_path / "cache"
    env = {**os.environ, "VIZLAB_CACHE": str(cache), "HF_HUB_DISABLE_PROGRESS_BARS": "1"}
    runs = _race(tmp_path, GEMMA, env=env)
    said = [r["me"] for r in runs if "converting gemma-3-270m" in r["stderr"]]
    assert len(said) == 1, [r["stderr"][-2000:] for r in runs]
    assert runs[0]["folder"] == runs[1]["folder"]
    folders = sorted(p.name for p in (cache / "models").iterdir() if p.name != ".locks")
    assert len(folders) == 1 and folders[0].startswith("gemma-3-270m-"), folders  # no .partial, no .gguf
    folder = cache / "models" / folders[0]
    assert (folder / ".complete").exists() and (folder / "config.json").exists()
    assert any(p.suffix == ".safetensors" for p in folder.iterdir())


@pytest.mark.processes
def test_two_processes_compute_a_cache_entry_once(tmp_path):
    """ArrayCache.get_or_compute takes the entry's lock: a process asking while another computes
    waits and reads the entry instead of computing it again."""
    code = "import numpy as np\nfrom vizlab.cache import ArrayCache\n" + BARRIER + textwrap.dedent("""
        store = ArrayCache("demo")

        def compute():
            time.sleep(1.0)
            return {"x": np.arange(3) + (1 if me == "a" else 2)}

        x = store.get_or_compute("k" * 64, compute)["x"]
        print(json.dumps({"me": me, "built": [1] * store.misses, "x": x.tolist()}))
    """)
    env = {**os.environ, "VIZLAB_CACHE": str(tmp_path / "cache")}
    runs = _race(tmp_path, code, env=env)
    assert sum(len(r["built"]) for r in runs) == 1, runs
    assert runs[0]["x"] == runs[1]["x"]


@pytest.mark.processes
def test_two_processes_fine_tune_the_same_model_once(tmp_path):
    """finetune trains under the entry's lock: the second process waits and loads the first one's
    model (same weights, same history) instead of training it again."""
    from pathlib import Path

    tests = Path(__file__).resolve().parent
    code = (f"import sys; sys.path.insert(0, {str(tests)!r})\n"
            "import numpy as np, pandas as pd\nfrom tiny_models import tiny_bert\n"
            "from vizlab.extraction.finetune import finetune\n" + BARRIER + textwrap.dedent("""
        words = "bom ruim ótimo péssimo lindo feio".split()
        df = pd.DataFrame({"text": [f"{w} filme {i}" for i, w in enumerate(words * 2)],
                           "label": ["pos", "neg"] * 6})
        res = finetune(tiny_bert(), df, epochs=2, batch_size=4, lr=1e-3, progress=False,
                       cache=Path(sys.argv[1]))
        print(json.dumps({"me": me, "built": [] if res.from_cache else [1], "loss": res.history.loss.tolist(),
                          "fingerprint": res.model.fingerprint}))
    """))
    runs = _race(tmp_path, code, str(tmp_path / "ft"))
    assert sum(len(r["built"]) for r in runs) == 1, runs
    assert runs[0]["loss"] == runs[1]["loss"] and runs[0]["fingerprint"] == runs[1]["fingerprint"]
