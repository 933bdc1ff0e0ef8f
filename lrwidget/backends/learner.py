"""Drives an :class:`lrwidget.Learner`."""
from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from typing import Any

from lrwidget.train.learner import Learner
from lrwidget.train.plans import GroupSummary, PlannedPhase, summarize_groups
from lrwidget.engine.rangetest import RangeTestResult, range_test
from lrwidget.backends.recipe import FastaiRecipe
from lrwidget.engine import busy


class LearnerBackend(FastaiRecipe):
    """The range test on the Learner's model, optimizer and loader; hand-off to its fastai-style training calls."""

    kind = "lrwidget.Learner"

    def __init__(self, learn: Learner) -> None:
        self.learn = learn

    @property
    def n_groups(self) -> int:
        return self.learn.n_groups

    def lease(self, owner: threading.Thread) -> AbstractContextManager[None]:
        # The Learner's own methods check the lease: leasing the model is enough.
        return busy.leased(self.learn.model, busy.WIDGET_RANGE_TEST, owner)

    def range_test(self, **kwargs: Any) -> RangeTestResult:
        learn = self.learn
        result = range_test(learn.model, learn.opt, learn.loss_func, learn.train_dl, **kwargs)
        learn.range_test_result = result  # as learn.lr_find() leaves it
        return result

    # ----- the schedule preview ---------------------------------------------------------------------------------
    @property
    def steps_per_epoch(self) -> int | None:
        return len(self.learn.train_dl) if hasattr(self.learn.train_dl, "__len__") else None

    @property
    def frozen_groups(self) -> int:
        return self.learn.n_frozen

    def group_summaries(self) -> list[GroupSummary]:
        return summarize_groups(self.learn.model, self.learn.layer_groups)

    def plan_fine_tune(self, epochs: int, *, base_lr: float, lr_mult: float | None, freeze_epochs: int) -> list[PlannedPhase]:
        """The phases ``fine_tune`` will run: the Learner trains from this very plan."""
        kwargs = {} if lr_mult is None else {"lr_mult": lr_mult}
        plan = self.learn.plan_fine_tune(epochs, base_lr=base_lr, freeze_epochs=freeze_epochs, **kwargs)
        groups = range(self.n_groups)
        return [PlannedPhase(phase.name, phase.n_epoch, phase.cycle.lrs(), len(groups[: phase.freeze_to]))
                for phase in plan.phases]

    def plan_fit_one_cycle(self, n_epoch: int, *, lr_max: float | slice) -> list[PlannedPhase]:
        cycle = self.learn.plan_one_cycle(n_epoch, lr_max)
        return [PlannedPhase("one cycle", n_epoch, cycle.lrs(), self.frozen_groups)]
