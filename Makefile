# cstool: two commands on a fresh machine — `make demo`, then `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo test test-fast lint bench smoke clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/cstool search 能便宜点吗
	$(BIN)/cstool search bzq --limit 2
	$(BIN)/cstool promo quote double11 A:2 B:1 --at '2026-11-11 10:00'

SEED ?=
test: install  ## shuffled order (pytest-randomly); SEED=N repeats an order
	$(BIN)/python -m pytest -q -p randomly $(if $(SEED),--randomly-seed=$(SEED))

test-fast: install  ## the inner loop: no slow (multi-process, wheel) tests, stop at the first failure
	$(BIN)/python -m pytest -q -x -m "not slow"

.PHONY: fuzz
fuzz: install  ## the CLI fuzz at length: CSTOOL_FUZZ_N (default 5000), CSTOOL_FUZZ_SEED, CSTOOL_FUZZ_STRICT=1
	CSTOOL_FUZZ_N=$${CSTOOL_FUZZ_N:-5000} $(BIN)/python -m pytest -q -s -p no:randomly tests/test_fuzz_cli.py

lint: install
	$(BIN)/ruff check cstool plugins tests bench
	$(BIN)/ruff format --check cstool plugins tests bench
	$(BIN)/mypy cstool plugins

# Build the sdist and wheel, install each (and an editable install) into a fresh venv
# outside the repo, and run search / promo quote / log inquiry / log report from outside it.
smoke:
	PYTHON=$(PYTHON) .ci/smoke-wheel

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
