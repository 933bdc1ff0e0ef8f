"""fastai callbacks for the range test. Imported only when a fastai Learner is driven (it imports fastai)."""
from __future__ import annotations

import threading
from collections.abc import Callable

from fastai.callback.core import Callback, CancelFitException
from fastai.callback.schedule import LRFinder, ParamScheduler

from lrwidget.engine.rangetest import DIVERGENCE_FACTOR, RangeTestPoint


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

    def __init__(self, on_point: Callable[[RangeTestPoint], None] | None, cancel: threading.Event | None) -> None:
        self.on_point, self.cancel = on_point, cancel
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
            self.on_point(RangeTestPoint(len(recorder.lrs) - 1, float(recorder.lrs[-1]), raw_loss,
                                         float(recorder.losses[-1])))
