# EV Grid Co-Sim — `make demo` runs the base scenario, `make test` runs the suite.
# Both create or update the virtual environment in .venv first.

VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# mosaik 3.7 needs Python >= 3.12; the default python3 may be older, and pyenv shims
# for other versions fail unless selected, so each candidate is tried for real.
PYTHON ?= $(shell for p in python3.12 python3.13 python3 \
	$$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python3 2>/dev/null) \
	/usr/bin/python3.12 /usr/bin/python3.13 /usr/local/bin/python3.12 /usr/local/bin/python3.13; do \
	  $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { command -v $$p || echo $$p; } && break; \
	done)

.PHONY: demo test venv lint typecheck bench compare clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "error: no Python >= 3.12 found; install python3.12 (apt-get install python3.12-venv) or set PYTHON=/path/to/python3.12"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/cosim run scenarios/base.toml

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# the packages type-check clean; a few minutes, so apart from lint
typecheck: $(STAMP)
	$(BIN)/mypy cosim controllers simulators results scenarios

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) runs .pytest_cache .hypothesis
