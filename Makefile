# Two commands on a fresh machine:
#   make run    install, then run the main job: the real bot against a local Discord, with a
#               terminal client (no token, no network)
#   make test   install with the dev tools, then lint, type-check and run the whole suite
# Both create .venv/ on first use, and install again only when pyproject.toml has changed
# since (a stamp file in .venv/ remembers the install). PYTHON picks the interpreter (3.11+).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# Stamps: touched after a successful install; older than pyproject.toml means install again.
STAMP     := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test install install-dev lint typecheck pytest bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# The dev install includes the runtime one, so it stamps both.
$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(STAMP)

install: $(STAMP)

install-dev: $(DEV_STAMP)

run: install
	$(BIN)/defector-bot sandbox

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-dev
	$(BIN)/mypy

pytest: install-dev
	$(BIN)/python -m pytest

test: lint typecheck pytest

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
