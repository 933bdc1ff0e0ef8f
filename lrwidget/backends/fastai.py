"""Drives a real fastai Learner with fastai's own training loop and callbacks.

fastai stays optional: nothing here imports it until a fastai Learner is actually handed over (and a fastai Learner
can only exist once fastai is imported).

The range test is fastai's ``lr_find`` itself (its ``LRFinder`` schedule, Recorder smoothing and stop rule, and every
callback the user added: mixed precision, gradient accumulation, ...), so the curve is identical to
``learn.lr_find()`` under the same seed. Two things change:
- a small callback streams each point to the widget and raises ``CancelFitException`` on Stop;
- asked for (``valid_every=k``), another evaluates a fixed subset of ``learn.dls.valid`` every k steps (fastai's
  ``lr_find`` runs no validation, so it is off by default);
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
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from lrwidget.engine import busy
from lrwidget.engine.rangetest import (
    CANCELLED,
    COMPLETED,
    DIVERGED,
    LRSpec,
    RangeTestPoint,
    RangeTestResult,
    add_warning,
    check_lr_range,
    check_num_it,
)
from lrwidget.engine.snapshot import TrainingSnapshot
from lrwidget.engine.step import check_plain_step
from lrwidget.engine.validation import DEFAULT_VALID_BATCHES, check_validation
from lrwidget.train.plan import (
    TRAINING_CALLS,
    GroupSummary,
    Plan,
    Planner,
    TrainingCall,
    steps_per_epoch,
    summarize_groups,
)
from lrwidget.train.schedule import DEFAULT_MOMS

#: The fastai Learner methods that train, test or change what trains: refused from other threads during a test.
#: ``load`` would be undone by the restore; ``save`` and ``export`` would write the test's high-LR weights.
FASTAI_TRAINING_CALLS = ("fit", "fit_one_cycle", "fit_flat_cos", "fit_sgdr", "fine_tune", "lr_find", "freeze",
                         "freeze_to", "unfreeze", "validate", "get_preds", "predict", "show_results", "load", "save",
                         "export")


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
        details = ", ".join(f"{name}={getattr(train, name)!r}" for name in ("n", "bs", "drop_last")
                            if hasattr(train, name))
        raise ValueError(f"learn.dls.train has no batches (len 0; {details}); the range test needs at least one "
                         "batch: use more training items, a smaller bs, or drop_last=False")
    return n_batches


def _snapshot_target(opt: Any) -> Any:
    """What holds the optimizer's state: the wrapped torch optimizer of an OptimWrapper, else fastai's Optimizer."""
    inner = getattr(opt, "opt", None)
    return inner if isinstance(inner, torch.optim.Optimizer) else opt


class FastaiBackend:
    """A fastai ``Learner``: layer groups from its splitter, hand-off to its own ``fine_tune``/``fit_one_cycle``."""

    kind = "fastai Learner"
    calls = TRAINING_CALLS

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
        start_lr: LRSpec,
        end_lr: LRSpec,
        num_it: int,
        stop_div: bool,
        on_point: Callable[[RangeTestPoint], None] | None = None,
        cancel: threading.Event | None = None,
        valid_every: int | bool | None = None,
        valid_batches: int = DEFAULT_VALID_BATCHES,
    ) -> RangeTestResult:
        """fastai's own LRFinder; ``start_lr``/``end_lr`` per group reach it as numpy arrays (fastai's working form)."""
        from lrwidget.backends.fastai_callbacks import InMemoryLRFinder, PointStreamer, ValidationCallback

        learn = self.learn
        lr_range = check_lr_range(start_lr, end_lr, n_groups=self.n_groups)
        check_num_it(num_it)
        valid_request = self.check_validation(valid_every, valid_batches)
        n_epoch = num_it // _train_batches(learn.dls.train) + 1  # fastai's lr_find: epochs enough for num_it
        # fastai's LRFinder takes per-group values only as numpy arrays (a list or a slice crashes it).
        finder = InMemoryLRFinder(start_lr=lr_range.start_lr if lr_range.uniform else np.array(lr_range.starts),
                                  end_lr=lr_range.end_lr if lr_range.uniform else np.array(lr_range.ends),
                                  num_it=num_it, stop_div=stop_div)
        result = RangeTestResult(num_it=int(num_it), **lr_range.result_fields())
        validation = None if valid_request is None else ValidationCallback(valid_request, result)
        streamer = PointStreamer(on_point, cancel, validation)
        started = time.perf_counter()
        had_no_optimizer = learn.opt is None
        if had_no_optimizer:
            learn.create_opt()  # as fastai's own fit (and lr_find) would
        try:
            check_plain_step(_snapshot_target(learn.opt))
            self._fit_and_restore(n_epoch, [finder, streamer] + ([validation] if validation is not None else []))
        finally:
            if had_no_optimizer:
                learn.opt = None  # the next fit builds it afresh, as it would have without the test
        if streamer.cancelled:
            reason = CANCELLED
        elif finder.diverged:
            reason = DIVERGED
        else:
            reason = COMPLETED
        result.lrs = [float(lr) for lr in learn.recorder.lrs]
        result.losses = [float(loss) for loss in learn.recorder.losses]
        result.raw_losses = streamer.raw_losses
        result.stop_reason = reason
        result.elapsed_s = time.perf_counter() - started
        add_warning(result, stop_div)
        return result

    def check_validation(self, valid_every: Any, valid_batches: Any = DEFAULT_VALID_BATCHES) -> Any:
        """The checked validation request for ``learn.dls.valid`` (None when off); a clear error when there is none."""
        loaders = list(getattr(self.learn.dls, "loaders", []))
        if len(loaders) > 1:
            return check_validation(valid_every, valid_batches, loaders[1], source="learn.dls.valid")
        # DataLoaders.valid raises IndexError when there is none
        return check_validation(valid_every, valid_batches, None, source="learn.dls.valid (learn.dls holds no "
                                f"validation loader, only {len(loaders)})")

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

    # ----- plans and training calls: fastai's own schedule function, at fastai's own positions ------------------
    @property
    def steps_per_epoch(self) -> int | None:
        return steps_per_epoch(self.learn.dls.train)

    @property
    def frozen_groups(self) -> int:
        return getattr(self.learn.opt, "frozen_idx", 0) if self.learn.opt is not None else 0

    def group_summaries(self) -> list[GroupSummary]:
        return summarize_groups(self.learn.model, self._layer_groups())

    def plan(self, call: TrainingCall) -> Plan[FastaiCycle]:
        """What fastai's own ``call`` will apply; a ValueError when the loader's length is unknown."""
        batches = self.steps_per_epoch
        if batches is None:
            raise ValueError("the train loader has no len, so the steps of a training call are unknown")
        planner = Planner(self.n_groups, batches, self.frozen_groups, self.learn.lr, tuple(self.learn.moms),
                          FastaiCycle)
        return planner.plan(call)

    def train(self, call: TrainingCall) -> Any:
        return call.make(self.learn)


@dataclass(frozen=True)
class FastaiCycle:
    """fastai's ``fit_one_cycle`` as fastai applies it: its ``combined_cos`` at the positions its loop reaches.

    fastai's ``ParamScheduler`` evaluates the schedule at ``pct_train``, which ``TrainEvalCallback`` sets to
    ``epoch/n_epoch`` at each epoch start and then grows by ``1/(n_iter*n_epoch)`` per batch; the same float
    arithmetic is repeated here so the values are fastai's to the last bit.
    """

    lr_maxes: tuple[float, ...]
    n_epoch: int
    steps_per_epoch: int
    div: float = 25.0
    div_final: float = 1e5
    pct_start: float = 0.25
    moms: tuple[float, ...] = DEFAULT_MOMS

    @property
    def total_steps(self) -> int:
        """Optimizer steps in the cycle."""
        return self.n_epoch * self.steps_per_epoch

    def lrs(self) -> np.ndarray:
        """The lr fastai gives each group at each batch, shape [total_steps, groups]."""
        from fastai.callback.schedule import combined_cos

        lr_max = np.array(self.lr_maxes, dtype=float)
        return self._evaluate(combined_cos(self.pct_start, lr_max / self.div, lr_max, lr_max / self.div_final))

    def momentums(self) -> np.ndarray:
        """The momentum (Adam's beta1) fastai gives each group at each batch, shape [total_steps, groups]."""
        from fastai.callback.schedule import combined_cos

        return self._evaluate(combined_cos(self.pct_start, *self.moms))

    def _evaluate(self, schedule: Callable[[float], Any]) -> np.ndarray:
        rows = []
        for epoch in range(self.n_epoch):
            position = epoch / self.n_epoch
            for _ in range(self.steps_per_epoch):
                rows.append(np.broadcast_to(np.asarray(schedule(position), dtype=float), len(self.lr_maxes)))
                position += 1.0 / (self.steps_per_epoch * self.n_epoch)
        return np.array(rows).reshape(len(rows), len(self.lr_maxes))
