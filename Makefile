# `make run` starts the embedded default; `make test` runs every check. Both install first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install browser run test lint format bench clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/pip install --quiet -r requirements.lock
	touch $(STAMP)

install: $(STAMP)

# Browser tests drive Debian's Chromium (Playwright never downloads a browser here).
CHROMIUM ?= /usr/bin/chromium
browser:
	@if [ -x "$(CHROMIUM)" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "== installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	else \
		echo "The browser tests need Chromium at $(CHROMIUM). Install it with:"; \
		echo "    sudo apt-get install -y --no-install-recommends chromium"; \
		echo "(or point CHROMIUM at another build: make test CHROMIUM=/path/to/chromium)"; \
		exit 1; \
	fi

# The embedded default is an explicit development mode (settings refuse to start without it).
run: export DEPLOYMENT = development
run: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py make_dev_certificate
	$(BIN)/python manage.py seed_demo --url http://127.0.0.1:8000/
	rm -rf $(or $(VAR_DIR),var)/prometheus  # metric files of the previous run's processes
	@echo "Starting web (http://127.0.0.1:8000/), the Celery workers, beat and the engine under supervisord."
	@echo "A crashed process is restarted; Ctrl-C stops them all. Logs: var/logs/."
	$(BIN)/python -m accessprogram.runtime.supervise

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# Tests keep their database file, broker file and media under var/test unless told otherwise.
test: export VAR_DIR ?= $(CURDIR)/var/test
test: export CHROMIUM_PATH ?= $(CHROMIUM)
# The embedded default is an explicit mode; without it the settings refuse to start (fail closed).
test: export DEPLOYMENT = development
test: lint browser
	$(BIN)/python manage.py makemigrations --check --dry-run
	rm -rf $(VAR_DIR)/prometheus  # metric files of earlier runs' processes
	$(BIN)/pytest

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: export DEPLOYMENT = development
bench: install
	$(BIN)/python bench/bench_video_retrieve.py
	$(BIN)/python bench/bench_auth.py
	$(BIN)/python bench/bench_kill_switch.py
	$(BIN)/python bench/bench_revoke_to_cancel.py
	$(BIN)/python bench/bench_rendition.py
	$(BIN)/python bench/bench_claims.py
	$(BIN)/python bench/bench_broker.py
	$(BIN)/python bench/bench_metrics.py
	$(BIN)/python bench/bench_kill_switch_under_load.py
	$(BIN)/python bench/bench_scale.py

clean:
	rm -rf $(VENV) var
