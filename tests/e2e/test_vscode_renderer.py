"""LRWidget rendered by VS Code's own ipywidgets 8 renderer (npm ``@vscode/jupyter-ipywidgets8``) on a live kernel.

The renderer's WidgetManager runs in headless Chromium with a real kernel connection in place of VS Code's
postMessage proxy (see :mod:`.vscode_webview`), in VS Code's default light and dark themes: the curve streams while
the run goes, a drag of the hi handle reaches the kernel, and the text and curve are readable on the background the
view really gets. That background is white in both themes: VS Code's renderer puts widget outputs on white
(``.cell-output-ipywidget-background``) and its bundle defines JupyterLab's light ``--jp-*`` variables at ``:root``,
which the view's stylesheet prefers to ``--vscode-*``.
"""
from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .browser import running_in_ci
from .colours import COLOURS, contrast
from .notebook_driver import poll
from .vscode_webview import (
    VSCODE_THEMES,
    CorsJupyterServer,
    HostPageServer,
    VsCodeWebview,
    build_services_bundle,
    missing_prerequisites,
)
from .widget_notebook import REPO_ROOT, check_kernel_python, setup_cell, widget_cell
from .widget_probe import WidgetProbe

NUM_IT = 300
STEP_DELAY_S = 0.03  # a run of about 10 s idle: long enough to watch it grow after the view renders


@pytest.fixture(scope="module")
def host_pages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostPageServer]:
    """The HTTP server of the host pages, with @jupyterlab/services bundled for them."""
    problems = missing_prerequisites()
    if problems:
        if running_in_ci():
            pytest.fail(f"the VS Code renderer test cannot run in CI: {'; '.join(problems)}", pytrace=False)
        pytest.skip("; ".join(problems))
    with HostPageServer(build_services_bundle(tmp_path_factory.mktemp("vscode-host"))) as pages:
        yield pages


@pytest.fixture(scope="module")
def jupyter(host_pages: HostPageServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CorsJupyterServer]:
    """A Jupyter server that lets the host pages' origin use its kernels."""
    server = CorsJupyterServer(tmp_path_factory.mktemp("vscode-jupyter"), python_path=(REPO_ROOT,))
    server.allow_origin = host_pages.origin
    with server:
        yield server


@pytest.fixture(scope="module", params=sorted(VSCODE_THEMES))
def rendered(request: pytest.FixtureRequest, browser_context: Any, host_pages: HostPageServer,
             jupyter: CorsJupyterServer) -> Iterator[WidgetProbe]:
    """A host page in one VS Code theme, on its own kernel, showing ``w = LRWidget(learn, num_it=300)``."""
    page = browser_context.new_page()
    page_errors: list[str] = []
    console_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(error.stack or str(error)))
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    try:
        host = VsCodeWebview(page, host_pages, jupyter, request.param).open()
        check_kernel_python(host.execute(setup_cell(STEP_DELAY_S)))
        host.execute(widget_cell(num_it=NUM_IT))
        probe = WidgetProbe(host, cell_index=0)  # type: ignore[arg-type]
        probe.wait_rendered()
        probe.page_errors = page_errors
        probe.console_errors = console_errors  # type: ignore[attr-defined]
        probe.theme = request.param  # type: ignore[attr-defined]
        yield probe
    finally:
        page.close()


def test_points_arrive_while_the_run_is_still_going(rendered: WidgetProbe) -> None:
    lengths_while_running: list[int] = []
    while rendered.status() == "running" and len(lengths_while_running) < 4:
        length = len(rendered.curve_d())
        if rendered.status() == "running" and length > (lengths_while_running or [0])[-1]:
            lengths_while_running.append(length)
        rendered.page.wait_for_timeout(50)
    assert len(lengths_while_running) >= 3, (
        f"the curve's d grew only {lengths_while_running} while running (status now {rendered.status()!r}): "
        "the run's updates do not reach VS Code's renderer live")
    assert rendered.wait_for_status("done", "stopped", timeout_s=180) == "done"
    assert len(rendered.curve_d()) > lengths_while_running[-1]


def test_dragging_the_hi_handle_reaches_the_kernel(rendered: WidgetProbe) -> None:
    rendered.wait_for_status("done", timeout_s=180)
    before = rendered.kernel_state()["lr_hi"]
    knob = rendered.handle("hi")
    rendered.drag_handle("hi", rendered.centre(knob)[0] - 120, steps=10)

    def shown_after_drag() -> float | None:
        value = knob.get_attribute("aria-valuenow")
        return None if value is None or math.isclose(float(value), before, rel_tol=1e-9) else float(value)

    shown = poll(shown_after_drag, 10, 0.05, "the hi handle's aria-valuenow did not change after the drag")
    assert shown < before / 2, f"a drag 120 px to the left moved hi only from {before} to {shown}"
    rendered.wait_for_kernel_lr("hi", shown, rel=1e-9, timeout_s=30)


def test_the_view_is_readable_on_the_background_it_gets(rendered: WidgetProbe, screenshot_dir: Path) -> None:
    rendered.wait_for_status("done", timeout_s=180)
    colours: dict[str, Any] = rendered.page.evaluate(COLOURS)
    output_background = rendered.page.evaluate(
        "() => getComputedStyle(document.querySelector('.cell-output-ipywidget-background')).backgroundColor")
    # The view's own background is the output's (no light card on a dark output, or the reverse) ...
    assert colours["background"] == output_background, (colours, output_background)
    assert ("lrw-dark" in colours["classes"]) == (contrast("rgb(0, 0, 0)", colours["background"]) < 4.5), colours
    # ... and every text and the curve stand out from it.
    for name, colour in colours["text"].items():
        ratio = contrast(colour, colours["background"])
        assert ratio >= 4.5, f"{name} {colour} on {colours['background']} has contrast {ratio:.2f} < 4.5"
    assert contrast(colours["curve"], colours["background"]) >= 3, colours
    rendered.page.mouse.move(1, 1)
    rendered.next_frames()
    path = screenshot_dir / f"lrwidget-vscode-renderer-{rendered.theme}.png"  # type: ignore[attr-defined]
    rendered.page.locator("body").screenshot(path=str(path), animations="disabled")
    assert path.stat().st_size > 5_000


def test_no_errors_from_the_renderer_or_the_page(rendered: WidgetProbe) -> None:
    host: VsCodeWebview = rendered.notebook  # type: ignore[assignment]
    assert host.host_errors() == []
    assert rendered.page_errors == []
    assert rendered.console_errors == []  # type: ignore[attr-defined]
