"""THE plan of a training call: what ``fine_tune`` or ``fit_one_cycle`` will do, phase by phase, step by step and
layer group by layer group, together with the call's exact arguments.

One plan serves three readers, so they cannot drift apart:

* :class:`lrwidget.Learner` trains from it: each phase's ``freeze_to``, then its cycle;
* the widget's schedule preview draws it;
* the widget's hand-off makes its :class:`TrainingCall` on the learner.

fastai's ``fine_tune`` recipe is written here, once (``Planner._fine_tune``). How one ``fit_one_cycle`` turns into a
learning rate per step is the learner's own business, so a :class:`Planner` takes a :class:`CycleFactory`:
:meth:`lrwidget.train.schedule.OneCycle.over_epochs` for an lrwidget.Learner (it trains on ``OneCycleLR``), and
fastai's own ``combined_cos`` for a fastai Learner (:class:`lrwidget.backends.fastai.FastaiCycle`).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any, Generic, Literal, Protocol, TypeVar

import numpy as np
import torch
from torch import nn

from lrwidget.train.schedule import (
    DEFAULT_DIV,
    DEFAULT_DIV_FINAL,
    DEFAULT_PCT_START,
    FINE_TUNE_BASE_LR,
    FINE_TUNE_DIV,
    FINE_TUNE_LR_MULT,
    FINE_TUNE_PCT_START,
    LearningRates,
    check_count,
    check_lr,
    lrs_per_group,
)

TrainingCallName = Literal["fine_tune", "fit_one_cycle"]
#: fastai's training calls that a plan describes, in the order the preview offers them.
TRAINING_CALLS: tuple[TrainingCallName, ...] = ("fine_tune", "fit_one_cycle")


@dataclass(frozen=True)
class TrainingCall:
    """One call of fastai's training API, exactly as it will be made: ``learn.<name>(epochs, **kwargs)``.

    Examples:
        >>> TrainingCall("fit_one_cycle", 3, {"lr_max": slice(1e-4, 1e-2)}).name
        'fit_one_cycle'
    """

    name: TrainingCallName
    epochs: int
    kwargs: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.name not in TRAINING_CALLS:
            raise ValueError(f"a training call is one of {TRAINING_CALLS}, got {self.name!r}")
        object.__setattr__(self, "kwargs", MappingProxyType(dict(self.kwargs)))  # a plan's call never changes

    def make(self, learn: Any) -> Any:
        """Makes this call on ``learn``, which has fastai's training API, and returns what it returns."""
        return getattr(learn, self.name)(self.epochs, **self.kwargs)


class Cycle(Protocol):
    """One ``fit_one_cycle`` as a learner applies it: the peak lr of each group, and the values at every step."""

    @property
    def lr_maxes(self) -> tuple[float, ...]:
        """The peak learning rate of each layer group."""
        ...

    @property
    def total_steps(self) -> int:
        """Optimizer steps in the cycle."""
        ...

    def lrs(self) -> np.ndarray:
        """The lr of each group at each step, shape [total_steps, groups]."""
        ...

    def momentums(self) -> np.ndarray:
        """The momentum (Adam's beta1) of each group at each step, shape [total_steps, groups]."""
        ...


CycleT = TypeVar("CycleT", bound=Cycle, covariant=True)


class CycleFactory(Protocol[CycleT]):
    """Builds the cycle of ``fit_one_cycle(n_epoch, lr_max, div, div_final, pct_start, moms)`` for one learner."""

    def __call__(self, lr_maxes: tuple[float, ...], n_epoch: int, steps_per_epoch: int, *, div: float,
                 div_final: float, pct_start: float, moms: tuple[float, ...]) -> CycleT:
        ...


@dataclass(frozen=True)
class Phase(Generic[CycleT]):
    """One ``fit_one_cycle`` of a plan and the ``freeze_to`` before it (None: the freezing stays as it is).

    Groups before ``frozen_groups`` do not train in this phase (their normalization layers do, as fastai's
    ``train_bn``). ``lr_max`` is what the call passes; ``cycle.lr_maxes`` is its value per group.
    """

    name: str
    freeze_to: int | None
    n_epoch: int
    lr_max: LearningRates
    frozen_groups: int
    cycle: CycleT

    @cached_property
    def lrs(self) -> np.ndarray:
        """The lr of each group at each step of this phase, shape [steps, groups]."""
        return self.cycle.lrs()

    @property
    def steps(self) -> int:
        """Optimizer steps in this phase."""
        return self.cycle.total_steps

    def trains(self, group: int) -> bool:
        """Whether layer group ``group`` trains in this phase."""
        return group >= self.frozen_groups


@dataclass(frozen=True)
class Plan(Generic[CycleT]):
    """Everything ``call`` will do, in order: the learner trains from this very object."""

    call: TrainingCall
    phases: tuple[Phase[CycleT], ...]

    @property
    def total_steps(self) -> int:
        """Optimizer steps over all phases."""
        return sum(phase.steps for phase in self.phases)

    def lrs(self) -> np.ndarray:
        """The lr of each group at each step of every phase, shape [total_steps, groups]."""
        return np.concatenate([phase.lrs for phase in self.phases])

    def momentums(self) -> np.ndarray:
        """The momentum of each group at each step of every phase, shape [total_steps, groups]."""
        return np.concatenate([phase.cycle.momentums() for phase in self.phases])


@dataclass(frozen=True)
class Planner(Generic[CycleT]):
    """What a plan needs to know of one learner, and the plans of its training calls.

    Args:
        n_groups: the learner's layer groups.
        steps_per_epoch: batches per epoch of its training loader.
        frozen_groups: the groups frozen now (``fit_one_cycle`` keeps them frozen).
        lr: its default ``lr_max`` (fastai's ``Learner.lr``).
        moms: its default ``moms`` (fastai's ``Learner.moms``).
        make_cycle: how it turns one ``fit_one_cycle`` into values per step.
    """

    n_groups: int
    steps_per_epoch: int
    frozen_groups: int
    lr: LearningRates
    moms: tuple[float, ...]
    make_cycle: CycleFactory[CycleT]

    def __post_init__(self) -> None:
        if isinstance(self.n_groups, bool) or not isinstance(self.n_groups, int) or self.n_groups < 1:
            raise ValueError(f"n_groups must be an int >= 1, got {self.n_groups!r}")
        check_count(self.steps_per_epoch, "steps_per_epoch")

    def plan(self, call: TrainingCall) -> Plan[CycleT]:
        """What ``call`` will do on this learner. Its keyword arguments are those of fastai's signature."""
        if call.name == "fine_tune":
            return Plan(call, self._fine_tune(call.epochs, **call.kwargs))
        return Plan(call, (self._fit_one_cycle("one cycle", None, call.epochs, **call.kwargs),))

    def _fine_tune(
        self,
        epochs: int,
        base_lr: float = FINE_TUNE_BASE_LR,
        freeze_epochs: int = 1,
        lr_mult: float = FINE_TUNE_LR_MULT,
        pct_start: float = FINE_TUNE_PCT_START,
        div: float = FINE_TUNE_DIV,
        **kwargs: Any,
    ) -> tuple[Phase[CycleT], ...]:
        """fastai's ``fine_tune``, the only copy of it in lrwidget (fastai 2.8, ``callback/schedule.py``).

        1. ``freeze()``, then ``fit_one_cycle(freeze_epochs, slice(base_lr), pct_start=0.99, **kwargs)`` (fastai keeps
           the default ``div=25`` here);
        2. ``base_lr /= 2``;
        3. ``unfreeze()``, then ``fit_one_cycle(epochs, slice(base_lr/lr_mult, base_lr), pct_start, div, **kwargs)``.

        A phase of 0 epochs stays in the plan with no steps: its freeze/unfreeze still happens (and clears the
        optimizer state).
        """
        epochs, freeze_epochs = check_count(epochs, "epochs"), check_count(freeze_epochs, "freeze_epochs")
        base_lr, lr_mult = check_lr(base_lr, "base_lr"), check_lr(lr_mult, "lr_mult")
        frozen = self._fit_one_cycle("frozen", -1, freeze_epochs, slice(base_lr), pct_start=0.99, lr_name="base_lr",
                                     **kwargs)
        base_lr /= 2
        unfrozen = self._fit_one_cycle("unfrozen", 0, epochs, slice(base_lr / lr_mult, base_lr), pct_start=pct_start,
                                       div=div, lr_name="base_lr", **kwargs)
        return frozen, unfrozen

    def _fit_one_cycle(
        self,
        name: str,
        freeze_to: int | None,
        n_epoch: int,
        lr_max: LearningRates | None = None,
        div: float = DEFAULT_DIV,
        div_final: float = DEFAULT_DIV_FINAL,
        pct_start: float = DEFAULT_PCT_START,
        moms: Sequence[float] | None = None,
        *,
        lr_name: str = "lr_max",
    ) -> Phase[CycleT]:
        """One phase: fastai's ``fit_one_cycle`` defaults, after ``freeze_to`` (if not None)."""
        n_epoch = check_count(n_epoch, "n_epoch")
        lr_max = self.lr if lr_max is None else lr_max
        lr_maxes = tuple(lrs_per_group(lr_max, self.n_groups, name=lr_name))
        cycle_moms = self.moms if moms is None else tuple(moms)
        frozen = self.frozen_groups if freeze_to is None else len(range(self.n_groups)[:freeze_to])
        cycle = self.make_cycle(lr_maxes, n_epoch, self.steps_per_epoch, div=div, div_final=div_final,
                                pct_start=pct_start, moms=cycle_moms)
        return Phase(name, freeze_to, n_epoch, lr_max, frozen, cycle)


def steps_per_epoch(loader: Any) -> int | None:
    """Batches per epoch: the loader's ``len``, or None when it has none (an ``IterableDataset``'s loader)."""
    return len(loader) if hasattr(loader, "__len__") else None


@dataclass(frozen=True)
class GroupSummary:
    """A layer group as the preview's table shows it."""

    first_module: str
    last_module: str
    n_params: int

    @property
    def modules(self) -> str:
        """The group's modules in a few words: ``"first … last"``, or the one module's name."""
        same = self.first_module == self.last_module
        return self.first_module if same else f"{self.first_module} … {self.last_module}"


def summarize_groups(model: nn.Module, groups: Iterable[Iterable[torch.Tensor]]) -> list[GroupSummary]:
    """First and last module names (in the model's order) and the parameter count of each layer group."""
    owner: dict[int, str] = {}
    for module_name, module in model.named_modules():
        for param in module.parameters(recurse=False):
            label = f"{module_name} ({type(module).__name__})" if module_name else type(module).__name__
            owner.setdefault(id(param), label)
    summaries = []
    for group in groups:
        params = list(group)
        names = list(dict.fromkeys(owner.get(id(param), "?") for param in params))
        summaries.append(GroupSummary(names[0] if names else "", names[-1] if names else "",
                                      sum(param.numel() for param in params)))
    return summaries
