# Pasar Koperasi: `make run` serves the demo market, `make test` runs the suite,
# `make serve` runs it for real (gunicorn, a celery worker and beat, from the Procfile).
VENV := .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
export DEBUG ?= 1

# Processes that run it for real; each reads DATABASE_URL and REDIS_URL from the environment.
# gunicorn reads WEB_CONCURRENCY itself (its worker count; about 2 per CPU core).
export WEB_CONCURRENCY ?= 3
BIND ?= 127.0.0.1:8000
# Worker processes per `make worker`; a child is replaced after this many tasks (leaks stay small).
WORKER_CONCURRENCY ?= 4
WORKER_MAX_TASKS_PER_CHILD ?= 200
# Where beat remembers when each job last ran (keep it on a disk that survives restarts).
BEAT_SCHEDULE_FILE ?= /tmp/pasar-koperasi-celerybeat-schedule

.PHONY: install run test lint bench bench-monitoring clean web worker beat serve services messages

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,run]'
	touch $@

install: $(VENV)/.installed

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:8000

# The browser tests inject axe-core (tests/browser/package.json) into the pages they check;
# it is installed for the test run only, never served. Without npm the axe checks skip
# (and fail under CI=true).
BROWSER_TOOLS := tests/browser/node_modules/.installed
$(BROWSER_TOOLS): tests/browser/package-lock.json
	@if command -v npm >/dev/null; then \
	  npm ci --prefix tests/browser --no-audit --no-fund && touch $@; \
	else echo "npm not found: the browser tests' accessibility checks will skip"; fi

test: install $(BROWSER_TOOLS)
	$(VENV)/bin/pytest

lint: install
	$(VENV)/bin/ruff check .
	env -u DATABASE_URL $(PY) manage.py makemigrations --check --dry-run

bench: install
	$(PY) bench/run.py

# The dinas monitoring at 100,000 and at 1,000,000 orders (about 11 minutes, PostgreSQL).
bench-monitoring: install
	$(PY) bench/run.py --only monitoring --orders 100000 1000000

# Translations: gather every msgid of our code and templates into locale/id/LC_MESSAGES/django.po,
# compile it, and count what is left to translate (tests/test_translations.py names each one).
MESSAGE_IGNORES := --ignore=.venv --ignore=tests --ignore=bench --ignore=node_modules \
  --ignore=staticfiles --ignore=media --ignore=private-media --ignore=sent-mail --ignore='*.egg-info'
messages: install
	$(PY) manage.py makemessages -l id $(MESSAGE_IGNORES)
	$(PY) manage.py compilemessages -l id $(MESSAGE_IGNORES)
	msgfmt --statistics -o /dev/null locale/id/LC_MESSAGES/django.po

# Without REDIS_URL tasks run in-process: a worker or beat would have nothing to do.
services:
	@test -n "$$DATABASE_URL" || { echo "Set DATABASE_URL (postgres://...)"; exit 1; }
	@test -n "$$REDIS_URL" || { echo "Set REDIS_URL (redis://...)"; exit 1; }

web: install services
	exec $(VENV)/bin/gunicorn market.wsgi:application --bind $(BIND) \
	  --max-requests 1000 --max-requests-jitter 100 --access-logfile -

# -O fair: a free child takes the next task (no queueing behind a slow one); with acks late
# and prefetch 1 (settings) a killed worker's task goes back to the queue.
worker: install services
	exec $(VENV)/bin/celery -A market worker --loglevel INFO \
	  --concurrency $(WORKER_CONCURRENCY) --max-tasks-per-child $(WORKER_MAX_TASKS_PER_CHILD) \
	  -O fair --without-gossip --without-mingle

# Exactly one beat per deployment: two would start every periodic job twice.
beat: install services
	exec $(VENV)/bin/celery -A market beat --loglevel INFO --schedule $(BEAT_SCHEDULE_FILE)

serve: install services
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	exec $(VENV)/bin/honcho start -f Procfile

clean:
	rm -rf $(VENV) db.sqlite3 media private-media staticfiles
