# Studio CRM. `make run` serves the demo studio; `make test` runs every check CI runs.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
MANAGE := $(BIN)/python manage.py

.PHONY: install translations messages run serve worker test lint bench bench-scale lock clean

install: $(VENV)/.installed

# uv installs the locked set in a couple of seconds; pip is the fallback where uv is missing.
$(VENV)/.installed: requirements.lock package.json package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	if command -v uv >/dev/null 2>&1; then uv pip install --quiet --python $(BIN)/python -r requirements.lock; \
	else $(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock; fi
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The catalogues in locale/ are compiled here, not committed: a .mo is built from its .po (needs GNU gettext).
I18N_IGNORE := --ignore=.venv --ignore=node_modules --ignore=var --ignore=staticfiles --ignore=screenshots
translations: install
	$(MANAGE) compilemessages $(I18N_IGNORE) >/dev/null

# After marking new strings: the catalogues gain them (then translate locale/ru; English is the source).
messages: install
	$(MANAGE) makemessages -l ru -l en --no-obsolete --no-wrap $(I18N_IGNORE) --ignore=benchmarks --ignore=tests
	$(MANAGE) makemessages -d djangojs -l ru -l en --no-obsolete --no-wrap $(I18N_IGNORE) --ignore=benchmarks --ignore=tests

run: install translations
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	$(MAKE) --no-print-directory serve

serve:
	$(MANAGE) runserver $(HOST):$(PORT)

# With Redis: an RQ worker (the notifications' jobs) and RQ's cron scheduler beside it, which enqueues the
# sweeper every minute and reminders and expiry every JOBS_EVERY_MINUTES. Run one scheduler per deployment.
worker: install
	@test -n "$$REDIS_URL" || { echo "make worker needs REDIS_URL: the queue the web processes fill"; exit 1; }
	$(MANAGE) rqcron notifications.cron & trap 'kill $$! 2>/dev/null' EXIT INT TERM; $(MANAGE) rqworker default

lint: install translations
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(MANAGE) makemigrations --check --dry-run

test: lint
	$(BIN)/pytest

bench: install
	$(BIN)/python -m benchmarks $(ARGS)

# The pages and API on a 1,000,000-booking PostgreSQL database beside the demo one (needs DATABASE_URL).
bench-scale: install
	$(BIN)/python -m benchmarks.scale $(ARGS)

# Re-pin requirements.lock after changing pyproject.toml.
lock:
	uv pip compile pyproject.toml --extra dev --python-version 3.11 --quiet -o requirements.lock

clean:
	rm -rf $(VENV) node_modules var staticfiles
