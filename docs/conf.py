"""Sphinx configuration of vizlab's documentation site (``make docs``).

Sphinx + the PyData theme + numpydoc + autosummary, as scikit-learn, seaborn and matplotlib use;
myst-nb reads the Markdown pages and the tutorial notebook. The site is built offline and loads
nothing from the network (``tests/test_docs.py`` checks it in headless Chromium); no model runs
during the build: the figure gallery is generated from the registry and the committed figures
(``_ext/vizlab_docs.py``).
"""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))          # this checkout's vizlab, not another installed copy
sys.path.insert(0, str(DOCS / "_ext"))

import vizlab  # noqa: E402

project = "vizlab"
author = "vizlab contributors"
copyright = "2026, vizlab contributors"
release = version = vizlab.__version__
language = "en"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "myst_nb",
    "vizlab_docs",  # the figure gallery, the CLI reference and the tutorial copy, generated at build time
]

# Markdown pages and the notebook (myst-nb registers .md and .ipynb).
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "_templates", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
templates_path = ["_templates"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
# The notebook is committed with its outputs and tests/test_notebook.py checks they are current, so
# the build shows them as they are and runs no model.
nb_execution_mode = "off"
nb_merge_streams = True
# Math is drawn by matplotlib's mathtext at build time (_ext/vizlab_docs.py), not by MathJax from a CDN;
# myst-nb must not add require.js or widget scripts from a CDN either.
html_math_renderer = "vizlab_mathtext"
nb_ipywidgets_js = {}

# -- strict: a broken cross-reference is an error (make docs runs sphinx-build -W --keep-going) ----------
nitpicky = True
# Types of other libraries: without their inventories (the build is offline) they cannot be linked.
nitpick_ignore_regex = [
    (r"py:(class|obj|data|exc|func|meth|attr)",
     r"(numpy|np|pandas|pd|matplotlib|mpl|plt|torch|transformers|accelerate|captum|pyarrow|umap|sklearn|"
     r"scipy|plotly|argparse|collections|typing|pathlib|os|io|dataclasses|concurrent|contextlib|"
     r"multiprocessing|logging|threading|json|functools|builtins|tokenizers|enum|datetime|types|warnings|"
     r"csv|re|tempfile|subprocess|hashlib|importlib|inspect|itertools)\b.*"),
    # numpydoc's free-form type words ("ndarray of shape (n, d)", "array-like", "callable", ...)
    (r"py:(class|obj)", r"(ndarray|array-like|array_like|callable|optional|default.*|iterable|sequence|"
                        r"mapping|path-like|PathLike|file-like|DataFrame|Series|Axes|Figure|Colormap|"
                        r"Tensor|PreTrainedModel|PreTrainedTokenizer.*|Path|Any|Callable|Iterator|"
                        r"Iterable|Sequence|Mapping|Literal|Self|None|T|\.\.\.|int|float|str|bool|dict|list|tuple|set|bytes|object)$"),
]

# -- API reference ------------------------------------------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = False
autosummary_ignore_module_all = True   # document what a module defines; re-exports link to it
autodoc_default_options = {"members": True, "inherited-members": False, "show-inheritance": False}
autodoc_member_order = "bysource"
autodoc_typehints = "none"            # types are written in the numpydoc Parameters/Returns sections
autodoc_mock_imports: list[str] = []
numpydoc_show_class_members = False   # autosummary lists the members
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()

# -- HTML -------------------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"vizlab {version}"
html_static_path = ["_static"]
html_css_files = ["vizlab.css"]
html_show_sourcelink = False
html_copy_source = False
html_last_updated_fmt = None
html_theme_options = {
    "github_url": None,
    "icon_links": [],
    "navbar_end": ["theme-switcher", "navbar-icon-links"],
    "show_toc_level": 2,
    "navigation_depth": 3,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    "secondary_sidebar_items": ["page-toc"],
    "use_edit_page_button": False,
    "header_links_before_dropdown": 5,
}
html_sidebars = {"index": [], "getting-started": []}
html_context = {"default_mode": "auto"}  # without it the theme logs a console error on a first visit
