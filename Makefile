# deckgen: `make deck` builds the deck into dist/, `make test` runs every test.
# Both create the virtual environment in .venv/ on first use; nothing else is needed.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
CARDS  ?= cards

.PHONY: deck test test-fast lint format hooks bench preview clean help

help:
	@echo "make deck     build the deck from $(CARDS)/ into dist/"
	@echo "make test     install what the tests need and run them all"
	@echo "make test-fast  the unit tests alone (pytest --fast): no Anki, browser, processes, slow tests"
	@echo "make lint     ruff (lint, format check) and mypy over deckgen/, tests/ and bench/"
	@echo "make hooks    install pre-commit's git hook: ruff and mypy on every commit"
	@echo "make bench    benchmarks against raw genanki (writes bench/RESULTS.md)"
	@echo "make preview  write dist/preview/index.html with every card"
	@echo "make clean    remove .venv, dist and caches"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.deck-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

deck: $(VENV)/.deck-installed
	$(BIN)/deckgen build --cards $(CARDS)

preview: $(VENV)/.deck-installed
	$(BIN)/deckgen preview --cards $(CARDS)

test: $(VENV)/.test-installed
	bash tools/system-deps
	$(BIN)/python -m pytest

# The unit tests alone, in well under a minute: `pytest --fast` leaves out the tests
# marked anki, browser, process and slow (tests/conftest.py; README, "Developing").
test-fast: $(VENV)/.test-installed
	$(BIN)/python -m pytest --fast

# Synthetic decks of 1,000 to 100,000 notes against raw genanki; a few minutes.
bench: $(VENV)/.deck-installed
	$(BIN)/python -m bench.run

# mypy reads what to check from pyproject.toml: deckgen/, tests/ and bench/.
lint: $(VENV)/.test-installed
	$(BIN)/ruff check deckgen tests bench tools
	$(BIN)/ruff format --check deckgen tests bench tools
	$(BIN)/mypy

# pre-commit and its git hook; the hooks (.pre-commit-config.yaml) run .venv's ruff and
# mypy. A hook belongs to the repository: every worktree of it runs it, and one without a
# .pre-commit-config.yaml is let through.
hooks: $(VENV)/.test-installed
	$(BIN)/python -m pip install --quiet 'pre-commit>=3.5,<5'
	$(BIN)/pre-commit install --allow-missing-config

format: $(VENV)/.test-installed
	$(BIN)/ruff format deckgen tests bench
	$(BIN)/ruff check --fix deckgen tests bench

clean:
	rm -rf $(VENV) dist build *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis test-output
