"""LRWidget in a Voila dashboard (voila 0.5, ipywidgets 8), as a teaching session serves it: the curve streams, a
drag reaches the kernel, and Stop restores the model.

Voila has been reported not to show widget updates made from a background thread (voila issue 431). Here they do
arrive: the widget runs in its default (background) mode, and the first test watches the curve grow while the run's
status is still "running". The dashboard is a small notebook in the quickstart's shape (the digits learner, then
``w = LRWidget(learn, ...)``, ``w``), with each training step slowed so the run lasts long enough to watch, plus a
probe (:mod:`.dashboard_probe`) through which the test reads the kernel, since a dashboard has no cells to type into.
"""
from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from .dashboard_probe import PROBE_CELL, DashboardProbe
from .notebook_driver import poll, write_notebook
from .voila_server import VoilaServer
from .widget_notebook import REPO_ROOT, check_kernel_python, setup_cell, widget_cell
from .widget_probe import WidgetProbe

NUM_IT = 300
STEP_DELAY_S = 0.03  # a run of about 10 s idle, 15 s on busy cores: long enough to watch it grow after page load
PAGE_TIMEOUT_S = 180.0  # voila runs every cell before the page is whole; on two loaded cores that takes a while

#: What the probe reports: the widget's state and whether the model's weights equal those before any range test.
REPORT_CELL = """\
def probe_report():
    result = w.result
    return dict(
        status=w.status, mode=w.mode, lr_lo=w.lr_lo, lr_hi=w.lr_hi,
        steps=None if result is None else len(result.lrs),
        stop_reason=None if result is None else result.stop_reason,
        same=all(torch.equal(a, b) for a, b in zip(orig, learn.model.state_dict().values())),
    )
"""


class DashboardCells:
    """What :class:`WidgetProbe` needs of a notebook page (its page and a cell's locator), for a Voila page.

    A dashboard shows one LRWidget, so "the cell" is the whole page.
    """

    def __init__(self, page: Any) -> None:
        self.page = page

    def cell(self, index: int) -> Any:
        return self.page.locator("body")


def write_dashboard(server: VoilaServer, **settings: Any) -> None:
    server.root_dir.mkdir(parents=True, exist_ok=True)
    cells = [setup_cell(settings.pop("step_delay_s", 0.0)), widget_cell(**settings), REPORT_CELL, PROBE_CELL]
    write_notebook(server, server.notebook, cells)


@contextmanager
def dashboard_page(context: Any, base_dir: Path, theme: str = "light", **settings: Any) -> Iterator[WidgetProbe]:
    """A Voila server for the dashboard notebook and a page showing it, its widget rendered; both closed on exit.

    The probe's ``page_errors`` collects the page's uncaught JavaScript exceptions.
    """
    server = VoilaServer(base_dir, theme=theme, python_path=(REPO_ROOT,))
    write_dashboard(server, **settings)  # voila needs the notebook when it starts
    with server:
        page = context.new_page()
        page_errors: list[str] = []
        page.on("pageerror", lambda error: page_errors.append(error.stack or str(error)))
        try:
            page.goto(server.page_url(), timeout=PAGE_TIMEOUT_S * 1000)
            probe = WidgetProbe(DashboardCells(page), cell_index=0)  # type: ignore[arg-type]
            probe.wait_rendered(PAGE_TIMEOUT_S)
            check_kernel_python(page.locator("body").inner_text())
            probe.page_errors = page_errors
            yield probe
        finally:
            page.close()


@pytest.fixture(scope="module")
def dashboard(browser_context: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WidgetProbe]:
    """The widget in a Voila dashboard (light theme), its range test started by the notebook as the page loads."""
    with dashboard_page(browser_context, tmp_path_factory.mktemp("voila"), step_delay_s=STEP_DELAY_S,
                        num_it=NUM_IT) as probe:
        yield probe


@pytest.fixture(scope="module")
def kernel(dashboard: WidgetProbe) -> DashboardProbe:
    return DashboardProbe(dashboard.page)


@pytest.fixture(scope="module")
def finished(dashboard: WidgetProbe, kernel: DashboardProbe) -> WidgetProbe:
    """The widget once its first run has ended, in the page and in the kernel."""
    dashboard.wait_for_status("done", "stopped", timeout_s=180)
    poll(lambda: kernel.read()["status"] in ("done", "stopped"), 60, 0.5, "the kernel's run did not end")
    return dashboard


@pytest.fixture(scope="module")
def dragged_hi(finished: WidgetProbe, kernel: DashboardProbe) -> dict[str, float]:
    """Drags the hi handle a decade-ish to the left; returns the LR the page shows and the one the kernel holds."""
    before = kernel.read()["lr_hi"]
    knob = finished.handle("hi")
    start_x = finished.centre(knob)[0]
    finished.drag_handle("hi", start_x - 120, steps=10)
    shown = poll(lambda: _changed(knob.get_attribute("aria-valuenow"), before), 10, 0.05,
                 "the hi handle's aria-valuenow did not change after the drag")

    def kernel_agrees() -> float | None:
        value = kernel.read()["lr_hi"]
        return value if value is not None and math.isclose(value, shown, rel_tol=1e-9) else None

    try:
        in_kernel = poll(kernel_agrees, 30, 0.3)
    except TimeoutError:
        raise AssertionError(f"w.lr_hi in the kernel is {kernel.read()['lr_hi']!r}, the page shows {shown!r}"
                             ) from None
    return {"before": before, "shown": shown, "kernel": in_kernel}


def _changed(value: str | None, before: float) -> float | None:
    return None if value is None or math.isclose(float(value), before, rel_tol=1e-9) else float(value)


def test_points_arrive_while_the_run_is_still_going(dashboard: WidgetProbe) -> None:
    # First in the module, while the run is young: updates from the run's thread must reach the page live.
    lengths_while_running: list[int] = []
    while dashboard.status() == "running" and len(lengths_while_running) < 4:
        length = len(dashboard.curve_d())
        if dashboard.status() == "running" and length > (lengths_while_running or [0])[-1]:
            lengths_while_running.append(length)
        dashboard.page.wait_for_timeout(50)
    assert len(lengths_while_running) >= 3, (
        f"the curve's d grew only {lengths_while_running} while running (status now {dashboard.status()!r}): "
        "the run ended before the page loaded, or its thread's updates do not reach a Voila page")
    assert dashboard.wait_for_status("done", "stopped", timeout_s=180) == "done"
    assert len(dashboard.curve_d()) > lengths_while_running[-1]


def test_auto_mode_runs_in_the_background_under_voila(finished: WidgetProbe, kernel: DashboardProbe) -> None:
    # Background updates arrive in Voila (the test above), so "auto" must not pick the foreground mode there.
    report = kernel.read()
    assert report["mode"] == "background"
    assert report["status"] == "done" and report["steps"] > 0


def test_the_dashboard_hides_the_code(finished: WidgetProbe) -> None:
    page = finished.page
    assert page.locator(".cm-content, .CodeMirror, .jp-InputArea-editor").count() == 0, "Voila showed code cells"
    assert page.locator(".jp-OutputArea-output").count() >= 2, "the dashboard shows no outputs"


def test_the_reopened_notebook_picture_stays_hidden_beside_the_live_widget(finished: WidgetProbe) -> None:
    pictures = finished.page.locator(".lrw-reopened-picture")
    assert pictures.count() == 1 and not pictures.is_visible()


def test_screenshot_light_theme(finished: WidgetProbe, screenshot_dir: Path) -> None:
    path = screenshot_dashboard(finished, screenshot_dir / "lrwidget-voila-light.png")
    assert path.stat().st_size > 5_000


def test_dragging_the_hi_handle_reaches_the_kernel(dragged_hi: dict[str, float]) -> None:
    assert dragged_hi["kernel"] == pytest.approx(dragged_hi["shown"], rel=1e-9)
    assert dragged_hi["kernel"] < dragged_hi["before"] / 2, f"a drag 120 px to the left moved hi only: {dragged_hi}"


def test_stop_mid_run_restores_the_original_weights(finished: WidgetProbe, kernel: DashboardProbe,
                                                    dragged_hi: dict[str, float]) -> None:
    finished.button("run").click()
    finished.wait_for_status("running", timeout_s=30)
    finished.page.wait_for_function("el => (el.getAttribute('d') || '').length > 0",
                                    arg=finished.root.locator("[data-lrw-curve]").element_handle(), timeout=30_000)
    assert finished.status() == "running", "the second run ended before Stop could be pressed"
    finished.button("stop").click()
    assert finished.wait_for_status("stopped", "done", timeout_s=60) == "stopped"
    report = kernel.read()
    assert report["status"] == "stopped" and report["stop_reason"] == "cancelled"
    assert 0 < report["steps"] < NUM_IT
    assert report["same"], "the weights after Stop differ from those before any range test"
    assert report["lr_hi"] == dragged_hi["kernel"], "a run must keep handles the user moved"


def test_no_uncaught_javascript_errors(dashboard: WidgetProbe) -> None:
    assert dashboard.page_errors == []


def screenshot_dashboard(probe: WidgetProbe, path: Path) -> Path:
    """A PNG of the widget (curve, controls and preview), with the mouse parked away from it."""
    probe.page.mouse.move(1, 1)
    widget = probe.page.locator(".lrw-widget").first
    widget.scroll_into_view_if_needed()
    probe.next_frames()
    widget.screenshot(path=str(path), animations="disabled")
    return path


@pytest.fixture(scope="module")
def dark_dashboard(browser_context: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WidgetProbe]:
    """A second dashboard in Voila's dark theme, with a quick (unslowed) run."""
    with dashboard_page(browser_context, tmp_path_factory.mktemp("voila-dark"), theme="dark", num_it=100) as probe:
        yield probe


def test_screenshot_dark_theme(dark_dashboard: WidgetProbe, screenshot_dir: Path) -> None:
    dark_dashboard.page.locator('body[data-jp-theme-light="false"]').wait_for(state="attached", timeout=30_000)
    assert dark_dashboard.wait_for_status("done", timeout_s=180) == "done"
    path = screenshot_dashboard(dark_dashboard, screenshot_dir / "lrwidget-voila-dark.png")
    assert path.stat().st_size > 5_000
    assert dark_dashboard.page_errors == []
