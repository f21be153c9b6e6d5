# Limner: `make run` starts it, `make test` runs the whole suite. See README.md.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
DATA_DIR ?= data
PYTHON ?= python3

.PHONY: run test check bench eval train-moderation install dev clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e .
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed pyproject.toml
	$(PIP) install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed

dev: $(VENV)/.dev-installed
	@if [ -f tests/oidc/package.json ]; then npm ci --silent --no-audit --no-fund --prefix tests/oidc; fi
	@if [ -f tests/e2e/browser/package.json ]; then npm ci --silent --no-audit --no-fund --prefix tests/e2e/browser; fi

run: $(VENV)/.installed
	@if [ ! -f $(DATA_DIR)/config.toml ]; then $(VENV)/bin/limner init --data-dir $(DATA_DIR); fi
	$(VENV)/bin/limner serve --data-dir $(DATA_DIR)

test: dev
	$(VENV)/bin/pytest -m 'e2e or not e2e' -p no:cacheprovider

check: dev
	$(VENV)/bin/ruff check src tests bench scripts
	$(VENV)/bin/ruff format --check src tests bench scripts
	$(VENV)/bin/mypy

BENCHES ?= overhead provenance moderation audit coach eval_dlp eval_harm eval_people_ip eval

bench: dev
	@for b in $(BENCHES); do echo "== bench/$$b.py"; $(PY) -m bench.$$b || exit 1; done
	$(PY) -m bench.collect

eval: dev
	$(PY) -m bench.eval

train-moderation: dev
	$(PY) scripts/train_moderation.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache test-artifacts
