"""fastai callbacks for the range test. Imported only when a fastai Learner is driven (it imports fastai)."""
from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any

import torch
from fastai.callback.core import Callback, CancelFitException
from fastai.callback.schedule import LRFinder, ParamScheduler
from fastai.torch_core import find_bs

from lrwidget.engine.rangetest import DIVERGENCE_FACTOR, RangeTestPoint, RangeTestResult
from lrwidget.engine.validation import ValidationRecorder, ValidationRequest, ValidationSubset, take_batches


class InMemoryLRFinder(LRFinder):
    """fastai's LRFinder without its weights file: the backend restores from a RAM snapshot instead.

    The schedule, ``before_batch`` and the stop rule in ``after_batch`` are fastai's own.
    """

    diverged = False

    def before_fit(self) -> None:
        ParamScheduler.before_fit(self)  # the hyper-parameter record; skip LRFinder's save to the model dir
        self.best_loss = float("inf")

    def after_batch(self) -> None:
        try:
            super().after_batch()
        except CancelFitException:
            self.diverged = bool(self.stop_div and self.smooth_loss > DIVERGENCE_FACTOR * self.best_loss)
            raise

    def after_fit(self) -> None:
        self.learn.opt.zero_grad()  # as LRFinder does, before the optimizer is used again; no file to load


class PointStreamer(Callback):
    """Hands every recorded point to ``on_point`` and cancels the fit when ``cancel`` is set.

    Its order sits after the Recorder (50), which computes the smoothed loss, and before LRFinder (60), which may end
    the fit on this very batch, so the stopping point is streamed too.
    """

    order = 55

    def __init__(self, on_point: Callable[[RangeTestPoint], None] | None, cancel: threading.Event | None,
                 validation: ValidationCallback | None = None) -> None:
        self.on_point, self.cancel, self.validation = on_point, cancel, validation
        self.raw_losses: list[float] = []
        self.cancelled = False

    def before_batch(self) -> None:
        if self.training and self.cancel is not None and self.cancel.is_set():
            self.cancelled = True
            raise CancelFitException()

    def after_batch(self) -> None:
        if not self.training:
            return
        raw_loss = float(self.learn.loss.detach().mean())
        self.raw_losses.append(raw_loss)
        if self.on_point is not None:
            recorder = self.learn.recorder
            valid_loss = self.validation.valid_loss if self.validation is not None else math.nan
            self.on_point(RangeTestPoint(len(recorder.lrs) - 1, float(recorder.lrs[-1]), raw_loss,
                                         float(recorder.losses[-1]), valid_loss))


class ValidationCallback(Callback):
    """The validation loss in fastai's own loop: a fixed subset of ``learn.dls.valid``, evaluated every k steps.

    ``before_fit`` takes the subset (the backend has taken its snapshot by then, and the first step has not run);
    ``after_batch`` evaluates it after every ``k``-th training step (see :mod:`lrwidget.engine.validation`). Its order
    sits after the Recorder (50), which records the point, and before the PointStreamer (55), which streams the point
    with this loss. The subset is scored as fastai's ``validate`` scores a batch: ``loss_func(model(*xb), *yb)``,
    weighted by ``find_bs(yb)``; callbacks that wrap the training forward (mixed precision) do not wrap it.
    """

    order = 52

    def __init__(self, request: ValidationRequest, result: RangeTestResult) -> None:
        self.request, self.result = request, result
        self.valid_loss = math.nan
        self.validator: ValidationRecorder | None = None

    def before_fit(self) -> None:
        started = time.perf_counter()
        learn = self.learn

        def batch_loss(batch: Any) -> tuple[torch.Tensor, int]:
            n_inp = getattr(learn.dls, "n_inp", 1 if len(batch) == 1 else len(batch) - 1)  # fastai's Learner._split
            inputs, targets = batch[:n_inp], batch[n_inp:]
            return learn.loss_func(learn.model(*inputs), *targets), int(find_bs(targets))

        subset = ValidationSubset(learn.model, take_batches(self.request), batch_loss)
        self.validator = ValidationRecorder(subset, self.request.every, self.result, time.perf_counter() - started)

    def after_batch(self) -> None:
        if self.training and self.validator is not None:
            self.valid_loss = self.validator.after_step(len(self.learn.recorder.lrs) - 1)
