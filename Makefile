# The two set-up commands in the README: `make build` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
CONTENT ?= content
DIST   ?= dist
STAMP  := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: build test test-lowest lint clean bench release lock-deps validate schemas site-js test-js

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) install --quiet -c constraints.txt -e .
	touch $@

$(DEVSTAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP) $@

build: $(STAMP)
	$(BIN)/prepdeck build $(CONTENT) --out $(DIST)

validate: $(STAMP)
	$(BIN)/prepdeck validate $(CONTENT)

# The study page's script: ts-fsrs and esbuild, exactly as package-lock.json pins them.
NODE_STAMP := node_modules/.installed
$(NODE_STAMP): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

test: $(DEVSTAMP) $(NODE_STAMP)
	node --test web/test/
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The JS unit tests alone (plan, migration, import/export, search)
test-js: $(NODE_STAMP)
	node --test web/test/

# Rebuild src/prepdeck/styles/site.js from web/src (commit it; a test fails when it is stale)
site-js: $(NODE_STAMP)
	node web/build.mjs

# The same tests with every runtime dependency at the lowest version pyproject.toml
# allows (.ci/lowest.py turns each ">=X" into "==X"; the test tools stay pinned), in a
# venv of their own: a floor that does not work fails here, not on a user's machine.
LOWEST := .venv-lowest
$(LOWEST)/.installed: pyproject.toml constraints.txt .ci/lowest.py
	$(PYTHON) -m venv $(LOWEST)
	$(LOWEST)/bin/python -m pip install --quiet --upgrade pip
	$(PYTHON) .ci/lowest.py > $(LOWEST)/constraints.txt
	$(LOWEST)/bin/python -m pip install --quiet -c $(LOWEST)/constraints.txt -e '.[dev]'
	touch $@

test-lowest: $(LOWEST)/.installed $(NODE_STAMP)
	$(LOWEST)/bin/python -m pytest $(PYTEST_ARGS)

lint: $(DEVSTAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

# fastjsonschema's validators for the shipped schemas, generated once instead of per run
schemas: $(STAMP)
	$(BIN)/python -c 'from prepdeck.schema import write_compiled; write_compiled()'

bench: $(DEVSTAMP)  # the dev extras bring Playwright, for the study page's keystroke case
	$(BIN)/python bench/run.py

release: $(STAMP)
	$(BIN)/python -m prepdeck release $(CONTENT) --out $(DIST)

lock-deps: | $(BIN)/python
	$(PIP) install --quiet -e '.[dev]'
	{ echo "# Exact versions that make installs and releases are built with."; \
	  echo "# Regenerate with: make lock-deps"; \
	  $(PIP) freeze --exclude-editable | grep -v '^-e'; } > constraints.txt

clean:
	rm -rf $(DIST) build node_modules .pytest_cache .mypy_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
