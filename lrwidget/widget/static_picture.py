"""A static SVG picture of the curve, markers and handles: what a page without the widget's JavaScript shows.

GitHub, nbviewer, ``nbconvert --to html`` without widget state, and a notebook reopened without its widget state
cannot draw the live view; they show the next mime type of the output. This module writes that picture in pure
Python (no matplotlib), small enough to save in every notebook: the lines and dots are decimated to a few hundred
points, so 10,000 points come to well under 30 kB.
"""
from __future__ import annotations

import math
import statistics
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import numpy as np

from lrwidget.engine.plotting import SKIP_END, marker_color
from lrwidget.suggest.markers import MARKERS
from lrwidget.widget.reopened_picture import reopened_bundle
from lrwidget.widget.stream import Curve
from lrwidget.widget.view import LRCurveView

__all__ = ["PictureDisplays", "curve_svg", "loss_range", "view_svg", "with_picture"]

FG, MUTED, GRID, CURVE, RAW = "#1f2328", "#57606a", "#e4e6e9", "#1a6fd1", "#6e7781"

WIDTH, HEIGHT = 640, 340
# BOTTOM holds the x tick labels, the axis title and the caption, one line each.
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 58
MAX_LINE_POINTS = 400
MAX_DOTS = 500
# A label's estimated width per character and its line height, at font-size 11 (for stacking marker labels).
LABEL_CHAR_PX, LABEL_LINE_PX = 6.5, 13


FloatSeq = Sequence[float] | np.ndarray


def curve_svg(
    lrs: FloatSeq,
    losses: FloatSeq,
    raw_losses: FloatSeq = (),
    *,
    markers: Mapping[str, Mapping[str, Any]] | None = None,
    visible: Iterable[str] | None = None,
    lr_lo: float | None = None,
    lr_hi: float | None = None,
    num_it: int | None = None,
    lr_range: tuple[float, float] | None = None,
    caption: str = "",
) -> str:
    """The curve as a standalone SVG document (a string).

    Args:
        lrs, losses, raw_losses: the range test's points (smoothed and per-batch losses); NaN and ±inf are gaps.
        markers: ``{name: {"lr", "point"}}`` as ``marker_suggestions`` returns them (``point`` is ``(lr, loss)``).
        visible: the marker names to draw (default: those the registry shows by default).
        lr_lo, lr_hi: the handles, drawn as dashed vertical lines (one line, "lr", when they are equal).
        num_it: the planned iterations (for the y range's early level; default: the points given).
        lr_range: the x axis's ``(start_lr, end_lr)``, as the live view draws it (default: the points' lrs).
        caption: a line of text under the x axis (e.g. the run's status).
    """
    if len(lrs) != len(losses) or len(raw_losses) not in (0, len(lrs)):
        raise ValueError(f"lrs, losses and raw_losses must have one value per point, got {len(lrs)}, {len(losses)} "
                         f"and {len(raw_losses)}")
    markers = markers or {}
    shown = [marker for marker in MARKERS
             if marker.name in markers
             and (marker.shown_by_default if visible is None else marker.name in set(visible))]
    points = [(float(lr), float(loss)) for lr, loss in zip(lrs, losses, strict=True) if _usable(lr)]
    raw = [(float(lr), float(loss)) for lr, loss in zip(lrs, raw_losses, strict=False) if _usable(lr)]
    axes = _Axes(points, [lr for lr in (lr_lo, lr_hi, *(lr_range or ())) if lr is not None and _usable(lr)],
                 loss_range([loss for _, loss in points], [loss for _, loss in raw], num_it or len(points)))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        'font-family="system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif" font-size="11" '
        'role="img" aria-label="LR range test: loss against learning rate">',
        "<title>LR range test: loss against learning rate</title>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        *axes.grid(),
        f'<clipPath id="lrw-plot"><rect x="{LEFT}" y="{TOP}" width="{WIDTH - LEFT - RIGHT}" '
        f'height="{HEIGHT - TOP - BOTTOM}"/></clipPath><g clip-path="url(#lrw-plot)">',
        _dots(axes, raw),
        *_lines(axes, points),
        "</g>",
        *_markers(axes, [(marker.name, markers[marker.name], marker_color(marker.color_index)) for marker in shown]),
        *_handles(axes, lr_lo, lr_hi),
    ]
    if caption:
        parts.append(f'<text x="4" y="{HEIGHT - 6}" fill="{MUTED}">'
                     f"{escape(caption)}</text>")
    parts.append("</svg>")
    return "\n".join(part for part in parts if part)


def with_picture(bundle: dict[str, Any], curve: Curve, view: LRCurveView) -> dict[str, Any]:
    """A widget's mime bundle plus the ``image/svg+xml`` picture of its curve and a ``text/plain`` summary."""
    stop_reason = view.progress.get("stop_reason") if view.progress else None
    state = f"range test {stop_reason or view.status}"
    summary = f"LRWidget: {state}, {len(curve)} points"
    if view.lr_hi is not None:
        lo = view.lr_hi if view.lr_lo is None else view.lr_lo
        summary += f"; lr_lo={lo:.3g}, lr_hi={view.lr_hi:.3g}"
    svg = view_svg(curve, view, f"{state} · a static picture: run the cell for the live widget")
    return {**bundle, "text/plain": summary, "image/svg+xml": svg}


def view_svg(curve: Curve, view: LRCurveView, caption: str) -> str:
    """``curve`` drawn as ``view`` shows it: its markers, visible markers, handles and range; ``caption`` under it."""
    return curve_svg(curve.lrs, curve.losses, curve.raw_losses, markers=view.suggestions, visible=view.visible_markers,
                     lr_lo=view.lr_lo, lr_hi=view.lr_hi, num_it=view.num_it, lr_range=(view.start_lr, view.end_lr),
                     caption=caption)


def _usable(value: float) -> bool:
    return math.isfinite(value) and value > 0


def _lr_label(lr: float) -> str:
    return f"{lr:.2g}" if 1e-3 <= lr < 1e3 else f"{lr:.1e}".replace("e-0", "e-").replace("e+0", "e")


class _Axes:
    """The plot area: log10 lr on x, loss on y (from the finite smoothed losses)."""

    def __init__(self, points: list[tuple[float, float]], extra_lrs: list[float], y_range: tuple[float, float]
                 ) -> None:
        lrs = [lr for lr, _ in points] + extra_lrs
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


def _stride(count: int, limit: int) -> int:
    return max(1, math.ceil(count / limit))


def _lines(axes: _Axes, points: list[tuple[float, float]]) -> list[str]:
    """One polyline per run of finite losses: a NaN or inf loss is a gap, never a point."""
    stride = _stride(len(points), MAX_LINE_POINTS)
    runs: list[list[tuple[float, float]]] = [[]]
    for lr, loss in points:
        if math.isfinite(loss):
            runs[-1].append((lr, loss))
        elif runs[-1]:
            runs.append([])
    lines = []
    for run in runs:
        kept = run[::stride] + ([run[-1]] if (len(run) - 1) % stride else [])
        if kept:
            coords = " ".join(f"{axes.x(lr):.1f},{axes.y(loss):.1f}" for lr, loss in kept)
            lines.append(f'<polyline class="lrw-curve" fill="none" stroke="{CURVE}" stroke-width="2" '
                         f'stroke-linejoin="round" points="{coords}"/>')
    return lines


def _dots(axes: _Axes, raw: list[tuple[float, float]]) -> str:
    """The per-batch losses as faint dots: one path of zero-length round-capped segments (the smallest SVG)."""
    inside = [(lr, loss) for lr, loss in raw if axes.inside(loss)]
    kept = inside[::_stride(len(inside), MAX_DOTS)]
    if not kept:
        return ""
    path = "".join(f"M{axes.x(lr):.1f} {axes.y(loss):.1f}h0" for lr, loss in kept)
    return (f'<path class="lrw-raw" d="{path}" stroke="{RAW}" stroke-opacity="0.6" stroke-width="3" '
            'stroke-linecap="round" fill="none"/>')


def _markers(axes: _Axes, markers: list[tuple[str, Mapping[str, Any], str]]) -> list[str]:
    """A dot per marker where its method reads the curve, labelled with its lr; labels that would overlap stack up."""
    parts: list[str] = []
    placed: list[tuple[float, float, float]] = []  # (left, right, baseline) of each label drawn
    for name, suggestion, color in markers:
        point_lr, point_loss = (float(v) for v in suggestion.get("point", (suggestion["lr"], math.nan)))
        if not _usable(point_lr):
            continue
        x = axes.x(point_lr)
        y = axes.y(min(max(point_loss, axes.y0), axes.y1)) if math.isfinite(point_loss) else HEIGHT - BOTTOM
        label = f"{name} {_lr_label(float(suggestion['lr']))}"
        left, right, baseline = x + 7, x + 7 + LABEL_CHAR_PX * len(label), y - 7
        while any(left < r and lft < right and abs(baseline - b) < LABEL_LINE_PX for lft, r, b in placed):
            baseline -= LABEL_LINE_PX
        placed.append((left, right, baseline))
        parts.append(f'<g class="lrw-marker" data-name={quoteattr(name)} fill={quoteattr(color)}>'
                     f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" stroke="#ffffff" stroke-width="1.5"/>'
                     f'<text x="{left:.1f}" y="{baseline:.1f}" font-weight="600">{escape(label)}</text></g>')
    return parts


def _handles(axes: _Axes, lr_lo: float | None, lr_hi: float | None) -> list[str]:
    if lr_hi is None or not _usable(lr_hi):
        return []
    handles = [("lr", lr_hi)]
    if lr_lo is not None and _usable(lr_lo) and lr_lo != lr_hi:
        handles = [("lo", lr_lo), ("hi", lr_hi)]
    parts = []
    for name, lr in handles:
        x = axes.x(lr)
        anchor = "end" if name == "lo" else "start"
        dx = -4 if name == "lo" else 4
        parts.append(f'<g class="lrw-handle" data-handle="{name}" stroke="{FG}" fill="{FG}">'
                     f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{HEIGHT - BOTTOM}" stroke-dasharray="5 4" '
                     f'stroke-width="1.5"/><text x="{x + dx:.1f}" y="{TOP + 12}" text-anchor="{anchor}" '
                     f'stroke="none">{escape(f"{name} {_lr_label(lr)}")}</text></g>')
    return parts


class PictureDisplays:
    """The outputs a widget was displayed in, each with a display id, so that its picture can be redrawn in them.

    A displayed output's mime bundle is saved as it was sent; only an ``update_display_data`` message with the same
    display id changes it later (IPython's ``DisplayHandle.update``, which works from any thread). So the widget
    displays itself through :meth:`display` and calls :meth:`update` when a test ends. JupyterLab re-renders the
    live view of an updated output (a fresh view of the same model, which replays the curve).

    Each display is two outputs: the widget's own bundle, then the picture for a notebook reopened without widget
    state (:mod:`lrwidget.widget.reopened_picture`), which stays hidden unless the widget view before it failed.

    Args:
        bundle: the widget's mime bundle now (``_repr_mimebundle_``), or None when it has none (closed).
    """

    def __init__(self, bundle: Callable[[], dict[str, Any] | None]) -> None:
        self._bundle = bundle
        self._handles: list[Any] = []
        self._reopened_handles: list[Any] = []

    def display(self) -> None:
        """Displays the bundle as a new output with a display id, then its reopened picture; keeps both handles."""
        from IPython.display import display

        bundle = self._bundle()
        if bundle is None:
            return
        handle = display(bundle, raw=True, display_id=True)
        if handle is None:  # outside IPython, where there is no output to update
            return
        self._handles.append(handle)
        reopened = reopened_bundle(bundle)
        if reopened is not None:
            self._reopened_handles.append(display(reopened, raw=True, display_id=True))

    def update(self) -> None:
        """Sends the bundle as it is now to every output this widget was displayed in.

        Never raises: the picture is a fallback, and a failed update (a closed kernel) must not fail the run.
        """
        if not self._handles:
            return
        try:
            bundle = self._bundle()
            if bundle is None:
                return
            reopened = reopened_bundle(bundle)
            if reopened is not None:  # a closed widget keeps its last picture, which stays hidden behind its text
                for handle in self._reopened_handles:
                    handle.update(reopened, raw=True)
            for handle in self._handles:
                handle.update(bundle, raw=True)
        except Exception as failure:  # a fallback picture must never fail the range test
            warnings.warn(f"lrwidget could not update the static picture of the curve: {failure!r}", stacklevel=2)
