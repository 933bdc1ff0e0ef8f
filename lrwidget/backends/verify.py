"""A verified pick on a learner: the planned call trained at a few LRs, each trial from the same snapshot.

:func:`verify_lrs` takes one snapshot of everything a training call changes (model, optimizer, the loaders' and the
global RNGs, and the learner's own bookkeeping: freezing, history, GradScaler, recorder), then for each LR trains the
call, reads the final validation loss on the learner's whole validation set, and restores the snapshot. So every
trial starts from the same state, the trials cannot depend on their order, and afterwards (also after a Stop or an
exception) the learner is exactly as before the call. Each trial costs one planned training (plus one pass over the
validation set): the cost of a call is ``len(lrs)`` trainings, at most :data:`~lrwidget.train.verify.MAX_TRIALS`.

A Stop (``cancel``) ends the call within one training step: neither training loop has a cancel hook, so a forward
pre-hook on the model (removed afterwards) raises a private exception at the next forward once ``cancel`` is set; the
trial cut short is dropped, everything is restored, and the trials that finished are returned.

Layer: backends (it drives an lrwidget.Learner or a fastai Learner through their backends).
"""
from __future__ import annotations

import copy
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from lrwidget.backends import backend_for
from lrwidget.backends.fastai import FastaiBackend, _snapshot_target
from lrwidget.backends.learner import LearnerBackend
from lrwidget.engine import busy
from lrwidget.engine.snapshot import TrainingSnapshot
from lrwidget.train.plan import TrainingCall
from lrwidget.train.verify import MAX_TRIALS, Trial, call_at, check_trial_lrs


@dataclass(frozen=True)
class TrialKit:
    """How to run trials on one learner: its model, a snapshot-and-restore, one quiet training, and its valid loss."""

    model: Any
    snapshot: Callable[[], Callable[[], None]]
    train: Callable[[TrainingCall], Any]
    valid_loss: Callable[[], float]


class NoValidationDataError(ValueError):
    """Verifying needs a validation loss, and the learner has no validation data."""


def trial_kit(backend: Any) -> TrialKit:
    """The kit for ``backend``; a clear error, before anything runs, for a learner without validation data or
    without the training calls (plain PyTorch)."""
    if isinstance(backend, LearnerBackend):
        return _learner_kit(backend)
    if isinstance(backend, FastaiBackend):
        return _fastai_kit(backend)
    kind = getattr(backend, "kind", type(backend).__name__)
    raise TypeError(f"verifying trains the planned fine_tune/fit_one_cycle, which {kind} does not have: it needs an "
                    "lrwidget.Learner or a fastai Learner")


def verify_lrs(learn: Any, call: TrainingCall, lrs: Sequence[float], *, cancel: threading.Event | None = None,
               on_trial: Callable[[Trial], None] | None = None,
               more: Callable[[Sequence[Trial]], float | None] | None = None) -> list[Trial]:
    """Trains ``call`` at each of ``lrs`` (the last group's LR; see :func:`~lrwidget.train.verify.call_at`) from
    one snapshot, and returns each trial's final validation loss. Cost: ``len(lrs)`` planned trainings (1 to 4).

    ``more``, given the finished trials after ``lrs``, names one more LR to train, or None to end; it is asked
    again after each, while the budget (4 trainings in all) lasts (e.g. :func:`~lrwidget.train.verify.edge_trial_lr`).

    ``learn`` is an lrwidget.Learner, a fastai Learner or their backend. ``on_trial`` sees each trial as it ends
    (from the calling thread); ``cancel`` stops the call at the model's next forward, dropping the trial cut short.
    The model is leased for the whole call (others get :class:`~lrwidget.engine.busy.ModelBusyError`), and
    everything is restored afterwards, also after an exception, which is re-raised.

    Examples:
        >>> from lrwidget.train.verify import trial_lrs, best_trial
        >>> call = TrainingCall("fit_one_cycle", 3, {"lr_max": 1e-3})
        >>> trials = verify_lrs(learn, call, trial_lrs(1e-3))     # doctest: +SKIP
        >>> best_trial(trials).lr                                 # doctest: +SKIP
        0.003
    """
    lrs = check_trial_lrs(lrs)
    kit = trial_kit(backend_for(learn))
    calls = [call_at(call, lr) for lr in lrs]  # a bad call is refused before anything trains
    trials: list[Trial] = []
    with busy.exclusive_use(kit.model, "verify_lrs()"):
        restore = kit.snapshot()
        stopping = None if cancel is None else kit.model.register_forward_pre_hook(_stop_when_set(cancel))
        try:
            pending = list(zip(lrs, calls, strict=True))
            while pending:
                lr, trial_call = pending.pop(0)
                if cancel is not None and cancel.is_set():
                    break
                try:
                    kit.train(trial_call)
                    loss = float(kit.valid_loss())
                except _TrialStopped:
                    break  # restored by the finally just below
                finally:
                    restore()
                trial = Trial(lr, loss, "done" if math.isfinite(loss) else "diverged")
                trials.append(trial)
                if on_trial is not None:
                    on_trial(trial)
                if not pending and more is not None and len(trials) < MAX_TRIALS:
                    extra = more(trials)
                    if extra is not None:
                        pending.append((extra, call_at(call, check_trial_lrs([extra])[0])))
        finally:
            if stopping is not None:
                stopping.remove()
            restore()  # again: on_trial may have raised after a restore, and a restore is idempotent
    return trials


class _TrialStopped(Exception):
    """Raised inside a trial's forward once a Stop was asked for; never leaves :func:`verify_lrs`."""


def _stop_when_set(cancel: threading.Event) -> Callable[[Any, Any], None]:
    def stop_here(_module: Any, _inputs: Any) -> None:
        if cancel.is_set():
            raise _TrialStopped

    return stop_here


def _learner_kit(backend: LearnerBackend) -> TrialKit:
    learn = backend.learn
    if learn.valid_dl is None:
        raise NoValidationDataError("verifying needs a validation loss, but the Learner has no valid_dl: pass "
                                    "Learner(..., valid_dl=...)")

    def snapshot() -> Callable[[], None]:
        loaders = [learn.train_dl, learn.valid_dl]
        saved = TrainingSnapshot(learn.model, learn.opt, loaders=loaders, scalers=[learn.scaler])
        state, history, rows = learn.opt.state, learn.history, list(learn.history)
        fields = {name: getattr(learn, name) for name in ("n_frozen", "scaler", "show_progress")}

        def restore() -> None:
            learn.opt.state = state  # freeze_to binds a new dict; the snapshot fills the user's own again
            saved.restore()
            history[:] = rows
            learn.history = history
            for name, value in fields.items():
                setattr(learn, name, value)

        learn.show_progress = False  # no progress table printed from a background thread into another cell
        return restore

    return TrialKit(learn.model, snapshot, lambda call: call.make(learn), lambda: learn.validate()[0])


def _fastai_kit(backend: FastaiBackend) -> TrialKit:
    learn = backend.learn
    if len(list(getattr(learn.dls, "loaders", []))) < 2:
        raise NoValidationDataError("verifying needs a validation loss, but learn.dls holds no validation loader "
                                    "(learn.dls.valid)")

    def snapshot() -> Callable[[], None]:
        opt = learn.opt
        saved = TrainingSnapshot(learn.model, None if opt is None else _snapshot_target(opt),
                                 loaders=list(learn.dls.loaders))
        frozen = None if opt is None else getattr(opt, "frozen_idx", None)
        recorder = getattr(learn, "recorder", None)
        recorded = None if recorder is None else copy.copy(vars(recorder))  # fit rebinds its lists: shallow is enough

        def restore() -> None:
            if frozen is not None and learn.opt is opt:
                opt.frozen_idx = frozen
            learn.opt = opt  # None again if fit made one: the next fit makes it afresh, as it would have
            saved.restore()
            if recorder is not None and recorded is not None:
                vars(recorder).clear()
                vars(recorder).update(recorded)

        return restore

    def train(call: TrainingCall) -> Any:
        progress = getattr(learn, "progress", None)  # fastprogress bars cannot draw from a background thread
        with learn.no_logging(), learn.removed_cbs([progress] if progress is not None else []):
            return call.make(learn)

    def valid_loss() -> float:
        with learn.no_logging():
            return float(learn.validate()[0])

    return TrialKit(learn.model, snapshot, train, valid_loss)


__all__ = ["NoValidationDataError", "TrialKit", "trial_kit", "verify_lrs"]
