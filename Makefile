# One command per task. Every target installs what it needs into .venv, from nothing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test lint bench demo clean messages screenshots browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall whenever the project's dependency list changes.
$(STAMP): pyproject.toml | $(BIN)/python
	@echo "Installing corridor and its dependencies into $(VENV) (a minute or two the first time)"
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --no-warn-conflicts --progress-bar on -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/corridor init --demo
	$(BIN)/corridor serve --demo-nodes --host $(HOST) --port $(PORT)

# The browser tests drive Debian's Chromium (Playwright's own download cannot work offline).
CHROMIUM ?= /usr/bin/chromium
browser:
	@test -x $(CHROMIUM) || { echo "Installing Chromium for the browser tests"; \
	  SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
	  $$SUDO apt-get install -y -qq chromium >/dev/null 2>&1 || \
	  { $$SUDO apt-get update -qq >/dev/null 2>&1 && $$SUDO apt-get install -y -qq chromium >/dev/null 2>&1; } || \
	  echo "Chromium could not be installed: the browser tests will say so"; }

test: $(STAMP) browser
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

bench: $(STAMP)
	@for f in $(wildcard bench/bench_*.py); do echo "== $$f"; $(BIN)/python $$f || exit 1; done

# Merge the web UI's new or changed strings into its catalogues (then translate them).
messages: $(STAMP)
	mkdir -p var
	$(BIN)/pybabel extract -F babel.cfg -o var/messages.pot --no-location --omit-header .
	$(BIN)/pybabel update -i var/messages.pot -d src/corridor/web/locale -D messages --no-fuzzy-matching --ignore-obsolete --width 100

# Pictures of the main pages for the README, taken in Chromium from a demo node.
screenshots: $(STAMP) browser
	$(BIN)/python -m tests.web.screenshots docs/screenshots

demo: $(STAMP)
	$(BIN)/corridor demo

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
