# Each target installs what it needs into .venv first, so a fresh clone needs nothing else.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
export DAGSTER_HOME := $(CURDIR)

.PHONY: setup demo test run dev lint fmt check-defs bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

demo: setup  ## serve the sample organisation over loopback and run the nightly job on it
	$(PY) -m pipelines.demo

test: setup  ## the whole suite (CI runs this through .ci/run)
	$(PY) -m pytest

run: setup  ## run the nightly job once against $$METRICS_CONFIG, as the schedule would
	$(PY) -m pipelines.run

dev: setup  ## the Dagster UI with the nightly schedule on (demo trackers served alongside)
	$(PY) -m pipelines.demo serve & trap 'kill $$!' EXIT; $(VENV)/bin/dg dev

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check-defs: setup
	$(VENV)/bin/dg check defs

bench: setup  ## benchmarks at 10k/100k/1M items (docs/benchmarks.md); SIZES="10000" to pick
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	$(PY) -m benchmarks.run $(if $(SIZES),--sizes $(SIZES),)

clean:
	rm -rf warehouse .dagster
