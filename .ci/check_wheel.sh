#!/usr/bin/env bash
# Build the sdist and, from it, the wheel (python -m build does both, so the sdist is proven to build); check what they
# hold; install the wheel into a fresh venv with its dependencies (torch from the pin) and import it from there.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
start=$SECONDS

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$PYTHON" -m venv "$work/venv"
py="$work/venv/bin/python"
"$py" -m pip install --quiet build 2>/dev/null || "$py" -m pip install build
"$py" -m build --outdir "$work/dist" . >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
ls "$work/dist"

"$py" .ci/distcheck.py dist "$work/dist"

# The wheel's own dependency list, resolved as a user's pip would, with torch held to the development pin.
"$py" -m pip install --constraint constraints.txt "$work"/dist/lrwidget-*.whl >"$work/install.log" 2>&1 \
  || { cat "$work/install.log"; exit 1; }

# From outside the repository, so that `import lrwidget` can only find the installed wheel.
cd "$work"
"$py" - <<'EOF'
import importlib.metadata
from pathlib import Path

import lrwidget
from lrwidget.widget.view import STATIC, LRCurveView

installed = Path(lrwidget.__file__).parent
assert "site-packages" in installed.parts, f"imported lrwidget from {installed}, not from the installed wheel"
assert lrwidget.__version__ == importlib.metadata.version("lrwidget"), (
    f"lrwidget.__version__ {lrwidget.__version__} != installed metadata {importlib.metadata.version('lrwidget')}")
assert STATIC.parent == installed, f"the view loads its front end from {STATIC}, outside {installed}"
# anywidget read these files when the class was created: the view has a front end to send.
assert len(str(LRCurveView._esm)) > 1000 and len(str(LRCurveView._css)) > 100, "the view's JS or CSS is empty"
print(f"wheel check: lrwidget {lrwidget.__version__} imports from {installed}; its JS and CSS are there")
EOF
echo "wheel check: $((SECONDS - start)) s"
