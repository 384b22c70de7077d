# Two commands set everything up: `make run` and `make test`. Everything else here is a step they use,
# or an evaluation/benchmark command documented in the README.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      := .venv
RASA_VENV := .venv-rasa
PY        := $(VENV)/bin/python
RASA_PY   := $(RASA_VENV)/bin/python
PY311     ?= python3
# Rasa 3.6 supports Python <3.11: prefer the machine's pyenv 3.10, else the verified 3.11 recipe.
PY310     := $(shell PYENV_VERSION=3.10.13 python3.10 -c 'import sys; print(sys.executable)' 2>/dev/null \
                || python3.10 -c 'import sys; print(sys.executable)' 2>/dev/null)
MODEL     := models/gwangju.tar.gz
RASA_ENV  := PYTHONPATH=$(CURDIR) RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 \
             HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 SQLALCHEMY_SILENCE_UBER_WARNING=1
APP_ENV   := PYTHONPATH=$(CURDIR) HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 RASA_TELEMETRY_ENABLED=false
TRAIN_INPUTS := config.yml $(shell find bot nlu -type f \( -name '*.yml' -o -name '*.py' \) 2>/dev/null)
PYTEST_ARGS ?=

.PHONY: help run test envs train kb-index system-deps eval-nlu eval-kb eval-cluster bench load lint reset-data lock

help:
	@echo "make run    - set up what is missing, train if needed, start app + Rasa + action server"
	@echo "make test   - set up what is missing and run the whole test suite (both environments)"
	@echo "make eval-nlu | eval-kb | eval-cluster | bench | load  - evaluations and benchmarks"
	@echo "make reset-data - delete var/ (proposals, conversations) after a confirmation"

# ---------------------------------------------------------------- environments
envs: $(VENV)/.installed $(RASA_VENV)/.installed

$(VENV)/.installed: requirements/app.lock pyproject.toml
	@echo ">> $$(date -u +%T) creating $(VENV) (application environment, $(PY311))"
	test -x $(PY) || $(PY311) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip==24.2
	# torch is pinned to 2.13.0 in the lock: that resolves to the CPU wheel, never the CUDA build.
	$(PY) -m pip install -q --no-deps -r requirements/app.lock
	# rasa-sdk 3.6.2 declares Python <3.11 but runs on 3.11; its dependencies are in the lock.
	$(PY) -m pip install -q --no-deps --ignore-requires-python rasa-sdk==3.6.2
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	$(PY) -m pip check
	touch $@

$(RASA_VENV)/.installed: requirements/rasa-py310.lock requirements/rasa-py311.lock
	@if [ -n "$(PY310)" ]; then \
	  echo ">> $$(date -u +%T) creating $(RASA_VENV) with Python 3.10 ($(PY310))"; \
	  test -x $(RASA_PY) || $(PY310) -m venv $(RASA_VENV); \
	  $(RASA_PY) -m pip install -q --upgrade pip==24.2 && \
	  $(RASA_PY) -m pip install -q --no-deps -r requirements/rasa-py310.lock && \
	  $(RASA_PY) -m pip check; \
	else \
	  echo ">> no Python 3.10 found: creating $(RASA_VENV) with the verified Python 3.11 recipe"; \
	  test -x $(RASA_PY) || $(PY311) -m venv $(RASA_VENV); \
	  $(RASA_PY) -m pip install -q --upgrade pip==24.2 && \
	  $(RASA_PY) -m pip install -q --no-deps -r requirements/rasa-py311.lock && \
	  $(RASA_PY) -m pip install -q --no-deps --ignore-requires-python rasa==3.6.21 rasa-sdk==3.6.2; \
	fi
	touch $@

# Debian packages the tests drive for real: chromium (+ a Korean font for screenshots) through Playwright, and
# redis-server for the multi-instance test (PostgreSQL is part of this machine image).
system-deps:
	@command -v chromium >/dev/null && command -v redis-server >/dev/null && fc-list 2>/dev/null | grep -qi "noto sans cjk" || { \
	  echo ">> $$(date -u +%T) installing chromium, redis-server and Korean fonts from Debian"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk redis-server >/dev/null; }

# ---------------------------------------------------------------- model
# Retrain only when the training data, domain, config or the Korean tokenizer changed.
train: $(MODEL)
$(MODEL): $(TRAIN_INPUTS) | $(RASA_VENV)/.installed
	@echo ">> $$(date -u +%T) training the Rasa model"
	@mkdir -p models
	# flock: several make invocations (tests, helpers) never train into the same file at once.
	flock models/.train.lock env $(RASA_ENV) $(RASA_VENV)/bin/rasa train --config config.yml --domain bot/domain \
	  --data nlu/data bot/data --out models --fixed-model-name gwangju --quiet
	touch $@

# ---------------------------------------------------------------- knowledge index
# Fit the knowledge search's question bank once (~35 s) into .cache/knowledge, keyed by its inputs: servers started
# afterwards (make run, the tests' stacks) load it in under a second. Unchanged inputs: only the check (~2 s).
# A broken knowledge file is reported in Korean and does not stop `make run` (the "-"): proposals still work.
kb-index: envs
	-@OPENBLAS_NUM_THREADS=1 $(APP_ENV) $(PY) -m knowledge.warm

# ---------------------------------------------------------------- run / test
run: envs $(MODEL) kb-index
	@mkdir -p var
	$(APP_ENV) $(PY) -m civic.supervisor

test: envs $(MODEL) system-deps kb-index
	@mkdir -p var
	@# Both suites always run; the exit status fails if either failed.
	@# Each phase is stamped and the slowest tests listed, so a slow CI run shows where its time went; -rs prints
	@# every skip with its reason (a CI clone without ../shared skips the checks against the seeds and data).
	@rc=0; \
	echo ">> $$(date -u +%T) Rasa-environment tests"; \
	$(RASA_ENV) $(RASA_VENV)/bin/python -m pytest -c tests/rasa/pytest.ini tests/rasa -rs --durations=10 $(PYTEST_ARGS) || rc=1; \
	echo ">> $$(date -u +%T) application tests"; \
	$(APP_ENV) $(PY) -m pytest tests/app -rs --durations=25 $(PYTEST_ARGS) || rc=1; \
	echo ">> $$(date -u +%T) tests done"; \
	exit $$rc

lint: envs
	$(VENV)/bin/ruff check civic web knowledge nlu/korean.py bench tests actions rasa_ext

# ---------------------------------------------------------------- evaluations and benchmarks
eval-nlu: envs
	$(RASA_ENV) $(RASA_PY) -m bench.eval_nlu

eval-kb: envs
	$(APP_ENV) $(PY) -m bench.eval_kb

eval-cluster: envs
	$(APP_ENV) $(PY) -m bench.eval_cluster

bench: envs $(MODEL)
	$(APP_ENV) $(PY) -m bench.run_all

load: envs $(MODEL)
	$(APP_ENV) $(PY) -m bench.load

# ---------------------------------------------------------------- maintenance
reset-data:
	@read -p "Delete var/ (all proposals and conversations)? [y/N] " ok && [ "$$ok" = y ] && rm -rf var && echo "var/ deleted"

# Regenerate the lock files from the current environments (maintainers only).
lock:
	$(PY) -m pip freeze --all --exclude-editable | grep -v '^rasa-sdk==' | sed 's/^torch==2.13.0+cpu/torch==2.13.0/' > requirements/app.lock
	$(RASA_PY) -m pip freeze --all > requirements/rasa-py310.lock
