# The lock (requirements/lock.txt) is for Python 3.11.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
LOCK := requirements/lock.txt
STAMP := $(VENV)/.installed-lock
# Parallel figure workers (each single-threaded, so the bytes never depend on this number).
JOBS ?= auto

.PHONY: figures check-figures test test-fast install dev lock bench lint docs

$(BIN)/python:
	$(PY) -m venv $(VENV)

# Exactly the versions of the lock (hashes checked), then vizlab itself in editable mode.
# torch 2.13.0+cpu is the CPU wheel on local disk (pip's find-links); PyPI's 2.13.0 is a multi-GB CUDA build.
$(STAMP): $(LOCK) pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --require-hashes --no-deps -r $(LOCK)
	$(BIN)/python -m pip install --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip check
	touch $@

install: $(STAMP)
dev: $(STAMP)

# Refresh the lock deliberately: today's releases within pyproject.toml's ranges. Then run
# `make figures` and commit the lock together with the rebuilt figures/.
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra models --extra dev -c requirements/constraints.txt \
		--generate-hashes --python-version 3.11 --python-platform x86_64-manylinux_2_28 \
		--find-links /opt/wheels --no-emit-find-links --upgrade --custom-compile-command "make lock" \
		-o $(LOCK) $(ARGS)

figures: $(STAMP)
	$(BIN)/python scripts/make_figures.py --jobs $(JOBS) $(ARGS)

# Fails (exit 1) when a committed figure is stale: code, captions/inputs, models, language or
# package versions changed, or a file is missing or differs from figures/manifest.json. Builds nothing.
check-figures: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python scripts/make_figures.py --check

# Everything, on every core (pytest-xdist), the slowest tests listed at the end. --dist loadfile keeps
# a file's tests on one worker, so tests/test_every_figure.py builds every figure once.
test: $(STAMP)
	$(MAKE) --no-print-directory check-figures
	$(BIN)/lint-imports
	$(BIN)/ruff check vizlab scripts tests
	MPLBACKEND=Agg $(BIN)/python -m pytest -q -n auto --dist loadfile --durations=25 $(ARGS)

# The everyday loop: no real models, no all-figures build, no browser, no process groups.
test-fast: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m pytest -q -n auto --dist loadfile -m "not slow" $(ARGS)

# The documentation site (Sphinx + PyData theme + numpydoc + myst-nb), offline, into docs/_build/html.
# Strict: a warning (a broken cross-reference or link included) fails it. Runs no model: a few minutes.
DOCS_OUT ?= docs/_build/html
docs: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m sphinx -b html -j auto -W --keep-going -n -q docs $(DOCS_OUT)
	@echo "open $(DOCS_OUT)/index.html"

bench: $(STAMP)
	$(BIN)/python scripts/bench_extract.py

lint: $(STAMP)
	$(BIN)/ruff check vizlab scripts tests
