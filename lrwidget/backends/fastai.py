"""Drives a real fastai Learner with fastai's own training loop and callbacks.

fastai stays optional: nothing here imports it until a fastai Learner is actually handed over (and a fastai Learner
can only exist once fastai is imported).

The range test is fastai's ``lr_find`` itself (its ``LRFinder`` schedule, Recorder smoothing and stop rule, and every
callback the user added: mixed precision, gradient accumulation, ...), so the curve is identical to
``learn.lr_find()`` under the same seed. Two things change:
- a small callback streams each point to the widget and raises ``CancelFitException`` on Stop;
- instead of fastai's save-to-file-and-load-on-clean-exit, the model, optimizer, RNGs and the loaders' own RNGs are
  snapshotted in CPU RAM and restored in ``finally``, so an interrupted or failing run loses nothing either, and the
  training that follows runs as it would have without the test.
"""
from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import torch

from lrwidget.train.plans import GroupSummary, PlannedPhase, fastai_phase_lrs, summarize_groups
from lrwidget.engine import busy
from lrwidget.engine.rangetest import (CANCELLED, COMPLETED, DIVERGED, RangeTestPoint, RangeTestResult, add_warning,
                                      check_lr_range, check_num_it)
from lrwidget.engine.step import check_plain_step
from lrwidget.train.schedule import lrs_per_group
from lrwidget.engine.snapshot import TrainingSnapshot
from lrwidget.backends.recipe import FastaiRecipe


#: The fastai Learner methods that train, test or change what trains: refused from other threads during a test.
FASTAI_TRAINING_CALLS = ("fit", "fit_one_cycle", "fit_flat_cos", "fit_sgdr", "fine_tune", "lr_find", "freeze",
                         "freeze_to", "unfreeze", "validate", "get_preds", "predict", "show_results")


def is_fastai_learner(obj: Any) -> bool:
    """Whether ``obj`` is a fastai Learner, without importing fastai (if it is not imported, obj cannot be one)."""
    module = sys.modules.get("fastai.learner")
    return module is not None and isinstance(obj, module.Learner)


def _train_batches(train: Any) -> int:
    """The number of batches in fastai's train loader; a clear ValueError if there are none (or no length)."""
    try:
        n_batches = len(train)
    except TypeError as error:
        raise ValueError(f"learn.dls.train ({type(train).__name__}) has no length; fastai's training loop needs a "
                         "sized loader (n items)") from error
    if n_batches == 0:
        details = ", ".join(f"{name}={getattr(train, name)!r}" for name in ("n", "bs", "drop_last") if hasattr(train, name))
        raise ValueError(f"learn.dls.train has no batches (len 0; {details}); the range test needs at least one "
                         "batch: use more training items, a smaller bs, or drop_last=False")
    return n_batches


def _snapshot_target(opt: Any) -> Any:
    """What holds the optimizer's state: the wrapped torch optimizer of an OptimWrapper, else fastai's Optimizer."""
    inner = getattr(opt, "opt", None)
    return inner if isinstance(inner, torch.optim.Optimizer) else opt


class FastaiBackend(FastaiRecipe):
    """A fastai ``Learner``: layer groups from its splitter, hand-off to its own ``fine_tune``/``fit_one_cycle``."""

    kind = "fastai Learner"

    def __init__(self, learn: Any) -> None:
        self.learn = learn

    def _layer_groups(self) -> list[list[torch.Tensor]]:
        if self.learn.opt is not None:
            return [list(group) for group in self.learn.opt.param_lists]
        groups = list(self.learn.splitter(self.learn.model))
        # fastai's Optimizer rule: a list of lists is one group each; a flat list of parameters is one group.
        return [list(group) for group in groups] if groups and not isinstance(groups[0], torch.Tensor) else [groups]

    @property
    def n_groups(self) -> int:
        return len(self._layer_groups())

    def lease(self, owner: threading.Thread) -> AbstractContextManager[None]:
        # fastai's methods know nothing of leases: shadow them on this learner while the test runs.
        return busy.leased(self.learn.model, busy.WIDGET_RANGE_TEST, owner, guard=(self.learn, FASTAI_TRAINING_CALLS))

    def range_test(
        self,
        *,
        start_lr: float,
        end_lr: float,
        num_it: int,
        stop_div: bool,
        on_point: Callable[[RangeTestPoint], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> RangeTestResult:
        from lrwidget.backends.fastai_callbacks import InMemoryLRFinder, PointStreamer

        learn = self.learn
        check_lr_range(start_lr, end_lr)
        check_num_it(num_it)
        n_epoch = num_it // _train_batches(learn.dls.train) + 1  # fastai's lr_find: epochs enough for num_it
        finder = InMemoryLRFinder(start_lr=start_lr, end_lr=end_lr, num_it=num_it, stop_div=stop_div)
        streamer = PointStreamer(on_point, cancel)
        started = time.perf_counter()
        had_no_optimizer = learn.opt is None
        if had_no_optimizer:
            learn.create_opt()  # as fastai's own fit (and lr_find) would
        try:
            check_plain_step(_snapshot_target(learn.opt))
            self._fit_and_restore(n_epoch, [finder, streamer])
        finally:
            if had_no_optimizer:
                learn.opt = None  # the next fit builds it afresh, as it would have without the test
        if streamer.cancelled:
            reason = CANCELLED
        elif finder.diverged:
            reason = DIVERGED
        else:
            reason = COMPLETED
        result = RangeTestResult(
            lrs=[float(lr) for lr in learn.recorder.lrs],
            losses=[float(loss) for loss in learn.recorder.losses],
            raw_losses=streamer.raw_losses,
            stop_reason=reason,
            num_it=int(num_it),
            start_lr=float(start_lr),
            end_lr=float(end_lr),
            elapsed_s=time.perf_counter() - started,
        )
        add_warning(result, stop_div)
        return result

    def _fit_and_restore(self, n_epoch: int, cbs: list[Any]) -> None:
        """fastai's fit with the range test's callbacks; the model, optimizer and RNGs restored however it ends."""
        learn = self.learn
        # Every loader fit may touch (fastai's DataLoader replaces its rng at each epoch) is rewound too.
        snapshot = TrainingSnapshot(learn.model, _snapshot_target(learn.opt), loaders=list(learn.dls.loaders))
        try:
            progress = getattr(learn, "progress", None)  # fastprogress bars cannot draw from a background thread
            with learn.no_logging(), learn.removed_cbs([progress] if progress is not None else []):
                learn.fit(n_epoch, cbs=cbs)
        finally:
            snapshot.restore()

    # ----- the schedule preview: fastai's own schedule function, at fastai's own positions ------------------------
    @property
    def steps_per_epoch(self) -> int | None:
        train = self.learn.dls.train
        return len(train) if hasattr(train, "__len__") else None

    @property
    def frozen_groups(self) -> int:
        return getattr(self.learn.opt, "frozen_idx", 0) if self.learn.opt is not None else 0

    def group_summaries(self) -> list[GroupSummary]:
        return summarize_groups(self.learn.model, self._layer_groups())

    def _phase(self, name: str, lr_max: float | slice, n_epoch: int, frozen_groups: int, *, div: float,
               pct_start: float) -> PlannedPhase:
        lrs = fastai_phase_lrs(lrs_per_group(lr_max, self.n_groups), n_epoch, self.steps_per_epoch or 0,
                               div=div, div_final=1e5, pct_start=pct_start)
        return PlannedPhase(name, n_epoch, lrs, frozen_groups)

    def plan_fine_tune(self, epochs: int, *, base_lr: float, lr_mult: float | None, freeze_epochs: int) -> list[PlannedPhase]:
        """fastai's fine_tune: freeze, fit_one_cycle(freeze_epochs, slice(base_lr), pct_start=0.99), halve base_lr,
        unfreeze, fit_one_cycle(epochs, slice(base_lr/lr_mult, base_lr), pct_start=0.3, div=5)."""
        lr_mult = 100 if lr_mult is None else lr_mult
        half = base_lr / 2
        return [
            self._phase("frozen", slice(base_lr), freeze_epochs, self.n_groups - 1, div=25.0, pct_start=0.99),
            self._phase("unfrozen", slice(half / lr_mult, half), epochs, 0, div=5.0, pct_start=0.3),
        ]

    def plan_fit_one_cycle(self, n_epoch: int, *, lr_max: float | slice) -> list[PlannedPhase]:
        return [self._phase("one cycle", lr_max, n_epoch, self.frozen_groups, div=25.0, pct_start=0.25)]
