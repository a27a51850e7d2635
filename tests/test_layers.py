"""Layer rules that import-linter does not check: no module reaches into another module's privates.

The import contracts themselves (extraction is the only torch code, analysis and plot stay
apart, the shared modules sit below everything) live in ``[tool.importlinter]`` of
pyproject.toml and run as ``lint-imports`` in ``make test``. This test adds the other half of
the rule: a name that starts with one underscore is private to its module. Another module (a
test included) may not import it (``from vizlab.x import _helper``) nor read it through the
module (``import vizlab.x as x; x._helper``); cross-module helpers get public names.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted([*(ROOT / "vizlab").rglob("*.py"), *(ROOT / "tests").rglob("*.py")])


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """Absolute name of the module a ``from ... import`` reads from."""
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base[: len(base) - node.level + (1 if is_package else 0)]
    return ".".join(base + ([node.module] if node.module else []))


def private_uses(path: Path) -> list[str]:
    """Every place in ``path`` that uses another module's private name, as readable strings."""
    module = _module_name(path)
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[str] = []
    aliases: dict[str, str] = {}  # local name -> module it stands for (import x.y as z / from x import y)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.asname:
                    aliases[a.asname] = a.name
                else:
                    aliases[a.name.split(".")[0]] = a.name.split(".")[0]
                hidden = [p for p in a.name.split(".") if _is_private(p)]
                if hidden:
                    found.append(f"line {node.lineno}: import {a.name}")
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(node, module, is_package)
            if source == module:
                continue
            for a in node.names:
                if _is_private(a.name):
                    found.append(f"line {node.lineno}: from {source} import {a.name}")
                else:
                    aliases[a.asname or a.name] = f"{source}.{a.name}"
            if any(_is_private(p) for p in source.split(".")):
                found.append(f"line {node.lineno}: from {source} import ...")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _is_private(node.attr):
            # a dotted chain of names that starts with an imported module: x._y, vizlab.x._y
            chain, base = [node.attr], node.value
            while isinstance(base, ast.Attribute):
                chain.append(base.attr)
                base = base.value
            if isinstance(base, ast.Name) and base.id in aliases:
                target = ".".join([aliases[base.id], *reversed(chain[1:])])
                if target != module and target.startswith("vizlab"):
                    found.append(f"line {node.lineno}: {target}.{node.attr}")
    return found


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_module_uses_another_modules_private_names(path):
    uses = private_uses(path)
    assert not uses, f"{path.relative_to(ROOT)} uses private names of other modules:\n" + "\n".join(uses)


def test_the_checker_sees_imports_and_attribute_access(tmp_path, monkeypatch):
    src = (
        "from vizlab.extraction.run import _plan, extract\n"
        "import vizlab.extraction.models as models\n"
        "from vizlab.extraction import models as m2\n"
        "from . import _sibling\n"
        "models._state_fingerprint(None)\n"
        "m2._json({})\n"
        "extract.__doc__\n"
    )
    f = ROOT / "tests" / "_probe_private_uses.py"
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: src)
    uses = private_uses(f)
    assert uses == [
        "line 1: from vizlab.extraction.run import _plan",
        "line 4: from tests import _sibling",
        "line 5: vizlab.extraction.models._state_fingerprint",
        "line 6: vizlab.extraction.models._json",
    ]
