"""The one writer of a run's widget state: it batches points, computes markers and ends every run with a status.

Threading rule (DESIGN.md): the training thread runs steps and hands points over through :class:`PointStream`. It
never sets traits, computes markers or sends messages. The publisher thread does all of that, a few times a second:
it sends the new points as one binary delta, updates the progress, and recomputes the markers on the whole curve
only while that costs at most ``1 / MARKER_BUDGET`` of the wall time, so the work it steals from training stays a
small, bounded fraction however long the run. At the end it computes the exact markers once, saves a decimated curve
with the notebook, places the default handles and sets the final status, whatever fails on the way.
"""
from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from lrwidget.engine.rangetest import CANCELLED, MIN_NUM_IT, RangeTestPoint, RangeTestResult
from lrwidget.engine.validation import cost_fraction
from lrwidget.widget.stream import Curve, PointStream
from lrwidget.widget.view import LRCurveView, json_floats

#: Recompute live markers only when the last computation took at most this fraction of the time since.
MARKER_BUDGET = 40
MARKER_MIN_INTERVAL_S = 0.25
#: The curve saved with the notebook keeps at most this many points (the extremes of each stretch, in order).
SAVED_CURVE_MAX_POINTS = 2000

Markers = dict[str, dict[str, Any]]
MarkerFunc = Callable[[Curve], Markers]


class RunPublisher:
    """Publishes one run to ``view``.

    Args:
        view: the view whose run state (status, error, progress, suggestions, curve) this publisher alone writes.
        stream: the run's points; the training thread adds to it through :meth:`add_point`.
        num_it: the planned steps (for progress and the ETA).
        markers: the markers for a curve (``{name: {"lr", "point", "tip"}}``).
        on_done: called with the result and its final markers before the final status is set (keeps the run and
            places the default handles).
        on_begin: called first thing in :meth:`begin`, once the model is leased (notes the run's settings).
        valid_every: the run's validation period ``k`` (None without validation): the progress says it, and at the
            end what it cost, for the status line.
        clock: seconds, monotonic; injectable for tests.
    """

    def __init__(
        self,
        view: LRCurveView,
        stream: PointStream,
        *,
        num_it: int,
        markers: MarkerFunc,
        on_done: Callable[[RangeTestResult, Markers], None],
        on_begin: Callable[[], None] | None = None,
        valid_every: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._view, self._stream, self._markers, self._on_done, self._clock = view, stream, markers, on_done, clock
        self._on_begin, self._valid_every = on_begin, valid_every
        self._planned = max(num_it, MIN_NUM_IT)
        self._started_at = clock()
        self._markers_at = -math.inf
        self._markers_cost = 0.0
        self.exception: BaseException | None = None

    def add_point(self, point: RangeTestPoint) -> None:
        """The training thread's only call: records the point."""
        self._stream.add(point)

    def begin(self) -> None:
        """Resets the view for a new run (called before the threads start)."""
        self._stream.reset()
        with self._view.hold_sync():
            if self._on_begin is not None:
                self._on_begin()
            self._view.error = ""
            self._view.notice = ""
            self._view.curve = {}
            self._view.suggestions = {}
            self._view.progress = self._progress(0)
            self._view.status = "running"

    def tick(self) -> None:
        """Sends new points; updates progress, and the markers when they are due."""
        count = self._stream.flush()
        now = self._clock()
        markers = None
        if count and now - self._markers_at >= max(MARKER_MIN_INTERVAL_S, MARKER_BUDGET * self._markers_cost):
            markers = self._markers(self._stream.curve())
            self._markers_at, self._markers_cost = now, self._clock() - now
        with self._view.hold_sync():  # one state message per tick, not one per trait
            if markers is not None:
                self._view.suggestions = markers
            self._view.progress = self._progress(count)

    def end(self, result: RangeTestResult | None, exception: BaseException | None, *,
            stopped_by: BaseException | None = None) -> None:
        """Publishes how the run ended. Always leaves ``status`` at done, stopped or error.

        ``exception``: what the training raised; ``stopped_by``: a failure of publishing during the run, which
        stopped the test (the engine restored everything before this is called, either way).
        """
        try:
            self._stream.flush()
            if exception is not None:
                raise exception
            if stopped_by is not None:
                raise stopped_by
            assert result is not None
            self._publish_result(result)
        except BaseException as failure:  # shown in the view, re-raised by wait()
            self.exception = failure
            # A training error speaks for itself; after a publishing failure, say that the model is safe.
            after = ("" if exception is not None else
                     "the range test was stopped and everything was restored, but " if stopped_by is not None else
                     "the range test ended and everything was restored, but ")
            message = f"{after}{type(failure).__name__}: {failure}"
            try:
                with self._view.hold_sync():
                    self._view.error = message
                    self._view.status = "error"
            except BaseException:  # a closed comm: the traits themselves still change
                self._view.set_trait("error", message)
                self._view.set_trait("status", "error")

    def _publish_result(self, result: RangeTestResult) -> None:
        curve = Curve.of_result(result)
        markers = self._markers(curve)
        with self._view.hold_sync():
            progress = self._progress(len(curve), stop_reason=result.stop_reason)
            self._view.progress = progress | validation_progress(result)
            self._view.curve = saved_curve(curve)
            self._view.suggestions = markers
            self._view.notice = result.warning or ""
            self._on_done(result, markers)
            self._view.status = "stopped" if result.stop_reason == CANCELLED else "done"

    def _progress(self, iteration: int, stop_reason: str | None = None) -> dict[str, Any]:
        elapsed = self._clock() - self._started_at
        eta = None if stop_reason is not None or iteration == 0 else elapsed / iteration * (self._planned - iteration)
        progress: dict[str, Any] = {"iteration": iteration, "num_it": self._planned, "elapsed_s": elapsed, "eta_s": eta}
        if stop_reason is not None:
            progress["stop_reason"] = stop_reason
        if self._valid_every is not None:
            progress["valid_every"] = self._valid_every
        return progress


def validation_progress(result: RangeTestResult) -> dict[str, Any]:
    """What the status line says of a finished run's validation: its ``k`` and the time it added (a fraction)."""
    if not result.valid_every:
        return {}
    cost = cost_fraction(result)
    return {"valid_every": result.valid_every, **({"valid_cost": cost} if cost is not None else {})}


def final_progress(result: RangeTestResult) -> dict[str, Any]:
    """The ``progress`` of a run that has ended (as the view shows it when that run is selected again)."""
    return {"iteration": len(result.lrs), "num_it": max(result.num_it, MIN_NUM_IT), "elapsed_s": result.elapsed_s,
            "eta_s": None, "stop_reason": result.stop_reason} | validation_progress(result)


def saved_curve(curve: Curve, max_points: int = SAVED_CURVE_MAX_POINTS) -> dict[str, Any]:
    """The curve as the notebook saves it: every point up to ``max_points``, else a decimated copy.

    Decimation keeps the first and last points and, in each of ``(max_points - 2) // 4`` equal stretches, the points
    with the lowest and highest smoothed and raw loss, in order: the shape and every extreme survive, and the saved
    size stays bounded however long the run. ``n_points`` says how many points the run had.

    A curve with validation losses adds ``valid_losses`` (null where not evaluated); a decimated one gives a quarter
    of its budget to the evaluated points (all of them, or every few), so the second curve survives too.
    """
    count = len(curve)
    valid = curve.valid_losses
    evaluated = np.flatnonzero(~np.isnan(valid)) if valid is not None else np.array([], dtype=int)
    if count <= max_points:
        keep = np.arange(count)
    elif len(evaluated):
        stride = -(-len(evaluated) // (max_points // 4))
        keep = np.union1d(_extreme_indices(curve, (max_points * 3 // 4 - 2) // 4), evaluated[::stride])
    else:
        keep = _extreme_indices(curve, (max_points - 2) // 4)
    saved: dict[str, Any] = {
        "lrs": curve.lrs[keep].tolist(),
        "losses": json_floats(curve.losses[keep].tolist()),
        "raw_losses": json_floats(curve.raw_losses[keep].tolist()),
        "n_points": count,
    }
    if valid is not None and len(evaluated):
        saved["valid_losses"] = json_floats(valid[keep].tolist())
    return saved


def _extreme_indices(curve: Curve, stretches: int) -> np.ndarray:
    count = len(curve)
    edges = np.linspace(0, count, stretches + 1).astype(int)
    keep = [np.array([0, count - 1])]
    for series in (curve.losses, curve.raw_losses):
        # NaN never wins a min or max (inf does: a divergence is an extreme worth keeping).
        low = np.where(np.isnan(series), np.inf, series)
        high = np.where(np.isnan(series), -np.inf, series)
        keep += [edges[:-1] + np.array([np.argmin(low[a:b]) for a, b in itertools.pairwise(edges)]),
                 edges[:-1] + np.array([np.argmax(high[a:b]) for a, b in itertools.pairwise(edges)])]
    return np.unique(np.concatenate(keep))
