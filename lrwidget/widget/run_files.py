"""The kept runs of an LRWidget on disk and as pictures: ``w.save(path)``, ``LRWidget.load(path)``, ``w.to_svg()``.

A mixin of :class:`~lrwidget.widget.runs.KeptRuns` (split from it to keep each module small); the view contract is
in :mod:`lrwidget.widget.runs`. A run kept from ``w.run(repeats=n)`` is saved with its other repeats in its view
entry, so a loaded widget draws the same band and picks.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Self

from lrwidget.engine.rangetest import RangeTestResult, check_lr_range
from lrwidget.engine.result_io import (
    PathLike,
    RunFileError,
    dataclass_from_dict,
    read_runs,
    runs_to_json,
    write_text,
)
from lrwidget.engine.run_record import Run, RunSettings
from lrwidget.suggest.spread import loss_band
from lrwidget.train.plan import TRAINING_CALLS
from lrwidget.widget.no_learner import SavedRunsBackend
from lrwidget.widget.static_picture import view_svg
from lrwidget.widget.stream import Curve
from lrwidget.widget.view import LRCurveView

if TYPE_CHECKING:
    from lrwidget.widget.runs import _Kept


class RunFiles:
    """Saving, loading and drawing the kept runs (the widget's own state is declared here for the type checker)."""

    view: LRCurveView
    _kept: list[_Kept]
    _ensure_idle: Callable[[str], None]
    _remember_handles: Callable[[str], None]
    _kept_by_id: Callable[[str], _Kept | None]
    _keep: Callable[..., _Kept]
    _show: Callable[..., None]
    _picture_curve: Callable[[], Curve]

    @property
    def runs(self) -> tuple[Run, ...]:
        raise NotImplementedError

    @property
    def selected_run(self) -> Run | None:
        raise NotImplementedError

    # ----- files and pictures --------------------------------------------------------------------------------------
    def save(self, path: PathLike) -> str:
        """Writes the kept runs as JSON to ``path`` (with which are hidden, each one's handles and the selected one).

        Returns the JSON text. ``LRWidget.load(path)`` shows them again; ``RangeTestResult.from_json`` reads a file
        of one run.
        """
        self._ensure_idle("save")
        self._remember_handles(self.view.selected_run)
        hidden = set(self.view.hidden_runs)
        views = [{"hidden": kept.id in hidden, "planned_call": kept.planned_call,
                  **({} if kept.handles is None else {"lr_lo": kept.handles[0], "lr_hi": kept.handles[1]}),
                  **({"repeats": list(kept.repeats[1:])} if kept.repeats else {})}
                 for kept in self._kept]
        shown = self._kept_by_id(self.view.selected_run)
        return write_text(runs_to_json(self.runs, views=views,
                                       selected=None if shown is None else self._kept.index(shown)), path)

    def _send_runs_json(self) -> None:
        """Answers the page's JSON download (``{"type": "export_runs"}``) with the document :meth:`save` writes.

        The page holds only decimated curves, so the file (bit-identical numbers, every field) is made here.
        """
        try:
            text = self.save(os.devnull)  # save() writes and returns the text; the page needs only the text
        except RuntimeError as refused:  # a test is running: its run is not kept yet
            self.view.send({"type": "runs_json", "error": str(refused)})
            return
        self.view.send({"type": "runs_json", "text": text, "filename": "lrwidget-runs.json"})

    @classmethod
    def load(cls, path: PathLike) -> Self:
        """A read-only widget showing the runs saved in ``path`` (by ``w.save`` or ``result.to_json``).

        It has no learner: ``run()`` and the training calls refuse with a clear error, while the runs, the markers
        and the handles work as in any widget (``w.lr`` and ``w.apply_to`` hand back the picked LRs).
        """
        document = read_runs(path)
        if not document.runs:
            raise RunFileError(f"{document.source} holds no runs")
        checked_runs(document.runs)
        shown = document.runs[-1 if document.selected is None else document.selected]
        widget = cls(SavedRunsBackend(), start_lr=shown.start_lr, end_lr=shown.end_lr,  # type: ignore[call-arg]
                     num_it=max(shown.num_it, 1), stop_div=bool(shown.settings.stop_div), autostart=False,
                     preview=None, mode="background")
        widget.view.read_only = True
        repeats = [_saved_repeats(run, view, f"{document.source}, run {index}")
                   for index, (run, view) in enumerate(zip(document.runs, document.views, strict=True))]
        kept = [widget._keep(run, _saved_planned_call(run, view), _saved_handles(run, view))
                for run, view in zip(document.runs, document.views, strict=True)]
        for one, its_repeats in zip(kept, repeats, strict=True):
            one.repeats = its_repeats
        widget.view.hidden_runs = [k.id for k, view in zip(kept, document.views, strict=True) if view.get("hidden")]
        widget._show(kept[-1 if document.selected is None else document.selected])
        return widget

    def to_svg(self, path: PathLike | None = None) -> str:
        """The chart as a standalone SVG document, the same picture as the page's SVG download; written to ``path``.

        Every visible kept run overlaid in its colour, with a legend when two or more are drawn; the selected run
        with its per-batch losses, markers and handles, its validation curve and its repeats' band when it has them.
        The colours are the page's light theme.
        """
        shown = self.selected_run
        caption = f"range test {self.view.status}" if shown is None else (
            f"{shown.label} · range test {shown.stop_reason}")
        return write_text(view_svg(self._picture_curve(), self.view, caption), path)




def checked_runs(runs: list[Run]) -> list[Run]:
    """``runs``, if each has a range a view can show (``0 < start_lr < end_lr``); else a ValueError naming it."""
    for run in runs:
        try:
            check_lr_range(run.start_lr, run.end_lr)
        except ValueError as error:
            raise ValueError(f"run {run.label!r} cannot be shown: {error}") from None
    return runs


def planned_call_of(settings: RunSettings) -> str | None:
    """The call a run's markers assume when nothing says otherwise: fine_tune for a frozen learner's run."""
    return None if settings.frozen_groups is None else "fine_tune" if settings.frozen_groups else "fit_one_cycle"


def _saved_planned_call(run: Run, view: dict[str, Any]) -> str | None:
    planned = view.get("planned_call", planned_call_of(run.settings))
    return planned if planned in TRAINING_CALLS else None


def _saved_repeats(run: Run, view: dict[str, Any], where: str) -> tuple[RangeTestResult, ...]:
    """The repeats a file saved with ``run`` (its own result first), or () for a run of one test.

    A RunFileError names what is wrong with them: not results, or not repeats of the run (another LR schedule).
    """
    saved = view.get("repeats")
    if saved is None:
        return ()
    if not isinstance(saved, list) or not all(isinstance(entry, dict) for entry in saved):
        raise RunFileError(f"{where}: 'repeats' must be a list of results, got {type(saved).__name__}")
    others = [dataclass_from_dict(type(run.result), entry, f"{where}, repeat {k + 2}") for k, entry in enumerate(saved)]
    try:
        loss_band([r.lrs for r in (run.result, *others)], [r.losses for r in (run.result, *others)])
    except ValueError as error:
        raise RunFileError(f"{where}: the saved repeats are not repeats of the run: {error}") from None
    return (run.result, *others)


def _saved_handles(run: Run, view: dict[str, Any]) -> tuple[float | None, float | None] | None:
    """The handles a file saved for ``run``, if they are handles of its range (else its default handles will do)."""
    lo, hi = view.get("lr_lo"), view.get("lr_hi")
    if not isinstance(hi, float) or not (lo is None or isinstance(lo, float)):
        return None
    inside = all(lr is None or run.start_lr <= lr <= run.end_lr for lr in (lo, hi))
    return (lo, hi) if inside and (lo is None or lo <= hi) else None


__all__: Sequence[str] = ["RunFiles", "checked_runs", "planned_call_of"]
