"""One small interface over what LRWidget can drive: an lrwidget.Learner, a fastai Learner, or plain PyTorch.

The widget never asks what kind of learner it holds: it talks to a :class:`Backend`, which runs the range test on it,
describes its layer groups, plans its training calls and makes them.

Layer: above :mod:`lrwidget.train`. Imports suggest, engine and train (and fastai, lazily); nothing of widget.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Protocol, runtime_checkable

from lrwidget.backends.fastai import FastaiBackend, is_fastai_learner
from lrwidget.backends.learner import LearnerBackend
from lrwidget.backends.torch import TorchBackend
from lrwidget.engine.rangetest import LRSpec, RangeTestPoint, RangeTestResult
from lrwidget.train.learner import Learner
from lrwidget.train.plan import GroupSummary, Plan, TrainingCall, TrainingCallName


@runtime_checkable
class Backend(Protocol):
    """Everything LRWidget needs from a learner."""

    #: a short name for messages ("lrwidget.Learner", "fastai Learner", "PyTorch")
    kind: str
    #: the training calls the learner has (fastai's ``fine_tune`` and ``fit_one_cycle``); none for plain PyTorch
    calls: tuple[TrainingCallName, ...]

    @property
    def n_groups(self) -> int:
        """The number of layer groups: the lo handle appears when there are several."""
        ...

    @property
    def frozen_groups(self) -> int:
        """The layer groups frozen now (the preview shows ``fine_tune`` by default when some are)."""
        ...

    @property
    def steps_per_epoch(self) -> int | None:
        """Batches per epoch of the training loader, or None when it has no ``len``."""
        ...

    def group_summaries(self) -> list[GroupSummary]:
        """Each layer group's first and last module and its parameter count, for the preview's table."""
        ...

    def range_test(
        self,
        *,
        start_lr: LRSpec,
        end_lr: LRSpec,
        num_it: int,
        stop_div: bool,
        on_point: Callable[[RangeTestPoint], None],
        cancel: threading.Event,
    ) -> RangeTestResult:
        """Runs the range test, restoring everything afterwards, and returns the curve.

        ``start_lr``/``end_lr`` may be given per layer group (a slice or one value per group), swept together at
        fixed ratios; the curve records the last group's LR (:mod:`lrwidget.engine.group_lrs`).
        """
        ...

    def lease(self, owner: threading.Thread) -> AbstractContextManager[None]:
        """Holds the model for ``owner`` (a range test's thread) while entered: others get ModelBusyError."""

    def plan(self, call: TrainingCall) -> Plan[Any]:
        """What ``call`` will do, phase by phase; a TypeError for a call the learner does not have."""
        ...

    def train(self, call: TrainingCall) -> Any:
        """Makes ``call`` on the learner and returns what it returns; a TypeError for a call it does not have."""
        ...


def backend_for(learn: Any) -> Backend:
    """The backend that drives ``learn``; a TypeError that says what is accepted for anything else."""
    if isinstance(learn, Backend):
        return learn
    if isinstance(learn, Learner):
        return LearnerBackend(learn)
    if is_fastai_learner(learn):
        return FastaiBackend(learn)
    raise TypeError(
        f"LRWidget cannot drive a {type(learn).__module__}.{type(learn).__name__}; it accepts an lrwidget.Learner, "
        "a fastai Learner, or plain PyTorch through LRWidget.from_torch(model, optimizer, loss_func, train_dl)"
    )


__all__ = ["Backend", "FastaiBackend", "LearnerBackend", "TorchBackend", "backend_for"]
