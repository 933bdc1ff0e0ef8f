"""The example marimo app (example_notebooks/06_marimo.py) open in a Chromium page, and what a test reads from it.

marimo puts each output in a shadow root; Playwright's CSS and text locators pierce open shadow roots, so the
widget's DOM test hooks (see :mod:`.widget_probe`) are found as in Jupyter. To see the curve grow however fast the
run, a script added before the page loads records every ``data-lrw-status`` and ``data-lrw-point-count`` the view
writes, in order, in ``window.__lrwTrace``.
"""
from __future__ import annotations

import math
import re
from typing import Any

from .notebook_driver import poll

RECORD_VIEW_WRITES = """
window.__lrwTrace = [];
const setAttribute = Element.prototype.setAttribute;
Element.prototype.setAttribute = function (name, value) {
  if (name === "data-lrw-status" || name === "data-lrw-point-count") window.__lrwTrace.push([name, String(value)]);
  return setAttribute.call(this, name, value);
};
"""
#: What the app's reactive cell prints once a learning rate is picked (``.4g`` numbers).
PICKED = re.compile(r"Picked: lo = (\S+), hi = (\S+)\.")
TRAINED = re.compile(r"Trained with lo = (\S+), hi = (\S+): validation loss")
FINE_TUNE_BUTTON = "fine_tune(2) with the picked learning rates"


def assert_grew_live(trace: list[tuple[str, str]]) -> None:
    """The view drew several point counts between its first and its last point while the status was ``running``.

    The view writes its point count after every delta it draws: several counts in between mean the curve grew on
    the page as the test ran, not all at once at the end.
    """
    statuses = [value for name, value in trace if name == "data-lrw-status"]
    assert statuses[:1] == ["running"] and statuses[-1] in ("done", "stopped"), statuses
    running_until = next(i for i, (name, value) in enumerate(trace) if name == "data-lrw-status" and value != "running")
    counts = [int(value) for name, value in trace[:running_until] if name == "data-lrw-point-count"]
    final = max(int(value) for name, value in trace if name == "data-lrw-point-count")
    if 0 in counts:  # a redraw for the status change can come before the reset message drops the last run's points
        counts = counts[counts.index(0):]
    growing = sorted({count for count in counts if 0 < count < final})
    assert len(growing) >= 3, f"the curve did not grow live: counts while running {counts}, final {final}"
    assert counts == sorted(counts), f"the point count went back while running: {counts}"


class MarimoAppPage:
    """The app in ``page`` (Playwright ``Page``), opened at ``url``; uncaught page errors land in ``page_errors``."""

    def __init__(self, page: Any, url: str) -> None:
        self.page = page
        self.page_errors: list[str] = []
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.add_init_script(RECORD_VIEW_WRITES)
        page.goto(url)
        self.root = page.locator("[data-lrw-root]")

    # ----- the widget ------------------------------------------------------------------------------------------
    def status(self) -> str | None:
        return self.root.get_attribute("data-lrw-status") if self.root.count() == 1 else None

    def wait_for_status(self, *statuses: str, timeout_s: float = 120.0) -> str:
        return poll(lambda: self.status() if self.status() in statuses else None, timeout_s,
                    message=f"the widget's status stayed {self.status()!r}, expected one of {statuses}")

    def trace(self) -> list[tuple[str, str]]:
        """Every status and point count the view has written since the page loaded (or the last clear)."""
        return [tuple(entry) for entry in self.page.evaluate("window.__lrwTrace")]

    def clear_trace(self) -> None:
        self.page.evaluate("window.__lrwTrace.length = 0")

    def handle(self, which: str) -> Any:
        return self.root.locator(f'[data-lrw-handle="{which}"]')

    def marker(self, name: str) -> Any:
        return self.root.locator(f'[data-lrw-marker="{name}"]')

    def handle_lr(self, which: str) -> float:
        """The handle's LR as the page holds it (the slider's ARIA value)."""
        return float(self.handle(which).get_attribute("aria-valuenow"))

    def drag_handle(self, which: str, dx: float, steps: int = 8) -> None:
        """Drags a handle ``dx`` pixels sideways with the mouse."""
        knob = self.handle(which)
        knob.scroll_into_view_if_needed()
        box = knob.bounding_box()
        assert box is not None, f"the {which} handle has no bounding box"
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        mouse = self.page.mouse
        mouse.move(x, y)
        mouse.down()
        for step in range(1, steps + 1):
            mouse.move(x + dx * step / steps, y)
        mouse.up()

    # ----- the app's other cells -------------------------------------------------------------------------------
    def read(self, pattern: re.Pattern[str]) -> tuple[float, ...] | None:
        """The numbers in the first output text that matches ``pattern``, or None."""
        texts = self.page.get_by_text(pattern).all_inner_texts()
        match = next((pattern.search(text) for text in texts if pattern.search(text)), None)
        return None if match is None else tuple(float(value) for value in match.groups())

    def wait_for_picked(self, hi: float, timeout_s: float = 60.0) -> tuple[float, float]:
        """Waits until the app's reactive cell shows ``hi`` (to its 4 significant digits) and returns (lo, hi)."""
        def shows_hi() -> tuple[float, ...] | None:
            picked = self.read(PICKED)
            return picked if picked is not None and math.isclose(picked[1], hi, rel_tol=1e-3) else None

        return poll(shows_hi, timeout_s,
                    message=f"the app's cell never showed hi = {hi:.4g} from Python; it shows {self.read(PICKED)!r}")

    def screenshot(self, path: Any) -> None:
        """A PNG of the whole app, with the mouse parked away from the widget (no hover tooltip)."""
        self.page.mouse.move(1, 1)
        self.page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
        self.page.screenshot(path=str(path), full_page=True, animations="disabled")
