# Two entry points for a fresh machine (Python 3.11): `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint install bench

$(BIN)/fitn-xl: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(BIN)/fitn-xl

install: $(BIN)/fitn-xl

demo: install
	$(BIN)/fitn-xl demo $(or $(DOSSIER),demo)

lint: install
	$(BIN)/ruff check fitn_xl tests bench

test: install lint
	$(BIN)/python -m pytest

bench: install
	for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done
