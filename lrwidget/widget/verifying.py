"""``w.verify()``: the planned call trained at a few LRs around the pick, in the background; the hi handle moves to
the best LR they show (:func:`lrwidget.train.verify.verified_lr`: the bottom of the parabola through the trial with
the lowest final validation loss and its neighbours).

The planned call is the schedule preview's (``fit_one_cycle`` or ``fine_tune``, with its epochs and, for fine_tune,
its freeze epochs), with the handles' LRs, exactly what ``w.fine_tune``/``w.fit_one_cycle`` would run. Each trial
moves the handles' last-group LR and keeps their ratio (see :func:`lrwidget.train.verify.call_at`). The default
trials are the pick × {1/3, 1, 3}: **3 planned trainings**, and a 4th a step further out when the best of them is at
an edge (at most 4 are allowed), plus a pass over the validation set after each. Everything runs through
:func:`lrwidget.backends.verify.verify_lrs`: each trial starts from one snapshot, and the learner is left exactly as
before, also after a Stop or an error.

Threading (DESIGN.md: one writer): the training thread only appends finished trials to a locked list. A publisher
thread alone writes the view's ``verify`` trait (``{"state", "trials": [{lr, valid_loss, status}], "summary",
"cost"}``), a few times a second when there is news, and at the end moves the handles and writes the final state.
A Stop (``w.stop()`` or the page's button) takes effect at the next training step (the trial cut short is
dropped; see :func:`~lrwidget.backends.verify.verify_lrs`). In foreground mode (hosts that never show a thread's
updates) the calling cell trains and publishes after each trial; the host's interrupt stops it.
"""
from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from typing import Any

from lrwidget.backends import Backend
from lrwidget.backends.verify import trial_kit, verify_lrs
from lrwidget.train.plan import TrainingCall, TrainingCallName
from lrwidget.train.verify import (
    Trial,
    best_trial,
    check_trial_lrs,
    default_trial_lrs,
    edge_trial_lr,
    verified_lr,
)
from lrwidget.widget.repeats import lr_text
from lrwidget.widget.view import LRCurveView

#: How often the publisher looks for finished trials.
VERIFY_FLUSH_INTERVAL_S = 0.15


def verify_summary(state: str, trials: Sequence[Trial], planned: int) -> str:
    """The status line's words: ``"verify: 3/3 trials · best 3.1e-3 (valid 0.412) · hi 2.6e-3, fitted · cost 3
    trainings"`` (the fitted hi only once the verification has ended, and only when it is not the best trial's)."""
    head = {"running": "verify", "done": "verify", "stopped": "verify stopped", "error": "verify failed"}[state]
    words = [f"{head}: {len(trials)}/{planned} trials"]
    best = best_trial(trials)
    if best is not None:
        words.append(f"best {lr_text(best.lr)} (valid {best.valid_loss:.3g})")
        hi = None if state == "running" else verified_lr(trials)  # hi moves only once the trials have ended
        if hi is not None and lr_text(hi) != lr_text(best.lr):
            words.append(f"hi {lr_text(hi)}, fitted")
    elif trials:
        words.append("every trial diverged")
    words.append(f"cost {planned} training{'s' if planned != 1 else ''}")
    return " · ".join(words)


class VerifyRun:
    """One verification: its trials, its cancel event, and its threads (or the calling one, in the foreground).

    Args:
        run_trials: trains the trials; gets the cancel event and the callback for each finished trial.
        planned: the trials asked for.
        publish: writes the view's state from a list of trials and a state (the publisher's only write).
        finish: called once with the finished trials, on the publishing thread, before the final state.
        lease: the backend's lease, taken for the training thread before it starts.
    """

    def __init__(self, run_trials: Callable[[threading.Event, Callable[[Trial], None]], list[Trial]], planned: int,
                 publish: Callable[[str, list[Trial], str], None], finish: Callable[[list[Trial]], None],
                 lease: Callable[[threading.Thread], Any]) -> None:
        self.cancel = threading.Event()
        self.planned = planned
        self.trials: list[Trial] = []
        self.exception: BaseException | None = None
        self._run_trials, self._publish, self._finish = run_trials, publish, finish
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._training = threading.Thread(target=self._train, name="lrwidget-verify", daemon=True)
        self._publishing = threading.Thread(target=self._publish_loop, name="lrwidget-verify-publisher", daemon=True)
        self._lease_for = lease
        self._lease: Any = None

    @property
    def alive(self) -> bool:
        """Whether the verification has not reached its final state yet."""
        return self._training.is_alive() or self._publishing.is_alive()

    def start(self) -> None:
        """Leases the model (a ModelBusyError if it is in use), then starts training and publishing."""
        self._lease = self._lease_for(self._training)
        self._lease.__enter__()
        try:
            self._publish("running", [], "")
            self._publishing.start()
            self._training.start()
        except BaseException:
            self._lease.__exit__(None, None, None)
            raise

    def join(self, timeout: float | None = None) -> bool:
        """Waits for the final state; returns whether the verification has ended."""
        if threading.current_thread() in (self._training, self._publishing) or self._publishing.ident is None:
            return self._done.is_set()  # its own thread cannot wait for itself; a foreground run has no threads
        self._publishing.join(timeout)
        return not self._publishing.is_alive()

    def _add(self, trial: Trial) -> None:
        with self._lock:
            self.trials.append(trial)

    def _train(self) -> None:
        try:
            self._run_trials(self.cancel, self._add)
        except BaseException as error:  # published by the publisher, re-raised by wait_verify()
            self.exception = error
        finally:
            try:
                self._lease.__exit__(None, None, None)
            finally:
                self._done.set()

    def _publish_loop(self) -> None:
        shown = 0
        try:
            while not self._done.wait(VERIFY_FLUSH_INTERVAL_S):
                with self._lock:
                    trials = list(self.trials)
                if len(trials) != shown:
                    shown = len(trials)
                    self._publish("running", trials, "")
        except BaseException as error:  # a failed send must not leave the training going on unseen
            self.cancel.set()
            self._done.wait()
            self.exception = self.exception or error
        self.end()

    def end(self) -> None:
        """Publishes the final state (and moves the handles when a trial finished); never raises."""
        trials = list(self.trials)
        try:
            if self.exception is None:
                self._finish(trials)
        except BaseException as error:
            self.exception = error
        state = "error" if self.exception is not None else "stopped" if self.cancel.is_set() else "done"
        message = "" if self.exception is None else f"{type(self.exception).__name__}: {self.exception}"
        try:
            self._publish(state, trials, message)
        except BaseException as failure:
            self.exception = self.exception or failure

    def run_here(self) -> None:
        """The foreground way: trains in the calling thread, publishing after each trial; an interrupt stops it."""
        with self._lease_for(threading.current_thread()):
            self._publish("running", [], "")

            def add_and_publish(trial: Trial) -> None:
                self._add(trial)
                self._publish("running", list(self.trials), "")

            try:
                self._run_trials(self.cancel, add_and_publish)
            except KeyboardInterrupt:  # the host's Stop: verify_lrs has restored everything in its finally
                self.cancel.set()
            except BaseException as error:
                self.exception = error
        self._done.set()
        self.end()


class Verifying:
    """``w.verify()``, ``w.wait_verify()`` and ``w.trials``, for LRWidget."""

    # The widget's own (LRWidget sets them; PreviewControls and HandOff provide the planned call).
    _backend: Backend
    view: LRCurveView
    mode: str
    _handles_lock: threading.RLock
    _verify_run: VerifyRun | None
    _training_call: Callable[[TrainingCallName, int, dict[str, Any]], TrainingCall]
    _picked: Callable[[], tuple[float, float]]

    @property
    def preview(self) -> str | None:
        raise NotImplementedError

    @property
    def preview_epochs(self) -> int:
        raise NotImplementedError

    @property
    def preview_freeze_epochs(self) -> int:
        raise NotImplementedError

    @property
    def running(self) -> bool:
        raise NotImplementedError

    def verify(self, lrs: Sequence[float] | None = None) -> None:
        """Trains the planned call at a few LRs around the pick, in the background, and moves hi to the best LR.

        The planned call is the preview's (``w.preview``, ``w.preview_epochs``, ``w.preview_freeze_epochs``) with the
        handles' LRs, as ``w.fine_tune``/``w.fit_one_cycle`` would make it. ``lrs`` are the hi LRs to try (1 to 4;
        each keeps the handles' lo/hi ratio); default: ``w.lr_hi`` × {1/3, 1, 3}, kept inside the tested range, and
        when the best of those is the lowest or highest, one more a step (3×) beyond it.

        **Cost: one planned training per trial** (3 by default, 4 with that edge trial), plus a pass over the
        validation set after each. Every trial starts from the same snapshot, and the model, optimizer, freezing,
        loaders' and global RNGs are put back exactly as before, also after a Stop or an error. Each trial's final
        validation loss is drawn at its LR as it finishes; the status line says ``verify: 2/3 trials · best 3.1e-3
        (valid 0.412) · cost 3 trainings``. At the end hi moves to the bottom of the parabola through the best trial and
        its neighbours (:func:`~lrwidget.train.verify.verified_lr`; the best trial's LR when it is at an edge), and lo
        keeps its ratio.
        ``w.stop()`` stops at the next training step (the finished trials still count); ``w.wait_verify()`` waits and
        returns the trials (``w.trials``).

        Raises, before anything trains: RuntimeError while a range test or verification runs, or without a preview
        (no planned call); ValueError without validation data (naming what is missing) or for bad ``lrs``;
        TypeError for plain PyTorch, which has no training call; ModelBusyError if the model is in use elsewhere.
        """
        if self.running or (self._verify_run is not None and self._verify_run.alive):
            raise RuntimeError("w.verify() refused: a range test or verification is running; call w.stop() or "
                               "w.wait() first")
        trial_kit(self._backend)  # no training call, or no validation data: refused before anything starts
        call = self._planned_call()
        lo, hi = self._picked()
        tried = self._trial_lrs(hi, lrs)
        ratio = lo / hi
        low, high = self.view.start_lr, self.view.end_lr
        # The default grid goes one step further out when its best trial sits at an edge; given LRs are tried as given.
        more = None if lrs is not None else (lambda trials: edge_trial_lr(trials, low, high))

        def run_trials(cancel: threading.Event, on_trial: Callable[[Trial], None]) -> list[Trial]:
            return verify_lrs(self._backend, call, tried, cancel=cancel, on_trial=on_trial, more=more)

        run = VerifyRun(run_trials, len(tried), self._publish_verify, lambda trials: self._move_to_best(trials, ratio),
                        self._backend.lease)
        self._verify_run = run
        if self.mode == "foreground":
            run.run_here()
            if run.exception is not None:
                raise run.exception
        else:
            run.start()

    def wait_verify(self, timeout: float | None = None) -> list[Trial]:
        """Blocks until the verification ends and returns its trials; re-raises its error; TimeoutError if not
        done after ``timeout`` seconds."""
        run = self._verify_run
        if run is None:
            raise RuntimeError("no verification has run: call w.verify() first")
        if not run.join(timeout):
            raise TimeoutError(f"the verification is still running after {timeout} s")
        if run.exception is not None:
            raise run.exception
        return list(run.trials)

    @property
    def trials(self) -> list[Trial]:
        """The last verification's finished trials, in the order they ran (empty before one)."""
        return [] if self._verify_run is None else list(self._verify_run.trials)

    def _stop_verify(self, wait: bool = False) -> None:
        """Asks a verification to stop before its next trial; with ``wait``, waits until it has ended."""
        if self._verify_run is not None:
            self._verify_run.cancel.set()
            if wait:
                self._verify_run.join(None)

    def _planned_call(self) -> TrainingCall:
        name = self.preview
        if name is None:
            raise RuntimeError("w.verify() trains the preview's planned call, and this widget has no preview "
                               "(created with preview=None); create it with preview='fine_tune' or 'fit_one_cycle'")
        kwargs = {"freeze_epochs": self.preview_freeze_epochs} if name == "fine_tune" else {}
        return self._training_call(name, self.preview_epochs, kwargs)  # type: ignore[arg-type]

    def _trial_lrs(self, hi: float, lrs: Sequence[float] | None) -> list[float]:
        low, high = self.view.start_lr, self.view.end_lr
        if lrs is None:
            return default_trial_lrs(hi, low, high)
        tried = check_trial_lrs(lrs)
        outside = [lr for lr in tried if not low <= lr <= high]
        if outside:
            raise ValueError(f"w.verify(lrs=...): {outside} lie outside the tested range [{low:.3g}, {high:.3g}], "
                             "where the hi handle cannot go")
        return tried

    def _publish_verify(self, state: str, trials: list[Trial], error: str) -> None:
        run = self._verify_run
        planned = max(run.planned, len(trials)) if run is not None else len(trials)  # an edge trial adds one
        self.view.verify = {"state": state, "trials": [trial.as_json() for trial in trials], "cost": planned,
                            "summary": verify_summary(state, trials, planned), **({"error": error} if error else {})}

    def _move_to_best(self, trials: list[Trial], ratio: float) -> None:
        hi = verified_lr(trials)
        if hi is None:
            return
        lo = max(hi * ratio, self.view.start_lr)
        with self._handles_lock:
            self.view.set_handles(lo if math.isfinite(lo) else hi, hi)
