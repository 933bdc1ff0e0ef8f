"""Drives a real fastai Learner with fastai's own training loop and callbacks.

fastai stays optional: nothing here imports it until a fastai Learner is actually handed over (and a fastai Learner
can only exist once fastai is imported).

The range test is fastai's ``lr_find`` itself (its ``LRFinder`` schedule, Recorder smoothing and stop rule, and every
callback the user added: mixed precision, gradient accumulation, ...), so the curve is identical to
``learn.lr_find()`` under the same seed. Two things change:
- a small callback streams each point to the widget and raises ``CancelFitException`` on Stop;
- instead of fastai's save-to-file-and-load-on-clean-exit, the model, optimizer and RNGs are snapshotted in CPU RAM
  and restored in ``finally``, so an interrupted or failing run loses nothing either.
"""
from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import torch

from ..rangetest import CANCELLED, COMPLETED, DIVERGED, RangeTestPoint, RangeTestResult
from ..snapshot import TrainingSnapshot


def is_fastai_learner(obj: Any) -> bool:
    """Whether ``obj`` is a fastai Learner, without importing fastai (if it is not imported, obj cannot be one)."""
    module = sys.modules.get("fastai.learner")
    return module is not None and isinstance(obj, module.Learner)


def _snapshot_target(opt: Any) -> Any:
    """What holds the optimizer's state: the wrapped torch optimizer of an OptimWrapper, else fastai's Optimizer."""
    inner = getattr(opt, "opt", None)
    return inner if isinstance(inner, torch.optim.Optimizer) else opt


class FastaiBackend:
    """A fastai ``Learner``: layer groups from its splitter, hand-off to its own ``fine_tune``/``fit_one_cycle``."""

    kind = "fastai Learner"

    def __init__(self, learn: Any) -> None:
        self.learn = learn

    @property
    def n_groups(self) -> int:
        if self.learn.opt is not None:
            return len(self.learn.opt.param_lists)
        groups = list(self.learn.splitter(self.learn.model))
        # fastai's Optimizer rule: a list of lists is one group each; a flat list of parameters is one group.
        return len(groups) if groups and not isinstance(groups[0], torch.Tensor) else 1

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
        from .fastai_callbacks import InMemoryLRFinder, PointStreamer

        learn = self.learn
        if learn.opt is None:
            learn.create_opt()  # as fastai's own fit (and lr_find) would
        finder = InMemoryLRFinder(start_lr=start_lr, end_lr=end_lr, num_it=num_it, stop_div=stop_div)
        streamer = PointStreamer(on_point, cancel)
        n_epoch = num_it // len(learn.dls.train) + 1  # fastai's lr_find: enough epochs to cover num_it batches
        snapshot = TrainingSnapshot(learn.model, _snapshot_target(learn.opt))
        started = time.perf_counter()
        try:
            progress = getattr(learn, "progress", None)  # fastprogress bars cannot draw from a background thread
            with learn.no_logging(), learn.removed_cbs([progress] if progress is not None else []):
                learn.fit(n_epoch, cbs=[finder, streamer])
        finally:
            snapshot.restore()
        if streamer.cancelled:
            reason = CANCELLED
        elif finder.diverged:
            reason = DIVERGED
        else:
            reason = COMPLETED
        return RangeTestResult(
            lrs=[float(lr) for lr in learn.recorder.lrs],
            losses=[float(loss) for loss in learn.recorder.losses],
            raw_losses=streamer.raw_losses,
            stop_reason=reason,
            num_it=int(num_it),
            start_lr=float(start_lr),
            end_lr=float(end_lr),
            elapsed_s=time.perf_counter() - started,
        )

    def fine_tune(self, epochs: int, *, base_lr: float, lr_mult: float | None, **kwargs: Any) -> Any:
        if lr_mult is not None:
            kwargs["lr_mult"] = lr_mult
        return self.learn.fine_tune(epochs, base_lr=base_lr, **kwargs)

    def fit_one_cycle(self, n_epoch: int, *, lr_max: float | slice, **kwargs: Any) -> Any:
        return self.learn.fit_one_cycle(n_epoch, lr_max=lr_max, **kwargs)

