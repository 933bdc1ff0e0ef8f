"""The LR range test engine: exponential LR schedule → step → smoothing → stop rule → restore.

It matches fastai 2.8's ``lr_find`` step for step:
- batch ``k`` (from 0) trains at ``start_lr * (end_lr / start_lr) ** (k / num_it)``; ``num_it`` is raised to 6;
- the loss is smoothed with a debiased EMA (β = 0.98) in float32, exactly as fastai's ``AvgSmoothLoss``;
- after each step, the test stops as *diverged* if ``stop_div`` and the smoothed loss exceeds 4× the best smoothed
  loss so far (this point included), else as *completed* once ``num_it`` batches have run. The stopping batch is
  recorded. A NaN loss does not stop the test, as in fastai;
- the loader is cycled when it runs out (see :mod:`lrwidget.engine.loaders`), and no validation runs, unless asked
  for: ``valid_every=k`` evaluates a fixed small validation subset every ``k`` steps (see
  :mod:`lrwidget.engine.validation`).

Unlike fastai, everything the test changes is restored from a CPU snapshot in ``finally``, whatever ends the test,
the loader's own random number generators included. Where fastai's stop rule reads wrongly (a loss at or below 0,
NaN), the result carries a note (see :mod:`lrwidget.engine.diagnosis`).

A ``DistributedDataParallel`` model steps, records and stops in lockstep on all its ranks (see
:mod:`lrwidget.engine.distributed`).
"""
from __future__ import annotations

import math
import os
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Self

import numpy as np
import torch
from torch import nn

from lrwidget.engine import busy, distributed, validation
from lrwidget.engine.amp_step import build_step, check_step_options
from lrwidget.engine.diagnosis import RangeTestWarning, explain_stop
from lrwidget.engine.group_lrs import GroupLRRange, group_lr_range
from lrwidget.engine.loaders import cycle_batches, loader_length
from lrwidget.engine.precision import MixedPrecision
from lrwidget.engine.smoothing import LossSmoother
from lrwidget.engine.snapshot import TrainingSnapshot
from lrwidget.engine.step import LossFunc, TrainStep
from lrwidget.suggest import SuggestedLRs, suggest_lrs, valley

COMPLETED, DIVERGED, CANCELLED = "completed", "diverged", "cancelled"
MIN_NUM_IT = 6  # fastai's LRFinder raises smaller num_it to 6
DIVERGENCE_FACTOR = 4.0
#: A range test's ``start_lr`` / ``end_lr``: one number, or one per param group (a slice, a sequence or an array).
LRSpec = float | slice | Sequence[float] | np.ndarray


@dataclass(frozen=True, slots=True)
class RangeTestPoint:
    """One recorded step of a range test."""

    iteration: int
    lr: float
    raw_loss: float
    smoothed_loss: float
    #: the validation subset's loss after this step; NaN where it was not evaluated (or validation is off)
    valid_loss: float = math.nan


@dataclass
class RangeTestResult:
    """The recorded curve of a range test and why it stopped.

    ``losses`` are the smoothed losses (what fastai records and plots); ``raw_losses`` are the per-batch losses.
    ``stop_reason`` is one of ``"completed"``, ``"diverged"`` or ``"cancelled"``.

    ``warning`` is None, or a sentence for the user when the stop reason alone would mislead: a run stopped as
    "diverged" although the best smoothed loss was at or below 0 (fastai's ``4 × best`` rule misfires there; it says
    to pass ``stop_div=False`` or check the loss), a loss that was NaN or inf from the first step, or a loss that
    turned NaN while ``stop_div`` could not see it. The same sentence is emitted as a :class:`RangeTestWarning`.

    A discriminative test (``start_lr``/``end_lr`` per param group, see :mod:`lrwidget.engine.group_lrs`) keeps
    each group's range in ``group_start_lrs``/``group_end_lrs``; ``lrs``, ``start_lr`` and ``end_lr`` are the last
    group's, as fastai records them. Both are None when every group got the same LR.

    With validation (``valid_every=k``), ``valid_losses`` holds one value per point: the validation subset's loss
    after that step, NaN where it was not evaluated; ``valid_every`` is ``k`` and ``valid_elapsed_s`` the seconds
    spent evaluating (part of ``elapsed_s``). Without it, ``valid_losses`` is empty and ``valid_every`` None.
    """

    lrs: list[float] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    raw_losses: list[float] = field(default_factory=list)
    stop_reason: str = COMPLETED
    num_it: int = 100
    start_lr: float = 1e-7
    end_lr: float = 10.0
    elapsed_s: float = 0.0
    warning: str | None = None
    group_start_lrs: list[float] | None = None
    group_end_lrs: list[float] | None = None
    valid_losses: list[float] = field(default_factory=list)
    valid_every: int | None = None
    valid_elapsed_s: float = 0.0

    @property
    def group_lr_ratios(self) -> list[float] | None:
        """Each param group's LR over the recorded (last) group's, the same at every step; None: all the same."""
        return None if self.group_start_lrs is None else [lr / self.start_lr for lr in self.group_start_lrs]

    def group_lrs(self, iteration: int, run_steps: int) -> list[float] | None:
        """Each group's LR at batch ``iteration`` of ``run_steps``: ``start_g * (end_g/start_g) ** (k/n)``."""
        if self.group_start_lrs is None or self.group_end_lrs is None:
            return None
        return [exponential_lr(start, end, iteration, run_steps)
                for start, end in zip(self.group_start_lrs, self.group_end_lrs, strict=True)]

    @property
    def points(self) -> list[RangeTestPoint]:
        """The curve as a list of points."""
        valid = self.valid_losses or [math.nan] * len(self.lrs)
        return [
            RangeTestPoint(iteration, lr, raw, smoothed, valid_loss)
            for iteration, (lr, raw, smoothed, valid_loss)
            in enumerate(zip(self.lrs, self.raw_losses, self.losses, valid, strict=True))
        ]

    def suggest(self, *funcs: Callable[..., Any]) -> SuggestedLRs:
        """Suggested learning rates from ``funcs`` (default: ``valley``), computed as fastai's ``lr_find`` does.

        The functions see ``lrs[num_it//10:-5]``, cut at the first NaN loss, as float32; those that take
        ``raw_losses`` (such as ``sweetspot``) also get the per-batch losses of the same points.
        """
        return suggest_lrs(self.lrs, self.losses, self.num_it, funcs or (valley,), raw_losses=self.raw_losses)

    def plot(self, suggest: bool | Sequence[Callable[..., Any]] = True, ax: Any = None) -> Any:
        """Draws the curve with matplotlib as fastai's ``lr_find`` does, with the suggestion markers; returns the Axes.

        ``suggest``: True for the widget's default markers, False for none, or suggestion functions (``valley``, …).
        ``ax``: a matplotlib Axes to draw in (a new figure's by default). Needs ``pip install lrwidget[plot]``.
        """
        from lrwidget.engine.plotting import plot_range_test

        return plot_range_test(self, suggest, ax)

    def to_json(self, path: str | os.PathLike[str] | None = None) -> str:
        """The result as JSON text (every field, NaN/inf included, bit for bit), also written to ``path`` if given.

        The document also records the library versions and a format version (see
        :mod:`lrwidget.engine.result_io`); :meth:`from_json` reads it back.
        """
        from lrwidget.engine.result_io import result_to_json

        return result_to_json(self, path)

    @classmethod
    def from_json(cls, text_or_path: str | os.PathLike[str]) -> Self:
        """The result in JSON text or a file written by :meth:`to_json` (or ``LRWidget.save`` with one run).

        Raises :class:`~lrwidget.engine.result_io.RunFileError` for a file that is not one, or that a newer lrwidget
        wrote in a format this version cannot read.
        """
        from lrwidget.engine.result_io import result_from_json

        return result_from_json(cls, text_or_path)

    def to_csv(self, path: str | os.PathLike[str] | None = None) -> str:
        """The curve as CSV text, columns ``lr, raw_loss, smoothed_loss``, also written to ``path`` if given."""
        from lrwidget.engine.result_io import result_to_csv

        return result_to_csv(self, path)


def exponential_lr(start_lr: float, end_lr: float, iteration: int, num_it: int) -> float:
    """The learning rate of batch ``iteration`` in fastai's exponential schedule."""
    growth: float = (end_lr / start_lr) ** (iteration / num_it)  # typeshed types float ** float as Any (complex)
    return start_lr * growth


@busy.leases_model_argument("range_test()")
def range_test(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_func: LossFunc,
    train_dl: Iterable[Any],
    *,
    start_lr: LRSpec = 1e-7,
    end_lr: LRSpec = 10,
    num_it: int = 100,
    stop_div: bool = True,
    on_point: Callable[[RangeTestPoint], None] | None = None,
    cancel: threading.Event | None = None,
    step: TrainStep | None = None,
    amp: Any = False,
    accumulation_steps: int = 1,
    valid_dl: Iterable[Any] | None = None,
    valid_every: int | bool | None = None,
    valid_batches: int = validation.DEFAULT_VALID_BATCHES,
) -> RangeTestResult:
    """Runs an LR range test and restores the model, optimizer and RNG states afterwards.

    Args:
        model: the model to train; it is left exactly as it was.
        optimizer: its optimizer; every param group gets the test's LR at each step.
        loss_func: ``loss_func(predictions, target)``; batches are ``(inputs..., target)``.
        train_dl: any iterable of batches, sized or not; iterated again when it runs out. A one-shot iterator
            (a generator) must give all the batches the test needs.
        start_lr, end_lr: the LR range, ``0 < start_lr < end_lr``, both finite, with every LR of the schedule
            finite. Per param group (a discriminative test): a ``slice`` (spread as fastai's ``set_hyper``) or a
            sequence/array of one value per group, with the same ratios between groups in both; every group sweeps
            its own range and ``lrs`` records the last group's (see :mod:`lrwidget.engine.group_lrs`).
        num_it: the number of steps (at least 1; values below 6 are raised to 6, as in fastai).
        stop_div: stop once the smoothed loss exceeds 4× its best.
        on_point: called with a :class:`RangeTestPoint` after every step.
        cancel: a ``threading.Event``; when set, the test stops before the next step.
        step: a custom training step (see :mod:`lrwidget.engine.step`); default: forward, backward,
            ``optimizer.step()`` (which refuses an optimizer whose step needs a closure, such as LBFGS).
        amp: mixed precision: False, True (float16 on CUDA, bfloat16 elsewhere), ``torch.float16`` (with a
            GradScaler) or ``torch.bfloat16``. A step the scaler skips still counts: its loss is recorded and the
            LR advances (see :mod:`lrwidget.engine.precision`). Not with a custom ``step``.
        accumulation_steps: micro-batches per optimizer step. Each iteration then trains on that many batches at
            one LR and records the mean of their losses (see :mod:`lrwidget.engine.amp_step`); a custom ``step``
            is called with the list of them.
        valid_dl, valid_every, valid_batches: off by default, as in fastai. ``valid_every=k`` evaluates the first
            ``valid_batches`` batches of ``valid_dl`` (taken once, before the first step) after steps ``0, k, 2k, …``
            in eval mode without gradients, into ``result.valid_losses``; ``True`` means every
            ``DEFAULT_VALID_EVERY`` (10) steps. See :mod:`lrwidget.engine.validation`.

    Returns:
        A :class:`RangeTestResult`. If training raises, everything is restored and the exception is re-raised.
        A run whose stop reason would mislead also emits a :class:`RangeTestWarning` (see ``result.warning``).
    """
    lr_range = _check_range_arguments(model, optimizer, loss_func, train_dl, start_lr, end_lr, num_it, on_point,
                                      cancel)
    check_step_options(amp, accumulation_steps, step)
    valid_request = validation.check_validation(valid_every, valid_batches, valid_dl)
    run_steps = max(int(num_it), MIN_NUM_IT)
    train_step = step if step is not None else build_step(
        model, optimizer, loss_func, MixedPrecision.of(amp, model), accumulation_steps)
    result = RangeTestResult(num_it=int(num_it), **lr_range.result_fields())
    snapshot = TrainingSnapshot(model, optimizer, loaders=[train_dl], scalers=[getattr(train_step, "scaler", None)])
    started = time.perf_counter()
    try:
        model.train()
        on_point = validation.observe(valid_request, result, model, loss_func, on_point)
        train_step, cancel = distributed.in_lockstep(model, train_step, cancel, run_steps, stop_div)  # DDP: in lockstep
        batches = cycle_batches(train_dl, int(num_it), run_steps, accumulation_steps)
        result.stop_reason = _run(train_step, optimizer, batches, result, run_steps, stop_div, on_point, cancel)
    finally:
        result.elapsed_s = time.perf_counter() - started
        snapshot.restore()
    add_warning(result, stop_div)
    return result


def add_warning(result: RangeTestResult, stop_div: bool) -> None:
    """Sets ``result.warning`` when the stop reason alone would mislead, and emits it as a RangeTestWarning."""
    result.warning = explain_stop(result.lrs, result.losses, result.raw_losses,
                                  diverged=result.stop_reason == DIVERGED, stop_div=stop_div)
    if result.warning is not None:
        warnings.warn(result.warning, RangeTestWarning, stacklevel=3)


def _run(
    train_step: TrainStep,
    optimizer: torch.optim.Optimizer,
    batches: Iterator[Any],
    result: RangeTestResult,
    run_steps: int,
    stop_div: bool,
    on_point: Callable[[RangeTestPoint], None] | None,
    cancel: threading.Event | None,
) -> str:
    """The loop itself; appends to ``result`` and returns the stop reason."""
    smoother = LossSmoother()
    best_loss = math.inf
    for iteration in range(run_steps):
        if cancel is not None and cancel.is_set():
            return CANCELLED
        lr = exponential_lr(result.start_lr, result.end_lr, iteration, run_steps)
        _set_lr(optimizer, lr, result.group_lrs(iteration, run_steps))
        raw_loss = _loss_value(train_step(next(batches)))
        smoothed_loss = smoother.add(raw_loss)
        result.lrs.append(lr)
        result.raw_losses.append(raw_loss)
        result.losses.append(smoothed_loss)
        if on_point is not None:
            on_point(RangeTestPoint(iteration, lr, raw_loss, smoothed_loss))
        best_loss = min(best_loss, smoothed_loss)
        if stop_div and smoothed_loss > DIVERGENCE_FACTOR * best_loss:
            return DIVERGED
    return COMPLETED


def _loss_value(loss: torch.Tensor) -> float:
    # fastai records loss.mean(); a 0-d loss skips the extra tensor op on the hot path.
    return loss.item() if loss.dim() == 0 else loss.float().mean().item()


def _set_lr(optimizer: torch.optim.Optimizer, lr: float, group_lrs: list[float] | None = None) -> None:
    """Every param group gets ``lr``, or its own from ``group_lrs`` (a discriminative test)."""
    for index, group in enumerate(optimizer.param_groups):
        group_lr = lr if group_lrs is None else group_lrs[index]
        if isinstance(group["lr"], torch.Tensor):
            group["lr"].fill_(group_lr)  # capturable/fused optimizers keep lr as a tensor that must stay the object
        else:
            group["lr"] = group_lr


def _check_range_arguments(
    model: Any,
    optimizer: Any,
    loss_func: Any,
    train_dl: Any,
    start_lr: Any,
    end_lr: Any,
    num_it: Any,
    on_point: Any,
    cancel: Any,
) -> GroupLRRange:
    """Raises a clear error for bad input, before anything is changed; returns each param group's LR range."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not any(True for _ in model.parameters()):
        raise ValueError(f"model {type(model).__name__} has no parameters; there is nothing to train")
    if not hasattr(optimizer, "param_groups") or not callable(getattr(optimizer, "step", None)):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}")
    if not callable(loss_func):
        raise TypeError(f"loss_func must be callable as loss_func(predictions, target), got {loss_func!r}")
    if not isinstance(train_dl, Iterable):
        raise TypeError(f"train_dl must be an iterable of batches (a DataLoader), got {type(train_dl).__name__}")
    if loader_length(train_dl) == 0:
        raise ValueError("train_dl is empty (len 0); the range test needs at least one batch")
    lr_range = check_lr_range(start_lr, end_lr, n_groups=len(optimizer.param_groups))
    check_num_it(num_it)
    if on_point is not None and not callable(on_point):
        raise TypeError(f"on_point must be callable or None, got {on_point!r}")
    if cancel is not None and not callable(getattr(cancel, "is_set", None)):
        raise TypeError(f"cancel must be a threading.Event (anything with is_set()), got {type(cancel).__name__}")
    return lr_range


def check_num_it(num_it: Any) -> None:
    """Raises ValueError unless ``num_it`` is an integer >= 1."""
    if isinstance(num_it, bool) or not isinstance(num_it, (int, np.integer)) or num_it < 1:
        raise ValueError(f"num_it must be an integer >= 1, got {num_it!r}")


def check_lr_range(start_lr: Any, end_lr: Any, n_groups: int | None = None) -> GroupLRRange:
    """Raises ValueError unless ``0 < start_lr < end_lr``, both finite real numbers, and the schedule is finite.

    The schedule ``start_lr * (end_lr / start_lr) ** (k / num_it)`` needs the ratio finite: ``1e-7`` to ``1e308``
    or ``1e-300`` to ``1e300`` overflow it and would train at inf. With a finite ratio every LR lies in
    ``[start_lr, end_lr)``, finite and above 0.

    Per param group (``n_groups`` of them; None: not known yet), each group's range must pass these checks, a
    sequence must have one value per group, and the ratios between groups must be the same in ``start_lr`` and
    ``end_lr`` (:func:`lrwidget.engine.group_lrs.group_lr_range`). Returns each group's range.
    """
    return group_lr_range(start_lr, end_lr, n_groups)


__all__: Sequence[str] = ["LossSmoother", "RangeTestPoint", "RangeTestResult", "exponential_lr", "range_test"]
