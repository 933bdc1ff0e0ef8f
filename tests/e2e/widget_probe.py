"""Reads and drives one rendered LRWidget through its DOM test hooks, and reads its Python side through the kernel.

The hooks (fixed by the front end's contract):
- ``data-lrw-status`` on the root, ``data-lrw-last-redraw-ms`` after each redraw;
- ``data-lrw-curve`` on the smoothed-loss path;
- ``data-lrw-handle="lo" | "hi"``: grabbable at their centre, whose x is the handle's LR;
- ``data-lrw-marker="<name>"``: a marker whose centre x is the suggestion's LR;
- ``data-lrw-action="run" | "stop"`` on the buttons.
Pixel positions are mapped to LRs by :meth:`WidgetProbe.calibrate`, which moves the hi handle from Python to known LRs
and fits ``x = a + b·log10(lr)``, so the tests never depend on how the front end computes its scale.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from .notebook_driver import NotebookPage, poll

RENDER_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class AxisCalibration:
    """``x = offset + px_per_decade * log10(lr)``, in page pixels; ``residual_px`` is the fit's worst miss."""

    offset: float
    px_per_decade: float
    residual_px: float

    def x_of(self, lr: float) -> float:
        return self.offset + self.px_per_decade * math.log10(lr)

    def lr_at(self, x: float) -> float:
        return 10 ** ((x - self.offset) / self.px_per_decade)


def fit_line(xs: list[float], ys: list[float]) -> tuple[float, float, float]:
    """Least squares ``y = a + b·x``; returns ``(a, b, worst absolute residual)``."""
    n = len(xs)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sum((x - mean_x) ** 2 for x in xs)
    intercept = mean_y - slope * mean_x
    return intercept, slope, max(abs(intercept + slope * x - y) for x, y in zip(xs, ys, strict=True))


class WidgetProbe:
    """The LRWidget displayed by cell ``cell_index`` of ``notebook``, bound to the kernel variable ``var``."""

    def __init__(self, notebook: NotebookPage, cell_index: int, var: str = "w") -> None:
        self.notebook = notebook
        self.page = notebook.page
        self.var = var
        self.cell = notebook.cell(cell_index)
        self.root = self.cell.locator("[data-lrw-root]")
        self.page_errors: list[str] = []  # uncaught exceptions in the page, where the caller collects them

    # ----- DOM -------------------------------------------------------------------------------------------------
    def wait_rendered(self, timeout_s: float = RENDER_TIMEOUT_S) -> None:
        self.root.wait_for(state="visible", timeout=timeout_s * 1000)

    def preview_line_paths(self) -> Any:
        """The SVG paths of the schedule preview's lines (bqplot draws it beside the view, in the same output)."""
        return self.cell.locator(".lrw-preview .bqplot path.line")

    def status(self) -> str | None:
        return self.root.get_attribute("data-lrw-status")

    def wait_for_status(self, *statuses: str, timeout_s: float = 120.0) -> str:
        """Waits until the DOM status hook shows one of ``statuses`` and returns it."""
        return poll(lambda: self.status() if self.status() in statuses else None, timeout_s, 0.05,
                    f"the widget's status stayed {self.status()!r}, expected one of {statuses}")

    def curve_d(self) -> str:
        return self.root.locator("[data-lrw-curve]").get_attribute("d") or ""

    def handle(self, which: str) -> Any:
        return self.root.locator(f'[data-lrw-handle="{which}"]')

    def marker(self, name: str) -> Any:
        return self.root.locator(f'[data-lrw-marker="{name}"]')

    def button(self, action: str) -> Any:
        return self.root.locator(f'[data-lrw-action="{action}"]')

    def centre(self, locator: Any) -> tuple[float, float]:
        """The centre of an element's bounding box in page pixels."""
        box = locator.bounding_box()
        if box is None:
            raise AssertionError(f"{locator} has no bounding box (hidden or detached)")
        return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2

    def next_frames(self, n: int = 2) -> None:
        """Returns after the page has painted ``n`` more frames (a redraw runs in requestAnimationFrame)."""
        self.page.evaluate("n => new Promise(done => { const step = k => k ? requestAnimationFrame(() => step(k - 1))"
                           " : done(); step(n); })", n)

    def last_redraw_ms(self) -> float | None:
        value = self.root.get_attribute("data-lrw-last-redraw-ms")
        return None if value is None else float(value)

    # ----- kernel ----------------------------------------------------------------------------------------------
    def kernel_state(self) -> dict[str, Any]:
        """Status and handles as Python sees them."""
        return self.notebook.evaluate(f"dict(status={self.var}.status, lr_lo={self.var}.lr_lo, lr_hi={self.var}.lr_hi)")

    def wait_for_kernel_lr(self, which: str, expected: float, rel: float, timeout_s: float = 10.0) -> float:
        """Polls the kernel until ``w.lr_<which>`` is within ``rel`` of ``expected``; returns the last value read."""
        seen: list[float | None] = []

        def close_enough() -> bool:
            value = self.notebook.evaluate(f"{self.var}.lr_{which}")
            seen.append(value)
            return value is not None and abs(value - expected) <= rel * expected

        try:
            poll(close_enough, timeout_s, 0.2)
        except TimeoutError:
            raise AssertionError(f"w.lr_{which} in the kernel is {seen[-1]!r}, expected {expected:.6g} ± {rel:.0%}"
                                 ) from None
        return seen[-1]

    # ----- axis ------------------------------------------------------------------------------------------------
    def handle_x_after_python_set(self, lr: float, timeout_s: float = 10.0) -> float:
        """Sets ``w.lr_hi = lr`` from a cell (lowering lo first if needed) and returns the hi handle's centre x."""
        self.notebook.execute(f"{self.var}.lr_lo = min({self.var}.lr_lo or {lr!r}, {lr!r})\n{self.var}.lr_hi = {lr!r}")
        knob = self.handle("hi")

        def drawn_at_lr() -> float | None:
            shown = knob.get_attribute("aria-valuenow")  # the slider's ARIA value, when the view sets one
            if shown is not None and not math.isclose(float(shown), lr, rel_tol=1e-9):
                return None
            first = self.centre(knob)[0]
            self.next_frames()
            second = self.centre(knob)[0]
            return second if abs(first - second) < 0.01 else None

        return poll(drawn_at_lr, timeout_s, 0.05, f"the hi handle did not settle after w.lr_hi = {lr}")

    def calibrate(self, lrs: tuple[float, ...] = (1e-5, 1e-3, 1e-1)) -> AxisCalibration:
        """Fits the LR axis from the hi handle's x at known LRs set from Python, then restores both handles."""
        before = self.kernel_state()
        xs = [self.handle_x_after_python_set(lr) for lr in lrs]
        offset, px_per_decade, residual = fit_line([math.log10(lr) for lr in lrs], xs)
        self.restore_handles(before["lr_lo"], before["lr_hi"])
        return AxisCalibration(offset, px_per_decade, residual)

    def restore_handles(self, lo: float | None, hi: float | None) -> None:
        self.notebook.execute(f"{self.var}.view.set_handles({lo!r}, {hi!r})")

    # ----- pointer ---------------------------------------------------------------------------------------------
    def drag_handle(self, which: str, to_x: float, steps: int = 8, step_pause_s: float = 0.0
                    ) -> list[tuple[float, float]]:
        """Drags a handle from its centre to ``to_x`` (same y) with the mouse, in ``steps`` moves.

        Returns ``(Date.now() in the page right before the move, the move's x)`` for each move, for latency figures.
        """
        knob = self.handle(which)
        knob.scroll_into_view_if_needed()
        start_x, y = self.centre(knob)
        mouse = self.page.mouse
        mouse.move(start_x, y)
        mouse.down()
        moves = []
        for step in range(1, steps + 1):
            x = start_x + (to_x - start_x) * step / steps
            moves.append((self.page.evaluate("Date.now()"), x))
            mouse.move(x, y)
            if step_pause_s:
                time.sleep(step_pause_s)
        mouse.up()
        return moves
