"""The runs an LRWidget keeps: each range test it ran or was given, with a label and settings, saved and loaded.

Every range test the widget runs is kept as a :class:`~lrwidget.engine.run_record.Run` when it ends (finished,
diverged or stopped; a failed one has no curve to keep). ``w.runs`` lists them, ``w.add_run(...)`` adds one from a
result, a JSON file or another widget, ``w.selected_run`` is the one the curve, markers and handles show (the
latest, unless you pick another), ``w.save(path)`` writes them and ``LRWidget.load(path)`` shows them again in a
read-only widget without a learner.

The view contract (synced traits of :class:`~lrwidget.widget.view.LRCurveView`), so that a front end can overlay the
runs on one set of axes with a legend:

- ``runs`` (Python → page): the kept runs in order, ``[{"id", "label", "color_index", "stop_reason", "n_points",
  "start_lr", "end_lr", "num_it", "ran_at", "frozen_groups", "n_groups", "batch_size", "learner"}, ...]``. ``id``
  is unique within the widget and never reused; ``color_index`` is fixed when the run is kept (hiding or adding a
  run never recolours another); ``ran_at`` is ISO 8601 or null; the settings are null where unknown.
- ``run_curves`` (Python → page): ``{id: curve}`` with each kept run's curve in the ``curve`` trait's shape (lrs,
  losses, raw_losses with NaN/inf as null, ``n_points``), decimated to at most ``SAVED_CURVE_MAX_POINTS`` (2,000)
  points. It changes only when a run is kept or added, never on a toggle or a selection: a run's curve is sent
  once (the whole dict is then re-sent, as a trait is; runs are few).
- ``hidden_runs`` (both ways): the ids of runs not drawn; the page writes it when the user toggles a legend entry.
- ``selected_run`` (both ways): the id whose curve, markers and handles the view shows (the single-curve traits
  ``curve``, ``suggestions``, ``progress``, ``start_lr``, ``end_lr``, ``num_it``, ``lr_lo``, ``lr_hi`` follow it),
  or ``""`` while a new run is in progress (the live points are then the running curve). The page writes it when
  the user picks a legend entry; a pick during a run is refused (snaps back). Each run keeps its own handles:
  picking a run again brings back where its handles were.
- ``read_only`` (Python → page): a widget loaded from a file, without a learner: no Run or Stop button.

A ``w.run(repeats=n)`` call is kept as one run (its result is the first repeat's curve) with every completed repeat
beside it (``w.repeats``, saved with it by ``w.save``); showing it also sets the ``band`` and ``pick_spread`` traits
(see :mod:`lrwidget.widget.repeats`), which are ``{}`` for a run of one test.

The page may write only ``hidden_runs`` and ``selected_run`` of these (unknown ids are refused). Threading: during a
run only the publisher writes the view; a run is kept by the publisher when it ends; selecting and adding runs,
from Python or the page, are refused while a test runs.
"""
from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Callable, Sequence
from typing import Any

from lrwidget.backends import Backend
from lrwidget.engine.group_lrs import GroupLRRange
from lrwidget.engine.rangetest import CANCELLED, RangeTestResult
from lrwidget.engine.repeats import check_repeats
from lrwidget.engine.result_io import RunFileError, read_runs
from lrwidget.engine.run_record import Run, RunSettings, library_versions, now_utc
from lrwidget.suggest.spread import PickSpread
from lrwidget.widget.no_learner import NO_LEARNER, NoLearnerError, SavedRunsBackend
from lrwidget.widget.publisher import Markers, RunPublisher, final_progress, saved_curve
from lrwidget.widget.repeats import (
    RangeTestCall,
    RepeatOutcome,
    RepeatsPublisher,
    RepeatStream,
    curve_of,
    repeat_state,
    repeated_call,
)
from lrwidget.widget.run_files import RunFiles, checked_runs, planned_call_of
from lrwidget.widget.static_picture import PictureDisplays
from lrwidget.widget.stream import Curve, PointStream
from lrwidget.widget.view import LRCurveView

#: Which runs a call means: a Run that the widget keeps, its index in ``w.runs``, or its label.
RunChoice = Run | int | str


@dataclasses.dataclass
class _Kept:
    """A kept run as the widget holds it: its id and colour in the view, and its handles when it is not shown."""

    id: str
    run: Run
    color_index: int
    #: the call its markers are computed for (the sweetspot differs for fine_tune), as when it was kept
    planned_call: str | None
    handles: tuple[float | None, float | None] | None = None
    #: every completed repeat of a ``run(repeats=n)`` call, the run's own result first; () for a single test
    repeats: tuple[RangeTestResult, ...] = ()


class KeptRuns(RunFiles):
    """The kept runs of a widget: listed, selected, added, shown or hidden, saved, loaded and drawn as SVG."""

    # The widget's own (LRWidget sets or provides them).
    view: LRCurveView
    _backend: Backend
    _stream: PointStream
    _pictures: PictureDisplays
    _handles_lock: threading.RLock
    _setting_default_handles: bool
    _handles_moved: bool
    _ensure_idle: Callable[[str], None]
    _markers_for: Callable[[Curve, int, float, float, str | None], Markers]
    _default_handles: Callable[[Markers], tuple[float, float] | None]
    _lr_range: GroupLRRange
    _markers: Callable[[Curve], Markers]
    _run_ended: Callable[[RangeTestResult, Markers], None]
    _range_test: RangeTestCall
    _validation: dict[str, Any]
    preview: str | None

    @property
    def running(self) -> bool:
        raise NotImplementedError

    def _init_runs(self, range_settings: dict[str, Any]) -> None:
        self._kept: list[_Kept] = []
        self._ids = 0
        self._range_settings = range_settings
        self._next_label: str | None = None
        self._starting: tuple[str | None, RunSettings, Any] | None = None
        self._snapping_back = False
        self._finished_repeats: tuple[RangeTestResult, ...] = ()
        self.view.observe(self._selected_from_page, names=["selected_run"])
        self.view.on_command("export_runs", self._send_runs_json)

    # ----- reading ------------------------------------------------------------------------------------------------
    @property
    def runs(self) -> tuple[Run, ...]:
        """The kept runs, oldest first: every range test this widget ran (or was given) with its label and settings."""
        return tuple(kept.run for kept in self._kept)

    @property
    def selected_run(self) -> Run | None:
        """The run the curve, markers and handles show (the latest by default); None before any is kept.

        Set it to a kept :class:`Run`, its index in ``w.runs`` (``-1``: the latest) or its label. Each run keeps its own
        handles: selecting a run again brings back where they were.
        """
        kept = self._kept_by_id(self.view.selected_run)
        return None if kept is None else kept.run

    @selected_run.setter
    def selected_run(self, which: RunChoice) -> None:
        self._ensure_idle("selecting a run")
        self._show(self._choose(which))

    @property
    def read_only(self) -> bool:
        """Whether this widget shows saved runs without a learner (made by :meth:`load`)."""
        return isinstance(self._backend, SavedRunsBackend)

    # ----- adding and showing ---------------------------------------------------------------------------------------
    def add_run(self, source: Any, label: str | None = None) -> Run:
        """Keeps a run made elsewhere and selects it; returns it.

        ``source``: a :class:`~lrwidget.RangeTestResult`, a :class:`Run` (e.g. ``other_widget.runs[0]``), another
        LRWidget (its selected run) or a JSON file written by ``result.to_json`` or ``w.save`` (every run in it).
        ``label`` names the run (default: its own label, else ``"run N"``); with a file of several runs, pass none.
        """
        self._ensure_idle("add_run")
        label = _check_label(label)
        runs = self._runs_from(source, label)
        if label is not None:
            runs = [dataclasses.replace(runs[0], label=label)]
        for run in checked_runs(runs):
            self._keep(run, planned_call=planned_call_of(run.settings))
        self._show(self._kept[-1])
        return self._kept[-1].run

    def set_run_visible(self, which: RunChoice, visible: bool = True) -> None:
        """Shows or hides a kept run in the view's overlay (the selected run is drawn either way)."""
        if not isinstance(visible, bool):
            raise TypeError(f"visible must be True or False, got {visible!r}")
        kept = self._choose(which)
        hidden = [run_id for run_id in self.view.hidden_runs if run_id != kept.id]
        self.view.hidden_runs = hidden if visible else [*hidden, kept.id]

    def _runs_from(self, source: Any, label: str | None) -> list[Run]:
        if isinstance(source, RangeTestResult):
            return [Run(result=source, label=f"run {len(self._kept) + 1}")]
        if isinstance(source, Run):
            return [source]
        if isinstance(source, KeptRuns):
            if source.selected_run is None:
                raise ValueError("the other widget has no run to add yet: let its range test finish first")
            return [source.selected_run]
        if isinstance(source, (str, os.PathLike)):
            document = read_runs(source)
            if not document.runs:
                raise RunFileError(f"{document.source} holds no runs")
            if label is not None and len(document.runs) > 1:
                raise ValueError(f"{document.source} holds {len(document.runs)} runs; label names one run: add them "
                                 "without a label (each keeps its own)")
            return document.runs
        raise TypeError("add_run takes a RangeTestResult, a Run, another LRWidget or the path of a JSON file, got "
                        f"{type(source).__name__}")

    def _keep(self, run: Run, planned_call: str | None,
              handles: tuple[float | None, float | None] | None = None) -> _Kept:
        """Adds ``run`` under a fresh id (its label made unique) and sends it to the view, without showing it."""
        self._ids += 1
        kept = _Kept(f"run-{self._ids}", dataclasses.replace(run, label=self._unique_label(run.label)),
                     color_index=self._ids - 1, planned_call=planned_call, handles=handles)
        self._kept.append(kept)
        with self.view.hold_sync():
            self.view.runs = [*self.view.runs, _run_state(kept)]
            self.view.run_curves = {**self.view.run_curves, kept.id: saved_curve(curve_of(kept.run.result))}
        return kept

    def _unique_label(self, label: str) -> str:
        taken = {kept.run.label for kept in self._kept}
        label = label or f"run {len(self._kept) + 1}"
        if label not in taken:
            return label
        return next(f"{label} ({n})" for n in range(2, len(taken) + 3) if f"{label} ({n})" not in taken)

    def _show(self, kept: _Kept, shown_before: str | None = None) -> None:
        """Shows ``kept`` as the single curve: its range, curve, markers, status and its own handles.

        ``shown_before``: the id of the run shown until now (default: the selected one), whose handles it keeps.
        """
        self._remember_handles(self.view.selected_run if shown_before is None else shown_before)
        result, settings = kept.run.result, kept.run.settings
        if self.read_only:
            assert isinstance(self._backend, SavedRunsBackend)
            self._backend.n_groups = settings.n_groups or 1
        curve = curve_of(result)

        def markers_of(repeat: RangeTestResult) -> Markers:
            return self._markers_for(curve_of(repeat), repeat.num_it, repeat.start_lr, repeat.end_lr,
                                     kept.planned_call)

        state = repeat_state(kept.repeats, markers_of) if kept.repeats else None
        markers = markers_of(result) if state is None else state.markers
        with self.view.hold_sync(), self._handles_lock:
            self._setting_default_handles = True
            try:
                self.view.set_handles(None, None)  # the new range may not hold the old handles
                self.view.n_groups = self._backend.n_groups
                self.view.start_lr, self.view.end_lr, self.view.num_it = result.start_lr, result.end_lr, result.num_it
                self.view.curve = saved_curve(curve)
                self.view.suggestions = markers
                self.view.band, self.view.pick_spread = ({}, {}) if state is None else (state.band, state.pick_spread)
                repeats = {} if state is None else {"repeat": len(kept.repeats), "repeats": len(kept.repeats)}
                self.view.progress = {**final_progress(result), **repeats}
                warnings = [repeat.warning for repeat in kept.repeats or (result,) if repeat.warning]
                self.view.error, self.view.notice = "", " ".join(dict.fromkeys(warnings))
                self.view.status = "stopped" if result.stop_reason == CANCELLED else "done"
                self.view.set_handles(*(kept.handles or self._default_handles(markers) or (None, None)))
            finally:
                self._setting_default_handles = False
            self.view.selected_run = kept.id
        self._pictures.update()

    def _remember_handles(self, shown_id: str) -> None:
        shown = self._kept_by_id(shown_id)
        if shown is not None and self.view.lr_hi is not None:
            shown.handles = (self.view.lr_lo, self.view.lr_hi)

    def _selected_from_page(self, change: dict[str, Any]) -> None:
        if not self.view.updating_from_view or self._snapping_back:
            return  # Python's own selection has shown the run already
        kept = self._kept_by_id(change["new"])
        if kept is not None and not self.running:
            self._show(kept, shown_before=change["old"])
            return
        self._snapping_back = True  # refused: the page gets the run shown until now back
        try:
            self.view.selected_run = change["old"]
        finally:
            self._snapping_back = False

    def _choose(self, which: RunChoice) -> _Kept:
        if isinstance(which, Run):
            found = [kept for kept in self._kept if kept.run is which]
        elif isinstance(which, str):
            found = [kept for kept in self._kept if which in (kept.run.label, kept.id)]
        elif isinstance(which, int) and not isinstance(which, bool):
            found = [self._kept[which]] if -len(self._kept) <= which < len(self._kept) else []
        else:
            raise TypeError(f"a run is chosen by a Run of w.runs, its index or its label, got {type(which).__name__}")
        if not found:
            labels = [kept.run.label for kept in self._kept]
            raise ValueError(f"no kept run {which!r}; the runs are {labels}")
        return found[0]

    def _kept_by_id(self, run_id: str) -> _Kept | None:
        return next((kept for kept in self._kept if kept.id == run_id), None)

    # ----- a new run ---------------------------------------------------------------------------------------------
    def _check_can_run(self, label: str | None, repeats: int = 1) -> None:
        """Raises before a run starts: no learner, a bad label or a bad number of repeats."""
        if self.read_only:
            raise NoLearnerError(NO_LEARNER)
        check_repeats(repeats)
        self._next_label = _check_label(label)

    def _publisher_and_call(self, repeats: int) -> tuple[RunPublisher, RangeTestCall]:
        """The publisher and the training thread's call of a new run of ``repeats`` range tests."""
        common: dict[str, Any] = {"num_it": self._range_settings["num_it"], "markers": self._markers,
                                  "on_done": self._run_ended, "on_begin": self._begin_run,
                                  "valid_every": self._validation.get("valid_every")}
        if repeats == 1:
            return RunPublisher(self.view, self._stream, **common), self._range_test
        assert isinstance(self._stream, RepeatStream)
        outcome = RepeatOutcome()
        publisher = RepeatsPublisher(self.view, self._stream, repeats=repeats, outcome=outcome,
                                     on_repeats=self._note_repeats, **common)
        return publisher, repeated_call(self._range_test, repeats, self._backend, outcome)

    def _note_repeats(self, repeats: tuple[RangeTestResult, ...]) -> None:
        self._finished_repeats = repeats  # kept with the run by _keep_finished, next

    @property
    def repeats(self) -> tuple[RangeTestResult, ...]:
        """The selected run's repeats (``w.run(repeats=n)``), its own result first; ``()`` for a single test.

        The view draws the band of their smoothed losses and the spread of each marker's picks; the markers and the
        default handles sit at the median (in log space) of the repeats' picks.
        """
        kept = self._kept_by_id(self.view.selected_run)
        return () if kept is None else kept.repeats

    @property
    def pick_spreads(self) -> dict[str, PickSpread]:
        """Each marker's picks over the selected run's repeats (:class:`~lrwidget.suggest.spread.PickSpread`)."""
        kept = self._kept_by_id(self.view.selected_run)
        if kept is None or not kept.repeats:
            return {}
        return repeat_state(kept.repeats, lambda repeat: self._markers_for(
            curve_of(repeat), repeat.num_it, repeat.start_lr, repeat.end_lr, kept.planned_call)).spreads

    def _begin_run(self) -> None:
        """The publisher's first act (the model is leased): note the settings, show the widget's own range."""
        self._remember_handles(self.view.selected_run)
        settings = RunSettings(stop_div=self._range_settings["stop_div"], frozen_groups=self._backend.frozen_groups,
                               n_groups=self._backend.n_groups, batch_size=_batch_size(self._backend),
                               learner=self._backend.kind)
        self._starting = (self._next_label, settings, now_utc())
        start_lr, end_lr = self._lr_range.start_lr, self._lr_range.end_lr  # the recorded (last) group's range
        if (self.view.start_lr, self.view.end_lr) != (start_lr, end_lr):  # a selected run had its own range
            with self._handles_lock:
                if not all(lr is None or start_lr <= lr <= end_lr for lr in (self.view.lr_lo, self.view.lr_hi)):
                    self._setting_default_handles = True  # handles of no run of this range: the new run places its own
                    try:
                        self.view.set_handles(None, None)
                    finally:
                        self._setting_default_handles = False
                    self._handles_moved = False
                self.view.start_lr, self.view.end_lr = start_lr, end_lr
        self.view.num_it = self._range_settings["num_it"]
        self.view.n_groups = self._backend.n_groups
        self.view.band, self.view.pick_spread = {}, {}
        self._finished_repeats = ()
        self.view.selected_run = ""

    def _keep_finished(self, result: RangeTestResult) -> None:
        """The publisher's last act: keeps the run that ended and selects it (its handles are placed next)."""
        label, settings, ran_at = self._starting or (None, RunSettings(), None)
        if label is None:
            label = ("frozen" if settings.frozen_groups else "unfrozen") if (settings.n_groups or 1) > 1 else ""
        kept = self._keep(Run(result=result, label=label, settings=settings, ran_at=ran_at,
                              versions=library_versions()), planned_call=self.preview)
        kept.repeats, self._finished_repeats = self._finished_repeats, ()
        self.view.selected_run = kept.id

    def _picture_curve(self) -> Curve:
        """The curve the static picture draws: the running one, else the selected run's, in full."""
        kept = self._kept_by_id(self.view.selected_run)
        return self._stream.curve() if kept is None or self.running else curve_of(kept.run.result)


def _check_label(label: Any) -> str | None:
    if label is None:
        return None
    if not isinstance(label, str) or not label.strip():
        raise ValueError(f"label must be a non-empty string, got {label!r}")
    return label


def _run_state(kept: _Kept) -> dict[str, Any]:
    run = kept.run
    return {"id": kept.id, "label": run.label, "color_index": kept.color_index, "stop_reason": run.stop_reason,
            "n_points": len(run.result.lrs), "start_lr": run.start_lr, "end_lr": run.end_lr, "num_it": run.num_it,
            "ran_at": None if run.ran_at is None else run.ran_at.isoformat(),
            **dataclasses.asdict(run.settings)}


def _batch_size(backend: Any) -> int | None:
    """The training loader's batch size, where the learner shows one (torch's ``batch_size``, fastai's ``bs``)."""
    learn = getattr(backend, "learn", None)
    dls = getattr(learn, "dls", None)
    for loader in (getattr(backend, "train_dl", None), getattr(learn, "train_dl", None), getattr(dls, "train", None)):
        for name in ("batch_size", "bs"):
            size = getattr(loader, name, None)
            if isinstance(size, int) and not isinstance(size, bool):
                return size
    return None


__all__: Sequence[str] = ["KeptRuns", "NoLearnerError", "SavedRunsBackend"]
