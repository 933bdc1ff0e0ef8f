"""The Learner's training loop and validation, and the step it trains with (mixed precision, accumulation).

:class:`TrainingLoop` is a mixin of :class:`lrwidget.train.learner.Learner`: the loop shared by ``fit`` and the
one-cycle methods, ``validate``, and fastai's ``to_fp16`` / ``to_bf16`` / ``to_fp32``.

With ``accumulation_steps=k`` an epoch is ``ceil(len(train_dl) / k)`` optimizer steps: each step trains on ``k``
consecutive batches (the last step of an epoch on what is left), the schedule advances once per step, and the
smoothed ``train_loss`` sees each step's mean loss. Under float16 the GradScaler (``learn.scaler``) lives as long as
the learner, so its calibrated scale carries over from one training call to the next, and a range test restores it.
"""
from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Protocol, Self

import torch
from torch import nn

from lrwidget.engine import busy
from lrwidget.engine.amp_step import build_step
from lrwidget.engine.loaders import micro_batch_groups
from lrwidget.engine.precision import MixedPrecision
from lrwidget.engine.smoothing import LossSmoother
from lrwidget.engine.step import LossFunc, TrainStep, compute_loss, model_device
from lrwidget.train.progress import ProgressTable
from lrwidget.train.schedule import OneCycle, step_scheduler

Metric = Callable[[torch.Tensor, Any], Any]


class Batches(Protocol):
    """A sized iterable of batches, such as a ``DataLoader``: the schedules need its ``len``."""

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[Any]: ...


def metric_name(metric: Metric) -> str:
    """A metric's column name: its ``__name__``, or the wrapped function's for a ``functools.partial``."""
    target = getattr(metric, "func", metric)
    return getattr(target, "__name__", type(target).__name__)


class TrainingLoop:
    """Trains and validates a learner's model; the Learner sets the attributes below."""

    model: nn.Module
    opt: torch.optim.Optimizer
    loss_func: LossFunc
    train_dl: Batches
    valid_dl: Batches | None
    metrics: tuple[Metric, ...]
    show_progress: bool
    history: list[dict[str, Any]]
    #: mixed precision: False, True (float16 on CUDA, bfloat16 elsewhere), torch.float16 or torch.bfloat16
    amp: Any
    #: batches per optimizer step
    accumulation_steps: int
    #: the float16 GradScaler, made at the first float16 step and kept (None until then)
    scaler: torch.amp.GradScaler | None

    @property
    def metric_names(self) -> list[str]:
        """The column names of the metrics, in order."""
        return [metric_name(metric) for metric in self.metrics]

    @property
    def steps_per_epoch(self) -> int:
        """Optimizer steps per epoch: ``len(train_dl)``, divided by ``accumulation_steps`` and rounded up."""
        return math.ceil(len(self.train_dl) / self.accumulation_steps)

    def to_fp16(self) -> Self:
        """Trains in float16 mixed precision with a GradScaler from now on (fastai's ``to_fp16``); returns self."""
        self.amp = torch.float16
        return self

    def to_bf16(self) -> Self:
        """Trains in bfloat16 mixed precision from now on (fastai's ``to_bf16``); returns self."""
        self.amp = torch.bfloat16
        return self

    def to_fp32(self) -> Self:
        """Trains in full precision from now on (fastai's ``to_fp32``); returns self."""
        self.amp = False
        return self

    def training_step(self) -> TrainStep:
        """The step ``fit`` and ``lr_find`` train with, per ``amp`` and ``accumulation_steps``, on ``self.scaler``."""
        precision = MixedPrecision.of(self.amp, self.model, self.scaler)
        if precision is not None and precision.scaler is not None:
            self.scaler = precision.scaler
        return build_step(self.model, self.opt, self.loss_func, precision, self.accumulation_steps)

    def _step_inputs(self) -> Iterable[Any]:
        """One epoch of step inputs: the batches, or lists of ``accumulation_steps`` of them."""
        if self.accumulation_steps == 1:
            return self.train_dl
        return micro_batch_groups(self.train_dl, self.accumulation_steps)

    def _columns(self) -> list[str]:
        validation = ["valid_loss", *self.metric_names] if self.valid_dl is not None else []
        return ["epoch", "train_loss", *validation, "time"]

    def _train(self, n_epoch: int, cycle: OneCycle | None) -> None:
        """The training loop shared by ``fit`` and the one-cycle methods; appends a row per epoch to history."""
        if n_epoch == 0:
            return
        scheduler = cycle.scheduler(self.opt) if cycle is not None else None
        step = self.training_step()
        smoother = LossSmoother()  # fastai resets its smoothed train loss at the start of every fit
        table = ProgressTable(self._columns(), enabled=self.show_progress)
        n_steps = self.steps_per_epoch
        steps_done = 0
        table.header()
        try:
            for epoch in range(n_epoch):
                started = time.perf_counter()
                self.model.train()
                train_loss = float("nan")
                for step_index, step_input in enumerate(self._step_inputs(), start=1):
                    loss = step(step_input)
                    steps_done += 1
                    if scheduler is not None:
                        _advance(scheduler, steps_done)
                    train_loss = smoother.add(loss.item())
                    table.bar(step_index, n_steps, f"train_loss {train_loss:.4f}")
                row: dict[str, Any] = {"epoch": epoch, "train_loss": train_loss}
                if self.valid_dl is not None:
                    row.update(zip(["valid_loss", *self.metric_names], self.validate(), strict=True))
                row["time"] = time.perf_counter() - started
                self.history.append(row)
                table.row(row)
        finally:
            table.close()

    @busy.uses_model("learn.validate()")
    def validate(self, dl: Iterable[Any] | None = None) -> list[float]:
        """``[valid_loss, *metric values]`` on ``dl`` (default ``valid_dl``), weighted by batch size."""
        dl = self.valid_dl if dl is None else dl
        if dl is None:
            raise ValueError("no validation data: pass valid_dl to the Learner or dl to validate()")
        device = model_device(self.model)
        was_training = self.model.training
        totals = [0.0] * (1 + len(self.metrics))
        seen = 0
        self.model.eval()
        try:
            with torch.no_grad():
                for batch in dl:
                    loss, predictions, target = compute_loss(self.model, self.loss_func, batch, device)
                    size = _batch_size(target)
                    values = [loss, *(metric(predictions, target) for metric in self.metrics)]
                    for index, value in enumerate(values):
                        totals[index] += float(value) * size
                    seen += size
        finally:
            self.model.train(was_training)
        if seen == 0:
            raise ValueError("the validation data yielded no batches")
        return [total / seen for total in totals]


def _advance(scheduler: Any, steps_done: int) -> None:
    """Steps the schedule after optimizer step ``steps_done``, whether or not a float16 GradScaler skipped it.

    A skipped first step makes torch warn that the scheduler stepped before the optimizer; the skipped-step rule
    (:mod:`lrwidget.engine.precision`) advances the LR on purpose, so that one warning is silenced.
    """
    if steps_done > 1:
        step_scheduler(scheduler, steps_done)
        return
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Detected call of `lr_scheduler\.step\(\)` before")
        step_scheduler(scheduler, steps_done)


def _batch_size(target: Any) -> int:
    if isinstance(target, torch.Tensor):
        return target.shape[0] if target.ndim else 1
    return len(target) if hasattr(target, "__len__") else 1


__all__: Sequence[str] = ["Batches", "Metric", "TrainingLoop", "metric_name"]
