"""LRWidget in marimo: the example app served by ``marimo run`` in headless Chromium.

marimo draws anywidgets natively (not classic ipywidgets such as the bqplot preview), so the app shows the curve view
through ``mo.ui.anywidget(w.view)``. The tests run in file order on one page (one session): the first range test ends
and a cell shows Python's picked LRs; the markers and handles draw; a drag of the hi handle reaches Python and
re-runs that cell; a second run, started from the page, streams live from the background thread; a third is stopped
from the page; and the fine_tune button trains with the dragged LRs. A second server, in marimo's dark theme, gives
the dark screenshot. One test needs no browser: marimo formats a bare ``w`` as the live view.
"""
from __future__ import annotations

import json
import math
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .marimo_app import FINE_TUNE_BUTTON, TRAINED, MarimoAppPage, assert_grew_live, poll
from .marimo_server import MarimoServer, require_marimo

REPO_ROOT = Path(__file__).resolve().parents[2]
APP = REPO_ROOT / "example_notebooks" / "06_marimo.py"
STEP_DELAY_S = 0.02  # 100 steps of about 25 ms: a run of 2.5 s when idle, longer on busy cores
SHOWN_MARKERS = ("sweetspot", "valley", "steep")
RUN_TIMEOUT_S = 120.0


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MarimoServer]:
    require_marimo()
    with MarimoServer(APP, tmp_path_factory.mktemp("marimo-light"), theme="light", python_path=(REPO_ROOT,),
                      app_args=("--step-delay", str(STEP_DELAY_S))) as server:
        yield server


@pytest.fixture(scope="module")
def app(browser_context: Any, served: MarimoServer) -> Iterator[MarimoAppPage]:
    """The app open in a page, its first range test ended (in the DOM)."""
    page = browser_context.new_page()
    try:
        opened = MarimoAppPage(page, served.url)
        try:
            opened.root.wait_for(state="visible", timeout=RUN_TIMEOUT_S * 1000)
            opened.wait_for_status("done", "stopped", timeout_s=RUN_TIMEOUT_S)
        except Exception as error:
            raise AssertionError(f"{error}\nmarimo log:\n{served.log_tail()}") from error
        yield opened
    finally:
        page.close()


def test_the_first_run_streams_live(app: MarimoAppPage) -> None:
    # LRWidget(learn) in a cell: mode "auto" is the background thread in marimo, and its points reach the page.
    assert_grew_live(app.trace())


def test_the_cell_shows_pythons_pick_when_the_test_ends(app: MarimoAppPage) -> None:
    # The handles the page shows were placed by Python when the test ended; a mo.Thread waiting on the test re-runs
    # the app's cell, which reads w.lr_lo and w.lr_hi: they must be the page's.
    assert app.status() == "done", f"the first range test ended {app.status()!r}"
    lo, hi = app.wait_for_picked(app.handle_lr("hi"))
    assert math.isclose(lo, app.handle_lr("lo"), rel_tol=1e-3), (lo, app.handle_lr("lo"))
    assert lo < hi


def test_markers_and_handles_draw(app: MarimoAppPage) -> None:
    for name in SHOWN_MARKERS:
        assert app.marker(name).is_visible(), f"the {name} marker is not drawn"
    for which in ("lo", "hi"):
        box = app.handle(which).bounding_box()
        assert box is not None and box["width"] > 0 and box["height"] > 0, f"the {which} handle is not drawn"
    curve = app.root.locator("[data-lrw-curve]").get_attribute("d") or ""
    assert curve.count("L") > 20, f"the smoothed curve has too few points: {curve[:80]!r}"


def test_a_drag_reaches_python(app: MarimoAppPage) -> None:
    before = app.handle_lr("hi")
    app.drag_handle("hi", dx=-100)
    dragged = poll(lambda: (lr := app.handle_lr("hi")) < before * 0.5 and lr, 10,
                   message=f"the hi handle did not move left of {before:.4g} in the page")
    lo, hi = app.wait_for_picked(dragged)  # the page's value, in Python, in a cell marimo re-ran for the drag
    assert math.isclose(hi, dragged, rel_tol=1e-3)
    assert math.isclose(lo, app.handle_lr("lo"), rel_tol=1e-3)


def test_a_run_started_from_the_page_streams_live(app: MarimoAppPage) -> None:
    # The Run button asks Python for a new run, whose points come from the background thread.
    app.clear_trace()
    app.root.locator('[data-lrw-action="run"]').click()
    app.wait_for_status("running", timeout_s=30)
    app.wait_for_status("done", "stopped", timeout_s=RUN_TIMEOUT_S)
    trace = app.trace()
    assert "0" in [value for name, value in trace if name == "data-lrw-point-count"], \
        "the view never dropped the last run's points"
    assert_grew_live(trace)


def test_screenshot_light(app: MarimoAppPage, screenshot_dir: Path) -> None:
    # After the page-started run: a whole curve, the dragged handles, and the cell that followed them.
    app.screenshot(screenshot_dir / "marimo_light.png")


def test_stop_from_the_page_ends_the_run(app: MarimoAppPage) -> None:
    # The kernel stays idle during a run (the app waits for the test in a mo.Thread), so the Stop button answers.
    lo, hi = app.handle_lr("lo"), app.handle_lr("hi")
    app.root.locator('[data-lrw-action="run"]').click()
    app.wait_for_status("running", timeout_s=30)
    app.root.locator('[data-lrw-action="stop"]').click()
    assert app.wait_for_status("stopped", "done", timeout_s=60) == "stopped"
    assert (app.handle_lr("lo"), app.handle_lr("hi")) == (lo, hi), "a stopped run moved the dragged handles"


def test_fine_tune_trains_with_the_dragged_lrs(app: MarimoAppPage) -> None:
    lo, hi = app.handle_lr("lo"), app.handle_lr("hi")
    app.page.get_by_role("button", name=FINE_TUNE_BUTTON).click()
    trained = poll(lambda: app.read(TRAINED), RUN_TIMEOUT_S, message="the fine_tune cell never reported its training")
    assert math.isclose(trained[0], lo, rel_tol=1e-3) and math.isclose(trained[1], hi, rel_tol=1e-3), (trained, lo, hi)


def test_no_page_errors(app: MarimoAppPage) -> None:
    assert app.page_errors == []


#: Formats a bare LRWidget with marimo's own formatter and prints what marimo would show, as JSON.
FORMAT_A_BARE_WIDGET = """
import json
from marimo._output.formatting import try_format
from lrwidget import LRWidget
from tests.learner_helpers import make_learner

w = LRWidget(make_learner(), autostart=False)
shown = try_format(w)
print(json.dumps({"traceback": shown.traceback, "mimetype": shown.mimetype, "data": shown.data,
                  "model_id": w.view.model_id}))
w.close()
"""


def test_marimo_shows_a_bare_widget_as_its_live_view() -> None:
    # A cell ending in `w` must show the live curve view (an anywidget, which marimo draws), not the LRWidget's
    # ipywidgets box, which marimo cannot draw (marimo issue 5099) and would show as a static picture frozen at the
    # moment the cell ran. In a process of its own: marimo's formatters patch ipywidgets' comms for the whole
    # process, which would break every later test that counts a widget's messages.
    require_marimo()
    completed = subprocess.run([sys.executable, "-c", FORMAT_A_BARE_WIDGET], cwd=REPO_ROOT, capture_output=True,
                               text=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr[-3000:]
    shown = json.loads(completed.stdout.strip().splitlines()[-1])
    assert shown["traceback"] is None, shown["traceback"]
    assert shown["mimetype"] == "text/html" and "<marimo-anywidget" in shown["data"], shown["data"][:200]
    assert shown["model_id"] in shown["data"], "marimo shows another model than the curve view"


def test_dark_theme(browser_context: Any, tmp_path_factory: pytest.TempPathFactory, screenshot_dir: Path) -> None:
    # marimo's own dark theme, chosen in its settings while the system asks for light: the view must follow marimo.
    require_marimo()
    with MarimoServer(APP, tmp_path_factory.mktemp("marimo-dark"), theme="dark", python_path=(REPO_ROOT,)) as server:
        page = browser_context.new_page()
        try:
            page.emulate_media(color_scheme="light")
            dark = MarimoAppPage(page, server.url)
            dark.root.wait_for(state="visible", timeout=RUN_TIMEOUT_S * 1000)
            dark.wait_for_status("done", "stopped", timeout_s=RUN_TIMEOUT_S)
            dark.wait_for_picked(dark.handle_lr("hi"))
            classes = (dark.root.get_attribute("class") or "").split()
            assert "lrw-dark" in classes, f"the view stayed light in marimo's dark theme: {classes}"
            dark.screenshot(screenshot_dir / "marimo_dark.png")
            assert dark.page_errors == []
        finally:
            page.close()
