"""One small interface over what LRWidget can drive: an lrwidget.Learner, a fastai Learner, or plain PyTorch.

The widget never asks what kind of learner it holds: it talks to a :class:`Backend`, which knows how to run a range
test on it, how many layer groups it has, and how to hand the picked learning rates to its training calls.

Layer: above :mod:`lrwidget.train`. Imports suggest, engine and train (and fastai, lazily); nothing of widget.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Protocol, runtime_checkable

from lrwidget.train.learner import Learner
from lrwidget.engine.rangetest import RangeTestPoint, RangeTestResult
from lrwidget.backends.fastai import FastaiBackend, is_fastai_learner
from lrwidget.backends.learner import LearnerBackend
from lrwidget.backends.torch import TorchBackend


@runtime_checkable
class Backend(Protocol):
    """What LRWidget needs from a learner."""

    #: a short name for messages ("lrwidget.Learner", "fastai Learner", "PyTorch")
    kind: str

    @property
    def n_groups(self) -> int:
        """The number of layer groups: the lo handle appears when there are several."""

    def range_test(
        self,
        *,
        start_lr: float,
        end_lr: float,
        num_it: int,
        stop_div: bool,
        on_point: Callable[[RangeTestPoint], None],
        cancel: threading.Event,
    ) -> RangeTestResult:
        """Runs the range test, restoring everything afterwards, and returns the curve."""

    def lease(self, owner: threading.Thread) -> AbstractContextManager[None]:
        """Holds the model for ``owner`` (a range test's thread) while entered: others get ModelBusyError."""

    def fine_tune(self, epochs: int, *, base_lr: float, lr_mult: float | None, **kwargs: Any) -> Any:
        """fastai's ``fine_tune`` with the picked base LR (and lr_mult, with several groups)."""

    def fit_one_cycle(self, n_epoch: int, *, lr_max: float | slice, **kwargs: Any) -> Any:
        """fastai's ``fit_one_cycle`` with the picked LRs."""


def backend_for(learn: Any) -> Backend:
    """The backend that drives ``learn``; a TypeError that says what is accepted for anything else."""
    if isinstance(learn, (LearnerBackend, FastaiBackend, TorchBackend)):
        return learn
    if isinstance(learn, Learner):
        return LearnerBackend(learn)
    if is_fastai_learner(learn):
        return FastaiBackend(learn)
    raise TypeError(
        f"LRWidget cannot drive a {type(learn).__module__}.{type(learn).__name__}; it accepts an lrwidget.Learner, "
        "a fastai Learner, or plain PyTorch through LRWidget.from_torch(model, optimizer, loss_func, train_dl)"
    )


__all__ = ["Backend", "backend_for", "LearnerBackend", "FastaiBackend", "TorchBackend"]
