PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: figures check-figures test install dev bench clean-cache lint

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip

# torch first: 2.13.0 is a CPU wheel on local disk; a newer release pulls a multi-GB CUDA build.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install "torch==2.13.0"
	$(BIN)/pip install -e ".[models]"
	touch $@

$(DEVSTAMP): $(STAMP) pyproject.toml
	$(BIN)/pip install -e ".[models,dev]"
	touch $@

install: $(STAMP)
dev: $(DEVSTAMP)

figures: $(STAMP)
	$(BIN)/python scripts/make_figures.py $(ARGS)

# Fails (exit 1) when a committed figure is stale: code, captions/inputs, models or language changed,
# or a file is missing or differs from figures/manifest.json. Builds nothing.
check-figures: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python scripts/make_figures.py --check

test: $(DEVSTAMP)
	$(MAKE) --no-print-directory check-figures
	$(BIN)/lint-imports
	$(BIN)/ruff check vizlab scripts tests
	MPLBACKEND=Agg $(BIN)/python -m pytest -q $(ARGS)

bench: $(STAMP)
	$(BIN)/python scripts/bench_extract.py

lint: $(DEVSTAMP)
	$(BIN)/ruff check vizlab scripts tests
