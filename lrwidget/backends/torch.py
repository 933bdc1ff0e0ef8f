"""Drives plain PyTorch: a model, its optimizer, a loss and a loader (the torch-lr-finder user's setup)."""
from __future__ import annotations

import threading
from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import Any, NoReturn

import torch
from torch import nn

from lrwidget.engine import busy
from lrwidget.engine.amp_step import check_step_options
from lrwidget.engine.rangetest import RangeTestResult, range_test
from lrwidget.engine.step import LossFunc
from lrwidget.engine.validation import DEFAULT_VALID_BATCHES, check_validation
from lrwidget.train.plan import GroupSummary, TrainingCall, TrainingCallName, steps_per_epoch, summarize_groups


class TorchBackend:
    """Each param group of the optimizer is a layer group. There is no training call to plan or hand off to.

    ``amp`` and ``accumulation_steps`` go to every range test (see :func:`lrwidget.engine.rangetest.range_test`).
    ``valid_dl`` (optional) is where a validation loss (``valid_every=k``) takes its subset from.
    """

    kind = "PyTorch"
    calls: tuple[TrainingCallName, ...] = ()
    frozen_groups = 0  # plain PyTorch has no freeze_to

    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer, loss_func: LossFunc,
                 train_dl: Iterable[Any], valid_dl: Iterable[Any] | None = None, *, amp: Any = False,
                 accumulation_steps: int = 1) -> None:
        if not isinstance(model, nn.Module):
            raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
        if not isinstance(optimizer, torch.optim.Optimizer):
            raise TypeError(f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}")
        if not callable(loss_func):
            raise TypeError(f"loss_func must be callable as loss_func(predictions, target), got {loss_func!r}")
        check_step_options(amp, accumulation_steps, step=None)
        self.model, self.optimizer, self.loss_func, self.train_dl = model, optimizer, loss_func, train_dl
        self.amp, self.accumulation_steps = amp, accumulation_steps
        self.valid_dl = valid_dl

    @property
    def n_groups(self) -> int:
        return len(self.optimizer.param_groups)

    def lease(self, owner: threading.Thread) -> AbstractContextManager[None]:
        return busy.leased(self.model, busy.WIDGET_RANGE_TEST, owner)

    @property
    def steps_per_epoch(self) -> int | None:
        return steps_per_epoch(self.train_dl)

    def group_summaries(self) -> list[GroupSummary]:
        return summarize_groups(self.model, [group["params"] for group in self.optimizer.param_groups])

    def check_validation(self, valid_every: Any, valid_batches: Any = DEFAULT_VALID_BATCHES) -> None:
        """Raises a clear error if ``valid_every`` asks for a validation loss without usable ``valid_dl``."""
        check_validation(valid_every, valid_batches, self.valid_dl, source="valid_dl (from_torch(..., valid_dl=...))")

    def range_test(self, *, valid_every: int | bool | None = None, valid_batches: int = DEFAULT_VALID_BATCHES,
                   **kwargs: Any) -> RangeTestResult:
        if valid_every is not None and valid_every is not False:
            self.check_validation(valid_every, valid_batches)
            kwargs.update(valid_dl=self.valid_dl, valid_every=valid_every, valid_batches=valid_batches)
        return range_test(self.model, self.optimizer, self.loss_func, self.train_dl, amp=self.amp,
                          accumulation_steps=self.accumulation_steps, **kwargs)

    def plan(self, call: TrainingCall) -> NoReturn:
        raise self._no_training_call(call.name)

    def train(self, call: TrainingCall) -> NoReturn:
        raise self._no_training_call(call.name)

    def _no_training_call(self, call: str) -> TypeError:
        return TypeError(
            f"w.{call}() needs a learner with fastai's training recipe (an lrwidget.Learner or a fastai Learner); "
            "with plain PyTorch, write the picked LRs into your optimizer with w.apply_to(optimizer) and train "
            "with your own loop"
        )
