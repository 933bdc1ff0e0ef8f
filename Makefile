# The two commands of the README:
#   make demo   sets up and runs the main job: JupyterLab on the quickstart notebook
#   make test   sets up and runs every test (Python, JS, the browser tests in headless Chromium, the torchvision lane)
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip install --quiet --constraint constraints.txt

# JupyterLab prints its URL; on a machine without a display it opens no browser, and as root it needs --allow-root.
LAB_FLAGS := --ip 127.0.0.1 $(if $(DISPLAY),,--no-browser) $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: demo demo-cli test test-python test-js js setup browser bench lint wheel-check min-deps clean
.PHONY: tv-venv test-torchvision gpu-check

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first, from the pin, so that no dependency drags in a CUDA build
	$(PIP) torch
	$(PIP) -e ".[test,examples,e2e,bench,lint,plot]"
	touch $@

setup: $(VENV)/.installed

# The torchvision lane. PyPI's torchvision cannot import beside the CPU torch of .venv ("operator torchvision::nms
# does not exist"), so the torchvision notebook and tests/torchvision run in .venv-tv, with the CUDA build of torch
# that constraints-torchvision.txt pins (it runs on the CPU). Every other pin comes from constraints.txt; torch and
# torchvision are installed first and stay pinned, so that no later requirement can swap them.
TV_VENV := .venv-tv
TV_PY   := $(TV_VENV)/bin/python
TV_PIP  := $(TV_PY) -m pip install --quiet --constraint $(TV_VENV)/constraints.txt

$(TV_VENV)/.installed: pyproject.toml constraints.txt constraints-torchvision.txt
	test -x $(TV_PY) || $(PYTHON) -m venv $(TV_VENV)
	$(TV_PY) -m pip install --quiet --upgrade pip
	{ grep -vE '^(torch|torchvision)[^a-zA-Z0-9_-]' constraints.txt; cat constraints-torchvision.txt; } \
	  > $(TV_VENV)/constraints.txt
	$(TV_PIP) torch torchvision
	$(TV_PIP) -e ".[test,examples]"
	$(TV_PY) -c "import torch, torchvision; torchvision.ops.nms(torch.zeros(1, 4), torch.ones(1), 0.5); \
	  print('torchvision lane: torch', torch.__version__, 'torchvision', torchvision.__version__)"
	touch $@

tv-venv: $(TV_VENV)/.installed

# Notebook 05 executed for real, and a real torchvision ResNet through the range test, the restore, fine_tune and
# the preview (about a minute on 2 cores, plus about a minute to build .venv-tv the first time).
# One OpenMP thread: on two shared cores, two threads per process wait at each other's barriers (5-10x slower when
# the other core is busy, measured); the notebook's kernel inherits it.
test-torchvision: $(TV_VENV)/.installed
	OMP_NUM_THREADS=1 $(TV_PY) -m pytest -q -p no:cacheprovider tests/torchvision

# The GPU checks (benchmarks/gpu_check.py): on a machine without CUDA it says so and exits 0.
gpu-check: $(TV_VENV)/.installed
	$(TV_PY) benchmarks/gpu_check.py $(GPU_CHECK_ARGS)

# Debian's Chromium for the browser tests (Playwright cannot download its own browser here). Installed when missing
# and apt-get can run; otherwise the browser tests skip outside CI, and fail in CI.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "note: chromium is not installed; the browser tests will be skipped (install Debian's chromium)"; fi; }

js/node_modules/.package-lock.json: js/package.json js/package-lock.json
	cd js && npm ci --no-audit --no-fund

# Rebuilds lrwidget/static from js/src (the built files are committed, so users need no Node).
js: js/node_modules/.package-lock.json
	cd js && npm run build

DEMO_NOTEBOOK := example_notebooks/01_quickstart.ipynb
# default_url makes the URL JupyterLab prints (and opens, given a display) the notebook's own, not the Launcher's.
# DEMO_ARGS adds server options (the browser test passes a port and a token).
demo: setup
	$(VENV)/bin/jupyter lab $(LAB_FLAGS) --LabApp.default_url=/lab/tree/$(DEMO_NOTEBOOK) $(DEMO_ARGS)

# The same story in a terminal: range test, suggestions, fine_tune.
demo-cli: setup
	$(PY) -m lrwidget.demo

test-js:
	cd js && node --test tests/

# tsc --checkJs over js/src (the JSDoc types). Both JS targets need js/node_modules (typescript, happy-dom).
.PHONY: typecheck-js
typecheck-js test-js: js/node_modules/.package-lock.json
typecheck-js:
	cd js && npm run typecheck

# js/node_modules also serves the browser tests: the static HTML test answers the exported page's CDN requests
# (html-manager, require.js, anywidget) from it.
test-python: setup browser js/node_modules/.package-lock.json
	$(PY) -m pytest -q

test: test-js test-python test-torchvision

bench: setup
	$(PY) benchmarks/speed.py
	$(PY) benchmarks/streaming.py
	$(PY) benchmarks/amp_accumulation.py
	$(PY) benchmarks/validation_cost.py --clock cpu --rounds 9
	$(PY) benchmarks/browser_timing.py
	# Suggestion quality: each method's pick trained against a 25-LR grid (6 min measured on a quiet 2-core machine, 10 under load; --quick < 1 min)
	$(PY) benchmarks/suggestion_quality.py --json build/suggestion_quality.json
	# How far any rule reading the range test could go on that suite (seconds; reads the JSON above)
	$(PY) benchmarks/suggestion_ceiling.py build/suggestion_quality.json
	# w.verify()'s design against others and two bounds, on the same range tests (7 min: 2,351 trainings)
	$(PY) benchmarks/verify_designs.py build/suggestion_quality.json

# Static checks: ruff and mypy as configured in pyproject.toml, tsc over js/src (.ci/run runs it before the tests).
lint: setup js/node_modules/.package-lock.json
	$(VENV)/bin/ruff check lrwidget tests benchmarks
	$(VENV)/bin/mypy lrwidget
	cd js && npm run typecheck

# Release files: build the sdist and wheel, check what they hold, install the wheel in a fresh venv and import it.
wheel-check:
	PYTHON=$(PYTHON) bash .ci/check_wheel.sh

# The oldest declared version of every dependency, in a fresh venv, against the fast tests.
min-deps:
	PYTHON=$(PYTHON) bash .ci/min_deps.sh

clean:
	rm -rf $(VENV) $(TV_VENV) js/node_modules .pytest_cache .hypothesis
