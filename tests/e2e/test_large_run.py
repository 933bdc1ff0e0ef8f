"""10,000 points in JupyterLab: every point reaches the page live as binary deltas, the view decimates what it draws,
and the finished curve saved with the notebook is a bounded copy that keeps the shape."""
from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .widget_notebook import running_server, screenshot_widget, widget_page
from .widget_probe import WidgetProbe

NUM_IT = 10_000


@pytest.fixture(scope="module")
def large_run(browser_context: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WidgetProbe]:
    with running_server(tmp_path_factory.mktemp("jupyter-large"), "lab") as server, \
            widget_page(browser_context, server, "large_run.ipynb", num_it=NUM_IT, stop_div=False,
                        end_lr=1.0) as probe:
        yield probe


def point_count(probe: WidgetProbe) -> int:
    return int(probe.page.locator("[data-lrw-root]").first.get_attribute("data-lrw-point-count") or 0)


def test_points_arrive_live_and_the_saved_curve_is_bounded(large_run: WidgetProbe, screenshot_dir: Path) -> None:
    seen_live = 0
    deadline = time.monotonic() + 240
    while large_run.status() == "running" and time.monotonic() < deadline:
        seen_live = max(seen_live, point_count(large_run))
        time.sleep(0.25)
    assert seen_live > 1000, f"the live view held at most {seen_live} points during the run"
    kernel = large_run.notebook.evaluate(
        "dict(n=len(w.result.lrs), saved=len(w.view.curve['lrs']), n_points=w.view.curve['n_points'], "
        "status=w.status, hi=w.lr_hi)")
    assert kernel["status"] == "done" and kernel["n"] == NUM_IT and kernel["n_points"] == NUM_IT
    assert kernel["saved"] <= 2000 and kernel["hi"] is not None
    large_run.wait_for_status("done")
    assert point_count(large_run) == kernel["saved"], "the finished view draws the saved curve"
    assert large_run.marker("sweetspot").count() == 1
    assert not large_run.page_errors, large_run.page_errors
    screenshot_widget(large_run, screenshot_dir / "lrwidget-jupyterlab-10000-points.png")
