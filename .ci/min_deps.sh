#!/usr/bin/env bash
# The lower bounds in pyproject.toml are claims: install exactly the oldest version of every runtime dependency
# (torch included, a PyPI build of about 2 GB) into a fresh venv and run the fast tests that need nothing else.
# Left to the main lane: the tests that compare against fastai, run notebooks or drive a browser (fastai, Jupyter and
# Chromium require more than these minimums), and test_streaming, which counts messages through the `comm` package
# that the oldest ipywidgets 8 do not send through.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
start=$SECONDS

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$PYTHON" .ci/distcheck.py min-pins >"$work/minimums.txt"
echo "minimum versions: $(tr '\n' ' ' <"$work/minimums.txt")"

"$PYTHON" -m venv "$work/venv"
py="$work/venv/bin/python"
# The pins are requirements, not only constraints, so that each is installed at exactly its minimum; what they
# pull in resolves as for a user. pytest and hypothesis are the test tools, at their current versions.
"$py" -m pip install --requirement "$work/minimums.txt" pytest hypothesis >"$work/install.log" 2>&1 \
  || { cat "$work/install.log"; exit 1; }
"$py" -m pip list --format=freeze 2>/dev/null | grep -iE '^(torch|numpy|anywidget|ipywidgets|traitlets|bqplot)==' \
  | tr '\n' ' '
echo
echo "minimum lane: installed in $((SECONDS - start)) s"

# Run from the source tree (python -m puts it first on sys.path): nothing to build for this lane.
"$py" -m pytest -q -p no:cacheprovider \
  tests/test_layers.py tests/test_learner.py tests/test_learner_schedule.py tests/test_restore.py \
  tests/test_suggest_sweetspot.py tests/test_widget.py tests/test_packaging.py
echo "minimum lane: $((SECONDS - start)) s"
