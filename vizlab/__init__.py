"""vizlab: see what a transformer language model does.

Three layers, one direction:

- :mod:`vizlab.extraction` loads models and runs them (the only part that imports torch);
- :mod:`vizlab.analysis` computes on numpy arrays;
- :mod:`vizlab.plot` draws given data with matplotlib.

The heavy names (``load_model``, ``extract``, ``embed``, ...) are imported lazily so that
``import vizlab.plot`` does not pull torch in.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_LAZY = {
    "load_model": "vizlab.extraction.models",
    "LoadedModel": "vizlab.extraction.models",
    "PRESETS": "vizlab.extraction.models",
    "model_from_config": "vizlab.extraction.models",
    "extract": "vizlab.extraction.run",
    "embed": "vizlab.extraction.run",
    "embed_layers": "vizlab.extraction.run",
    "embedding_definition": "vizlab.extraction.run",  # pooling, max length, normalisation embed uses
    "embed_corpus": "vizlab.extraction.corpus",
    "text_fit": "vizlab.extraction.language",  # does the model read the text as written (Portuguese)
    "TextFitWarning": "vizlab.extraction.language",
    "load_corpus": "vizlab.corpus_store",  # reading vectors back needs no torch
    "iter_corpus": "vizlab.corpus_store",
    "finetune": "vizlab.extraction.finetune",
    "attribute": "vizlab.extraction.attribution",
    "attribute_generation": "vizlab.extraction.generation",
    "GenerationAttribution": "vizlab.extraction.generation",
    "project": "vizlab.analysis.projection",
    "Activations": "vizlab.activations",
    "datasets": "vizlab.datasets",
}


def __getattr__(name: str):
    if name in _LAZY:
        mod = importlib.import_module(_LAZY[name])
        return mod if name == "datasets" else getattr(mod, name)
    raise AttributeError(f"module 'vizlab' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_LAZY))


__all__ = list(_LAZY)
