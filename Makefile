VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/ec2sim serve

test: $(STAMP)
	$(PY) -m pytest -n 2 -q

lint: $(STAMP)
	$(PY) -m pip install -q -e '.[test,lint]'
	$(VENV)/bin/ruff check ec2sim tests bench
	$(VENV)/bin/ruff format --check ec2sim tests bench
	$(VENV)/bin/mypy ec2sim

clean:
	rm -rf $(VENV) build *.egg-info
