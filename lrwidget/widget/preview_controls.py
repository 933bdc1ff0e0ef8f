"""The schedule preview's settings on LRWidget: which call it shows and the epochs it assumes, settable from Python."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lrwidget.backends import Backend
from lrwidget.train.plan import TRAINING_CALLS, Plan, TrainingCall, TrainingCallName
from lrwidget.train.schedule import check_count
from lrwidget.widget.preview import SchedulePreview, preview_default
from lrwidget.widget.view import LRCurveView


class PreviewControls:
    """``w.preview``, ``w.preview_epochs`` and ``w.preview_freeze_epochs``, and the plan the preview draws."""

    # The widget's own (LRWidget sets them; HandOff provides _training_call).
    _backend: Backend
    view: LRCurveView
    schedule_preview: SchedulePreview | None
    _redraw_preview_during_drag: Callable[[], None]
    _training_call: Callable[[TrainingCallName, int, dict[str, Any]], TrainingCall]

    def _preview_call(self, preview: str | None) -> str | None:
        calls = self._backend.calls
        if preview == "auto":
            return preview_default(self._backend.n_groups, self._backend.frozen_groups) if calls else None
        if preview is not None and preview not in TRAINING_CALLS:
            raise ValueError(f"preview must be 'fine_tune', 'fit_one_cycle', 'auto' or None, got {preview!r}")
        if preview is not None and preview not in calls:
            raise ValueError(f"preview={preview!r} needs a learner with {preview}; {self._backend.kind} has none")
        return preview

    @property
    def preview(self) -> str | None:
        """The call the schedule preview shows (``"fine_tune"`` or ``"fit_one_cycle"``), or None without one."""
        return self.schedule_preview.call if self.schedule_preview is not None else None

    @preview.setter
    def preview(self, call: str) -> None:
        panel = self._preview_panel()
        if call is None:
            raise ValueError("the preview can show 'fine_tune' or 'fit_one_cycle'; for none, create the widget "
                             "with preview=None")
        panel.call_picker.value = self._preview_call(call)

    @property
    def preview_epochs(self) -> int:
        """The epochs the preview assumes (``epochs`` of fine_tune, ``n_epoch`` of fit_one_cycle)."""
        return int(self._preview_panel().epochs_input.value)

    @preview_epochs.setter
    def preview_epochs(self, epochs: int) -> None:
        self._preview_panel().epochs_input.value = check_count(epochs, "preview_epochs")

    @property
    def preview_freeze_epochs(self) -> int:
        """The ``freeze_epochs`` the fine_tune preview assumes."""
        return int(self._preview_panel().freeze_epochs_input.value)

    @preview_freeze_epochs.setter
    def preview_freeze_epochs(self, epochs: int) -> None:
        self._preview_panel().freeze_epochs_input.value = check_count(epochs, "preview_freeze_epochs")

    def _handles_changed_preview(self, _change: dict[str, Any]) -> None:
        # A drag streams values: redraw at most 10 times a second. A set from Python redraws at once.
        if self.view.updating_from_view:
            self._redraw_preview_during_drag()
        else:
            self._preview_panel().update()

    def _preview_panel(self) -> SchedulePreview:
        if self.schedule_preview is None:
            raise RuntimeError("this LRWidget has no schedule preview (created with preview=None, or plain PyTorch)")
        return self.schedule_preview

    def _plan(self, call: TrainingCallName, epochs: int, freeze_epochs: int) -> Plan[Any]:
        """What ``w.fine_tune``/``w.fit_one_cycle`` would run now, with the very arguments they would pass."""
        kwargs = {"freeze_epochs": freeze_epochs} if call == "fine_tune" else {}
        return self._backend.plan(self._training_call(call, epochs, kwargs))
