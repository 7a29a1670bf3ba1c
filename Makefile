VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-docker lint bench docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

# Flags of `ec2sim serve`: make run ARGS="--port 6000 --log-format json"
run: $(STAMP)
	$(VENV)/bin/ec2sim serve $(ARGS)

test: $(STAMP)
	$(PY) -m pytest -n 2 -q

# The image end to end (needs a Docker engine; builds the image, a minute or more). Where no registry is
# reachable, PYTHON_IMAGE names a local base image (../shared/docker/local-base.sh makes one).
test-docker: $(STAMP)
	$(PY) -m pytest -q -m docker tests/test_docker.py

lint: $(STAMP)
	$(PY) -m pip install -q -e '.[test,lint]'
	$(VENV)/bin/ruff check ec2sim tests bench
	$(VENV)/bin/ruff format --check ec2sim tests bench
	$(VENV)/bin/mypy ec2sim

# The whole benchmark set in one run, one ratio table (bench/README.md, "make bench"): ec2sim beside the
# ceiling app, moto and the other serving stacks. wrk comes from apt-get where missing; moto gets its own
# virtual environment, and so do the serving stacks compared (granian, gunicorn) and py-spy, never the
# project's. Flags of bench/run.py: make bench ARGS="--seconds 10 --json bench.json"
BENCH_MOTO := .venv-bench-moto
BENCH_STACKS := .venv-bench

$(BENCH_MOTO)/.installed:
	$(PYTHON) -m venv $(BENCH_MOTO)
	$(BENCH_MOTO)/bin/pip install -q 'moto[server]'
	touch $@

$(BENCH_STACKS)/.installed: pyproject.toml
	$(PYTHON) -m venv $(BENCH_STACKS)
	$(BENCH_STACKS)/bin/pip install -q -e . granian gunicorn py-spy
	touch $@

bench: $(STAMP) $(BENCH_MOTO)/.installed $(BENCH_STACKS)/.installed
	command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
	PYTHONPATH=. $(PY) -m bench.run $(ARGS)

# Generated documentation: docs/actions.md (tests/test_actions_doc.py checks it is current).
docs: $(STAMP)
	$(PY) -m bench.tools.actions

clean:
	rm -rf $(VENV) build *.egg-info
