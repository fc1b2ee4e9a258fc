# zhijiao — the two commands are `make demo` and `make test`; the rest is for development.
# Longer recipes live in scripts/*.sh.

SHELL  := /bin/bash
PORT   ?= 8000
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
MANAGE := $(PY) manage.py
PG_URL ?= postgres://postgres@127.0.0.1:5432/zhijiao
export PYTHON PORT

.DEFAULT_GOAL := help
.PHONY: help venv assets migrate data demo serve test test-pg fuzz bench messages compilemessages lint format clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

venv: ## .venv with the pinned dependencies (reinstalls only when requirements.lock changes)
	@bash scripts/venv.sh

assets: ## npm ci (when package-lock.json changes) and copy Bootstrap, ECharts, HTMX to static/vendor/
	@bash scripts/assets.sh

migrate: venv ## apply database migrations
	@bash scripts/manage.sh migrate --noinput

data: migrate ## load the real reference data (regions, majors catalogue, colleges); idempotent
	@bash scripts/manage.sh load_reference_data

demo: venv assets ## the demo province on http://127.0.0.1:$(PORT) with the demo accounts printed
	@bash scripts/demo.sh

serve: venv assets ## production style: collectstatic, gunicorn, Celery worker and beat on 127.0.0.1:$(PORT)
	@bash scripts/serve.sh

test: venv assets ## ruff, migrations check, system check and the whole pytest suite incl. browser tests
	@bash scripts/test.sh

test-pg: ## make test against a local PostgreSQL (PG_URL=postgres://…)
	DATABASE_URL=$(PG_URL) $(MAKE) test

fuzz: venv ## the long schemathesis run over /api/schema/ (FUZZ_EXAMPLES per operation, default 60)
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-60} DJANGO_SETTINGS_MODULE=config.settings_test $(VENV)/bin/pytest -q -p no:randomly tests/fuzz

bench: venv ## run the benchmarks in bench/ (JSON on stdout)
	@set -e; for f in bench/*.py; do [ -e "$$f" ] || continue; echo "== $$f" >&2; $(PY) "$$f"; done

messages: venv ## refresh locale/zh_Hans/LC_MESSAGES/django.po from the code (no line numbers)
	@bash scripts/makemessages.sh .

compilemessages: venv ## compile the .po catalogues to .mo (commit both)
	@. scripts/lib.sh && need_cmd msgfmt gettext
	DJANGO_SETTINGS_MODULE=config.settings_test $(MANAGE) compilemessages -l zh_Hans --ignore=.venv --ignore=node_modules

lint: venv ## ruff check and ruff format --check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv ## ruff format and ruff check --fix
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean: ## remove generated files (keeps .venv, node_modules and var/ with the demo database)
	rm -rf staticfiles static/vendor test-results .pytest_cache .ruff_cache
	find . -path ./.venv -prune -o -path ./node_modules -prune -o -name __pycache__ -type d -exec rm -rf {} +
