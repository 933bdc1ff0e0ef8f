"""Hand-written reference loops for the AMP and accumulation tests: torch's AMP recipe and the usual accumulation
loop, written out with nothing of lrwidget, so that a range test or a Learner can be checked against them."""
from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

import torch
from torch import nn


class InfGradAt(nn.Module):
    """The identity, whose backward turns the gradient into inf on the forward calls numbered in ``at`` (from 0).

    ``count`` is a plain attribute, so a range test's snapshot rewinds it with the rest of the model.
    """

    def __init__(self, at: Iterable[int] = ()) -> None:
        super().__init__()
        self.at = set(at)
        self.count = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        poisoned = self.count in self.at
        self.count += 1
        if not (poisoned and x.requires_grad):
            return x
        x = x * 1.0
        x.register_hook(lambda grad: grad * float("inf"))
        return x


def forever(loader: Iterable[Any]) -> Any:
    """The loader's batches, pass after pass."""
    return itertools.chain.from_iterable(itertools.repeat(loader))


def reference_range_test(model: nn.Module, optimizer: torch.optim.Optimizer, loss_func: Any, loader: Iterable[Any],
                         *, start_lr: float, end_lr: float, num_it: int, dtype: torch.dtype | None = None,
                         k: int = 1, scaler: torch.amp.GradScaler | None = None) -> tuple[list[float], list[float]]:
    """fastai's exponential schedule, ``k`` micro-batches per step under autocast(``dtype``); (lrs, mean losses)."""
    batches = forever(loader)
    lrs, losses = [], []
    for iteration in range(num_it):
        lr = start_lr * (end_lr / start_lr) ** (iteration / num_it)
        for group in optimizer.param_groups:
            group["lr"] = lr
        step_loss = reference_step(model, optimizer, loss_func, [next(batches) for _ in range(k)], dtype, scaler)
        lrs.append(lr)
        losses.append(step_loss)
    return lrs, losses


def reference_step(model: nn.Module, optimizer: torch.optim.Optimizer, loss_func: Any, micro_batches: list[Any],
                   dtype: torch.dtype | None, scaler: torch.amp.GradScaler | None) -> float:
    """One optimizer step over the micro-batches; returns the mean of their losses."""
    optimizer.zero_grad()
    total = 0.0
    for inputs, target in micro_batches:
        with torch.autocast("cpu", dtype=dtype or torch.bfloat16, enabled=dtype is not None):
            loss = loss_func(model(inputs), target)
        scaled = loss / len(micro_batches)
        (scaled if scaler is None else scaler.scale(scaled)).backward()
        total += loss.item()
    if scaler is None:
        optimizer.step()
    else:
        scaler.step(optimizer)
        scaler.update()
    return total / len(micro_batches)
