"""One optimizer step on one batch: the unit of work that the range test and the Learner share.

A step is any callable ``step(batch) -> loss`` that trains on the batch and returns the detached loss.
Keeping it a small object (rather than inline code in the range test) is what lets gradient accumulation
or mixed precision slot in as another step (they do: :mod:`lrwidget.engine.amp_step`), without touching the range
test's schedule or stop rule. A step fed ``accumulation_steps=k`` gets a list of ``k`` batches per call.

A step that holds state of its own which training changes (a float16 ``GradScaler``) exposes it as ``scaler``: the
range test snapshots it with the model and restores it afterwards.
"""
from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import torch
from torch import nn

LossFunc = Callable[..., torch.Tensor]


class TrainStep(Protocol):
    """Trains on one batch and returns the loss as a detached 0-d tensor."""

    def __call__(self, batch: Any) -> torch.Tensor: ...


def model_device(model: nn.Module) -> torch.device:
    """The device of the model's first parameter (or buffer); CPU for a model with neither."""
    for parameter in model.parameters():
        return parameter.device
    for buffer in model.buffers():
        return buffer.device
    return torch.device("cpu")


def to_device(batch: Any, device: torch.device) -> Any:
    """Moves every tensor in a (possibly nested) tuple, list or dict batch to ``device``."""
    if isinstance(batch, torch.Tensor):
        return batch.to(device, non_blocking=True)
    if isinstance(batch, (list, tuple)):
        return type(batch)(to_device(item, device) for item in batch)
    if isinstance(batch, dict):
        return {key: to_device(value, device) for key, value in batch.items()}
    return batch


def split_batch(batch: Any) -> tuple[Sequence[Any], Any]:
    """Splits a batch into model inputs and target, as fastai does: the last item is the target.

    ``(x, y)`` gives ``([x], y)``; ``(x1, x2, y)`` gives ``([x1, x2], y)``.
    """
    if not isinstance(batch, (list, tuple)) or len(batch) < 2:
        raise TypeError(
            f"a batch must be a tuple or list of (inputs..., target); got {type(batch).__name__}"
            + (f" of length {len(batch)}" if isinstance(batch, (list, tuple)) else "")
        )
    return batch[:-1], batch[-1]


def compute_loss(model: nn.Module, loss_func: LossFunc, batch: Any,
                 device: torch.device) -> tuple[torch.Tensor, torch.Tensor, Any]:
    """Runs the forward pass on one batch and returns ``(loss, predictions, target)``."""
    inputs, target = split_batch(to_device(batch, device))
    predictions = model(*inputs)
    return loss_func(predictions, target), predictions, target


def check_plain_step(optimizer: Any) -> None:
    """Raises TypeError, naming what is missing, if ``optimizer.step()`` cannot be called without arguments.

    ``torch.optim.LBFGS.step(closure)`` re-evaluates the loss itself, several times per step; a step that calls
    ``optimizer.step()`` once per batch (fastai's loop, and ours) would get torch's error at the first batch.
    """
    # The class's own step, not the instance's: an LR scheduler patches a wrapper onto the instance whose
    # signature (through __wrapped__) is the unbound function's.
    try:
        parameters = list(inspect.signature(type(optimizer).step).parameters.values())[1:]  # after self
    except (AttributeError, TypeError, ValueError):  # no step, or a builtin without a readable signature
        return
    required = [parameter.name for parameter in parameters
                if parameter.default is parameter.empty
                and parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)]
    if required:
        name = f"{type(optimizer).__module__}.{type(optimizer).__qualname__}"
        raise TypeError(
            f"{name}.step needs {', '.join(required)} (step({', '.join(required)})), but a training step calls "
            "optimizer.step() once per batch, as fastai does. Use a first-order optimizer (SGD, Adam, AdamW), or "
            "a custom step (range_test(..., step=...)) that calls optimizer.step(closure) itself"
        )


class SupervisedStep:
    """The plain step: zero the gradients, forward, loss, backward, optimizer step.

    Gradients are zeroed with ``set_to_none`` so that parameters of frozen layer groups keep ``grad=None``
    and torch optimizers skip them. An optimizer whose step needs a closure (LBFGS) is refused at once.
    """

    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer, loss_func: LossFunc) -> None:
        check_plain_step(optimizer)
        self.model = model
        self.optimizer = optimizer
        self.loss_func = loss_func
        self.device = model_device(model)

    def __call__(self, batch: Any) -> torch.Tensor:
        self.optimizer.zero_grad(set_to_none=True)
        loss, _, _ = compute_loss(self.model, self.loss_func, batch, self.device)
        loss.backward()
        self.optimizer.step()
        return loss.detach()
