"""What the static picture draws inside its axes: the curves, the per-batch dots, the validation curve, the repeats'
band, the markers (with their spread of picks) and the handles. Each returns SVG elements as strings, in the live
view's classes and data attributes (``data-lrw-run-path``, ``data-lrw-valid-curve``, ``data-lrw-repeat-band``), so
a test reads either picture the same way.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from lrwidget.widget.picture.axes import BOTTOM, FG, HEIGHT, MUTED, TOP, Axes, lr_label, usable

__all__ = ["ACCENT", "MAX_DOTS", "MAX_LINE_POINTS", "band_paths", "dots", "handles", "markers", "polylines",
           "validation"]

#: The live view's accent (``--lrw-accent`` on a light page): a single run's curve and the repeats' band.
ACCENT, RAW = "#1a6fd1", "#6e7781"
MAX_LINE_POINTS = 400
MAX_DOTS = 500
#: With more evaluated points than this, the validation dots would hide the line (js/src/validation.js MAX_DOTS).
MAX_VALID_DOTS = 200
# A label's estimated width per character and its line height, at font-size 11 (for stacking marker labels).
LABEL_CHAR_PX, LABEL_LINE_PX = 6.5, 13
# A spread bar runs this far below its marker's centre, with end caps this tall each way (js/src/band.js).
BAR_OFFSET_PX, CAP_PX = 10, 3.5

Points = list[tuple[float, float]]


def _stride(count: int, limit: int) -> int:
    return max(1, math.ceil(count / limit))


def _thinned(points: Points, limit: int) -> Points:
    """Every few points, down to about ``limit``, keeping the last."""
    stride = _stride(len(points), limit)
    return points[::stride] + ([points[-1]] if (len(points) - 1) % stride else [])


def polylines(axes: Axes, points: Points, *, css_class: str, color: str, width: float, run_id: str | None = None,
              opacity: float = 1.0) -> list[str]:
    """One polyline per stretch of finite losses: a NaN or inf loss is a gap, never a point."""
    stretches: list[Points] = [[]]
    for lr, loss in points:
        if math.isfinite(loss):
            stretches[-1].append((lr, loss))
        elif stretches[-1]:
            stretches.append([])
    stride = _stride(len(points), MAX_LINE_POINTS)
    run = "" if run_id is None else f" data-lrw-run-path={quoteattr(run_id)}"
    faded = "" if opacity == 1 else f' stroke-opacity="{opacity}"'
    lines = []
    for stretch in stretches:
        kept = stretch[::stride] + ([stretch[-1]] if (len(stretch) - 1) % stride else [])
        if kept:
            coords = " ".join(f"{axes.x(lr):.1f},{axes.y(loss):.1f}" for lr, loss in kept)
            lines.append(f'<polyline class="{css_class}"{run} fill="none" stroke="{color}" stroke-width="{width}"'
                         f'{faded} stroke-linejoin="round" stroke-linecap="round" points="{coords}"/>')
    return lines


def dots(axes: Axes, raw: Points) -> str:
    """The per-batch losses as faint dots: one path of zero-length round-capped segments (the smallest SVG)."""
    inside = [(lr, loss) for lr, loss in raw if axes.inside(loss)]
    kept = inside[::_stride(len(inside), MAX_DOTS)]
    if not kept:
        return ""
    path = "".join(f"M{axes.x(lr):.1f} {axes.y(loss):.1f}h0" for lr, loss in kept)
    return (f'<path class="lrw-raw" d="{path}" stroke="{RAW}" stroke-opacity="0.6" stroke-width="3" '
            'stroke-linecap="round" fill="none"/>')


def validation(axes: Axes, evaluated: Points, color: str) -> list[str]:
    """The validation losses: a dashed line through the evaluated points, with a dot on each when they are few."""
    if not evaluated:
        return []
    kept = _thinned(evaluated, MAX_LINE_POINTS)
    path = "".join(f"{'L' if i else 'M'}{axes.x(lr):.1f} {axes.y(loss):.1f}" for i, (lr, loss) in enumerate(kept))
    parts = [f'<path class="lrw-valid-line" data-lrw-valid-curve="" d="{path}" fill="none" stroke="{color}" '
             'stroke-width="1.75" stroke-dasharray="5 3" stroke-linejoin="round"/>']
    if len(evaluated) <= MAX_VALID_DOTS:
        circles = "".join(f'<circle cx="{axes.x(lr):.1f}" cy="{axes.y(loss):.1f}" r="2.5"/>' for lr, loss in evaluated)
        parts.append(f'<g class="lrw-valid-dots" fill="{color}" stroke="#ffffff" stroke-width="0.75">{circles}</g>')
    return parts


def band_paths(axes: Axes, band: Mapping[str, Any]) -> list[str]:
    """The repeats' band (the ``band`` trait: lrs, lo, hi, median): a shaded area from lo to hi and the median line."""
    lrs, lo, hi = (list(band.get(key) or []) for key in ("lrs", "lo", "hi"))
    median = list(band.get("median") or [])
    count = min(len(lrs), len(lo), len(hi))

    def number(values: list[Any], i: int) -> float | None:
        value = values[i] if i < len(values) else None
        return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else None

    pieces, stretch = [], []
    for i in range(count + 1):  # one past the end closes the last stretch
        lr = number(lrs, i) if i < count else None
        if i < count and lr is not None and lr > 0 and number(lo, i) is not None and number(hi, i) is not None:
            stretch.append(i)
            continue
        if len(stretch) >= 2:
            edge = [(axes.x(float(lrs[j])), axes.y(float(hi[j]))) for j in stretch]
            edge += [(axes.x(float(lrs[j])), axes.y(float(lo[j]))) for j in reversed(stretch)]
            pieces.append("M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in edge) + "Z")
        stretch = []
    line, pen = "", False
    for i in range(count):
        lr, loss = number(lrs, i), number(median, i)
        if lr is None or lr <= 0 or loss is None:
            pen = False
            continue
        line += f"{'L' if pen else 'M'}{axes.x(lr):.1f} {axes.y(loss):.1f}"
        pen = True
    parts = []
    if pieces:
        parts.append(f'<path class="lrw-repeat-band" data-lrw-repeat-band="" d="{"".join(pieces)}" fill="{ACCENT}" '
                     'fill-opacity="0.2" stroke="none"/>')
    if line:
        parts.append(f'<path class="lrw-repeat-median" data-lrw-repeat-median="" d="{line}" fill="none" '
                     f'stroke="{MUTED}" stroke-width="1.5" stroke-dasharray="4 3"/>')
    return parts


def markers(axes: Axes, shown: Sequence[tuple[str, Mapping[str, Any], str]],
            spreads: Mapping[str, Any] | None = None) -> list[str]:
    """A dot per marker where its method reads the curve, labelled with its lr; labels that would overlap stack up.

    ``spreads``: the ``pick_spread`` trait of a run of repeats; a bar under each marker spans its repeats' picks.
    """
    parts: list[str] = []
    placed: list[tuple[float, float, float]] = []  # (left, right, baseline) of each label drawn
    for name, suggestion, color in shown:
        point_lr, point_loss = (float(v) for v in suggestion.get("point", (suggestion["lr"], math.nan)))
        if not usable(point_lr):
            continue
        x = axes.x(point_lr)
        y = axes.y(min(max(point_loss, axes.y0), axes.y1)) if math.isfinite(point_loss) else HEIGHT - BOTTOM
        spread = (spreads or {}).get(name)
        if isinstance(spread, Mapping):
            parts.append(_spread_bar(axes, name, spread, y, color))
        label = f"{name} {lr_label(float(suggestion['lr']))}"
        left, right, baseline = x + 7, x + 7 + LABEL_CHAR_PX * len(label), y - 7
        while any(left < r and lft < right and abs(baseline - b) < LABEL_LINE_PX for lft, r, b in placed):
            baseline -= LABEL_LINE_PX
        placed.append((left, right, baseline))
        parts.append(f'<g class="lrw-marker" data-name={quoteattr(name)} fill={quoteattr(color)}>'
                     f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" stroke="#ffffff" stroke-width="1.5"/>'
                     f'<text x="{left:.1f}" y="{baseline:.1f}" font-weight="600">{escape(label)}</text></g>')
    return parts


def _spread_bar(axes: Axes, name: str, spread: Mapping[str, Any], y: float, color: str) -> str:
    lo, hi = spread.get("x_lo"), spread.get("x_hi")
    if not (isinstance(lo, (int, float)) and isinstance(hi, (int, float)) and usable(lo) and usable(hi) and lo <= hi):
        return ""
    x1, x2, bar = axes.x(lo), axes.x(hi), y + BAR_OFFSET_PX
    return (f'<path class="lrw-pick-spread" data-lrw-pick-spread={quoteattr(name)} fill="none" '
            f'stroke={quoteattr(color)} stroke-width="2.5" stroke-linecap="round" stroke-opacity="0.85" '
            f'd="M{x1:.1f} {bar:.1f}H{x2:.1f}'
            f'M{x1:.1f} {bar - CAP_PX:.1f}V{bar + CAP_PX:.1f}M{x2:.1f} {bar - CAP_PX:.1f}V{bar + CAP_PX:.1f}"/>')


def handles(axes: Axes, lr_lo: float | None, lr_hi: float | None) -> list[str]:
    """The handles as dashed vertical lines, labelled (one, "lr", when lo and hi are one value)."""
    if lr_hi is None or not usable(lr_hi):
        return []
    shown = [("lr", lr_hi)]
    if lr_lo is not None and usable(lr_lo) and lr_lo != lr_hi:
        shown = [("lo", lr_lo), ("hi", lr_hi)]
    parts = []
    for name, lr in shown:
        x = axes.x(lr)
        anchor = "end" if name == "lo" else "start"
        dx = -4 if name == "lo" else 4
        parts.append(f'<g class="lrw-handle" data-handle="{name}" stroke="{FG}" fill="{FG}">'
                     f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{HEIGHT - BOTTOM}" stroke-dasharray="5 4" '
                     f'stroke-width="1.5"/><text x="{x + dx:.1f}" y="{TOP + 12}" text-anchor="{anchor}" '
                     f'stroke="none">{escape(f"{name} {lr_label(lr)}")}</text></g>')
    return parts
