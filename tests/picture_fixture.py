"""The widget state that the static picture (Python) and the page's SVG download (js/tests/view-picture.test.js) are
both drawn from, and what each must show: tests/fixtures/picture_runs.json.

Four kept runs: "frozen"; "unfrozen", the selected one, with a validation curve and three repeats (a band);
"again", on its own LR range; and "hidden", hidden. Made from synthetic results (no training), through the public
file format: ``LRWidget.load`` of a runs document. Regenerate the fixture with ``python -m tests.picture_fixture``
(from the repository root) after a change to the view's traits.
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from lrwidget import LRWidget, RangeTestResult, Run
from lrwidget.engine.result_io import runs_to_json
from lrwidget.widget.static_picture import PICTURE_TRAITS

FIXTURE = Path(__file__).parent / "fixtures" / "picture_runs.json"
#: The view's traits the page needs besides those the picture reads.
PAGE_TRAITS = ("marker_registry", "n_groups", "group_lr_ratios", "group_labels", "read_only", "error", "notice")
VALID_EVERY = 10


def synthetic(dip: float, shift: float = 0.0, start_lr: float = 1e-6, end_lr: float = 1.0, n: int = 120,
              valid: bool = False) -> RangeTestResult:
    """A valley-shaped curve with noisy raw losses; with ``valid``, a validation loss every 10 steps."""
    lrs = [start_lr * (end_lr / start_lr) ** (k / (n - 1)) for k in range(n)]
    losses = [1 + shift + 4 * (k / (n - 1) - dip) ** 2 for k in range(n)]
    raw = [loss + 0.05 * math.sin(3 * k) for k, loss in enumerate(losses)]
    valid_losses = [loss + 0.1 if k % VALID_EVERY == 0 else math.nan for k, loss in enumerate(losses)] if valid else []
    return RangeTestResult(lrs=lrs, losses=losses, raw_losses=raw, num_it=n, start_lr=start_lr, end_lr=end_lr,
                           valid_losses=valid_losses, valid_every=VALID_EVERY if valid else None)


def picture_widget(directory: Path) -> LRWidget:
    """The read-only widget of the four runs (its file is written in ``directory``)."""
    runs = [Run(result=synthetic(0.3), label="frozen"),
            Run(result=synthetic(0.5, shift=0.2, valid=True), label="unfrozen"),
            Run(result=synthetic(0.6, shift=0.4, start_lr=1e-5, end_lr=10.0), label="again"),
            Run(result=synthetic(0.4, shift=0.6), label="hidden")]
    repeats = [synthetic(0.45, shift=0.25, valid=True), synthetic(0.55, shift=0.15, valid=True)]
    views: list[dict[str, Any]] = [{}, {"repeats": repeats}, {}, {"hidden": True}]
    path = directory / "picture_runs.json"
    path.write_text(runs_to_json(runs, views=views, selected=1), encoding="utf-8")
    return LRWidget.load(path)


def view_state(widget: LRWidget) -> dict[str, Any]:
    """The widget's view traits that the picture and the page read, as JSON values."""
    state = {name: getattr(widget.view, name) for name in (*PICTURE_TRAITS, *PAGE_TRAITS)}
    return json.loads(json.dumps(state, allow_nan=False))


def write_fixture(directory: Path) -> dict[str, Any]:
    """Writes the fixture: the state, and what both pictures must draw of it (run paths, legend, second curves)."""
    widget = picture_widget(directory)
    try:
        document = {"state": view_state(widget),
                    "drawn": {"run_paths": ["run-1", "run-2", "run-3"], "legend": ["frozen", "again", "unfrozen"],
                              "key": ["per-batch loss", "smoothed loss (fastai)", "validation loss (every 10 steps)",
                                      "3 repeats: lowest–highest, median dashed"],
                              "validation": True, "band": True}}
    finally:
        widget.close()
    FIXTURE.write_text(json.dumps(document, allow_nan=False) + "\n", encoding="utf-8")
    return document


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        write_fixture(Path(scratch))
    print(f"wrote {FIXTURE} ({FIXTURE.stat().st_size} bytes)")
