# The two commands a new user needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run serve migrate load test lint format check clean browser bench

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# What `make` runs against the development database shares the web server's cache (the
# database table django_cache): the demo's writes and the worker's reach the server's
# cached figures, which a per-process memory cache would keep apart.
migrate load run: export DJANGO_DB_CACHE = 1

migrate: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py createcachetable

load: migrate
	$(BIN)/python manage.py load_policies
	$(BIN)/python manage.py prepare_demo
	$(BIN)/python manage.py create_demo_accounts
	$(BIN)/python manage.py demo_supervision
	$(BIN)/python manage.py demo_history

# The background worker (exports, issue 14) runs beside the web server and stops with it.
run: load
	@echo "Serving on http://$(HOST):$(PORT)/ with a background worker (Ctrl+C stops both)"
	@$(BIN)/python manage.py jobs_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: install
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

test: install lint check browser
	$(BIN)/pytest

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache staticfiles

# Browser tests drive the system Chromium (Debian package `chromium`); no browser is
# ever downloaded. Installed here when missing and possible; otherwise they are skipped.
# The PDF import tests print plans to PDF with it and need a CJK font (fonts-wqy-microhei).
browser: install
	@{ test -x /usr/bin/chromium && fc-list 2>/dev/null | grep -qi wqy; } \
	  || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	       && { apt-get install -y --no-install-recommends chromium fonts-wqy-microhei >/dev/null 2>&1 \
	            || { apt-get update -qq >/dev/null 2>&1 \
	                 && apt-get install -y --no-install-recommends chromium fonts-wqy-microhei >/dev/null; }; }; } \
	  || echo "Chromium not available: browser tests (tests/browser) will be skipped"

# Production-style serving (see README, "Deploying on a server"). Needs at least
# DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and DATABASE_URL in the environment.
.PHONY: serve-prod
WORKERS ?= 4
serve-prod: export DJANGO_DEBUG = 0
serve-prod: install
	$(BIN)/python manage.py check --deploy
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py createcachetable
	$(BIN)/gunicorn reform.wsgi:application --config deploy/gunicorn.conf.py \
		--bind $(HOST):$(PORT) --workers $(WORKERS)

# Dashboard benchmark (issue 5): synthetic data at each size, SQLite then PostgreSQL
# when BENCH_POSTGRES_URL answers. Results in bench/results/*.json. SQLite stops at
# 10,000 tasks (generating 100,000 there takes too long); the 100,000-task target is
# measured on PostgreSQL. BENCH_ARGS=--keep keeps the generated databases for reruns.
BENCH_SQLITE_TASKS ?= 100 10000
BENCH_TASKS ?= 100 10000 100000
BENCH_PROVINCE_TASKS ?= 10000 200000
BENCH_ARGS ?=
BENCH_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/reform_bench
bench: install
	DATABASE_URL= $(BIN)/python bench/run.py $(BENCH_ARGS) --tasks $(BENCH_SQLITE_TASKS)
	DATABASE_URL=$(BENCH_POSTGRES_URL) $(BIN)/python bench/run.py $(BENCH_ARGS) --if-available --tasks $(BENCH_TASKS)
	# One province at scale (issue 12): 14 cities, 122 counties, 8,000 units; the offices of
	# the province, a city and a county, the drill-down and a city office's task lists.
	DATABASE_URL=$(BENCH_POSTGRES_URL) $(BIN)/python bench/run.py $(BENCH_ARGS) --if-available \
		--shape province --tasks $(BENCH_PROVINCE_TASKS)
	DATABASE_URL= $(BIN)/python bench/exports.py --tasks 10000
	# Plan upload preview (issue 13): 100 and 1,000 tasks, same query count, < 3 s.
	$(BIN)/python bench/upload_preview.py --tasks 100 1000
	$(BIN)/python bench/upload_preview.py --tasks 1000 --format xlsx

# Month-end load test (issue 7): a fresh PostgreSQL database with the five plans,
# gunicorn with production settings on 127.0.0.1:8117, LOADTEST_USERS unit users each
# logging in and reporting once within 5 minutes while LOADTEST_LEADERS leaders refresh
# the dashboard; p50/p95, errors, and a database check that every report is stored
# once. Results in bench/results/loadtest-*.json. The database is dropped and rebuilt.
# LOADTEST_TASKS=100000 adds that many synthetic tasks (bench/generate.py) and, unless
# given, makes it 500 unit users arriving over 10 minutes (LOADTEST_RAMP, seconds) and
# 10 office users downloading bulletins through background jobs (results in
# bench/results/loadtest-100000.json).
.PHONY: loadtest
LOADTEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/reform_loadtest
LOADTEST_TASKS ?= 0
LOADTEST_USERS ?= $(if $(filter 0,$(LOADTEST_TASKS)),200,500)
LOADTEST_LEADERS ?= 20
LOADTEST_OFFICE ?= $(if $(filter 0,$(LOADTEST_TASKS)),0,10)
LOADTEST_PORT ?= 8117
LOADTEST_RAMP ?= $(if $(filter 0,$(LOADTEST_TASKS)),240,600)
loadtest: install
	$(BIN)/python bench/loadtest.py --drop-existing --database-url $(LOADTEST_DATABASE_URL) \
		--users $(LOADTEST_USERS) --leaders $(LOADTEST_LEADERS) --port $(LOADTEST_PORT) \
		--tasks $(LOADTEST_TASKS) --office $(LOADTEST_OFFICE) \
		--ramp $(LOADTEST_RAMP) --duration $$(( $(LOADTEST_RAMP) + 120 ))
