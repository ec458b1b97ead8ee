# One command per task. Every target installs what it needs into .venv, from nothing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test lint bench demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall whenever the project's dependency list changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --no-warn-conflicts -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/corridor init --demo
	$(BIN)/corridor serve --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

bench: $(STAMP)
	@for f in $(wildcard bench/bench_*.py); do echo "== $$f"; $(BIN)/python $$f || exit 1; done

demo: $(STAMP)
	$(BIN)/corridor demo

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
