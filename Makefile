# `make run` starts the embedded default; `make test` runs every check. Both install first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint format bench clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/pip install --quiet -r requirements.lock
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py make_dev_certificate
	$(BIN)/python manage.py seed_demo --url http://127.0.0.1:8000/
	@echo "Starting web (http://127.0.0.1:8000/), Celery worker, Celery beat and the engine. Ctrl-C stops them all."
	$(BIN)/honcho start -f Procfile

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# Tests keep their database file, broker folder and media under var/test unless told otherwise.
test: export VAR_DIR ?= $(CURDIR)/var/test
test: lint
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/python bench/bench_video_retrieve.py
	$(BIN)/python bench/bench_auth.py
	$(BIN)/python bench/bench_kill_switch.py
	$(BIN)/python bench/bench_revoke_to_cancel.py
	$(BIN)/python bench/bench_rendition.py
	$(BIN)/python bench/bench_claims.py
	$(BIN)/python bench/bench_kill_switch_under_load.py

clean:
	rm -rf $(VENV) var
