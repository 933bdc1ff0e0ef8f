"""``w.run(repeats=n)``: the range test ``n`` times, each with its own data order, kept as one run.

The repeats run through :func:`lrwidget.engine.repeats.run_repeats`: each starts from the same snapshot (model,
optimizer, RNGs), the first on the user's own RNG states (so it is exactly the curve a plain ``w.run()`` draws), the
others on seeded ones; afterwards every RNG is as it was. A Stop ends the whole call; a repeat that diverges does not
stop the others.

The repeats are kept as **one run** of ``w.runs``: its result (the curve the view draws) is the first repeat's, and
the widget keeps every completed repeat with it (``w.repeats``). While the call runs, the view shows the current
repeat live (each repeat's first point resets the live curve). When it ends, and whenever the run is selected again,
the view gets (see :mod:`lrwidget.widget.view`):

- ``suggestions``: each marker at the median, in log space, of the repeats' picks (the handles start there);
- ``band``: ``{"lrs", "lo", "hi", "median", "n_points", "repeats", "summary"}``: the min–max band and the median of
  the repeats' smoothed losses at their shared LRs (NaN/inf as null; decimated to at most
  :data:`~lrwidget.widget.publisher.SAVED_CURVE_MAX_POINTS` points, keeping each stretch's extremes), and the
  status-line sentence saying how much the picks disagree; ``{}`` for a run of one test. While the call runs, from
  the end of the first repeat, it is the band of the repeats finished so far, with ``"live": true`` and no summary
  (the view draws it under the live curve);
- ``pick_spread``: ``{name: {"lo", "hi", "median", "picks", "x_lo", "x_hi"}}``: each marker's lowest, highest and
  combined pick, every repeat's pick, and the range of the LRs its dots sat at (the bar drawn under the marker).
"""
from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from lrwidget.backends import Backend
from lrwidget.engine.rangetest import CANCELLED, RangeTestPoint, RangeTestResult
from lrwidget.engine.repeats import RepeatedRangeTest, check_repeats, run_repeats
from lrwidget.suggest.markers import DEFAULT_HANDLE_METHOD
from lrwidget.suggest.spread import LossBand, PickSpread, combine_markers, loss_band
from lrwidget.widget.publisher import SAVED_CURVE_MAX_POINTS, Markers, RunPublisher, saved_curve
from lrwidget.widget.stream import Curve, PointBuffer, PointStream
from lrwidget.widget.view import json_floats

RangeTestCall = Callable[[Callable[[RangeTestPoint], None], threading.Event], RangeTestResult]


class RepeatStream(PointStream):
    """A :class:`PointStream` on which each repeat's points replace the previous repeat's in the view.

    The training thread still only appends: a point of iteration 0 after others starts a new buffer, without a
    message. The publisher's next :meth:`flush` switches to it and tells the view to reset. ``repeat`` is the index
    of the repeat being shown (0 for a single test); ``finished`` holds the repeats before it, whose points are all
    in (the live band is theirs).
    """

    def __init__(self, send: Any) -> None:
        super().__init__(send)
        self._repeats_lock = threading.Lock()
        self._next: list[PointBuffer] = []
        self.repeat = 0
        self.finished: list[PointBuffer] = []

    def reset(self) -> None:
        """Forgets every point and repeat, and tells the view to clear its curve."""
        with self._repeats_lock:
            self._next.clear()
            self.repeat = 0
            self.finished = []
        super().reset()

    def add(self, point: RangeTestPoint) -> None:
        """Records one point (the training thread's only call); iteration 0 after others begins a new repeat."""
        with self._repeats_lock:
            latest = self._next[-1] if self._next else self.points
            if point.iteration == 0 and len(latest) > 0:
                latest = PointBuffer()
                self._next.append(latest)
        latest.append(point.lr, point.smoothed_loss, point.raw_loss, point.valid_loss)

    def flush(self) -> int:
        """Moves to the newest repeat if one began (a reset for the view), then sends the new points."""
        with self._repeats_lock:
            begun, self._next = self._next, []
        if begun:
            with self._lock:  # the stream's own lock: no flush or replay in between
                self.finished = [*self.finished, self.points, *begun[:-1]]  # a new list: readers keep theirs
                self.points, self._sent = begun[-1], 0
                self.repeat += len(begun)
                self._send({"type": "reset"}, [])
        return super().flush()


@dataclass
class RepeatOutcome:
    """Where the training thread leaves the repeats for the publisher (read only after the thread has ended)."""

    repeated: RepeatedRangeTest | None = None


@dataclass(frozen=True)
class RepeatState:
    """What the view shows for a run of repeats: combined markers, the band and the spreads, as synced state."""

    markers: Markers
    spreads: dict[str, PickSpread]
    band: dict[str, Any]
    pick_spread: dict[str, dict[str, Any]]
    summary: str


def repeat_state(results: Sequence[RangeTestResult], markers_of: Callable[[RangeTestResult], Markers], *,
                 asked: int | None = None) -> RepeatState:
    """The view's state for ``results`` (the completed repeats, at least one); ``asked``: the repeats asked for."""
    per_repeat = [markers_of(result) for result in results]
    band = loss_band([r.lrs for r in results], [r.losses for r in results])
    markers, spreads = combine_markers(per_repeat, band)
    pick_spread = {}
    for name, spread in spreads.items():
        xs = [float(m[name]["point"][0]) for m in per_repeat if name in m]
        pick_spread[name] = {"lo": spread.lo, "hi": spread.hi, "median": spread.median, "picks": list(spread.picks),
                             "x_lo": min(xs), "x_hi": max(xs)}
    summary = spread_summary(spreads, len(results), asked or len(results),
                             diverged=sum(r.stop_reason == "diverged" for r in results))
    return RepeatState(markers, spreads, {**band_state(band), "repeats": len(results), "summary": summary},
                       pick_spread, summary)


def spread_summary(spreads: dict[str, PickSpread], completed: int, asked: int, diverged: int = 0) -> str:
    """The status line's sentence: e.g. ``"3 repeats: sweetspot picks span 2.1× (1.2e-3 – 2.5e-3)"``."""
    counted = f"{completed} repeats" if completed == asked else f"{completed} of {asked} repeats (stopped)"
    if diverged:
        counted += f", {diverged} diverged"
    name = DEFAULT_HANDLE_METHOD if DEFAULT_HANDLE_METHOD in spreads else next(iter(spreads), None)
    if name is None:
        return f"{counted}: no marker could answer"
    spread = spreads[name]
    return f"{counted}: {name} picks span {spread.ratio:.2g}× ({lr_text(spread.lo)} – {lr_text(spread.hi)})"


def lr_text(lr: float) -> str:
    """A learning rate in the view's house style: 2 significant digits, plain in [0.01, 1000), else ``1.2e-3``."""
    rounded = float(f"{lr:.2g}")
    if 0.01 <= abs(rounded) < 1000:
        return f"{rounded:g}"
    mantissa, exponent = f"{lr:.1e}".split("e")
    return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"


def band_state(band: LossBand, max_points: int = SAVED_CURVE_MAX_POINTS) -> dict[str, Any]:
    """``band`` as the view's ``band`` trait carries it: every point up to ``max_points``, else each stretch's
    lowest ``lo`` and highest ``hi`` (and the first and last point), so the band's extent survives decimation."""
    count = len(band)
    keep = np.arange(count) if count <= max_points else _band_indices(band, (max_points - 2) // 2)
    return {"lrs": band.lrs[keep].tolist(), "lo": json_floats(band.lo[keep].tolist()),
            "hi": json_floats(band.hi[keep].tolist()), "median": json_floats(band.median[keep].tolist()),
            "n_points": count}


def _band_indices(band: LossBand, stretches: int) -> np.ndarray:
    count = len(band)
    edges = np.linspace(0, count, stretches + 1).astype(int)
    low = np.where(np.isnan(band.lo), np.inf, band.lo)
    high = np.where(np.isnan(band.hi), -np.inf, band.hi)
    keep = [np.array([0, count - 1]),
            edges[:-1] + np.array([np.argmin(low[a:b]) for a, b in itertools.pairwise(edges)]),
            edges[:-1] + np.array([np.argmax(high[a:b]) for a, b in itertools.pairwise(edges)])]
    return np.unique(np.concatenate(keep))


class RepeatsPublisher(RunPublisher):
    """Publishes a call of several repeats: live, the current repeat (and "repeat k/n" in the progress); at the end,
    the first repeat's curve with the combined markers, the band and the spreads.

    Args:
        view, stream, num_it, markers, on_done, on_begin, clock: as for :class:`RunPublisher`.
        repeats: the repeats asked for.
        outcome: where the training thread leaves the repeats.
        on_repeats: called with the completed repeats just before ``on_done`` (the widget keeps them with the run).
    """

    def __init__(self, view: Any, stream: RepeatStream, *, repeats: int, outcome: RepeatOutcome,
                 on_repeats: Callable[[tuple[RangeTestResult, ...]], None], **kwargs: Any) -> None:
        super().__init__(view, stream, **kwargs)
        self._repeat_stream, self._repeats, self._outcome, self._on_repeats = stream, repeats, outcome, on_repeats
        self._live_band_repeats = 0

    def tick(self) -> None:
        """As :meth:`RunPublisher.tick`, and the live band of the finished repeats whenever one more has finished."""
        super().tick()
        finished = self._repeat_stream.finished
        if len(finished) != self._live_band_repeats:
            self._live_band_repeats = len(finished)
            curves = [buffer.curve() for buffer in finished]
            band = loss_band([curve.lrs.tolist() for curve in curves], [curve.losses.tolist() for curve in curves])
            self._view.band = {**band_state(band), "repeats": len(curves), "summary": "", "live": True}

    def _publish_result(self, result: RangeTestResult) -> None:
        repeated = self._outcome.repeated
        completed = () if repeated is None else completed_repeats(repeated)
        self._on_repeats(completed)
        if not completed:  # stopped in the first repeat (or interrupted): a plain stopped run
            super()._publish_result(result)
            return
        first = completed[0]
        state = repeat_state(completed, lambda r: self._markers(curve_of(r)), asked=self._repeats)
        stop_reason = CANCELLED if repeated is not None and repeated.stop_reason == CANCELLED else first.stop_reason
        with self._view.hold_sync():
            progress = self._progress(len(first.lrs), stop_reason=stop_reason)
            self._view.progress = {**progress, "repeat": len(completed), "repeats": self._repeats}
            self._view.curve = saved_curve(curve_of(first))
            self._view.suggestions = state.markers
            self._view.band, self._view.pick_spread = state.band, state.pick_spread
            self._view.notice = " ".join(dict.fromkeys(r.warning for r in completed if r.warning))
            self._on_done(first, state.markers)
            self._view.status = "stopped" if stop_reason == CANCELLED else "done"

    def _progress(self, iteration: int, stop_reason: str | None = None) -> dict[str, Any]:
        progress = super()._progress(iteration, stop_reason)
        if stop_reason is None:  # the ETA of the whole call: the repeats still to come count too
            repeat = self._repeat_stream.repeat
            done = repeat * self._planned + iteration
            progress["eta_s"] = None if done == 0 else progress["elapsed_s"] / done * (
                self._repeats * self._planned - done)
            progress.update(repeat=repeat + 1, repeats=self._repeats)
        return progress


def completed_repeats(repeated: RepeatedRangeTest) -> tuple[RangeTestResult, ...]:
    """The repeats that ran to their end (completed or diverged): a stopped repeat's partial curve is left out."""
    return tuple(result for result in repeated.results if result.stop_reason != CANCELLED)


def repeated_call(range_test: RangeTestCall, repeats: int, backend: Backend, outcome: RepeatOutcome) -> RangeTestCall:
    """The training thread's call for ``repeats`` repeats of ``range_test``: it leaves them in ``outcome`` and
    returns the first completed repeat (else the stopped one), the curve the run keeps."""
    check_repeats(repeats)

    def call(on_point: Callable[[RangeTestPoint], None], cancel: threading.Event) -> RangeTestResult:
        repeated = run_repeats(lambda _k: range_test(on_point, cancel), repeats, loaders=training_loaders(backend),
                               cancel=cancel)
        outcome.repeated = repeated
        completed = completed_repeats(repeated)
        return completed[0] if completed else repeated.results[-1]

    return call


def training_loaders(backend: Any) -> list[Any]:
    """The loaders a backend's range test draws batches from (whose own generators give the data order)."""
    learn = getattr(backend, "learn", None)
    dls = getattr(learn, "dls", None)
    candidates = [getattr(backend, "train_dl", None), getattr(learn, "train_dl", None)]
    candidates += list(getattr(dls, "loaders", None) or [])
    return [loader for loader in candidates if loader is not None]


def curve_of(result: RangeTestResult) -> Curve:
    """A result's curve as arrays (its validation losses too, when the run has them)."""
    return Curve.of_result(result)


__all__ = ["RepeatOutcome", "RepeatState", "RepeatStream", "RepeatsPublisher", "band_state", "completed_repeats",
           "curve_of", "lr_text", "repeat_state", "repeated_call", "spread_summary", "training_loaders"]
