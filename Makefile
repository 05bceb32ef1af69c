# Sanshi (三事) — the documented commands. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Re-install when the project's own install files change.
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
TEST_STAMP := $(VENV)/.installed-test-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help run test test-unit lint format typecheck sdl bench clean

help: ## List the documented commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(VENV)/bin/python
	$(BIN)/pip install --quiet -e .
	@rm -f $(VENV)/.installed-[0-9]*; touch $@

$(TEST_STAMP): $(VENV)/bin/python
	$(BIN)/pip install --quiet -e '.[test]'
	@rm -f $(VENV)/.installed-*; touch $@ $(STAMP)

run: $(STAMP) ## Run API + worker (embedded PostgreSQL/Redis unless DATABASE_URL/REDIS_URL are set)
	$(BIN)/sanshi run

# Pages for people are tested in Debian's chromium with a Chinese font (Playwright drives it
# by executable_path; it downloads no browser). Installed once, when missing.
$(VENV)/.browser:
	@command -v chromium >/dev/null && fc-list :lang=zh | grep -q . || { \
		echo "installing Debian's chromium and a Chinese font (fonts-wqy-zenhei)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			chromium fonts-wqy-zenhei; }
	@touch $@

test: $(TEST_STAMP) $(VENV)/.browser ## Run the whole suite: unit, integration, e2e
	$(BIN)/pytest $(PYTEST_ARGS)

test-unit: $(TEST_STAMP) ## Run only tests/unit: no PostgreSQL or Redis needed
	$(BIN)/pytest tests/unit $(PYTEST_ARGS)

lint: $(TEST_STAMP) ## ruff check + format check
	$(BIN)/ruff check services tenants workers tests bench
	$(BIN)/ruff format --check services tenants workers tests bench

format: $(TEST_STAMP) ## Format the code with ruff
	$(BIN)/ruff format services tenants workers tests bench
	$(BIN)/ruff check --fix services tenants workers tests bench

typecheck: $(TEST_STAMP) ## mypy on the packages
	$(BIN)/mypy

sdl: $(STAMP) ## Re-export the subgraph SDL to graphql/schema.graphql
	$(BIN)/sanshi export-schema > graphql/schema.graphql

bench: $(TEST_STAMP) ## Run the benchmarks (prints figures; never part of `make test`)
	$(BIN)/python bench/provisioning.py
	$(BIN)/python bench/groups.py
	$(BIN)/python bench/volunteers.py

clean: ## Remove the venv and local data (./var)
	rm -rf $(VENV) var
