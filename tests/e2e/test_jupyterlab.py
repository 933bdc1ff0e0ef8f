"""LRWidget in a real JupyterLab 4 page: the live curve, markers on Python's numbers, dragging, Stop and fine_tune.

One notebook and kernel serve the module, in file order: the range test runs live, then the handles are calibrated,
the hi handle is dragged, a second run is stopped, and finally ``w.fine_tune(1)`` trains with the dragged LRs (last,
because it changes the weights that the Stop test compares with the originals).
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .jupyter_server import DARK_THEME, DISABLED_EXTENSIONS
from .widget_notebook import running_server, screenshot_widget, widget_page
from .widget_probe import AxisCalibration, WidgetProbe

NUM_IT = 300
STEP_DELAY_S = 0.012  # ~20 ms a step with the training: a run of 6 s when idle, 10 s on busy cores
MARKER_TOLERANCE_PX = 3.0
DRAG_TOLERANCE = 0.02
DRAG_TARGET_LR = 1e-2


@pytest.fixture(scope="module")
def lab(browser_context: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WidgetProbe]:
    """The widget, rendered in JupyterLab, its first range test just started (≥ 6 s long)."""
    with running_server(tmp_path_factory.mktemp("jupyter-lab"), "lab") as server, \
            widget_page(browser_context, server, "lab_widget.ipynb", STEP_DELAY_S, num_it=NUM_IT) as probe:
        yield probe


@pytest.fixture(scope="module")
def finished(lab: WidgetProbe) -> WidgetProbe:
    """The widget once its first run has ended, in the DOM and in the kernel."""
    lab.wait_for_status("done", "stopped", timeout_s=120)
    lab.notebook.execute("w.wait(120)")
    return lab


@pytest.fixture(scope="module")
def calibration(finished: WidgetProbe) -> AxisCalibration:
    axis = finished.calibrate()
    assert axis.px_per_decade > 20, f"the LR axis is implausibly short: {axis}"
    assert axis.residual_px < 1.0, f"the hi handle's x is not linear in log10(lr): {axis}"
    return axis


PREVIEW_HEAD = ("dict(lr_hi=w.lr_hi, head=[float(v) for v in np.array(w.schedule_preview.training_lines.y)[-1]])")
PREVIEW_PATHS = "els => els.map(el => el.getAttribute('d') || '')"


@pytest.fixture(scope="module")
def preview_before_drag(finished: WidgetProbe, calibration: AxisCalibration) -> dict[str, Any]:
    """The schedule preview's head-group line, in the kernel and in the bqplot SVG, before the hi handle moves."""
    state = finished.notebook.evaluate(PREVIEW_HEAD)
    state["svg_paths"] = finished.preview_line_paths().evaluate_all(PREVIEW_PATHS)
    assert any(state["svg_paths"]), "the bqplot schedule preview drew no lines"
    return state


@pytest.fixture(scope="module")
def dragged_hi(finished: WidgetProbe, calibration: AxisCalibration, preview_before_drag: dict[str, Any]) -> float:
    """Drags the hi handle to DRAG_TARGET_LR's x; returns ``w.lr_hi`` as the kernel then holds it."""
    finished.drag_handle("hi", calibration.x_of(DRAG_TARGET_LR), steps=10)
    return finished.wait_for_kernel_lr("hi", DRAG_TARGET_LR, DRAG_TOLERANCE)


def test_points_appear_while_the_run_is_still_going(lab: WidgetProbe) -> None:
    # First in the module, while the run is young. The curve's `d` must grow at least twice while "running".
    lengths_while_running: list[int] = []
    while lab.status() == "running" and len(lengths_while_running) < 4:
        length = len(lab.curve_d())
        if lab.status() == "running" and length > (lengths_while_running or [0])[-1]:
            lengths_while_running.append(length)
        lab.page.wait_for_timeout(50)
    assert len(lengths_while_running) >= 3, (
        f"the curve's d grew only {lengths_while_running} while running (status now {lab.status()!r})")
    assert lab.wait_for_status("done", "stopped", timeout_s=120) == "done"
    assert len(lab.curve_d()) > lengths_while_running[-1]


def test_the_page_is_jupyterlab_without_announcements(lab: WidgetProbe) -> None:
    config = lab.notebook.page_config()
    assert config["appName"] == "JupyterLab" and "/lab/" in lab.page.url
    assert set(DISABLED_EXTENSIONS) <= set(config["disabledExtensions"])


def test_markers_sit_on_pythons_suggestions(finished: WidgetProbe, calibration: AxisCalibration) -> None:
    suggestions = finished.notebook.evaluate("{name: s['lr'] for name, s in w.view.suggestions.items()}")
    assert {"valley", "steep"} <= set(suggestions)
    for name in ("valley", "steep"):
        marker_x = finished.centre(finished.marker(name))[0]
        expected_x = calibration.x_of(suggestions[name])
        assert abs(marker_x - expected_x) <= MARKER_TOLERANCE_PX, (
            f"{name} marker at x={marker_x:.1f}, Python's {suggestions[name]:.4g} is at x={expected_x:.1f}")


def test_screenshot_light_theme(finished: WidgetProbe, screenshot_dir: Path) -> None:
    path = screenshot_widget(finished, screenshot_dir / "lrwidget-jupyterlab-light.png")
    assert path.stat().st_size > 5_000


def test_dragging_the_hi_handle_sets_lr_hi_in_the_kernel(dragged_hi: float) -> None:
    assert dragged_hi == pytest.approx(DRAG_TARGET_LR, rel=DRAG_TOLERANCE)


def test_the_schedule_preview_follows_the_drag(finished: WidgetProbe, dragged_hi: float,
                                              preview_before_drag: dict[str, Any]) -> None:
    # During a drag the preview redraws at most every 0.1 s, its last value on a trailing timer: let that land.
    after = finished.notebook.evaluate(PREVIEW_HEAD, setup="import time; time.sleep(0.5)")
    assert after["lr_hi"] == dragged_hi
    # A one-cycle schedule scales with its peak: the head group's whole line moves by the drag's ratio.
    ratio = dragged_hi / preview_before_drag["lr_hi"]
    assert after["head"] == pytest.approx([value * ratio for value in preview_before_drag["head"]], rel=1e-9)
    paths = finished.preview_line_paths()
    finished.page.wait_for_function(
        "([els, before]) => els.map(el => el.getAttribute('d') || '').join('|') !== before.join('|')",
        arg=[paths.element_handles(), preview_before_drag["svg_paths"]], timeout=10_000)


def test_stop_mid_run_restores_the_original_weights(finished: WidgetProbe, dragged_hi: float) -> None:
    finished.button("run").click()
    finished.wait_for_status("running", timeout_s=10)
    finished.page.wait_for_function("el => (el.getAttribute('d') || '').length > 0",
                                    arg=finished.root.locator("[data-lrw-curve]").element_handle(), timeout=20_000)
    assert finished.status() == "running", "the second run ended before Stop could be pressed"
    finished.button("stop").click()
    assert finished.wait_for_status("stopped", "done", timeout_s=30) == "stopped"
    kernel = finished.notebook.evaluate(
        "dict(status=w.status, reason=w.result.stop_reason, steps=len(w.result.lrs), lr_hi=w.lr_hi,"
        " same=all(torch.equal(a, b) for a, b in zip(orig, learn.model.state_dict().values())))")
    assert kernel["status"] == "stopped" and kernel["reason"] == "cancelled"
    assert 0 < kernel["steps"] < NUM_IT
    assert kernel["same"], "the weights after Stop differ from the originals"
    assert kernel["lr_hi"] == dragged_hi, "a run must keep handles the user moved"


def test_fine_tune_trains_with_the_dragged_lrs(finished: WidgetProbe, dragged_hi: float) -> None:
    finished.wait_for_status("done", "stopped")
    result = finished.notebook.evaluate(
        "dict(steps=len(recorded), expected_steps=len(expected), base_lr=plan.phases[0].cycle.lr_maxes[-1],"
        " lr_hi=w.lr_hi, lr_lo=w.lr_lo,"
        " same=bool(len(recorded) == len(expected) and np.allclose(recorded, expected, rtol=1e-6, atol=0)))",
        setup=(
            "recorded = []\n"
            "hook = learn.opt.register_step_pre_hook(\n"
            "    lambda opt, args, kwargs: recorded.append([group['lr'] for group in opt.param_groups]))\n"
            "try:\n"
            "    w.fine_tune(1)\n"
            "finally:\n"
            "    hook.remove()\n"
            "plan = learn.plan_fine_tune(1, base_lr=w.lr_hi, lr_mult=w.lr_hi / w.lr_lo)\n"
            "expected = np.concatenate([phase.cycle.lrs() for phase in plan.phases])\n"
            "recorded = np.array(recorded)"
        ),
        timeout_s=120,
    )
    assert result["lr_hi"] == dragged_hi and result["base_lr"] == dragged_hi
    assert result["steps"] == result["expected_steps"] > 0
    assert result["same"], f"the optimizer's LRs differ from plan_fine_tune's: {result}"


def test_no_uncaught_javascript_errors(lab: WidgetProbe) -> None:
    assert lab.page_errors == []


@pytest.fixture(scope="module")
def dark_lab(browser_context: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WidgetProbe]:
    """A second JupyterLab, started in the dark theme, with a quick (unslowed) run and the fine_tune preview."""
    with running_server(tmp_path_factory.mktemp("jupyter-lab"), "lab", theme=DARK_THEME) as server, \
            widget_page(browser_context, server, "dark_widget.ipynb", num_it=100, preview="fine_tune") as probe:
        yield probe


def test_screenshot_dark_theme(dark_lab: WidgetProbe, screenshot_dir: Path) -> None:
    dark_lab.page.locator('body[data-jp-theme-light="false"]').wait_for(state="attached", timeout=30_000)
    dark_lab.wait_for_status("done", timeout_s=120)
    dark_lab.notebook.execute("w.wait(60)")
    path = screenshot_widget(dark_lab, screenshot_dir / "lrwidget-jupyterlab-dark.png")
    assert path.stat().st_size > 5_000
    assert dark_lab.page_errors == []
