# The single entry point for developers, CI and the README.
# Every target builds what it needs first: a fresh clone needs nothing else.

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BENCH_VENV := .venv-bench

.PHONY: run test lint typecheck audit unit bench system-deps clean help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)  ## the whole pipeline offline on generated sites, then the UI until Ctrl-C
	$(BIN)/scrapersky demo $(DEMO_ARGS)

system-deps:  ## Debian packages the tests use: pgbouncer (pooler tests), chromium (browser tests)
	@bash scripts/system-deps.sh

lint: $(STAMP)  ## ruff
	$(BIN)/ruff check src tests bench

typecheck: $(STAMP)  ## mypy --strict on the package
	$(BIN)/mypy

audit: $(STAMP)  ## ScraperSky must pass its own session audit
	$(BIN)/scrapersky audit src/

test: $(STAMP) system-deps lint typecheck audit  ## everything CI runs: lint, types, audit, all tests
	$(BIN)/python -m pytest

unit: $(STAMP)  ## fast tests with no database
	$(BIN)/python -m pytest tests/unit tests/audit

$(BENCH_VENV)/.installed: pyproject.toml bench/requirements.txt
	@test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install --quiet -e '.[dev]' -r bench/requirements.txt
	@touch $@

bench: $(BENCH_VENV)/.installed  ## every benchmark; each prints one JSON line at the end
	$(BENCH_VENV)/bin/python bench/run_all.py

clean:  ## remove the virtualenvs (the embedded database is kept in the data directory)
	rm -rf $(VENV) $(BENCH_VENV)
