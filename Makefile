# Limner: `make run` starts it, `make test` runs the whole suite. See README.md.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
DATA_DIR ?= data
PYTHON ?= python3
TOOLS ?= .venv-tools

.PHONY: run test check bench eval train-moderation install dev clean lock audit-deps

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e .
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed pyproject.toml
	$(PIP) install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# Command-line tools the tests run that cannot share the project's venv (conflicting pins).
$(TOOLS)/.installed:
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install -q 'openapi-python-client>=0.29'
	touch $@

dev: $(VENV)/.dev-installed $(TOOLS)/.installed
	@if [ -f tests/oidc/package.json ]; then npm ci --silent --no-audit --no-fund --prefix tests/oidc; fi
	@if [ -f tests/e2e/browser/package.json ]; then npm ci --silent --no-audit --no-fund --prefix tests/e2e/browser; fi

run: $(VENV)/.installed
	@if [ ! -f $(DATA_DIR)/config.toml ]; then $(VENV)/bin/limner init --data-dir $(DATA_DIR); fi
	$(VENV)/bin/limner serve --data-dir $(DATA_DIR)

# Branch coverage: 95 overall (pyproject's fail_under), 100 for the envelope crypto and the audit chain.
FULL_COVERAGE = src/limner/vault/crypto.py,src/limner/audit/chain.py,src/limner/audit/signing.py

# The whole suite in both modes side by side, one per core: cluster (PostgreSQL and Redis; tests/modes.py) in
# the background, its output kept in test-artifacts/cluster.log and printed when it ends; embedded (SQLite, with
# coverage) in the foreground. Fails when either fails.
test: dev
	@mkdir -p test-artifacts
	@LIMNER_TEST_MODE=cluster $(VENV)/bin/pytest -m 'e2e or not e2e' -p no:cacheprovider -q \
		> test-artifacts/cluster.log 2>&1 & cluster=$$!; \
	$(VENV)/bin/pytest -m 'e2e or not e2e' -p no:cacheprovider --cov --cov-report=term \
		&& $(VENV)/bin/coverage report --include='$(FULL_COVERAGE)' --fail-under=100; embedded=$$?; \
	wait $$cluster; clustered=$$?; \
	echo "== cluster mode (LIMNER_TEST_MODE=cluster)"; cat test-artifacts/cluster.log; \
	echo "== make test: embedded exit $$embedded, cluster exit $$clustered"; \
	[ $$embedded -eq 0 ] && [ $$clustered -eq 0 ]

check: dev
	$(VENV)/bin/ruff check src tests bench scripts
	$(VENV)/bin/ruff format --check src tests bench scripts
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

BENCHES ?= overhead load provenance moderation audit monitoring coach ui_speed eval_dlp eval_harm eval_people_ip eval

bench: dev
	@for b in $(BENCHES); do echo "== bench/$$b.py"; $(PY) -m bench.$$b || exit 1; done
	$(PY) -m bench.collect

eval: dev
	$(PY) -m bench.eval

# The hashed lock file the container image installs (Dockerfile); rerun after changing dependencies.
lock: dev
	$(VENV)/bin/uv pip compile pyproject.toml --extra server --generate-hashes --python-version 3.11 \
		--python-platform x86_64-manylinux_2_28 -q -o requirements/server.lock

# Known vulnerabilities in the installed environment (asks the PyPI advisory service: needs the network).
audit-deps: dev
	$(VENV)/bin/pip-audit --local --skip-editable --progress-spinner off

train-moderation: dev
	$(PY) scripts/train_moderation.py
	$(PY) scripts/train_encoder_head.py

clean:
	rm -rf $(VENV) $(TOOLS) .mypy_cache .ruff_cache .pytest_cache test-artifacts
