# The two commands a new user needs: `make demo` and `make test`.
# Both create .venv (Python 3.11+) and install dealwatch into it.

PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
            command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
            && echo $$p && break; done)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev

.PHONY: demo test install clean bench

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "dealwatch needs Python 3.11 or newer on PATH"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Editable install with the dev extra: code edits take effect without reinstalling.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/dealwatch demo

test: $(STAMP)
	$(BIN)/python -m pytest

# The benchmark of bench/ (not part of the package): `make bench N=5000`, or several sizes
# at once, `make bench N="5000 20000"`; BENCH_ARGS passes more options (e.g. --models-only).
N ?= 1000
BENCH_ARGS ?=
bench: $(STAMP)
	$(BIN)/python -m bench --sizes $(N) --json build/bench.json $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
