# CivicLoop: `make run` sets everything up and serves the demo; `make test` sets up and tests.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/civicloop
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run setup test test-sqlite test-postgres lint typecheck assets messages compilemessages bench bench-load bench-intake container-test browser-deps clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

civicloop/web/static/vendor/.built: node_modules/.installed civicloop/web/assets/*
	npm run --silent build
	touch $@

assets: civicloop/web/static/vendor/.built

# Translations: the .po files are the only source (docs/i18n.md). `messages` extracts every
# marked string with Babel and merges it into each .po, keeping translations; `compilemessages`
# writes the .mo files, which are committed so that a fresh clone shows Spanish at once.
messages: $(VENV)/.installed
	$(PY) -m civicloop.locale.messages update

compilemessages: $(VENV)/.installed
	$(PY) -m civicloop.locale.messages compile

setup: $(VENV)/.installed assets

# The real server (gunicorn, docs/adr/0013) with its worker; `make run DEV=1` for the
# autoreloading development server.
run: setup
	$(PY) manage.py migrate -v0
	$(PY) manage.py demo
	$(PY) manage.py collectstatic --noinput -v0
	@echo ""
	@echo "CivicLoop is starting at http://127.0.0.1:$(PORT)/  (Ctrl+C to stop)"
	$(VENV)/bin/civicloop serve --port $(PORT) $(if $(DEV),--dev,)

browser-deps:
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run -v0 --settings=config.settings.test

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy civicloop config

test: setup browser-deps lint typecheck test-sqlite test-postgres

# Two workers (the machines have two cores); each gets its own test database.
test-sqlite:
	$(VENV)/bin/pytest -q -n 2

# Browser tests and the Spark comparison (no database involved) run in the SQLite pass only.
test-postgres:
	DATABASE_URL=$(PG_URL) $(VENV)/bin/pytest -q -n 2 -m "not browser" \
		--ignore=civicloop/analytics/tests/test_spark.py

bench: setup
	$(PY) bench/stats.py
	$(PY) bench/stats_batch.py
	$(PY) bench/web.py --scale 0.1
	$(PY) bench/analytics.py --events 2000000 --units 200000
	$(PY) bench/text.py --n 20000
	$(MAKE) bench-load LOAD_ARGS="--duration 15 --users 10"

# Load test of the real server (docs/operations.md, "Load test"); ports 8170 and up unless
# LOAD_ARGS says --port. Full size: 50 users and event batches for 2 minutes per server.
LOAD_ARGS ?= --duration 120 --users 50
# Build the image and run it against PostgreSQL ($(PG_URL)'s server); skips, saying why,
# without Podman or a base image (docs/operations.md, "Containers").
container-test:
	CONTAINER_PG_URL=$${CONTAINER_PG_URL:-$(PG_URL)} .ci/container-test.sh

bench-intake: setup
	$(PY) bench/intake.py $(INTAKE_ARGS)

bench-load: setup
	$(PY) bench/load.py $(LOAD_ARGS)

clean:
	rm -rf $(VENV) node_modules civicloop/web/static/vendor staticfiles
