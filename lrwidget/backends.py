"""One small interface over what LRWidget can drive.

The widget never asks what kind of learner it holds: it talks to a :class:`Backend`, which knows how to run a range
test on it, how many layer groups it has, and how to hand the picked learning rates to its training calls.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Protocol

from .learner import Learner
from .rangetest import RangeTestPoint, RangeTestResult, range_test


class Backend(Protocol):
    """What LRWidget needs from a learner."""

    #: a short name for messages ("lrwidget.Learner", ...)
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

    def fine_tune(self, epochs: int, *, base_lr: float, lr_mult: float | None, **kwargs: Any) -> Any:
        """fastai's ``fine_tune`` with the picked base LR (and lr_mult, with several groups)."""

    def fit_one_cycle(self, n_epoch: int, *, lr_max: float | slice, **kwargs: Any) -> Any:
        """fastai's ``fit_one_cycle`` with the picked LRs."""


class LearnerBackend:
    """Drives an :class:`lrwidget.Learner`."""

    kind = "lrwidget.Learner"

    def __init__(self, learn: Learner) -> None:
        self.learn = learn

    @property
    def n_groups(self) -> int:
        return self.learn.n_groups

    def range_test(self, **kwargs: Any) -> RangeTestResult:
        learn = self.learn
        result = range_test(learn.model, learn.opt, learn.loss_func, learn.train_dl, **kwargs)
        learn.range_test_result = result  # as learn.lr_find() leaves it
        return result

    def fine_tune(self, epochs: int, *, base_lr: float, lr_mult: float | None, **kwargs: Any) -> Any:
        if lr_mult is not None:
            kwargs["lr_mult"] = lr_mult
        return self.learn.fine_tune(epochs, base_lr=base_lr, **kwargs)

    def fit_one_cycle(self, n_epoch: int, *, lr_max: float | slice, **kwargs: Any) -> Any:
        return self.learn.fit_one_cycle(n_epoch, lr_max=lr_max, **kwargs)


def backend_for(learn: Any) -> Backend:
    """The backend that drives ``learn``; a TypeError that says what is accepted for anything else."""
    if isinstance(learn, Learner):
        return LearnerBackend(learn)
    raise TypeError(
        f"LRWidget cannot drive a {type(learn).__module__}.{type(learn).__name__}; it accepts an lrwidget.Learner"
    )
