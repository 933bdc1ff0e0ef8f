"""The validation loss of a range test: a fixed small validation subset, evaluated every ``k`` steps.

fastai's ``lr_find`` runs no validation, so this is off by default. Asked for (``valid_every=k``), it works so:
- the subset is the validation loader's first ``valid_batches`` batches, taken once, before the first step and after
  the snapshot. Taking them draws random numbers (a ``DataLoader`` draws its base seed from torch's global generator,
  a shuffled one also its sampler's), so every generator they touch is rewound at once: the training steps see the
  same random numbers as in a run without validation, and the restore finds them as it left them;
- after step ``0, k, 2k, …`` (the point's ``iteration``), the subset's loss is evaluated under the weights that step
  left, with the model in eval mode and under ``torch.no_grad()``; then every module gets back its own train/eval mode.
  Eval mode keeps BatchNorm's running statistics and dropout untouched;
- the loss is the batch-size-weighted mean of the loss function over the subset (as ``Learner.validate`` computes it);
- ``result.valid_losses`` holds one value per point, NaN where it was not evaluated (the CSV's ``valid_loss``
  column); ``result.valid_every`` the ``k``; ``result.valid_elapsed_s`` the seconds spent evaluating.

The same recorder serves the engine's loop (through the point callback, see :func:`observe`) and fastai's loop (a
callback in :mod:`lrwidget.backends.fastai_callbacks`).
"""
from __future__ import annotations

import dataclasses
import itertools
import math
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from lrwidget.engine.loaders import is_one_shot, loader_length
from lrwidget.engine.rng import LoaderRngSnapshot, RngSnapshot
from lrwidget.engine.step import LossFunc, compute_loss, model_device, split_batch, to_device

if TYPE_CHECKING:
    from lrwidget.engine.rangetest import RangeTestPoint, RangeTestResult

#: The ``k`` that ``valid_every=True`` means: with the default subset it keeps a test within 1.2× the time of one
#: without validation (measured in benchmarks/validation_cost.py).
DEFAULT_VALID_EVERY = 10
#: How many validation batches the fixed subset holds by default.
DEFAULT_VALID_BATCHES = 2

#: ``batch_loss(batch) -> (mean loss, batch size)`` for one batch of the subset.
BatchLoss = Callable[[Any], tuple[torch.Tensor, int]]


@dataclass(frozen=True)
class ValidationRequest:
    """What was asked for, checked: evaluate ``batches`` batches of ``loader`` after every ``every``-th step.

    ``source`` names the loader in messages (``"valid_dl"``, ``"learn.dls.valid"``).
    """

    every: int
    batches: int
    loader: Iterable[Any]
    source: str


def valid_period(valid_every: Any, valid_batches: Any = DEFAULT_VALID_BATCHES) -> int | None:
    """The validation period ``k`` that ``valid_every`` asks for (None: off; True: :data:`DEFAULT_VALID_EVERY`).

    Raises ValueError, naming the bad value, for a ``k`` or a ``valid_batches`` that is not an integer >= 1.
    """
    if valid_every is None or valid_every is False:
        return None
    every = DEFAULT_VALID_EVERY if valid_every is True else valid_every
    if isinstance(every, bool) or not isinstance(every, int) or every < 1:
        raise ValueError(f"valid_every must be an integer >= 1 (evaluate the validation subset every k steps), True "
                         f"(every {DEFAULT_VALID_EVERY}) or None (off), got {valid_every!r}")
    if isinstance(valid_batches, bool) or not isinstance(valid_batches, int) or valid_batches < 1:
        raise ValueError(f"valid_batches must be an integer >= 1 (the validation batches evaluated each time), "
                         f"got {valid_batches!r}")
    return every


def check_validation(valid_every: Any, valid_batches: Any, valid_dl: Any, *,
                     source: str = "valid_dl") -> ValidationRequest | None:
    """The checked request, or None when validation is off (``valid_every`` None or False).

    Raises as :func:`valid_period` does for bad values, and ValueError or TypeError, naming ``source``, for missing,
    empty or one-shot validation data. Iterates nothing.
    """
    every = valid_period(valid_every, valid_batches)
    if every is None:
        return None
    if valid_dl is None:
        raise ValueError(f"valid_every={valid_every!r} asks for a validation loss, but there is no validation data: "
                         f"{source} is None")
    if not isinstance(valid_dl, Iterable):
        raise TypeError(f"{source} must be an iterable of batches (a DataLoader), got {type(valid_dl).__name__}")
    if is_one_shot(valid_dl):
        raise TypeError(f"{source} is a one-shot iterator ({type(valid_dl).__name__}); taking the validation subset "
                        "would consume it: pass a DataLoader or a list of batches")
    if loader_length(valid_dl) == 0:
        raise ValueError(f"valid_every={valid_every!r} asks for a validation loss, but {source} is empty (len 0)")
    return ValidationRequest(every, valid_batches, valid_dl, source)


def take_batches(request: ValidationRequest) -> list[Any]:
    """The loader's first ``request.batches`` batches, with every generator the iteration drew from rewound.

    Raises ValueError when the loader yields none.
    """
    global_rng, loader_rng = RngSnapshot(), LoaderRngSnapshot([request.loader])
    iterator: Iterator[Any] = iter(request.loader)
    try:
        batches = list(itertools.islice(iterator, request.batches))
    finally:
        close = getattr(iterator, "close", None)  # a generator (fastai's loader) ends now, not at garbage collection
        if callable(close):
            close()
        del iterator  # a DataLoader's worker processes shut down with their iterator
        global_rng.restore()
        loader_rng.restore()
    if not batches:
        raise ValueError(f"{request.source} yielded no batches; the validation loss needs at least one")
    return batches


def batch_size(target: Any) -> int:
    """The number of items in a batch's target (1 for a 0-d target or one without a length)."""
    if isinstance(target, torch.Tensor):
        return target.shape[0] if target.ndim else 1
    return len(target) if hasattr(target, "__len__") else 1


class ValidationSubset:
    """A fixed list of batches and how to score one; :meth:`evaluate` gives the subset's loss under the weights now.

    Args:
        model: the model; it is put in eval mode for the evaluation, and each module back in its own mode after.
        batches: the subset (kept as given: on the model's device already, so no step copies them again).
        batch_loss: ``(mean loss, batch size)`` of one batch.
    """

    def __init__(self, model: nn.Module, batches: list[Any], batch_loss: BatchLoss) -> None:
        self.model, self.batches, self.batch_loss = model, batches, batch_loss

    @classmethod
    def supervised(cls, model: nn.Module, loss_func: LossFunc, batches: list[Any]) -> ValidationSubset:
        """Batches ``(inputs..., target)`` scored with ``loss_func(predictions, target)``, as the engine trains."""
        device = model_device(model)

        def batch_loss(batch: Any) -> tuple[torch.Tensor, int]:
            loss, _, target = compute_loss(model, loss_func, batch, device)
            return loss, batch_size(target)

        for batch in batches:
            split_batch(batch)  # a malformed batch fails here, before the first step, with the step's own message
        return cls(model, [to_device(batch, device) for batch in batches], batch_loss)

    def evaluate(self) -> float:
        """The batch-size-weighted mean loss over the subset, in eval mode and without gradients."""
        modes = [(module, module.training) for module in self.model.modules()]
        total: torch.Tensor | None = None
        seen = 0
        self.model.eval()
        try:
            with torch.no_grad():
                for batch in self.batches:
                    loss, size = self.batch_loss(batch)
                    weighted = loss.detach().float().mean() * size
                    total = weighted if total is None else total + weighted
                    seen += size
        finally:
            for module, training in modes:  # each its own mode: a frozen BatchNorm may be in eval on purpose
                module.training = training
        return math.nan if total is None or seen == 0 else total.item() / seen  # one device sync per evaluation


class ValidationRecorder:
    """Evaluates the subset after every ``every``-th step and writes ``result.valid_*`` as it goes.

    ``setup_s``: the seconds it took to take the subset, counted in ``result.valid_elapsed_s`` with the evaluations.

    ``result.valid_losses`` gets one value per step (NaN between evaluations), so it stays aligned with the curve
    whatever ends the test.
    """

    def __init__(self, subset: ValidationSubset, every: int, result: RangeTestResult, setup_s: float = 0.0) -> None:
        self.subset, self.every, self.result = subset, every, result
        result.valid_every = every
        result.valid_losses = []
        result.valid_elapsed_s = setup_s  # taking the subset is part of what validation costs

    def after_step(self, iteration: int) -> float:
        """Records the validation loss of step ``iteration`` (evaluated if due, else NaN) and returns it."""
        valid_loss = math.nan
        if iteration % self.every == 0:
            started = time.perf_counter()
            valid_loss = self.subset.evaluate()
            self.result.valid_elapsed_s += time.perf_counter() - started
        self.result.valid_losses.append(valid_loss)
        return valid_loss

    def observe(self, on_point: Callable[[RangeTestPoint], None] | None) -> Callable[[RangeTestPoint], None]:
        """A point callback that records the validation loss after each step, then hands ``on_point`` the point
        with its ``valid_loss``."""

        def on_step(point: RangeTestPoint) -> None:
            valid_loss = self.after_step(point.iteration)
            if on_point is not None:
                on_point(dataclasses.replace(point, valid_loss=valid_loss))

        return on_step


def observe(request: ValidationRequest | None, result: RangeTestResult, model: nn.Module, loss_func: LossFunc,
            on_point: Callable[[RangeTestPoint], None] | None) -> Callable[[RangeTestPoint], None] | None:
    """The engine's hook: ``on_point`` itself when validation is off, else a callback that evaluates the subset
    (taken now: call it after the snapshot, before the first step) and records ``result.valid_*``."""
    if request is None:
        return on_point
    started = time.perf_counter()
    subset = ValidationSubset.supervised(model, loss_func, take_batches(request))
    return ValidationRecorder(subset, request.every, result, time.perf_counter() - started).observe(on_point)


def cost_fraction(result: RangeTestResult) -> float | None:
    """The time validation added, as a fraction of the test's time without it (0.08 for +8%); None without it."""
    if not result.valid_every:
        return None
    training_s = result.elapsed_s - result.valid_elapsed_s
    return result.valid_elapsed_s / training_s if training_s > 0 else None
