# Two commands do all set-up on a fresh machine: `make report` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
OUT ?= out
# -qq shows pip's errors only: a failed install still prints why and stops make,
# while warnings that are not ours (a pip.conf naming a local index that lacks
# some packages, setuptools deprecation notes) stay out of the way.
# `make PIP_QUIET=` shows everything.
PIP_QUIET ?= -qq --disable-pip-version-check

.PHONY: report test lint bench clean

$(STAMP): pyproject.toml
	@echo 'Installing microcred and its dependencies into $(VENV) (first time: a few minutes)...'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install $(PIP_QUIET) --upgrade pip
	$(BIN)/python -m pip install $(PIP_QUIET) -e '.[dev,postgres]'
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
