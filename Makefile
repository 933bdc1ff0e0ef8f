# The two commands of the README:
#   make demo   sets up and runs the main job
#   make test   sets up and runs every test
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip install --quiet --constraint constraints.txt

.PHONY: demo test setup bench clean

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first, from the pin, so that no dependency drags in a CUDA build
	$(PIP) torch
	$(PIP) -e ".[test,examples,bench]"
	touch $@

setup: $(VENV)/.installed

demo: setup
	$(PY) -m lrwidget.demo

test: setup
	$(PY) -m pytest -q

bench: setup
	$(PY) benchmarks/speed.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
