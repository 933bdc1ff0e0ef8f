"""A view rendered while its output is hidden draws correctly once shown, with no message from Python.

VS Code's notebook renderer may call ``render`` while the output is ``display: none`` or not yet in the document
(vscode-jupyter issues 17132, 17518). This mounts the built bundle (lrwidget/static) through the dev harness
(js/dev/harness.html, a fake model with a finished 100-point curve) that way, shows it, and compares the curve, the
x-axis ticks and the hi handle with a view that was visible from the start. It does the same for a view laid out at
zero or narrow width and widened again, and checks VS Code's theme variables for contrast.
"""
from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from .colours import COLOURS, contrast

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "lrwidget" / "static" / "widget.js"
QUERY = "theme=jp-light&points=100&phase=done&groups=1&width=880"
TOLERANCE_PX = 1.0

# What the view drew, in SVG-relative pixels: the curve's box, each x tick label, the hi handle's centre.
MEASURE = """() => {
  const svg = document.querySelector('.lrw-svg');
  const origin = svg.getBoundingClientRect();
  const box = (element) => {
    const r = element.getBoundingClientRect();
    return { left: r.left - origin.left, top: r.top - origin.top, width: r.width, height: r.height };
  };
  const area = box(document.querySelector('[data-lrw-plot-area]'));
  const xLabels = [...document.querySelectorAll('.lrw-axes .lrw-tick-label[text-anchor="middle"]')]
    .map((label) => ({ text: label.textContent, ...box(label) }));
  const m = window.harness.model.state;
  const handle = box(document.querySelector('[data-lrw-handle="hi"]'));
  return {
    svgWidth: origin.width, area, curve: box(document.querySelector('[data-lrw-curve]')), xLabels,
    hiX: handle.left + handle.width / 2,
    hiExpected: area.left + Math.log10(m.lr_hi / m.start_lr) / Math.log10(m.end_lr / m.start_lr) * area.width,
  };
}"""

# Resolves after the resize observation and the redraw frame it schedules have both run.
SETTLE = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 50))))"


class _QuietHandler(SimpleHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/favicon.ico":  # the browser asks for one; a 404 would read as a console error
            self.send_response(204)
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def harness_url() -> Iterator[str]:
    """The dev harness, served with the built bundle from the repository root on a free local port."""
    if not BUNDLE.exists():
        pytest.fail(f"{BUNDLE} is missing: build it with `cd js && npm ci && npm run build`", pytrace=False)
    handler = functools.partial(_QuietHandler, directory=str(ROOT))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/js/dev/harness.html"
    finally:
        server.shutdown()
        server.server_close()


def _render(browser_context: Any, url: str, mount: str) -> dict[str, Any]:
    """Mounts the view as `mount` says, shows it (a no-op when already visible), and measures what it drew."""
    page = browser_context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{url}?{QUERY}&mount={mount}")
        page.wait_for_function("window.harness !== undefined")
        page.evaluate(SETTLE)
        page.evaluate("() => window.harness.show()")
        page.evaluate(SETTLE)
        measured: dict[str, Any] = page.evaluate(MEASURE)
    finally:
        page.close()
    assert errors == [], f"console errors with mount={mount}: {errors}"
    return measured


@pytest.fixture(scope="module")
def visible(browser_context: Any, harness_url: str) -> dict[str, Any]:
    return _render(browser_context, harness_url, "visible")


def test_a_view_visible_from_the_start_is_sensible(visible: dict[str, Any]) -> None:
    area = visible["area"]
    assert visible["svgWidth"] > 800, f"the view did not take the cell's width: {visible['svgWidth']}"
    assert visible["curve"]["width"] > 0.5 * area["width"], f"the curve is too short: {visible['curve']}"
    assert area["top"] <= visible["curve"]["top"] and visible["curve"]["height"] > 20
    labels = visible["xLabels"]
    assert len(labels) >= 4, f"too few x tick labels: {labels}"
    for label in labels:
        centre = label["left"] + label["width"] / 2
        assert area["left"] - 1 <= centre <= area["left"] + area["width"] + 1, f"x label off the axis: {label}"
        assert label["top"] > area["top"] + area["height"], f"x label not below the plot: {label}"
    assert abs(visible["hiX"] - visible["hiExpected"]) <= TOLERANCE_PX, visible


@pytest.mark.parametrize("mount", ["hidden", "detached"])
def test_a_view_mounted_out_of_sight_draws_like_a_visible_one_once_shown(
        browser_context: Any, harness_url: str, visible: dict[str, Any], mount: str) -> None:
    shown = _render(browser_context, harness_url, mount)
    assert shown["svgWidth"] == pytest.approx(visible["svgWidth"], abs=TOLERANCE_PX)
    for key in ("left", "top", "width", "height"):
        assert shown["curve"][key] == pytest.approx(visible["curve"][key], abs=TOLERANCE_PX), (key, shown["curve"])
    assert [label["text"] for label in shown["xLabels"]] == [label["text"] for label in visible["xLabels"]]
    for got, want in zip(shown["xLabels"], visible["xLabels"], strict=True):
        assert got["left"] == pytest.approx(want["left"], abs=TOLERANCE_PX), (got, want)
        assert got["top"] == pytest.approx(want["top"], abs=TOLERANCE_PX), (got, want)
    assert shown["hiX"] == pytest.approx(visible["hiX"], abs=TOLERANCE_PX)
    assert shown["hiX"] == pytest.approx(shown["hiExpected"], abs=TOLERANCE_PX)


def _render_resized(browser_context: Any, url: str, widths: list[int]) -> dict[str, Any]:
    """Mounts the view in a cell `widths[0]` px wide, then sets the cell to each next width in turn, and measures."""
    page = browser_context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{url}?{QUERY.replace('width=880', f'width={widths[0]}')}&mount=visible")
        page.wait_for_function("window.harness !== undefined")
        page.evaluate(SETTLE)
        for width in widths[1:]:
            page.evaluate("width => { window.harness.el.parentElement.style.width = `${width}px`; }", width)
            page.evaluate(SETTLE)
        measured: dict[str, Any] = page.evaluate(MEASURE)
    finally:
        page.close()
    assert errors == [], f"console errors with widths {widths}: {errors}"
    return measured


@pytest.mark.parametrize("widths", [[0, 880], [880, 0, 880], [880, 320, 880]],
                         ids=["zero-width-then-full", "full-zero-full", "full-narrow-full"])
def test_a_view_resized_back_to_full_width_draws_like_one_that_always_was(
        browser_context: Any, harness_url: str, visible: dict[str, Any], widths: list[int]) -> None:
    # VS Code lays an output out at zero width before the editor has measured it, and panels are dragged narrow and
    # back: the redraw must follow the container's size, with nothing left over from the narrow layout.
    resized = _render_resized(browser_context, harness_url, widths)
    assert resized["svgWidth"] == pytest.approx(visible["svgWidth"], abs=TOLERANCE_PX)
    for key in ("left", "top", "width", "height"):
        assert resized["curve"][key] == pytest.approx(visible["curve"][key], abs=TOLERANCE_PX), (key, resized)
    assert [label["text"] for label in resized["xLabels"]] == [label["text"] for label in visible["xLabels"]]
    assert resized["hiX"] == pytest.approx(visible["hiX"], abs=TOLERANCE_PX)


@pytest.mark.parametrize("mount", ["hidden", "detached"])
@pytest.mark.parametrize("theme", ["vscode-light", "vscode-dark"])
def test_vscode_themes_are_readable_in_a_view_mounted_out_of_sight(
        browser_context: Any, harness_url: str, theme: str, mount: str) -> None:
    page = browser_context.new_page()
    try:
        page.goto(f"{harness_url}?theme={theme}&points=100&phase=done&groups=1&mount={mount}")
        page.wait_for_function("window.harness !== undefined")
        page.evaluate(SETTLE)
        page.evaluate("() => window.harness.show()")
        page.evaluate(SETTLE)
        colours: dict[str, Any] = page.evaluate(COLOURS)
    finally:
        page.close()
    assert "lrw-no-host" not in colours["classes"], f"VS Code's variables were not seen: {colours}"
    assert ("lrw-dark" in colours["classes"]) == theme.endswith("dark"), colours
    for name, colour in colours["text"].items():
        ratio = contrast(colour, colours["background"])
        assert ratio >= 4.5, f"{theme}: {name} {colour} on {colours['background']} has contrast {ratio:.2f} < 4.5"
    curve = contrast(colours["curve"], colours["background"])
    assert curve >= 3, f"{theme}: the curve {colours['curve']} has contrast {curve:.2f} < 3"
