# Two commands do all set-up on a fresh machine: `make report` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
OUT ?= out

.PHONY: report test lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,postgres]'
	touch $(STAMP)

report: $(STAMP)
	$(BIN)/python examples/run_examples.py --out $(OUT)

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples fuzz
	$(BIN)/mypy src/microcred

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_import_analyse.py

clean:
	rm -rf $(OUT) .pytest_cache .mypy_cache .ruff_cache
