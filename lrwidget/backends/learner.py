"""Drives an :class:`lrwidget.Learner`."""
from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from typing import Any

from lrwidget.engine import busy
from lrwidget.engine.rangetest import RangeTestResult
from lrwidget.engine.validation import DEFAULT_VALID_BATCHES, check_validation
from lrwidget.train.learner import Learner
from lrwidget.train.plan import TRAINING_CALLS, GroupSummary, Plan, TrainingCall, summarize_groups
from lrwidget.train.schedule import OneCycle


class LearnerBackend:
    """The range test on the Learner's model, optimizer and loader; its own plans and fastai-style training calls."""

    kind = "lrwidget.Learner"
    calls = TRAINING_CALLS

    def __init__(self, learn: Learner) -> None:
        self.learn = learn

    @property
    def n_groups(self) -> int:
        return self.learn.n_groups

    def lease(self, owner: threading.Thread) -> AbstractContextManager[None]:
        # The Learner's own methods check the lease: leasing the model is enough.
        return busy.leased(self.learn.model, busy.WIDGET_RANGE_TEST, owner)

    @property
    def frozen_groups(self) -> int:
        return self.learn.n_frozen

    @property
    def steps_per_epoch(self) -> int:
        return self.learn.steps_per_epoch  # optimizer steps: the batches, divided by accumulation_steps

    def group_summaries(self) -> list[GroupSummary]:
        return summarize_groups(self.learn.model, self.learn.layer_groups)

    def check_validation(self, valid_every: Any, valid_batches: Any = DEFAULT_VALID_BATCHES) -> None:
        """Raises a clear error if ``valid_every`` asks for a validation loss the Learner cannot give."""
        check_validation(valid_every, valid_batches, self.learn.valid_dl, source="the Learner's valid_dl")

    def range_test(self, *, valid_every: int | bool | None = None, valid_batches: int = DEFAULT_VALID_BATCHES,
                   **kwargs: Any) -> RangeTestResult:
        if valid_every is not None and valid_every is not False:
            self.check_validation(valid_every, valid_batches)
            kwargs.update(valid_dl=self.learn.valid_dl, valid_every=valid_every, valid_batches=valid_batches)
        # The Learner's own step (its amp, accumulation and scaler); the result is kept as learn.lr_find() keeps it.
        return self.learn.run_range_test(**kwargs)

    def plan(self, call: TrainingCall) -> Plan[OneCycle]:
        """The Learner's own plan of ``call``: it trains from this very plan."""
        return self.learn.planner.plan(call)

    def train(self, call: TrainingCall) -> Any:
        return call.make(self.learn)
