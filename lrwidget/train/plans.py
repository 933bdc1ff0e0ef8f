"""What a training call will do, per layer group and step: the data behind the schedule preview.

A plan is computed by the same code the learner trains with, never by a second copy of the schedule math:
- an :class:`lrwidget.Learner` trains from :class:`lrwidget.schedule.OneCycle` objects, so its plan is theirs;
- a fastai Learner trains with fastai's ``combined_cos`` scheduler, so its plan evaluates that very function at the
  positions fastai's ``ParamScheduler`` uses.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

PREVIEW_CALLS = ("fine_tune", "fit_one_cycle")


@dataclass(frozen=True)
class PlannedPhase:
    """One ``fit_one_cycle`` of a planned call.

    ``lrs`` has shape [steps, groups]. Groups before ``frozen_groups`` do not train in this phase (their
    normalization layers do, as fastai's ``train_bn``).
    """

    name: str
    n_epoch: int
    lrs: np.ndarray
    frozen_groups: int

    @property
    def steps(self) -> int:
        """Optimizer steps in this phase."""
        return int(self.lrs.shape[0])

    def trains(self, group: int) -> bool:
        """Whether layer group ``group`` trains in this phase."""
        return group >= self.frozen_groups


@dataclass(frozen=True)
class GroupSummary:
    """A layer group as the preview's table shows it."""

    first_module: str
    last_module: str
    n_params: int


def summarize_groups(model: nn.Module, groups: Sequence[Sequence[torch.Tensor]]) -> list[GroupSummary]:
    """First and last module names (in the model's order) and the parameter count of each layer group."""
    owner = {}
    for module_name, module in model.named_modules():
        for param in module.parameters(recurse=False):
            label = f"{module_name} ({type(module).__name__})" if module_name else type(module).__name__
            owner.setdefault(id(param), label)
    summaries = []
    for params in groups:
        names = list(dict.fromkeys(owner.get(id(param), "?") for param in params))
        summaries.append(GroupSummary(names[0] if names else "", names[-1] if names else "",
                                      sum(param.numel() for param in params)))
    return summaries


def fastai_phase_lrs(lr_maxes: Sequence[float], n_epoch: int, steps_per_epoch: int, *, div: float,
                     div_final: float, pct_start: float) -> np.ndarray:
    """The lr fastai's ``fit_one_cycle`` gives each group at each batch, from fastai's own ``combined_cos``.

    fastai's ``ParamScheduler`` evaluates the schedule at ``pct_train``, which ``TrainEvalCallback`` sets to
    ``epoch/n_epoch`` at each epoch start and then grows by ``1/(n_iter*n_epoch)`` per batch; the same float
    arithmetic is repeated here so the values are fastai's to the last bit.
    """
    from fastai.callback.schedule import combined_cos

    lr_max = np.array(lr_maxes, dtype=float)
    schedule = combined_cos(pct_start, lr_max / div, lr_max, lr_max / div_final)
    rows = []
    for epoch in range(n_epoch):
        position = epoch / n_epoch
        for _ in range(steps_per_epoch):
            rows.append(np.asarray(schedule(position), dtype=float))
            position += 1.0 / (steps_per_epoch * n_epoch)
    return np.array(rows).reshape(len(rows), len(lr_max))
