"""LRWidget: the live LR range test in the notebook, and the hand-off of the picked LRs to training."""
from __future__ import annotations

import threading
from typing import Any, TypedDict

import ipywidgets

from lrwidget.backends import TorchBackend, backend_for
from lrwidget.engine.busy import ModelBusyError
from lrwidget.engine.rangetest import CANCELLED, LRSpec, RangeTestResult, check_lr_range, check_num_it
from lrwidget.engine.validation import DEFAULT_VALID_BATCHES
from lrwidget.suggest.markers import handle_default_lr, marker_suggestions
from lrwidget.train.schedule import FINE_TUNE_LR_MULT, check_count
from lrwidget.widget.closing import close_descendants
from lrwidget.widget.displaying import NotebookDisplay
from lrwidget.widget.handle_properties import HandleProperties
from lrwidget.widget.handoff import HandOff
from lrwidget.widget.hosts import choose_run_mode, warn_if_updates_cannot_arrive
from lrwidget.widget.no_learner import NoLearnerError
from lrwidget.widget.preview import SchedulePreview, Throttle
from lrwidget.widget.preview_controls import PreviewControls
from lrwidget.widget.publisher import Markers
from lrwidget.widget.repeats import RepeatStream
from lrwidget.widget.run import ForegroundRun, RangeTestRun
from lrwidget.widget.runs import KeptRuns
from lrwidget.widget.static_picture import PictureDisplays
from lrwidget.widget.stream import Curve
from lrwidget.widget.validation_keywords import recorded_validation, validation_keywords
from lrwidget.widget.verifying import Verifying, VerifyRun
from lrwidget.widget.view import LRCurveView, group_axis_state

# Each publisher tick sends at most two messages (the new points, then markers + progress in one state update).
FLUSH_INTERVAL_S = 0.15


class RangeTestSettings(TypedDict):
    """The range test's settings, as a backend's ``range_test`` takes them."""

    start_lr: LRSpec
    end_lr: LRSpec
    num_it: int
    stop_div: bool


class LRWidget(KeptRuns, HandleProperties, HandOff, PreviewControls, Verifying, NotebookDisplay, ipywidgets.VBox):
    """Runs the LR range test in a background thread and draws it live, with draggable lo/hi handles.

    ``w = LRWidget(learn)`` starts the test at once (``autostart=True``); display ``w`` as any widget. The notebook
    stays usable while the curve grows. When it ends, the hi handle starts at the sweetspot suggestion and lo at
    hi / 100 (fastai's ``lr_mult``), unless you moved them already. Then ``w.fine_tune(5)`` calls
    ``learn.fine_tune(5, base_lr=w.lr_hi, lr_mult=w.lr_hi / w.lr_lo)``.

    Every test it runs is kept: ``w.run(label="unfrozen")`` runs another, ``w.runs`` lists them, ``w.selected_run``
    picks the one the markers and handles follow, ``w.save(path)`` writes them and ``LRWidget.load(path)`` shows them
    again without a learner (see :mod:`lrwidget.widget.runs`).

    While the test runs, the learner's model is leased to it: another LRWidget, ``range_test``, ``lr_find``, ``fit``,
    ``fine_tune`` or ``freeze`` on the same model raises :class:`~lrwidget.engine.busy.ModelBusyError` until it ends.
    When it ends (finished, stopped, diverged or failed), the model, optimizer, loaders' and global RNG states are
    put back as they were when it started, so a ``torch.manual_seed(...)`` run in another cell during the test is
    undone too: seed after the test ends.

    Args:
        learn: an :class:`lrwidget.Learner` or a fastai ``Learner`` (for plain PyTorch, see :meth:`from_torch`).
        start_lr, end_lr, num_it, stop_div: the range test's settings, as in ``lr_find``. ``start_lr``/``end_lr``
            may be given per layer group (a slice, or one value per group, with the same ratios in both): the
            groups sweep together, the x axis shows the last group's LR (the view offers the others), and the hi
            handle hands each group ``hi × its ratio`` (see :mod:`lrwidget.widget.handoff`).
        autostart: start the range test in the constructor.
        preview: the schedule preview under the curve: ``"fine_tune"``, ``"fit_one_cycle"``, ``None`` (none), or
            ``"auto"``: fine_tune for a frozen learner with several layer groups, else fit_one_cycle (none for
            plain PyTorch, which has neither).
        preview_epochs, preview_freeze_epochs: the epochs the preview assumes (also settable in the view).
        mode: ``"background"`` runs the test in a thread, so the notebook stays usable; ``"foreground"`` runs it in
            the calling cell, still drawing live, with the host's interrupt as the Stop (for hosts that never show a
            thread's updates, such as Colab); ``"auto"`` (default) picks foreground on those hosts. With
            ``autostart`` in foreground mode the widget displays itself before the run.
        valid_every, valid_batches: a validation-loss curve, off by default (fastai's ``lr_find`` runs none).
            ``valid_every=k`` evaluates the first ``valid_batches`` batches of the learner's validation loader (an
            ``lrwidget.Learner``'s ``valid_dl``, fastai's ``learn.dls.valid``, ``from_torch(..., valid_dl=...)``)
            every ``k`` steps, in eval mode, and draws them as a second curve; ``True`` means every 10 steps. The
            status line says what it cost. A learner without validation data raises a ValueError here.

    Examples:
        >>> w = LRWidget(learn); w          # doctest: +SKIP
        >>> w.wait(); w.lr                  # doctest: +SKIP
        slice(3.3e-05, 0.0033, None)
        >>> w.fit_one_cycle(1); learn.unfreeze(); w.run()   # doctest: +SKIP  (runs "frozen" and "unfrozen", overlaid)
    """

    def __init__(
        self,
        learn: Any,
        *,
        start_lr: LRSpec = 1e-7,
        end_lr: LRSpec = 10,
        num_it: int = 100,
        stop_div: bool = True,
        autostart: bool = True,
        preview: str | None = "auto",
        preview_epochs: int = 2,
        preview_freeze_epochs: int = 1,
        mode: str = "auto",
        valid_every: int | bool | None = None,
        valid_batches: int = DEFAULT_VALID_BATCHES,
    ) -> None:
        # Run state first: if a check below raises, ipywidgets' __del__ still calls close(), which must work.
        self._run: RangeTestRun | ForegroundRun | None = None
        self._verify_run: VerifyRun | None = None  # w.verify(): see lrwidget.widget.verifying
        self._start_lock = threading.Lock()
        check_num_it(num_it)
        if not isinstance(stop_div, bool):
            raise TypeError(f"stop_div must be True or False, got {stop_div!r}")
        check_count(preview_epochs, "preview_epochs")
        check_count(preview_freeze_epochs, "preview_freeze_epochs")
        self.mode = choose_run_mode(mode)
        self._backend = backend_for(learn)
        self._lr_range = check_lr_range(start_lr, end_lr, n_groups=self._backend.n_groups)
        self._group_lr_ratios = self._lr_range.ratios
        self._validation = validation_keywords(self._backend, valid_every, valid_batches)
        warn_if_updates_cannot_arrive()
        preview_call = self._preview_call(preview)
        self.learn = learn
        start_spec, end_spec = self._lr_range.arguments()
        self._settings = RangeTestSettings(start_lr=start_spec, end_lr=end_spec, num_it=int(num_it), stop_div=stop_div)
        self.view = LRCurveView(start_lr=self._lr_range.start_lr, end_lr=self._lr_range.end_lr, num_it=int(num_it),
                                n_groups=self._backend.n_groups, **group_axis_state(self._group_lr_ratios,
                                                                                   self._backend.group_summaries))
        self.schedule_preview: SchedulePreview | None = None
        if preview_call is not None:
            self.schedule_preview = SchedulePreview(
                self._plan, self._backend.group_summaries(), self._backend.steps_per_epoch, call=preview_call,
                epochs=preview_epochs, freeze_epochs=preview_freeze_epochs)
        super().__init__(children=[self.view] + ([self.schedule_preview] if self.schedule_preview else []))
        self.add_class("lrw-widget")
        self._setting_default_handles = False
        self._handles_moved = False
        # The publisher places the default handles while the user may set one: check-and-set under one lock.
        self._handles_lock = threading.RLock()
        self._stream = RepeatStream(lambda content, buffers: self.view.send(content, buffers))
        self._init_runs(dict(self._settings))
        self._pictures = PictureDisplays(self._bundle_now)
        self.view.on_command("run", self._run_from_page)
        self.view.on_command("stop", self._request_stop)
        self.view.on_command("replay", self._stream.replay)
        self.view.observe(self._note_handle_move, names=["lr_lo", "lr_hi"])
        if self.schedule_preview is not None:
            self._redraw_preview_during_drag = Throttle(self.schedule_preview.update)
            self.view.observe(self._handles_changed_preview, names=["lr_lo", "lr_hi"])
            self.schedule_preview.update()
        if autostart:
            if self.mode == "foreground":
                self._show_before_foreground_run()
            self.run()

    @classmethod
    def from_torch(cls, model: Any, optimizer: Any, loss_func: Any, train_dl: Any, *, valid_dl: Any = None,
                   amp: Any = False, accumulation_steps: int = 1, **kwargs: Any) -> LRWidget:
        """An LRWidget over plain PyTorch (the torch-lr-finder user's setup).

        Each param group of ``optimizer`` is a layer group. ``valid_dl`` is where ``valid_every`` takes its validation
        subset from; ``amp`` and ``accumulation_steps`` are the training step's, as in :func:`lrwidget.range_test`.
        ``kwargs`` are LRWidget's range-test settings (``start_lr``, ``end_lr``, ``num_it``, ``stop_div``,
        ``autostart``, ``valid_every``). Use :meth:`apply_to` to hand the picked LRs to the optimizer.
        """
        backend = TorchBackend(model, optimizer, loss_func, train_dl, valid_dl=valid_dl, amp=amp,
                               accumulation_steps=accumulation_steps)
        return cls(backend, **kwargs)

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
    def notice(self) -> str:
        """What deserves a word about a run that ended (e.g. a "divergence" at a loss ≤ 0), else ``""``."""
        return self.view.notice

    @property
    def result(self) -> RangeTestResult | None:
        """The last run's curve, as ``range_test`` returns it (None before a run ends, or when it failed).

        The selected run's result is ``w.selected_run.result``.
        """
        return None if self._run is None else self._run.result

    @property
    def running(self) -> bool:
        """Whether a range test is running now (it has not reached its final status yet)."""
        return self._run is not None and self._run.alive

    # ----- the range test --------------------------------------------------------------------------------------
    def run(self, label: str | None = None, repeats: int = 1) -> None:
        """Starts the range test in a background thread (again, if one ran before); it is kept in ``w.runs``.

        ``label`` names the run (default: ``"frozen"`` or ``"unfrozen"`` for a learner with several layer groups,
        from its state when the test starts, else ``"run N"``; made unique with a suffix).

        ``repeats=n`` runs the test ``n`` times, each from the same snapshot with its own data order, and keeps them
        as one run: the view draws the band of their losses and the spread of each marker's picks, the markers and
        handles sit at the median pick, and the status line says how far the picks disagree (``w.repeats``,
        ``w.pick_spreads``; see :mod:`lrwidget.widget.repeats`). Your RNGs are left as they were.

        Raises RuntimeError if one is already running (there is never a second thread) or ``w.verify()`` is, and
        :class:`~lrwidget.engine.busy.ModelBusyError` if the model is in use elsewhere; nothing changes then. A widget
        made by :meth:`load` has no learner: it raises :class:`~lrwidget.widget.runs.NoLearnerError`.
        """
        with self._start_lock:
            if self.running:
                raise RuntimeError("a range test is already running; call w.stop() or w.wait() first")
            if self._verify_run is not None and self._verify_run.alive:
                raise RuntimeError("w.run() refused: a verification is training its trials; call w.stop() or "
                                   "w.wait_verify() first")
            self._check_can_run(label, repeats)
            publisher, range_test = self._publisher_and_call(repeats)
            if self.mode == "foreground":
                self._run = ForegroundRun(range_test, self._backend.lease, publisher, FLUSH_INTERVAL_S,
                                          interrupted=self._interrupted_result)
            else:
                self._run = RangeTestRun(range_test, self._backend.lease, publisher, FLUSH_INTERVAL_S)
            try:
                self._run.start()
            except BaseException:
                self._run = None  # refused before it started (a busy model): nothing ran
                raise
        if self.mode == "foreground" and self._run.exception is not None:
            raise self._run.exception  # in the calling cell, as lr_find would; also in w.error

    def _interrupted_result(self) -> RangeTestResult:
        """A foreground run stopped by the host's interrupt: the curve recorded so far, as a cancelled result."""
        curve = self._stream.curve()
        return RangeTestResult(lrs=curve.lrs.tolist(), losses=curve.losses.tolist(),
                               raw_losses=curve.raw_losses.tolist(), stop_reason=CANCELLED,
                               num_it=self._settings["num_it"], **self._lr_range.result_fields(),
                               **recorded_validation(self._validation, curve))

    def _run_from_page(self) -> None:
        # The page's Run button: a refusal (the model is busy elsewhere) is said in the view, not only in the log.
        try:
            self.run()
        except (ModelBusyError, NoLearnerError) as refused:  # no run is active, so no publisher writes now
            self.view.notice = str(refused)

    def _range_test(self, on_point: Any, cancel: threading.Event) -> RangeTestResult:
        return self._backend.range_test(on_point=on_point, cancel=cancel, **self._settings, **self._validation)

    def stop(self, timeout: float | None = 60) -> None:
        """Cancels a running test within one step and waits until the model is restored and the run has ended.

        Raises TimeoutError if the current step is still running after ``timeout`` seconds: the test stops (and
        restores everything) when that step ends; ``w.wait()`` waits for it. Called from the test's own threads (the
        loss function, an observer of the widget), it cancels and returns: a thread cannot wait for itself.
        """
        self._request_stop()
        run = self._run
        if run is None or run.on_own_thread:
            return
        if not run.join(timeout):
            raise TimeoutError(
                f"the range test was asked to stop but its current step is still running after {timeout} s; "
                "it stops and restores the model when that step ends (w.wait() waits for it)"
            )

    def _request_stop(self) -> None:
        # The view's Stop button: cancel and return at once, never block the kernel on the step in flight.
        self._stop_verify()
        if self._run is not None:
            self._run.cancel.set()

    def wait(self, timeout: float | None = None) -> RangeTestResult | None:
        """Blocks until the running test ends and returns its result (as ``range_test`` returns it).

        Re-raises the exception if the test failed; raises TimeoutError if it is still running after ``timeout``.
        """
        run = self._run
        if run is None:
            return None
        if not run.join(timeout):
            if run.on_own_thread:
                raise RuntimeError("w.wait() was called from the range test's own thread (the loss function, or an "
                                   "observer of the widget) before the test ended: it would wait for itself")
            raise TimeoutError(f"the range test is still running after {timeout} s")
        if run.exception is not None:
            raise run.exception
        return run.result

    def close(self) -> None:
        """Stops a running test, waits until the model is restored, then closes every widget this one made."""
        self._stop_verify(wait=True)
        if self._run is not None:
            self._run.cancel.set()
            if not self._run.on_own_thread:
                self._run.join(None)
        close_descendants(self)
        super().close()

    def _markers(self, curve: Curve) -> Markers:
        return self._markers_for(curve, self._settings["num_it"], self._lr_range.start_lr, self._lr_range.end_lr,
                                 self.preview)

    def _markers_for(self, curve: Curve, num_it: int, start_lr: float, end_lr: float,
                     planned_call: str | None) -> Markers:
        markers = marker_suggestions(curve.lrs, curve.losses, num_it, raw_losses=curve.raw_losses,
                                     planned_call=planned_call)
        # A handle lives inside the tested range; a suggestion may fall just outside it (minimum's tenth of the
        # lowest point, or float32 rounding of the first lr), and clicking its marker must still move the handle.
        for marker in markers.values():
            marker["lr"] = min(max(marker["lr"], start_lr), end_lr)
        return markers

    def _run_ended(self, result: RangeTestResult, markers: Markers) -> None:
        self._keep_finished(result)
        self._place_default_handles(markers)
        self._pictures.update()

    # ----- handles ---------------------------------------------------------------------------------------------
    def _default_handles(self, markers: Markers) -> tuple[float, float] | None:
        """Where the handles start on a curve with ``markers``: hi at the default marker, lo at hi / lr_mult."""
        default = handle_default_lr(markers)
        if default is None:
            return None
        # After a discriminative test the ratios set every group's LR from hi: no lo handle to place.
        spread = self._backend.n_groups > 1 and self._group_lr_ratios is None
        lo = max(default / FINE_TUNE_LR_MULT, self.view.start_lr) if spread else default
        return lo, default

    def _place_default_handles(self, markers: Markers) -> None:
        handles = self._default_handles(markers)
        with self._handles_lock:
            if self._handles_moved or handles is None:
                return
            self._setting_default_handles = True
            try:
                self.view.set_handles(*handles)
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
