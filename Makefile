# Pasar Koperasi: `make run` serves the demo market, `make test` runs the suite.
VENV := .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
export DEBUG ?= 1

.PHONY: install run test lint bench clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:8000

test: install
	$(VENV)/bin/pytest

lint: install
	$(VENV)/bin/ruff check .
	env -u DATABASE_URL $(PY) manage.py makemigrations --check --dry-run

bench: install
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) db.sqlite3 media private-media staticfiles
