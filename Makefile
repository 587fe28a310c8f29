# Gonghui — the two commands are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
PORT ?= $(or $(GONGHUI_PORT),8000)

.PHONY: run test lint check demo bench install install-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	$(BIN)/gonghui migrate --no-input -v0
	$(BIN)/gonghui demo --if-empty
	@scripts/serve $(PORT)

demo: install
	$(BIN)/gonghui migrate --no-input -v0
	$(BIN)/gonghui demo

lint: install-test
	$(BIN)/ruff check gonghui tests benchmarks
	$(BIN)/ruff format --check gonghui tests benchmarks

check: install-test
	GONGHUI_VAR_DIR=$${GONGHUI_VAR_DIR:-var} $(BIN)/gonghui check --fail-level WARNING
	$(BIN)/gonghui makemigrations --check --dry-run -v1

test: install-test lint check
	scripts/run-tests

# Every benchmark of DESIGN.md §7; each rewrites its own section of docs/benchmarks.md.
BENCHMARKS = run cards import_roster members_search sla_sweep voucher_claims stations learning charity jobs

bench: install-test
	@for b in $(BENCHMARKS); do echo "==> benchmarks.$$b"; $(BIN)/python -m benchmarks.$$b || exit 1; done
	$(BIN)/gonghui train-triage --detail --cv 5

clean:
	rm -rf $(VENV) var
