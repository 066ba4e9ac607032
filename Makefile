# Two commands do all set-up on a fresh machine with python3:
#   make book   build the rendered book into _build/html
#   make test   run every test (lint, unit tests, strict nbval over every chapter, the book build,
#               the browser test and the fresh-environment test)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
export TQDM_DISABLE := 1

.PHONY: book test unit notebooks clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[book,test]"
	touch $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going

test: book
	$(BIN)/ruff check .
	$(BIN)/pytest --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg tests chapters

# Quick loop while writing code: the unit tests only.
unit: $(STAMP)
	$(BIN)/pytest tests -q

# Re-execute the chapters in place (after editing one), storing outputs and widget state.
notebooks: $(STAMP)
	$(BIN)/python tools/execute_notebooks.py

clean:
	rm -rf _build
