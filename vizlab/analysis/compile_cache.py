"""umap-learn's compiled functions kept on disk, so a map costs their compilation once per machine.

umap-learn and pynndescent run their loops as numba functions, compiled to machine code the first
time they are called. Some are declared ``cache=True`` and are compiled once per machine; others
(``smooth_knn_dist``, ``compute_membership_strengths``, the layout's epochs...) are compiled again in
every new process: about 10 s on a 2-core machine, longer than the whole map of a few thousand
texts. :func:`cache_umap_compilation` turns on numba's own on-disk cache for those too (numba's
``Dispatcher.enable_caching``, the switch ``cache=True`` sets), so the second ``vizlab embed`` of a
session loads them in a fraction of a second. The compiled code is the same, so are the results.

Numba writes the cache next to the package's sources, or where ``NUMBA_CACHE_DIR`` says, or in the
user's cache folder when the package's folder is read-only. It is a switch for the rest of the process
(it is not turned off again) with files on disk as its effect. Numba judges a cached function stale by
its own source file only: after upgrading pynndescent without umap-learn, delete the ``*.nbi``/``*.nbc``
files of umap's ``__pycache__`` (or of ``NUMBA_CACHE_DIR``) to be safe.
"""

from __future__ import annotations

import functools
import sys

__all__ = ["cache_umap_compilation"]

_PACKAGES = ("umap", "pynndescent")


@functools.cache
def cache_umap_compilation() -> int:
    """Keep every compiled function of umap-learn and pynndescent on disk.

    Imports umap (and so numba) and is done once per process; calling it again does nothing.

    Returns
    -------
    int
        How many numba functions now keep their machine code on disk.
    """
    import umap  # noqa: F401 - loads umap's modules and their numba functions
    from numba.core.dispatcher import Dispatcher

    n = 0
    for name, module in list(sys.modules.items()):
        if module is None or name.split(".")[0] not in _PACKAGES:
            continue
        for obj in list(vars(module).values()):
            if isinstance(obj, Dispatcher) and getattr(obj, "__module__", "") == name:
                obj.enable_caching()
                n += 1
    return n
