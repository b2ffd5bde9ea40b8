# kneeinfo — the commands a newcomer needs. Only Python 3.11+ and make are required.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT

.PHONY: run test lint format install setup check-deploy bench bench-search bench-load screenshots clean

# The virtual environment is rebuilt only when the lock file changes.
$(VENV)/.installed: requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	@touch $@

install: $(VENV)/.installed

# Migrate, load our articles (never overwriting an editor's newer edit), collect static files.
setup: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py import_content articles/content
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0

run: setup
	@echo ""
	@echo "  kneeinfo is serving on http://$(HOST):$(PORT)/  (Ctrl+C stops it)"
	@echo "  Create an editor login:  $(BIN)/python manage.py createsuperuser"
	@echo "  then sign in at          http://$(HOST):$(PORT)/admin/"
	@echo ""
	$(BIN)/gunicorn kneeinfo.wsgi --config gunicorn.conf.py

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# `manage.py check --deploy` with production-like settings.
# The caller's own settings, where set (an operator's /etc/kneeinfo.env); production-like
# values for the rest (CI sets none).
check-deploy: install
	DJANGO_DEBUG=$${DJANGO_DEBUG:-0} \
	DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')} \
	DJANGO_ALLOWED_HOSTS=$${DJANGO_ALLOWED_HOSTS:-kneeinfo.example} DJANGO_HTTPS=$${DJANGO_HTTPS:-1} \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) staticfiles

# PNGs of the main pages at desktop and phone widths into docs/screenshots/ (needs chromium).
screenshots: install
	$(BIN)/python tests/screenshots.py

# Pages under gunicorn and wrk, 12 and 10,000 articles, SQLite and PostgreSQL + Redis when they
# answer; installs wrk from Debian's packages when it is missing and we are root.
bench: install
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq wrk >/dev/null; } \
		|| { echo "make bench needs wrk (apt-get install wrk)"; exit 1; }
	$(BIN)/python bench/pages.py

# 60 s at 64 connections while an editor saves every second: no 5xx, no "database is locked",
# memory flat, every save visible within seconds. Exits non-zero when a check fails.
bench-load: install
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq wrk >/dev/null; } \
		|| { echo "make bench-load needs wrk (apt-get install wrk)"; exit 1; }
	$(BIN)/python bench/load.py

# Search latency at 10,000 generated articles, SQLite and PostgreSQL, against a naive baseline.
bench-search: install
	bash bench/run_search.sh
