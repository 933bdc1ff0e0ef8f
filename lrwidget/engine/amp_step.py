"""The steps for mixed precision and gradient accumulation (see :mod:`lrwidget.engine.step` for the protocol).

- :class:`MixedPrecisionStep` trains on one batch under :class:`~lrwidget.engine.precision.MixedPrecision`.
- :class:`AccumulatingStep` trains on ``k`` micro-batches and takes one optimizer step, with or without mixed
  precision. The range test and the Learner feed it ``k`` batches at a time (see
  :func:`lrwidget.engine.loaders.cycle_batches`), so **one optimizer step is one iteration**: it gets one LR of the
  schedule, one recorded loss, and one smoothing and stop-rule update.

The recorded loss of an accumulated step is the **mean of the micro-batch losses** (float32), i.e. the loss of the
large batch that the micro-batches make up when they are of equal size; each micro-batch's loss is divided by their
count before backward, so the gradient is that large batch's too. How others record it:

- torch-lr-finder (``accumulation_steps``) sums ``loss / k`` over the micro-batches: the same mean, rounded
  differently; its LR schedule and smoothing differ from fastai's, so its curves still differ from ours.
- Lightning's ``Tuner.lr_find`` with ``accumulate_grad_batches=k`` records the last micro-batch's loss divided by
  ``k``: a curve ``k`` times lower and as noisy as one micro-batch.
- fastai's ``GradientAccumulation(n_acc)`` callback counts every micro-batch as an iteration (each gets its own LR and
  recorded loss, though only every ``n_acc / bs``-th one steps the optimizer) and divides by items, not batches.
  A fastai learner keeps that curve here: :mod:`lrwidget.backends.fastai` runs fastai's own loop.

The skipped-step rule under a float16 GradScaler is :mod:`lrwidget.engine.precision`'s.
"""
from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral
from typing import Any

import torch
from torch import nn

from lrwidget.engine.precision import MixedPrecision, autocast_for, check_amp
from lrwidget.engine.step import LossFunc, SupervisedStep, TrainStep, check_plain_step, compute_loss, model_device


def check_accumulation_steps(accumulation_steps: Any) -> int:
    """``accumulation_steps`` as an int; a ValueError unless it is an integer >= 1."""
    if (isinstance(accumulation_steps, bool) or not isinstance(accumulation_steps, Integral)
            or accumulation_steps < 1):
        raise ValueError(f"accumulation_steps must be an integer >= 1, got {accumulation_steps!r}")
    return int(accumulation_steps)


def check_step_options(amp: Any, accumulation_steps: Any, step: Any) -> None:
    """Raises a clear error for a bad ``amp`` or ``accumulation_steps``, or ``amp`` given with a custom ``step``.

    ``accumulation_steps`` may come with a custom step: it is then called with a list of that many batches.
    """
    check_amp(amp)
    check_accumulation_steps(accumulation_steps)
    if step is not None and amp is not False:
        raise ValueError(f"amp={amp!r} sets the precision of the built-in step, but a custom step was given "
                         f"({type(step).__name__}): pass one or the other, and run autocast inside your step")


class _StepParts:
    """What every step here holds; checks the optimizer can step without a closure."""

    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer, loss_func: LossFunc,
                 precision: MixedPrecision | None) -> None:
        check_plain_step(optimizer)
        self.model = model
        self.optimizer = optimizer
        self.loss_func = loss_func
        self.precision = precision
        self.device = model_device(model)

    @property
    def scaler(self) -> torch.amp.GradScaler | None:
        """The GradScaler this step updates (float16 only): the range test snapshots and restores it."""
        return None if self.precision is None else self.precision.scaler

    def _train_on(self, micro_batches: Sequence[Any]) -> torch.Tensor:
        """Zero grads; forward and backward each micro-batch with its loss / count; one step; the mean loss."""
        count = len(micro_batches)
        self.optimizer.zero_grad(set_to_none=True)
        losses = []
        for batch in micro_batches:
            with autocast_for(self.precision):
                loss, _, _ = compute_loss(self.model, self.loss_func, batch, self.device)
            scaled = loss / count if count > 1 else loss
            if self.precision is None:
                scaled.backward()
            else:
                self.precision.backward(scaled)
            losses.append(loss.detach())
        if self.precision is None:
            self.optimizer.step()
        else:
            self.precision.step(self.optimizer)
        return losses[0] if count == 1 else torch.stack(losses).float().mean()


class MixedPrecisionStep(_StepParts):
    """One batch: forward and loss under autocast, backward (scaled for float16), one optimizer step.

    Returns the unscaled loss. A step the GradScaler skips still returns its loss (see
    :mod:`lrwidget.engine.precision`).
    """

    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer, loss_func: LossFunc,
                 precision: MixedPrecision) -> None:
        super().__init__(model, optimizer, loss_func, precision)

    def __call__(self, batch: Any) -> torch.Tensor:
        return self._train_on((batch,))


class AccumulatingStep(_StepParts):
    """A list of micro-batches: forward and backward each (loss divided by their count), then one optimizer step.

    Returns the mean of the micro-batch losses, as float32. ``precision`` adds mixed precision to every micro-batch,
    with one scaler step at the end. A shorter list (the end of a Learner's epoch) is averaged over its own length.
    """

    def __call__(self, batch: Any) -> torch.Tensor:
        """Trains on ``batch``, here the list of micro-batches (named as :class:`TrainStep` names its argument)."""
        if not isinstance(batch, (list, tuple)) or not batch:
            raise TypeError(f"an accumulating step takes a non-empty list of micro-batches, got {type(batch).__name__}")
        return self._train_on(batch)


def build_step(model: nn.Module, optimizer: torch.optim.Optimizer, loss_func: LossFunc,
               precision: MixedPrecision | None, accumulation_steps: int) -> TrainStep:
    """The step for these options: plain (:class:`SupervisedStep`), mixed precision, or accumulating.

    With ``accumulation_steps > 1`` the step takes a list of that many batches; otherwise one batch.
    """
    if accumulation_steps > 1:
        return AccumulatingStep(model, optimizer, loss_func, precision)
    if precision is not None:
        return MixedPrecisionStep(model, optimizer, loss_func, precision)
    return SupervisedStep(model, optimizer, loss_func)
