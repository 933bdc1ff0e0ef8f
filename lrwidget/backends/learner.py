"""Drives an :class:`lrwidget.Learner`."""
from __future__ import annotations

from typing import Any

from ..learner import Learner
from ..rangetest import RangeTestResult, range_test


class LearnerBackend:
    """The range test on the Learner's model, optimizer and loader; hand-off to its fastai-style training calls."""

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
