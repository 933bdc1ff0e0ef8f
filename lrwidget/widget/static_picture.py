"""A static SVG picture of the chart: what a page without the widget's JavaScript shows, and ``w.to_svg()``.

GitHub, nbviewer, ``nbconvert --to html`` without widget state, and a notebook reopened without its widget state
cannot draw the live view; they show the next mime type of the output. This module writes that picture in pure
Python (no matplotlib), small enough to save in every notebook: the lines and dots are decimated to a few hundred
points, so 10,000 points come to well under 30 kB.

It is the same picture as the page's SVG download (js/src/downloads.js): every visible kept run overlaid in its
colour, with a legend when two or more are drawn; the selected run with its per-batch losses, markers and handles,
its validation curve and its repeats' band when it has them; the key under the plot. The drawing is in
:mod:`lrwidget.widget.picture`; the colours come from the view's style sheet (:mod:`lrwidget.widget.picture.palette`).
"""
from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape

import numpy as np

from lrwidget.engine.plotting import marker_color
from lrwidget.suggest.markers import MARKERS
from lrwidget.widget.picture import layers
from lrwidget.widget.picture.axes import (
    BOTTOM,
    HEIGHT,
    LEFT,
    MUTED,
    RIGHT,
    TOP,
    WIDTH,
    Axes,
    loss_range,
    usable,
    widen_for_validation,
)
from lrwidget.widget.picture.layers import ACCENT, MAX_DOTS, MAX_LINE_POINTS
from lrwidget.widget.picture.legend import LegendEntry, band_key_text, legend
from lrwidget.widget.picture.palette import run_color, valid_color
from lrwidget.widget.picture.runs import MainRun, OverlaidRun, drawn_runs, floats, is_live
from lrwidget.widget.reopened_picture import reopened_bundle
from lrwidget.widget.stream import Curve
from lrwidget.widget.view import LRCurveView

__all__ = ["BOTTOM", "HEIGHT", "LEFT", "MAX_DOTS", "MAX_LINE_POINTS", "PICTURE_TRAITS", "RIGHT", "TOP", "WIDTH",
           "MainRun", "OverlaidRun", "PictureDisplays", "curve_svg", "loss_range", "state_svg", "view_svg",
           "with_picture"]

#: The view's traits the picture reads (:func:`state_svg`).
PICTURE_TRAITS = ("status", "start_lr", "end_lr", "num_it", "curve", "progress", "suggestions", "visible_markers",
                  "lr_lo", "lr_hi", "runs", "run_curves", "hidden_runs", "selected_run", "band", "pick_spread")

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
    valid_losses: FloatSeq = (),
    valid_label: str = "validation loss",
    band: Mapping[str, Any] | None = None,
    pick_spread: Mapping[str, Any] | None = None,
    runs: Sequence[OverlaidRun] = (),
    main: MainRun | None = None,
) -> str:
    """The chart as a standalone SVG document (a string).

    Args:
        lrs, losses, raw_losses: the main curve's points (smoothed and per-batch losses); NaN and ±inf are gaps.
        markers: ``{name: {"lr", "point"}}`` as ``marker_suggestions`` returns them (``point`` is ``(lr, loss)``).
        visible: the marker names to draw (default: those the registry shows by default).
        lr_lo, lr_hi: the handles, drawn as dashed vertical lines (one line, "lr", when they are equal).
        num_it: the planned iterations (for the y range's early level; default: the points given).
        lr_range: the x axis's ``(start_lr, end_lr)``, as the live view draws it (default: the points' lrs).
        caption: a line of text under the x axis (e.g. the run's status).
        valid_losses: the validation losses, one per point (NaN where not evaluated), drawn dashed; () for none.
        valid_label: the validation curve's entry in the key.
        band, pick_spread: a run of repeats' ``band`` and ``pick_spread`` traits (:mod:`lrwidget.widget.repeats`).
        runs: other kept runs, drawn as thin lines behind the main curve in their colours.
        main: the run the main curve is (its legend entry and, with other runs drawn, its colour).
    """
    if len(lrs) != len(losses) or len(raw_losses) not in (0, len(lrs)) or len(valid_losses) not in (0, len(lrs)):
        raise ValueError(f"lrs, losses, raw_losses and valid_losses must have one value per point, got {len(lrs)}, "
                         f"{len(losses)}, {len(raw_losses)} and {len(valid_losses)}")
    markers = markers or {}
    shown = [marker for marker in MARKERS
             if marker.name in markers
             and (marker.shown_by_default if visible is None else marker.name in set(visible))]
    points = [(float(lr), float(loss)) for lr, loss in zip(lrs, losses, strict=True) if usable(lr)]
    raw = [(float(lr), float(loss)) for lr, loss in zip(lrs, raw_losses, strict=False) if usable(lr)]
    evaluated = [(float(lr), float(loss)) for lr, loss in zip(lrs, valid_losses, strict=False)
                 if usable(lr) and math.isfinite(loss)]
    entries = [LegendEntry(run.run_id, run.label, run_color(run.color_index), False) for run in runs]
    several = len(entries) + (main is not None) > 1
    main_color = run_color(main.color_index) if several and main is not None else ACCENT
    if main is not None:
        entries.append(LegendEntry(main.run_id, main.label, main_color, True))
    axes = Axes(_x_lrs(points, runs, lr_lo, lr_hi, lr_range), _y_range(points, raw, evaluated, runs, num_it))
    valid = (valid_label, valid_color()) if evaluated else None
    key, key_height = legend(entries, valid, HEIGHT, band_key_text(band) if band else None)
    height = HEIGHT + key_height
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
        'font-family="system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif" font-size="11" '
        'role="img" aria-label="LR range test: loss against learning rate">',
        "<title>LR range test: loss against learning rate</title>",
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
        *axes.grid(),
        f'<clipPath id="lrw-plot"><rect x="{LEFT}" y="{TOP}" width="{WIDTH - LEFT - RIGHT}" '
        f'height="{HEIGHT - TOP - BOTTOM}"/></clipPath><g clip-path="url(#lrw-plot)">',
        *(layers.band_paths(axes, band) if band else []),
        *(line for run in runs for line in layers.polylines(
            axes, [(lr, loss) for lr, loss in zip(run.lrs, run.losses, strict=False) if usable(lr)],
            css_class="lrw-run-line", color=run_color(run.color_index), width=1.5, run_id=run.run_id, opacity=0.85)),
        layers.dots(axes, raw),
        *layers.polylines(axes, points, css_class="lrw-curve", color=main_color, width=2,
                          run_id=None if main is None else main.run_id),
        *layers.validation(axes, evaluated, valid_color()),
        "</g>",
        *layers.markers(axes, [(marker.name, markers[marker.name], marker_color(marker.color_index))
                               for marker in shown], pick_spread),
        *layers.handles(axes, lr_lo, lr_hi),
    ]
    if caption:
        parts.append(f'<text x="4" y="{HEIGHT - 6}" fill="{MUTED}">{escape(caption)}</text>')
    parts.extend(key)
    parts.append("</svg>")
    return "\n".join(part for part in parts if part)


def _x_lrs(points: list[tuple[float, float]], runs: Sequence[OverlaidRun], lr_lo: float | None, lr_hi: float | None,
           lr_range: tuple[float, float] | None) -> list[float]:
    """The lrs the x axis must hold: the main curve's, the handles, its range and every overlaid run's range."""
    extra = [lr_lo, lr_hi, *(lr_range or ()), *(lr for run in runs for lr in (run.start_lr, run.end_lr))]
    return [lr for lr, _ in points] + [lr for lr in extra if lr is not None and usable(lr)]


def _y_range(points: list[tuple[float, float]], raw: list[tuple[float, float]],
             evaluated: list[tuple[float, float]], runs: Sequence[OverlaidRun], num_it: int | None
             ) -> tuple[float, float]:
    """The main curve's loss range (widened for its validation losses) joined with each overlaid run's (runs.js)."""
    smoothed = [loss for _, loss in points]
    others = [loss_range(list(run.losses), [], run.num_it) for run in runs
              if any(math.isfinite(loss) for loss in run.losses)]
    if not any(math.isfinite(loss) for loss in smoothed) and others:
        bottom, top = others[0]  # an empty main curve says nothing of the losses
    else:
        bottom, top = widen_for_validation(loss_range(smoothed, [loss for _, loss in raw], num_it or len(points)),
                                           [loss for _, loss in evaluated])
    for low, high in others:
        bottom, top = min(bottom, low), max(top, high)
    return bottom, top


def with_picture(bundle: dict[str, Any], curve: Curve, view: LRCurveView) -> dict[str, Any]:
    """A widget's mime bundle plus the ``image/svg+xml`` picture of its chart and a ``text/plain`` summary."""
    stop_reason = view.progress.get("stop_reason") if view.progress else None
    state = f"range test {stop_reason or view.status}"
    summary = f"LRWidget: {state}, {len(curve)} points"
    if view.lr_hi is not None:
        lo = view.lr_hi if view.lr_lo is None else view.lr_lo
        summary += f"; lr_lo={lo:.3g}, lr_hi={view.lr_hi:.3g}"
    if len(view.runs) > 1:
        summary += f"; {len(view.runs)} runs kept"
    svg = view_svg(curve, view, f"{state} · a static picture: run the cell for the live widget")
    return {**bundle, "text/plain": summary, "image/svg+xml": svg}


def view_svg(curve: Curve, view: LRCurveView, caption: str) -> str:
    """The chart as ``view`` shows it, with ``curve`` (in full) as its main curve; ``caption`` under it."""
    return state_svg({name: getattr(view, name) for name in PICTURE_TRAITS}, caption, curve)


def state_svg(state: Mapping[str, Any], caption: str = "", curve: Curve | None = None) -> str:
    """The chart that a view in ``state`` (its :data:`PICTURE_TRAITS`, as synced) shows; ``caption`` under it.

    ``curve``: the main curve's points in full (default: the ``curve`` trait, which is decimated for long runs).
    """
    if curve is None:
        saved = state.get("curve") or {}
        lrs = floats(saved.get("lrs"))
        valid = floats(saved.get("valid_losses"))
        curve = Curve(np.asarray(lrs), np.asarray(floats(saved.get("losses"))),
                      np.asarray(floats(saved.get("raw_losses"))), np.asarray(valid) if valid else None)
    runs, main = drawn_runs(state)
    running = is_live(state)
    progress = state.get("progress") or {}
    every = progress.get("valid_every") if isinstance(progress, Mapping) else None
    valid_label = "validation loss" if not isinstance(every, int) else (
        f"validation loss (every {'step' if every == 1 else f'{every} steps'})")
    start_lr, end_lr = state.get("start_lr"), state.get("end_lr")
    lr_range = (float(start_lr), float(end_lr)) if start_lr is not None and end_lr is not None else None
    return curve_svg(
        curve.lrs, curve.losses, curve.raw_losses, markers=state.get("suggestions") or {},
        visible=state.get("visible_markers"), lr_lo=state.get("lr_lo"), lr_hi=state.get("lr_hi"),
        num_it=state.get("num_it"), lr_range=lr_range, caption=caption,
        valid_losses=() if curve.valid_losses is None else curve.valid_losses, valid_label=valid_label,
        band=shown_band(state.get("band"), running), pick_spread=None if running else state.get("pick_spread"),
        runs=runs, main=main)


def shown_band(band: Mapping[str, Any] | None, running: bool) -> Mapping[str, Any] | None:
    """The band to draw, as js/src/band.js chooses it: while a test runs, only the live band of its finished repeats
    (a finished band belongs to the run shown before); otherwise only a finished run's band."""
    return band if band and bool(band.get("live")) == running else None


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
