# Accord: `make run` serves a working product on a fresh clone; `make test` runs every check.
#
# Installs are idempotent: stamp files in .venv and node_modules remember what was installed
# from which pyproject.toml, constraints.txt and package-lock.json, so a second `make run` or
# `make test` goes straight to work.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
ASSETS_STAMP := node_modules/.package-lock.json

# `make run` binds here; HOST, PORT and ACCORD_HOME in the environment are passed through.
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT

# pytest workers on each database (2 cores in CI); PYTEST_ARGS adds options, e.g. -k dashboard.
PYTEST_WORKERS ?= auto
PYTEST_ARGS ?=
PYTEST := $(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# Production settings for `check --deploy`: a throwaway 64-character key, never used to serve.
DEPLOY_CHECK_ENV := ACCORD_ENV=production \
	ACCORD_SECRET_KEY=check-deploy-only-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ \
	ACCORD_ALLOWED_HOSTS=accord.example.com

export DJANGO_SETTINGS_MODULE := accord.config.settings

.PHONY: help run test install install-dev assets lint typecheck checks pytest screenshot clean bench

help:
	@echo "make run    install what is missing, then serve Accord on http://$(HOST):$(PORT)"
	@echo "make test   install what is missing, then lint, type-check and run the whole suite"
	@echo "            (SQLite; PostgreSQL too when ACCORD_TEST_POSTGRES_URL is set)"
	@echo "make screenshot  refresh docs/dashboard.png from the browser tests"
	@echo "make bench  run the import benchmarks (figures for the README's performance section)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The runtime set is enough to serve; the dev set (tests, linters, stubs) includes it.
$(RUN_STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e .
	touch $@

$(DEV_STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
	touch $@ $(RUN_STAMP)

# npm ci writes node_modules/.package-lock.json; touching it marks the install as complete.
$(ASSETS_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(RUN_STAMP) $(ASSETS_STAMP)
install-dev: $(DEV_STAMP) $(ASSETS_STAMP)
assets: $(ASSETS_STAMP)

run: install
	$(BIN)/accord serve

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(DEV_STAMP)
	$(BIN)/mypy accord tests

# Django's own checks: the production configuration passes --deploy without a warning, and
# every model change has its migration.
checks: $(DEV_STAMP)
	env -u DATABASE_URL $(DEPLOY_CHECK_ENV) $(BIN)/python -m django check --deploy --fail-level WARNING
	env -u DATABASE_URL $(BIN)/python -m django makemigrations --check --dry-run

# The suite on SQLite, then on PostgreSQL when ACCORD_TEST_POSTGRES_URL names a database
# (pytest-django creates and drops test_<name>_gw<N> beside it, one per worker). Exit code 5
# means pytest collected no test at all: for this project that is a broken suite, not a pass.
pytest: install-dev
	@if [ -z "$${ACCORD_TEST_POSTGRES_URL:-}" ]; then \
		echo "== PostgreSQL run skipped: set ACCORD_TEST_POSTGRES_URL=postgres://user@host:5432/db to run it"; \
	fi
	@echo "== pytest on SQLite"
	env -u DATABASE_URL $(PYTEST) || { s=$$?; [ $$s -ne 5 ] || echo "pytest collected no tests" >&2; exit $$s; }
	@if [ -n "$${ACCORD_TEST_POSTGRES_URL:-}" ]; then \
		echo "== pytest on PostgreSQL"; \
		echo "DATABASE_URL=\$$ACCORD_TEST_POSTGRES_URL $(PYTEST)"; \
		DATABASE_URL="$$ACCORD_TEST_POSTGRES_URL" $(PYTEST) || { s=$$?; [ $$s -ne 5 ] || echo "pytest collected no tests" >&2; exit $$s; }; \
	fi

test: install-dev
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory typecheck
	$(MAKE) --no-print-directory checks
	$(MAKE) --no-print-directory pytest

# The README's picture: the manager's dashboard from the demo workspace, at a desktop size.
screenshot: install-dev
	ACCORD_UPDATE_DOCS_SCREENSHOT=1 env -u DATABASE_URL $(BIN)/python -m pytest -p no:xdist \
		tests/browser -k "test_manager_sees_both_vendors"
	@ls -l docs/dashboard.png

# Benchmarks, not timed tests: each prints its own figures and peak memory, on a throwaway
# SQLite database in a temporary folder (Jira and metrics: BENCH_DATABASE_URL, a PostgreSQL one).
# The metrics benchmark runs 10k, 100k and 1M items (the 1M engagement takes ~2.5 min of CPU
# to generate and ~4 GB of temporary disk); `--scales 10000,100000` for a quick run.
bench: install-dev
	env -u DATABASE_URL $(BIN)/python benchmarks/bench_git_import.py
	env -u DATABASE_URL $(BIN)/python benchmarks/bench_jira_import.py
	env -u DATABASE_URL $(BIN)/python benchmarks/bench_metrics.py

clean:
	rm -rf test-artifacts .pytest_cache .mypy_cache .ruff_cache
