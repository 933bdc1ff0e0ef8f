"""The static picture's plot area: its size, the log-lr x axis, the loss y axis (the live view's rule) and the grid."""
from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

from lrwidget.engine.plotting import SKIP_END

__all__ = ["BOTTOM", "FG", "GRID", "HEIGHT", "LEFT", "MUTED", "RIGHT", "TOP", "WIDTH", "Axes", "loss_range", "lr_label",
           "usable", "widen_for_validation"]

FG, MUTED, GRID = "#1f2328", "#57606a", "#e4e6e9"

WIDTH, HEIGHT = 640, 340
# BOTTOM holds the x tick labels, the axis title and the caption, one line each.
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 58
#: The room left beyond a validation loss that widens the loss range, as a fraction of it (js/src/validation.js).
VALID_MARGIN = 0.04


def usable(value: float) -> bool:
    """Whether ``value`` can sit on the log x axis (finite and > 0)."""
    return math.isfinite(value) and value > 0


def lr_label(lr: float) -> str:
    """A learning rate in a few characters: ``0.002``, ``1.0e-5``."""
    return f"{lr:.2g}" if 1e-3 <= lr < 1e3 else f"{lr:.1e}".replace("e-0", "e-").replace("e+0", "e")


class Axes:
    """The plot area: log10 lr on x (over ``lrs``), loss on y (over ``y_range``)."""

    def __init__(self, lrs: list[float], y_range: tuple[float, float]) -> None:
        self.x0, self.x1 = (math.log10(min(lrs)), math.log10(max(lrs))) if lrs else (-7.0, 1.0)
        if self.x1 - self.x0 < 1e-9:
            self.x0, self.x1 = self.x0 - 0.5, self.x1 + 0.5
        self.y0, self.y1 = y_range

    def x(self, lr: float) -> float:
        return LEFT + (math.log10(lr) - self.x0) / (self.x1 - self.x0) * (WIDTH - LEFT - RIGHT)

    def y(self, loss: float) -> float:
        # Far-off-scale losses are pulled to one plot height beyond the edge (the clip hides them either way).
        span = self.y1 - self.y0
        loss = min(max(loss, self.y0 - span), self.y1 + span)
        return TOP + (self.y1 - loss) / (self.y1 - self.y0) * (HEIGHT - TOP - BOTTOM)

    def inside(self, loss: float) -> bool:
        return math.isfinite(loss) and self.y0 <= loss <= self.y1

    def grid(self) -> list[str]:
        bottom, right = HEIGHT - BOTTOM, WIDTH - RIGHT
        parts = [f'<g class="lrw-axes" stroke="{GRID}">']
        labels = [f'<g class="lrw-ticks" fill="{MUTED}">']
        decades = range(math.ceil(self.x0 - 1e-9), math.floor(self.x1 + 1e-9) + 1)
        step = max(1, math.ceil(len(decades) / 10))  # at most ~10 labels, however wide the range
        for decade in decades[::step]:
            x = self.x(10.0 ** decade)
            parts.append(f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{bottom}"/>')
            labels.append(f'<text class="lrw-xtick" x="{x:.1f}" y="{bottom + 14}" text-anchor="middle">'
                          f"1e{decade}</text>")
        for value in _nice_ticks(self.y0, self.y1):
            y = self.y(value)
            parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}"/>')
            labels.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{value:.4g}</text>')
        parts.append(f'<rect x="{LEFT}" y="{TOP}" width="{right - LEFT}" height="{bottom - TOP}" fill="none" '
                     f'stroke="{MUTED}"/></g>')
        labels.append(f'<text x="{(LEFT + right) / 2:.1f}" y="{bottom + 30}" text-anchor="middle">'
                      "learning rate (log scale)</text>")
        labels.append(f'<text transform="rotate(-90)" x="{-(TOP + bottom) / 2:.1f}" y="12" text-anchor="middle">'
                      "loss</text></g>")
        return parts + labels


def loss_range(smoothed: Sequence[float], raw: Sequence[float], num_it: int) -> tuple[float, float]:
    """The loss range to show: the live view's rule (js/src/yrange.js ``lossRange``, which says why), in Python.

    The top ignores fastai's last 5 points and is capped at the early level plus the drop seen (at least half the
    early level), so a divergence is clipped rather than squashing the curve; the bottom takes in the raw losses by
    at most half the curve's span.
    """
    finite = [loss for loss in smoothed if math.isfinite(loss)]
    raw_finite = [loss for loss in raw if math.isfinite(loss)]
    if not finite:
        return _pad(min(raw_finite), max(raw_finite)) if raw_finite else (0.0, 1.0)
    early_window = [loss for loss in smoothed[:max(1, math.ceil(max(num_it, 1) / 10))] if math.isfinite(loss)]
    early = statistics.median(early_window) if early_window else finite[0]
    body = [loss for loss in (smoothed[:-SKIP_END] if len(smoothed) > 2 * SKIP_END else smoothed)
            if math.isfinite(loss)]
    lowest = min(finite)
    cap = early + max(early - lowest, abs(early) / 2)
    top = max(min(max(body) if body else max(finite), cap), early)
    raw_floor = lowest - (top - lowest) / 2
    bottom = min(lowest, max(min(raw_finite), raw_floor)) if raw_finite else lowest
    return _pad(bottom, top)


def widen_for_validation(y_range: tuple[float, float], valid: Sequence[float]) -> tuple[float, float]:
    """``y_range`` widened to show the validation losses, by at most half its span each side (validation.js)."""
    finite = [loss for loss in valid if math.isfinite(loss)]
    if not finite:
        return y_range
    bottom, top = y_range
    span = top - bottom
    low, high = min(finite), max(finite)
    new_bottom = max(low - span * VALID_MARGIN, bottom - span / 2) if low < bottom else bottom
    new_top = min(high + span * VALID_MARGIN, top + span / 2) if high > top else top
    return new_bottom, new_top


def _pad(bottom: float, top: float) -> tuple[float, float]:
    span = top - bottom
    if not (span > 0 and math.isfinite(span)):  # a flat curve: centred, not its float noise blown up
        half = (abs(top) * 0.1 or 1) / 2
        return bottom - half, top + half
    low = bottom - span * 0.05
    return (0.0 if bottom >= 0 > low else low), top + span * 0.08


def _nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    raw_step = (high - low) / count
    magnitude = 10.0 ** math.floor(math.log10(raw_step))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw_step)
    first = math.ceil(low / step)
    return [tick * step for tick in range(first, math.floor(high / step) + 1)]
