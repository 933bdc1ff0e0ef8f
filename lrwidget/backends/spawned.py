"""Drives a DDP range test in new processes from a notebook: ``LRWidget(SpawnedDDPBackend(setup, world_size=2))``.

The model lives in the ranks' processes (see :mod:`lrwidget.engine.spawn`), so the widget draws rank 0's points as they
arrive and its Stop reaches every rank, but there is nothing here to lease, plan or train: read the picked LRs with
``w.lr`` and pass them to your own DDP training.
"""
from __future__ import annotations

import contextlib
import threading
from contextlib import AbstractContextManager
from typing import Any, NoReturn

from lrwidget.engine.rangetest import RangeTestResult
from lrwidget.engine.spawn import Setup, spawn_range_test
from lrwidget.train.plan import GroupSummary, TrainingCall, TrainingCallName


class SpawnedDDPBackend:
    """A range test on ``world_size`` spawned ranks, each built by ``setup(rank, world_size)``.

    ``setup`` returns ``(ddp_model, optimizer, loss_func, train_dl)`` and must be a function of an importable
    ``.py`` module (a spawned process cannot import a notebook cell). ``n_groups`` is the number of param groups
    of the ranks' optimizer (the widget shows the lo handle for several); ``backend`` and ``timeout_s`` go to
    :func:`~lrwidget.engine.spawn.spawn_range_test`.
    """

    kind = "DDP (spawned processes)"
    calls: tuple[TrainingCallName, ...] = ()
    frozen_groups = 0
    steps_per_epoch = None

    def __init__(self, setup: Setup, world_size: int, *, n_groups: int = 1, backend: str | None = None,
                 timeout_s: float | None = None) -> None:
        if not callable(setup):
            raise TypeError(f"setup must be a function setup(rank, world_size), got {setup!r}")
        if isinstance(n_groups, bool) or not isinstance(n_groups, int) or n_groups < 1:
            raise ValueError(f"n_groups must be an integer >= 1, got {n_groups!r}")
        self.setup, self.world_size, self.backend, self.timeout_s = setup, world_size, backend, timeout_s
        self._n_groups = n_groups

    @property
    def n_groups(self) -> int:
        return self._n_groups

    def group_summaries(self) -> list[GroupSummary]:
        return []  # the modules live in the ranks' processes

    def lease(self, owner: threading.Thread) -> AbstractContextManager[None]:
        return contextlib.nullcontext()  # each rank's range_test leases its own model, in its own process

    def range_test(self, **kwargs: Any) -> RangeTestResult:
        return spawn_range_test(self.setup, self.world_size, backend=self.backend, timeout_s=self.timeout_s,
                                **kwargs)

    def plan(self, call: TrainingCall) -> NoReturn:
        raise self._no_training_call(call.name)

    def train(self, call: TrainingCall) -> NoReturn:
        raise self._no_training_call(call.name)

    def _no_training_call(self, call: str) -> TypeError:
        return TypeError(f"w.{call}() cannot train a model that lives in spawned processes; read the picked LRs "
                         "with w.lr and pass them to your own DDP training")


__all__ = ["SpawnedDDPBackend"]
