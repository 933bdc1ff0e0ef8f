"""A widget without a learner: what ``LRWidget.load`` shows saved runs with (no range test, no training call)."""
from __future__ import annotations

import contextlib
import threading
from contextlib import AbstractContextManager
from typing import Any, NoReturn

from lrwidget.train.plan import GroupSummary, Plan, TrainingCall, TrainingCallName

NO_LEARNER = ("this LRWidget was loaded from a file and shows saved runs only: it has no learner to test or train. "
              "Its handles still work (w.lr, w.apply_to); for a new range test, create LRWidget(learn)")


class NoLearnerError(RuntimeError):
    """A range test asked of a widget that shows saved runs and has no learner (``LRWidget.load``)."""


class SavedRunsBackend:
    """The backend of a widget loaded from a file: no learner, so no range test and no training call.

    ``n_groups`` follows the shown run's settings, so that ``w.lr`` is a slice for a run made with several groups.
    """

    kind = "saved runs"
    calls: tuple[TrainingCallName, ...] = ()
    frozen_groups = 0
    steps_per_epoch = None

    def __init__(self) -> None:
        self.n_groups = 1

    def group_summaries(self) -> list[GroupSummary]:
        return []

    def range_test(self, **_kwargs: Any) -> NoReturn:
        raise NoLearnerError(NO_LEARNER)

    def lease(self, owner: threading.Thread) -> AbstractContextManager[None]:
        return contextlib.nullcontext()

    def plan(self, call: TrainingCall) -> Plan[Any]:
        raise TypeError(f"{call.name} needs a learner; {NO_LEARNER}")

    def train(self, call: TrainingCall) -> NoReturn:
        raise TypeError(f"{call.name} needs a learner; {NO_LEARNER}")


NO_LEARNER = ("this LRWidget was loaded from a file and shows saved runs only: it has no learner to test or train. "
               "Its handles still work (w.lr, w.apply_to); for a new range test, create LRWidget(learn)")
