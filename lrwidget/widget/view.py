"""The anywidget view: the loss curve, the suggestion markers, the lo/hi handles and the Run/Stop controls.

This module is the boundary between Python and the front end in ``js/``. The front end is a pure view: it holds no
training logic, and every value it sends is validated here.

Synced traits (Python → front end unless noted):
- ``status``: ``"idle" | "running" | "done" | "stopped" | "error"``; ``error``: the message when ``status == "error"``.
- ``notice``: a run that ended but deserves a word (a "divergence" at a loss ≤ 0, NaN losses): what happened and
  what to do; empty otherwise.
- ``start_lr``, ``end_lr``, ``num_it``: the tested range and the planned number of steps (fixes the x axis).
- ``curve``: the finished curve, ``{"lrs": [...], "losses": [...], "raw_losses": [...], "n_points": n}`` (NaN/inf
  sent as null), decimated to a bounded size for long runs. Empty during a run; set once when a run ends, so a
  notebook saved with widget state redraws it.
- ``progress``: ``{"iteration": i, "num_it": N, "elapsed_s": t, "eta_s": t | null}``, plus ``"stop_reason"``
  (completed, diverged or cancelled) once the run has ended.
- ``suggestions``: ``{name: {"lr": x, "point": [lr, loss], "tip": "one sentence"}}`` for each marker of
  ``marker_registry`` that can answer yet; computed in Python on the curve so far, so markers sit exactly where Python's
  numbers are.
- ``visible_markers``: names of the markers drawn (the user toggles minimum and slide in the view: front end → Python).
- ``marker_registry``: every marker the view knows, in display order, from :data:`lrwidget.suggest.markers.MARKERS`:
  ``[{"name", "tip", "color_index", "shown_by_default", "is_handle_default"}, ...]``. ``color_index`` indexes the front
  end's marker palette. Fixed: any other value, from Python or the front end, is rejected.
- ``n_groups``: layer groups of the learner; the lo handle is shown only when ``n_groups > 1`` and the test gave
  every group the same LR.
- ``group_lr_ratios``: after a discriminative range test, each group's LR over the last group's (the x axis);
  empty when every group got the same LR. The view then labels the x axis with the group it shows (the last one
  by default), offers the others in a selector that re-labels the axis and the handle in that group's LR, and
  shows no lo handle (each group's LR is hi × its ratio).
- ``group_labels``: each group's modules in a few words (``"0 (Linear) … 2 (ReLU)"``), for that selector; empty
  when ``group_lr_ratios`` is.
- ``lr_lo``, ``lr_hi``: the handles (both ways; ``None`` until the first run ends).
- ``runs``, ``run_curves``, ``hidden_runs`` (both ways), ``selected_run`` (both ways), ``read_only``: the kept runs,
  for an overlay with a legend; their contract is in :mod:`lrwidget.widget.runs`.
- ``band``, ``pick_spread``: for a run of repeats (``w.run(repeats=n)``), the band of the repeats' smoothed losses
  with the status line's sentence on how much their picks disagree, and each marker's spread of picks; ``{}``
  otherwise. Their contract is in :mod:`lrwidget.widget.repeats`.

The page owns only ``lr_lo``, ``lr_hi``, ``visible_markers``, ``hidden_runs`` and ``selected_run``
(:data:`WRITABLE_FROM_VIEW`). Anything else it
sends, and any handle that is not a finite real number > 0, inside ``[start_lr, end_lr]`` and with lo ≤ hi, is
refused: the valid state is sent back, so the view snaps back, and nothing changes.

Custom messages, Python → front end:
- ``{"type": "reset"}``: a new run starts; drop the drawn points.
- ``{"type": "points", "start": k, "count": n}`` with three binary buffers, the learning rates (float64) and the
  smoothed and raw losses (float32), little-endian, NaN/inf as themselves: points ``k … k+n-1`` of the running curve
  (deltas only, 16 bytes a point). The view appends when ``k`` equals the number of points it holds, replaces from
  ``k`` when ``k`` is lower (a replay, which reaches every view of the widget), and asks for a replay when ``k`` is
  higher (it missed a delta).
- ``{"type": "runs_json", "text": ..., "filename": ...}`` (or ``{"type": "runs_json", "error": ...}`` while a test
  runs): the answer to ``export_runs``, the JSON that ``w.save`` writes.
Front end → Python:
- ``{"type": "run"}``, ``{"type": "stop"}``: the buttons.
- ``{"type": "export_runs"}``: the JSON download button; the kept runs come back as ``runs_json``.
- ``{"type": "replay"}``: send every point of the current run again (a view rendered mid-run, or a missed delta).
"""
from __future__ import annotations

import math
import numbers
import pathlib
from collections.abc import Callable
from typing import Any

import anywidget
import traitlets

from lrwidget.suggest.markers import MARKERS, marker_registry_state
from lrwidget.train.plan import GroupSummary

STATIC = pathlib.Path(__file__).parent.parent / "static"
STATUSES = ("idle", "running", "done", "stopped", "error")
#: The traits the page may write; everything else it sends is refused.
WRITABLE_FROM_VIEW = frozenset({"lr_lo", "lr_hi", "visible_markers", "hidden_runs", "selected_run"})
MARKER_NAMES = tuple(marker.name for marker in MARKERS)


class HandleError(traitlets.TraitError, ValueError):
    """A handle value that is not a learning rate inside the tested range, or that would put lo above hi."""


def json_floats(values: list[float]) -> list[float | None]:
    """Floats as JSON can carry them: NaN and ±inf become null (the view draws a gap)."""
    return [value if math.isfinite(value) else None for value in values]


class LRCurveView(anywidget.AnyWidget):
    """The interactive loss-curve view. Usually used through :class:`lrwidget.LRWidget`, which drives it."""

    _esm = STATIC / "widget.js"
    _css = STATIC / "widget.css"

    status = traitlets.Enum(STATUSES, default_value="idle").tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)
    notice = traitlets.Unicode("").tag(sync=True)
    start_lr = traitlets.Float(1e-7).tag(sync=True)
    end_lr = traitlets.Float(10.0).tag(sync=True)
    num_it = traitlets.Int(100).tag(sync=True)
    curve = traitlets.Dict().tag(sync=True)
    progress = traitlets.Dict().tag(sync=True)
    suggestions = traitlets.Dict().tag(sync=True)
    visible_markers = traitlets.List(
        traitlets.Unicode(), default_value=[marker.name for marker in MARKERS if marker.shown_by_default]
    ).tag(sync=True)
    marker_registry = traitlets.List(traitlets.Dict()).tag(sync=True)
    n_groups = traitlets.Int(1).tag(sync=True)
    group_lr_ratios = traitlets.List(traitlets.Float()).tag(sync=True)
    group_labels = traitlets.List(traitlets.Unicode()).tag(sync=True)
    lr_lo = traitlets.Float(None, allow_none=True).tag(sync=True)
    lr_hi = traitlets.Float(None, allow_none=True).tag(sync=True)
    runs = traitlets.List(traitlets.Dict()).tag(sync=True)
    run_curves = traitlets.Dict().tag(sync=True)
    hidden_runs = traitlets.List(traitlets.Unicode()).tag(sync=True)
    selected_run = traitlets.Unicode("").tag(sync=True)
    read_only = traitlets.Bool(False).tag(sync=True)
    band = traitlets.Dict().tag(sync=True)
    pick_spread = traitlets.Dict().tag(sync=True)
    #: w.verify()'s state: {"state", "trials": [{lr, valid_loss, status}], "summary", "cost"} (widget/verifying.py)
    verify = traitlets.Dict().tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._message_handlers: dict[str, Callable[[], None]] = {}
        self.updating_from_view = False
        self.on_msg(self._dispatch_message)

    def on_command(self, name: str, handler: Callable[[], None]) -> None:
        """Calls ``handler()`` when the front end sends ``{"type": name}`` (run, stop, replay)."""
        self._message_handlers[name] = handler

    def _dispatch_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        message_type = content.get("type") if isinstance(content, dict) else None
        handler = self._message_handlers.get(message_type) if isinstance(message_type, str) else None
        if handler is not None:
            handler()

    @traitlets.validate("lr_lo", "lr_hi")
    def _validate_handle(self, proposal: dict[str, Any]) -> float | None:
        value, name = proposal["value"], proposal["trait"].name
        if value is None:
            return None
        if not math.isfinite(value) or value <= 0:
            raise HandleError(f"{name} must be a finite learning rate > 0, got {value!r}")
        if not self.start_lr <= value <= self.end_lr:
            raise HandleError(
                f"{name}={value:.3g} is outside the tested range [{self.start_lr:.3g}, {self.end_lr:.3g}]"
            )
        if name == "lr_lo" and self.lr_hi is not None and value > self.lr_hi:
            raise HandleError(
                f"lr_lo={value:.3g} is above lr_hi={self.lr_hi:.3g}: lo must not exceed hi. Raise lr_hi first, or set "
                "both at once with w.lr = slice(lo, hi)"
            )
        if name == "lr_hi" and self.lr_lo is not None and value < self.lr_lo:
            raise HandleError(
                f"lr_hi={value:.3g} is below lr_lo={self.lr_lo:.3g}: hi must not be below lo. Lower lr_lo first, or "
                "set both at once with w.lr = slice(lo, hi)"
            )
        return float(value)

    @traitlets.validate("visible_markers")
    def _validate_visible_markers(self, proposal: dict[str, Any]) -> list[str]:
        unknown = [name for name in proposal["value"] if name not in MARKER_NAMES + tuple(self.suggestions)]
        if unknown:
            known = sorted(set(MARKER_NAMES) | set(self.suggestions))
            raise traitlets.TraitError(f"unknown marker(s) {unknown}; known: {known}")
        return list(proposal["value"])

    @traitlets.validate("hidden_runs", "selected_run")
    def _validate_run_ids(self, proposal: dict[str, Any]) -> Any:
        value, name = proposal["value"], proposal["trait"].name
        known = {run["id"] for run in self.runs}
        if name == "selected_run":
            unknown = [] if value in known or value == "" else [value]  # "": none (a run in progress)
        else:
            unknown = [run_id for run_id in value if run_id not in known]
        if unknown:
            raise traitlets.TraitError(f"{name}: unknown run id(s) {unknown}; the runs are {sorted(known)}")
        return value

    @traitlets.default("marker_registry")
    def _default_marker_registry(self) -> list[dict[str, Any]]:
        return marker_registry_state()  # fresh dicts per view: one view's state cannot leak into another's

    @traitlets.validate("marker_registry")
    def _validate_marker_registry(self, proposal: dict[str, Any]) -> list[dict[str, Any]]:
        expected = marker_registry_state()
        if proposal["value"] != expected:
            raise traitlets.TraitError(
                "marker_registry is fixed by lrwidget.suggest.markers.MARKERS "
                f"({[entry['name'] for entry in expected]});"
                f" got {proposal['value']!r}"
            )
        return expected

    def set_handles(self, lo: float | None, hi: float | None) -> None:
        """Sets both handles at once, in an order that never trips the lo ≤ hi check midway."""
        with self.hold_trait_notifications():
            self.lr_lo = None
            self.lr_hi = hi
            self.lr_lo = lo

    def set_state(self, sync_data: dict[str, Any]) -> None:
        """Applies an update from the front end; anything it may not write, or garbage, is refused and resynced."""
        self.updating_from_view = True  # observers may treat a drag's stream of values differently
        try:
            _check_from_view(sync_data)
            super().set_state(sync_data)
        except (traitlets.TraitError, ValueError, TypeError, OverflowError) as rejected:
            self.log.warning("lrwidget: rejected a value from the view: %s", rejected)
            self.send_state([key for key in sync_data if key in self.keys])
        finally:
            self.updating_from_view = False


def check_learning_rate(value: Any, name: str) -> float:
    """``value`` as a float if it is a finite real number > 0 (not a bool), else a ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a learning rate (a finite number > 0), got {value!r}")
    try:
        number = float(value)
    except OverflowError:
        raise ValueError(f"{name} must be a finite number > 0, got an integer too large for a float") from None
    if not math.isfinite(number) or number <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return number


def group_axis_state(ratios: list[float] | None,
                     group_summaries: Callable[[], list[GroupSummary]]) -> dict[str, list[Any]]:
    """The view's ``group_lr_ratios`` and ``group_labels`` for a range test with these ratios (none: no traits)."""
    if ratios is None:
        return {}
    return {"group_lr_ratios": list(ratios), "group_labels": [group.modules for group in group_summaries()]}


def _check_from_view(sync_data: dict[str, Any]) -> None:
    refused = sorted(set(sync_data) - WRITABLE_FROM_VIEW)
    if refused:
        raise ValueError(f"the page may only write {sorted(WRITABLE_FROM_VIEW)}, not {refused}")
    for name in ("lr_lo", "lr_hi"):
        if name in sync_data:  # None is Python's "no pick yet"; the page can only move a handle
            check_learning_rate(sync_data[name], name)
    hidden = sync_data.get("hidden_runs", [])
    if not isinstance(hidden, list) or not all(isinstance(run_id, str) for run_id in hidden):
        raise ValueError(f"hidden_runs must be a list of run ids, got {hidden!r}")
    if not isinstance(sync_data.get("selected_run", ""), str):
        raise ValueError(f"selected_run must be a run id, got {sync_data['selected_run']!r}")
    markers = sync_data.get("visible_markers", [])
    if not isinstance(markers, list) or not all(isinstance(marker, str) for marker in markers):
        raise ValueError(f"visible_markers must be a list of marker names, got {markers!r}")
