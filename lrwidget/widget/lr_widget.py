"""LRWidget: the live LR range test in the notebook, and the hand-off of the picked LRs to training."""
from __future__ import annotations

import threading
import time
from typing import Any

import ipywidgets
import torch

from lrwidget.backends import TorchBackend, backend_for
from lrwidget.suggest.markers import DEFAULT_HANDLE_METHOD, marker_suggestions
from lrwidget.train.plan import TRAINING_CALLS, Plan, TrainingCall, TrainingCallName
from lrwidget.widget.preview import SchedulePreview, Throttle, preview_default
from lrwidget.engine.rangetest import CANCELLED, MIN_NUM_IT, RangeTestResult, check_lr_range, check_num_it
from lrwidget.train.schedule import check_count, lrs_per_group
from lrwidget.widget.stream import PointStream
from lrwidget.widget.view import LRCurveView, json_floats

DEFAULT_LR_MULT = 100  # fastai's fine_tune lr_mult: the lo handle starts at hi / 100
# Each flush sends two messages (the new points, then markers + progress in one state update): ≤ 14 messages/s.
FLUSH_INTERVAL_S = 0.15


class LRWidget(ipywidgets.VBox):
    """Runs the LR range test in a background thread and draws it live, with draggable lo/hi handles.

    ``w = LRWidget(learn)`` starts the test at once (``autostart=True``); display ``w`` as any widget. The notebook
    stays usable while the curve grows. When it ends, the hi handle starts at the sweetspot suggestion and lo at
    hi / 100 (fastai's ``lr_mult``), unless you moved them already. Then ``w.fine_tune(5)`` calls
    ``learn.fine_tune(5, base_lr=w.lr_hi, lr_mult=w.lr_hi / w.lr_lo)``.

    Args:
        learn: an :class:`lrwidget.Learner` or a fastai ``Learner`` (for plain PyTorch, see :meth:`from_torch`).
        start_lr, end_lr, num_it, stop_div: the range test's settings, as in ``lr_find``.
        autostart: start the range test in the constructor.
        preview: the schedule preview under the curve: ``"fine_tune"``, ``"fit_one_cycle"``, ``None`` (none), or
            ``"auto"``: fine_tune for a frozen learner with several layer groups, else fit_one_cycle (none for
            plain PyTorch, which has neither).
        preview_epochs, preview_freeze_epochs: the epochs the preview assumes (also settable in the view).
    """

    def __init__(
        self,
        learn: Any,
        *,
        start_lr: float = 1e-7,
        end_lr: float = 10,
        num_it: int = 100,
        stop_div: bool = True,
        autostart: bool = True,
        preview: str | None = "auto",
        preview_epochs: int = 2,
        preview_freeze_epochs: int = 1,
    ) -> None:
        # Thread state first: if a check below raises, ipywidgets' __del__ still calls close(), which stops.
        self._thread: threading.Thread | None = None
        self._cancel = threading.Event()
        check_lr_range(start_lr, end_lr)
        check_num_it(num_it)
        self._backend = backend_for(learn)
        preview_call = self._preview_call(preview)
        self.learn = learn
        self._settings = dict(start_lr=float(start_lr), end_lr=float(end_lr), num_it=int(num_it), stop_div=bool(stop_div))
        self.view = LRCurveView(start_lr=float(start_lr), end_lr=float(end_lr), num_it=int(num_it),
                                n_groups=self._backend.n_groups)
        self.schedule_preview: SchedulePreview | None = None
        if preview_call is not None:
            self.schedule_preview = SchedulePreview(
                self._plan, self._backend.group_summaries(), self._backend.steps_per_epoch, call=preview_call,
                epochs=preview_epochs, freeze_epochs=preview_freeze_epochs)
        super().__init__(children=[self.view] + ([self.schedule_preview] if self.schedule_preview else []))
        self.add_class("lrw-widget")
        self.result: RangeTestResult | None = None
        self._exception: BaseException | None = None
        self._start_lock = threading.Lock()
        self._setting_default_handles = False
        self._handles_moved = False
        self._started_at = time.monotonic()
        self._stream = PointStream(self.view.send, self._update_markers, min_interval_s=FLUSH_INTERVAL_S)
        self.view.on_command("run", self.run)
        self.view.on_command("stop", self.stop)
        self.view.on_command("replay", self._stream.replay)
        self.view.observe(self._note_handle_move, names=["lr_lo", "lr_hi"])
        if self.schedule_preview is not None:
            self._redraw_preview_during_drag = Throttle(self.schedule_preview.update)
            self.view.observe(self._handles_changed_preview, names=["lr_lo", "lr_hi"])
            self.schedule_preview.update()
        if autostart:
            self.run()

    @classmethod
    def from_torch(cls, model: Any, optimizer: Any, loss_func: Any, train_dl: Any, **kwargs: Any) -> "LRWidget":
        """An LRWidget over plain PyTorch (the torch-lr-finder user's setup).

        Each param group of ``optimizer`` is a layer group. ``kwargs`` are LRWidget's range-test settings
        (``start_lr``, ``end_lr``, ``num_it``, ``stop_div``, ``autostart``). Use :meth:`apply_to` to hand the picked
        LRs to the optimizer.
        """
        return cls(TorchBackend(model, optimizer, loss_func, train_dl), **kwargs)

    # ----- state -----------------------------------------------------------------------------------------------
    @property
    def status(self) -> str:
        """``"idle"``, ``"running"``, ``"done"``, ``"stopped"`` or ``"error"``."""
        return self.view.status

    @property
    def error(self) -> str:
        """The error message when ``status == "error"``, else ``""``."""
        return self.view.error

    @property
    def lr_lo(self) -> float | None:
        """The lo handle: the LR of the first layer group."""
        return self.view.lr_lo

    @lr_lo.setter
    def lr_lo(self, value: float) -> None:
        self.view.lr_lo = value

    @property
    def lr_hi(self) -> float | None:
        """The hi handle: the LR of the last layer group (the head), fine_tune's base_lr."""
        return self.view.lr_hi

    @lr_hi.setter
    def lr_hi(self, value: float) -> None:
        self.view.lr_hi = value

    @property
    def lr(self) -> float | slice:
        """The picked learning rate: ``lr_hi`` with one layer group, else ``slice(lr_lo, lr_hi)``."""
        lo, hi = self._picked()
        return hi if self._backend.n_groups <= 1 else slice(lo, hi)

    @property
    def running(self) -> bool:
        """Whether a range test is running now."""
        return self._thread is not None and self._thread.is_alive()

    # ----- the range test --------------------------------------------------------------------------------------
    def run(self) -> None:
        """Starts the range test in a background thread (again, if one ran before).

        Raises RuntimeError if one is already running: there is never a second thread.
        """
        with self._start_lock:
            if self.running:
                raise RuntimeError("a range test is already running; call w.stop() or w.wait() first")
            self._cancel = threading.Event()
            self._exception = None
            self._stream.reset()
            self._started_at = time.monotonic()
            with self.view.hold_sync():
                self.view.error = ""
                self.view.curve = {}
                self.view.suggestions = {}
                self._report_progress(0)
                self.view.status = "running"
            self._thread = threading.Thread(target=self._run_in_background, name="lrwidget-range-test", daemon=True)
            self._thread.start()

    def stop(self, timeout: float | None = 60) -> None:
        """Cancels a running test within one step and waits until the model is restored."""
        self._cancel.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def wait(self, timeout: float | None = None) -> RangeTestResult | None:
        """Blocks until the running test ends and returns its result (as ``range_test`` returns it).

        Re-raises the exception if the test failed; raises TimeoutError if it is still running after ``timeout``.
        """
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                raise TimeoutError(f"the range test is still running after {timeout} s")
        if self._exception is not None:
            raise self._exception
        return self.result

    def close(self) -> None:
        """Stops a running test, then closes the widget and its view."""
        self.stop()
        view = getattr(self, "view", None)  # absent when the constructor raised before building it
        if view is not None:
            view.close()
        super().close()

    def _run_in_background(self) -> None:
        try:
            result = self._backend.range_test(on_point=self._on_point, cancel=self._cancel, **self._settings)
        except BaseException as exception:  # noqa: BLE001 - shown in the view, re-raised by wait()
            self._stream.flush()
            self._exception = exception
            with self.view.hold_sync():
                self.view.error = f"{type(exception).__name__}: {exception}"
                self.view.status = "error"
            return
        self._stream.flush()
        self.result = result
        self._finish(result)

    def _on_point(self, point: Any) -> None:
        self._stream.add(point)

    def _finish(self, result: RangeTestResult) -> None:
        markers = marker_suggestions(result.lrs, result.losses, result.num_it, raw_losses=result.raw_losses,
                                     planned_call=self.preview)
        with self.view.hold_sync():
            self._report_progress(len(result.lrs), stop_reason=result.stop_reason)
            self.view.curve = {
                "lrs": result.lrs, "losses": json_floats(result.losses), "raw_losses": json_floats(result.raw_losses)
            }
            self.view.suggestions = markers
            default = next((markers[name]["lr"] for name in (DEFAULT_HANDLE_METHOD, "valley") if name in markers), None)
            if not self._handles_moved and default is not None:
                self._set_default_handles(default)
            self.view.status = "stopped" if result.stop_reason == CANCELLED else "done"

    def _update_markers(self, lrs: list[float], losses: list[float], raw_losses: list[float]) -> None:
        with self.view.hold_sync():  # one state message per flush, not one per trait
            self.view.suggestions = marker_suggestions(lrs, losses, self._settings["num_it"], raw_losses=raw_losses,
                                                       planned_call=self.preview)
            self._report_progress(len(lrs))

    def _report_progress(self, iteration: int, stop_reason: str | None = None) -> None:
        elapsed = time.monotonic() - self._started_at
        planned = max(self._settings["num_it"], MIN_NUM_IT)
        eta = None if stop_reason is not None or iteration == 0 else elapsed / iteration * (planned - iteration)
        progress = {"iteration": iteration, "num_it": planned, "elapsed_s": elapsed, "eta_s": eta}
        if stop_reason is not None:
            progress["stop_reason"] = stop_reason
        self.view.progress = progress

    # ----- handles ---------------------------------------------------------------------------------------------
    def _set_default_handles(self, hi: float) -> None:
        lo = max(hi / DEFAULT_LR_MULT, self.view.start_lr) if self._backend.n_groups > 1 else hi
        self._setting_default_handles = True
        try:
            self.view.set_handles(lo, hi)
        finally:
            self._setting_default_handles = False

    def _note_handle_move(self, _change: dict[str, Any]) -> None:
        if not self._setting_default_handles:
            self._handles_moved = True

    def _picked(self) -> tuple[float, float]:
        hi, lo = self.view.lr_hi, self.view.lr_lo
        if hi is None:
            raise RuntimeError("no learning rate picked yet: let the range test finish, or set w.lr_hi")
        return (hi if lo is None else lo), hi

    # ----- the schedule preview ---------------------------------------------------------------------------------
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
            self.schedule_preview.update()

    def _preview_panel(self) -> SchedulePreview:
        if self.schedule_preview is None:
            raise RuntimeError("this LRWidget has no schedule preview (created with preview=None, or plain PyTorch)")
        return self.schedule_preview

    def _plan(self, call: TrainingCallName, epochs: int, freeze_epochs: int) -> Plan[Any]:
        """What ``w.fine_tune``/``w.fit_one_cycle`` would run now, with the very arguments they would pass."""
        kwargs = {"freeze_epochs": freeze_epochs} if call == "fine_tune" else {}
        return self._backend.plan(self._training_call(call, epochs, kwargs))

    # ----- hand-off --------------------------------------------------------------------------------------------
    def _ensure_idle(self, call: str) -> None:
        if self.running:
            raise RuntimeError(f"{call} refused: a range test is running; call w.stop() or w.wait() first")

    def fine_tune(self, epochs: int, **kwargs: Any) -> Any:
        """``learn.fine_tune(epochs, base_lr=w.lr_hi, lr_mult=w.lr_hi / w.lr_lo, **kwargs)``.

        With one layer group, lr_mult keeps the learner's default (it has no effect there).
        """
        self._ensure_idle("fine_tune")
        _reject_handle_kwargs(kwargs, ("base_lr", "lr_mult"), "fine_tune")
        return self._backend.train(self._training_call("fine_tune", epochs, kwargs))

    def _training_call(self, name: TrainingCallName, epochs: int, kwargs: dict[str, Any]) -> TrainingCall:
        """The call ``w.<name>(epochs, **kwargs)`` makes, the handles' LRs first: what it runs and the preview shows.

        fine_tune gets ``base_lr=hi`` and, with several groups, ``lr_mult=hi/lo`` (with one, lr_mult has no effect,
        so the learner's default stays); fit_one_cycle gets ``lr_max=w.lr``.
        """
        handles: dict[str, Any]
        if name == "fine_tune":
            lo, hi = self._picked()
            handles = {"base_lr": hi, **({"lr_mult": hi / lo} if self._backend.n_groups > 1 else {})}
        else:
            handles = {"lr_max": self.lr}
        return TrainingCall(name, epochs, {**handles, **kwargs})

    def fit_one_cycle(self, n_epoch: int, **kwargs: Any) -> Any:
        """``learn.fit_one_cycle(n_epoch, lr_max=w.lr, **kwargs)``."""
        self._ensure_idle("fit_one_cycle")
        _reject_handle_kwargs(kwargs, ("lr_max",), "fit_one_cycle")
        return self._backend.train(self._training_call("fit_one_cycle", n_epoch, kwargs))

    def apply_to(self, optimizer: torch.optim.Optimizer) -> list[float]:
        """Writes the picked LRs into ``optimizer``'s param groups and returns them.

        ``w.lr`` follows fastai's rules: a float goes to every group; ``slice(lo, hi)`` gives geometric steps from lo
        (first group) to hi (last group).
        """
        self._ensure_idle("apply_to")
        if not isinstance(optimizer, torch.optim.Optimizer):
            raise TypeError(f"apply_to takes a torch.optim.Optimizer, got {type(optimizer).__name__}")
        lrs = lrs_per_group(self.lr, len(optimizer.param_groups), name="w.lr")
        for group, lr in zip(optimizer.param_groups, lrs):
            if isinstance(group["lr"], torch.Tensor):
                group["lr"].fill_(lr)
            else:
                group["lr"] = lr
        return lrs


def _reject_handle_kwargs(kwargs: dict[str, Any], names: tuple[str, ...], call: str) -> None:
    given = [name for name in names if name in kwargs]
    if given:
        raise TypeError(
            f"w.{call}() takes {', '.join(given)} from the handles; drag them or set w.lr_lo / w.lr_hi, "
            f"or call learn.{call}() directly to pass your own"
        )
