# Developer and CI entry points. Everything runs with the project's own virtualenv.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
# The interpreter that creates the venv: python3.11 if present, else python3.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
# `make logs ARGS="planner -f"` / `make logs ARGS="-n 200"`
ARGS ?=

.PHONY: help install up down status logs lint stack test demo bench test-faults

help:
	@echo "make install   create .venv (python3.11) and install the project with dev extras"
	@echo "make up        start Postgres, Kafka, topics and the four services (python -m devstack up)"
	@echo "make down      stop everything 'make up' started"
	@echo "make status    one line per component (exit 1 unless all are up)"
	@echo "make logs      tail the logs (ARGS=\"planner -f\" for one, following)"
	@echo "make lint      ruff, mypy and the import-linter contracts"
	@echo "make test      lint, then Kafka + Postgres + topics, then pytest"
	@echo "make demo      run a 50-patient, 6-month simulated clinic through the platform"
	@echo "make bench     throughput, latency, sweep and scale, each beside a baseline"
	@echo "make test-faults  kills, restarts and poison under load; reconciles every effect"

# The venv is (re)built when pyproject.toml changes, so `make up` and `make test` work first time.
STAMP := $(VENV)/.installed

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

up: $(STAMP)
	$(PY) -m devstack up

down: $(STAMP)
	$(PY) -m devstack down

status: $(STAMP)
	$(PY) -m devstack status

logs: $(STAMP)
	$(PY) -m devstack logs $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy shared services devstack simulator bench faults
	$(VENV)/bin/lint-imports

# Tests start their own service processes: they only need the broker, the database and topics.
stack: $(STAMP)
	$(PY) -m devstack up --no-services

test: lint stack
	eval "$$($(PY) -m devstack env)" && $(PY) -m pytest -q

# A small cohort (50 patients, 6 simulated months) through the platform `make up` runs.
demo: $(STAMP)
	$(PY) -m devstack up
	$(PY) -m simulator --patients 50 --days 182 --json results/demo.json

# Every benchmark beside its baseline, on isolated topics and schemas of the native stack.
bench: stack
	eval "$$($(PY) -m devstack env)" && $(PY) -m bench

# The fault suite on a broker and a database of its own (it restarts them).
test-faults: $(STAMP)
	$(PY) -m faults
