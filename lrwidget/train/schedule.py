"""Learning rates per layer group, and the one-cycle schedule an :class:`lrwidget.Learner` trains with.

Two jobs live here, both pure functions of their arguments so that a preview can draw what training will apply:

* :func:`lrs_per_group` turns a float, a ``slice`` or a sequence into one learning rate per layer group, with
  fastai's ``Optimizer.set_hyper`` rules.
* :func:`make_one_cycle` builds the one-cycle schedule on :class:`torch.optim.lr_scheduler.OneCycleLR`, and
  :class:`OneCycle` runs that *same* function on a throwaway optimizer to list the
  learning rate every layer group gets at every step. The Learner trains from the same objects, so the preview
  and the training cannot drift apart. What a whole training call does (fastai's ``fine_tune`` recipe included)
  is :mod:`lrwidget.train.plan`.

How OneCycleLR's steps differ from fastai's
-------------------------------------------
Both anneal with the same cosine from ``lr_max/div`` up to ``lr_max`` and down to ``lr_max/div_final`` (and the
momentum the opposite way), but they place the N optimizer steps differently on that curve:

* fastai gives batch ``k`` (0-based, of ``N``) the position ``k/N``; the peak sits at position ``pct_start``, and
  the last batch sits at ``(N-1)/N``, so fastai never reaches the final lr.
* OneCycleLR peaks at step ``pct_start*N - 1`` and reaches the final lr exactly at step ``N-1`` (for
  ``pct_start < 1``; at ``pct_start == 1`` the whole cycle is warm-up and its last step is ``lr_max``).

Exactly: OneCycleLR's step ``k`` equals fastai's curve evaluated at the (fractional) batch ``tau(k)``, where
``tau(k) = k * pN/(pN-1)`` during the warm-up (``pN = pct_start*N``) and ``tau(k) = k + 1`` during the annealing.
Since ``k <= tau(k) <= k + 1``, OneCycleLR runs at most one batch ahead of fastai, so the two differ per group by
at most the steepest slope of the curve times one batch::

    |ours_k - fastai_k| <= pi/2 * lr_max * max((1 - 1/div) / (pct_start*N), (1 - 1/div_final) / ((1 - pct_start)*N))

(:func:`fastai_offset_bound`). The same holds for the momentum with its own amplitudes.

Tiny totals
-----------
OneCycleLR divides by the length of a phase, which is zero when ``pct_start*N == 1`` (e.g. 4 steps at the default
``pct_start=0.25``, or ``total_steps=1`` with ``pct_start=1``). There the warm-up is a single point at step 0, so
we place the peak there, as OneCycleLR's own rule "peak at step ``pct_start*N - 1``" says: ``pct_start`` is moved
down by the few ulps that make the warm-up empty instead of zero-length, and OneCycleLR's own formula then gives
step 0 ``lr_max``. The scheduler is never stepped past step ``N-1`` (the value it would compute there is never
applied), which also avoids the zero-length annealing phase of ``pct_start=1``. Consequences, all tested:

* ``total_steps=1``: the single step gets ``lr_max/div_final``, whatever ``pct_start``: the warm-up ends at or
  before step 0 (moved before it at ``pct_start=1``), so the only step is the end of the annealing. fastai
  would give ``lr_max/div``; either way one step barely trains.
* ``total_steps=2``: the first step gets ``lr_max/div`` when ``pct_start > 0.5``, ``lr_max`` at ``0.5`` and a
  point of the annealing cosine below that; the second gets ``lr_max/div_final``, or ``lr_max`` at
  ``pct_start=1`` (all warm-up, as for any ``N > 1``).
* ``total_steps=0`` has no schedule: :func:`make_one_cycle` refuses it and the plans are empty arrays.
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypedDict

import numpy as np
import torch
from torch.optim.lr_scheduler import OneCycleLR

from lrwidget.engine.group_lrs import slice_lrs

LearningRates = float | slice | Sequence[float]
Moms = tuple[float, float, float]

DEFAULT_MOMS: Moms = (0.95, 0.85, 0.95)
#: fastai's ``fit_one_cycle`` defaults: every signature that takes them uses these names.
DEFAULT_DIV = 25.0
DEFAULT_DIV_FINAL = 1e5
DEFAULT_PCT_START = 0.25
#: fastai's ``fine_tune`` defaults.
FINE_TUNE_BASE_LR = 2e-3
FINE_TUNE_LR_MULT = 100
FINE_TUNE_PCT_START = 0.3
FINE_TUNE_DIV = 5.0


class CycleArgs(TypedDict):
    """The shape of a one-cycle schedule beyond its peak lrs and length: ``fit_one_cycle``'s keyword arguments."""

    div: float
    div_final: float
    pct_start: float
    moms: Sequence[float]


def check_lr(value: object, what: str) -> float:
    """``value`` as a float, or a ``TypeError``/``ValueError`` that names ``what`` unless it is finite and > 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what} must be a positive number, got {value!r} ({type(value).__name__})")
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{what} must be a finite learning rate > 0, got {value!r}")
    return value


def check_count(value: int, name: str) -> int:
    """``value`` as an int, or a ``ValueError`` that names ``name`` unless it is an int >= 0 (epochs, steps)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"{name} must be an int >= 0, got {value!r}")
    return int(value)


def lrs_per_group(lr: LearningRates, n_groups: int, *, name: str = "lr") -> list[float]:
    """One learning rate per layer group, by fastai's ``Optimizer.set_hyper`` rules.

    * ``slice(a, b)``: geometric steps from ``a`` to ``b`` across the groups (``b`` alone with one group).
      ``a > b`` is allowed, as in fastai: the rates then decrease towards the head.
    * ``slice(None, b)`` (or ``slice(b)``): ``b/10`` for every group but the last, which gets ``b``.
    * a number: the same rate for every group.
    * a sequence: one rate per group; a sequence of one value goes to every group, as in fastai.

    Deliberate departures from fastai, which would accept these and fail later or silently: a rate that is not
    finite or not > 0, a slice with a step or without a stop, and ``slice(0, b)`` (fastai reads the falsy 0 as
    ``None``; we refuse the ambiguity) raise ``ValueError``; a value of the wrong type raises ``TypeError``.
    ``name`` is the argument's name in the messages.
    """
    if isinstance(n_groups, bool) or not isinstance(n_groups, int) or n_groups < 1:
        raise ValueError(f"n_groups must be an int >= 1, got {n_groups!r}")
    if isinstance(lr, slice):
        if lr.step is not None:
            raise ValueError(f"{name}={lr!r}: a slice of learning rates cannot have a step")
        if lr.stop is None:
            raise ValueError(f"{name}={lr!r}: a slice of learning rates needs a stop, e.g. slice(1e-5, 1e-3)")
        stop = check_lr(lr.stop, f"{name}.stop")
        return slice_lrs(None if lr.start is None else check_lr(lr.start, f"{name}.start"), stop, n_groups)
    if isinstance(lr, (np.ndarray, torch.Tensor)):
        lr = lr.tolist()  # a 0-d array becomes a number, a 1-d one a list
    if isinstance(lr, numbers.Real):
        return [check_lr(lr, name)] * n_groups
    if isinstance(lr, Sequence) and not isinstance(lr, (str, bytes)):
        values = [check_lr(value, f"{name}[{i}]") for i, value in enumerate(lr)]
        if len(values) == 1:
            return values * n_groups
        if len(values) != n_groups:
            raise ValueError(
                f"{name} has {len(values)} values but the learner has {n_groups} layer group"
                f"{'s' if n_groups != 1 else ''}; give one value per group, one value, or a slice"
            )
        return values
    raise TypeError(f"{name} must be a number, a slice or a sequence of numbers, got {lr!r} ({type(lr).__name__})")


def _check_lr_maxes(lr_maxes: Sequence[float]) -> list[float]:
    return [check_lr(lr, f"lr_maxes[{i}]") for i, lr in enumerate(lr_maxes)]


def _check_cycle_args(total_steps: int, div: float, div_final: float, pct_start: float, moms: Sequence[float]) -> None:
    check_count(total_steps, "total_steps")
    for label, value in (("div", div), ("div_final", div_final)):
        if not isinstance(value, numbers.Real) or not math.isfinite(value) or value <= 0:
            raise ValueError(f"{label} must be a finite number > 0, got {value!r}")
    if not isinstance(pct_start, numbers.Real) or not 0 <= pct_start <= 1:
        raise ValueError(f"pct_start must be a number between 0 and 1, got {pct_start!r}")
    if len(moms) != 3 or not all(isinstance(m, numbers.Real) and math.isfinite(m) for m in moms):
        raise ValueError(f"moms must be three finite numbers (start, middle, end), got {moms!r}")
    if moms[0] != moms[2]:
        # OneCycleLR anneals momentum max -> base -> max; it has no way to end anywhere else.
        raise ValueError(
            f"moms={tuple(moms)!r}: OneCycleLR cycles momentum from moms[0] to moms[1] and back to moms[0], "
            f"so moms[0] and moms[2] must be equal"
        )


def _warmup_safe_pct_start(pct_start: float, total_steps: int) -> float:
    """``pct_start``, nudged down by a few ulps where OneCycleLR's warm-up would have zero length (see module doc)."""
    pct = float(pct_start)
    while pct > 0 and pct * total_steps - 1 == 0:
        pct = math.nextafter(pct, 0.0)
    return pct


def make_one_cycle(
    optimizer: torch.optim.Optimizer,
    lr_maxes: Sequence[float],
    total_steps: int,
    *,
    div: float = DEFAULT_DIV,
    div_final: float = DEFAULT_DIV_FINAL,
    pct_start: float = DEFAULT_PCT_START,
    moms: Sequence[float] = DEFAULT_MOMS,
) -> OneCycleLR:
    """A ``OneCycleLR`` with fastai's ``fit_one_cycle`` parameters, one ``lr_max`` per param group.

    It sets the optimizer's lr (and momentum) for step 0 at once; call ``scheduler.step()`` after each
    optimizer step but the last (see :func:`step_scheduler`). Momentum (or Adam's beta1) is cycled only when
    the optimizer has a ``momentum`` or ``betas`` default, which is the condition OneCycleLR itself checks.
    """
    _check_cycle_args(total_steps, div, div_final, pct_start, moms)
    if total_steps == 0:
        raise ValueError("a one-cycle schedule needs total_steps >= 1")
    lr_maxes = _check_lr_maxes(lr_maxes)
    if len(lr_maxes) != len(optimizer.param_groups):
        raise ValueError(
            f"lr_maxes has {len(lr_maxes)} values but the optimizer has {len(optimizer.param_groups)} param groups"
        )
    has_momentum = "momentum" in optimizer.defaults or "betas" in optimizer.defaults
    return OneCycleLR(
        optimizer,
        max_lr=lr_maxes,
        total_steps=int(total_steps),
        pct_start=_warmup_safe_pct_start(pct_start, int(total_steps)),
        anneal_strategy="cos",
        cycle_momentum=has_momentum,
        max_momentum=float(moms[0]),
        base_momentum=float(moms[1]),
        div_factor=float(div),
        final_div_factor=float(div_final) / float(div),
    )


def step_scheduler(scheduler: OneCycleLR, steps_done: int) -> None:
    """Advances ``scheduler`` after optimizer step number ``steps_done`` (1-based), but never past the last step.

    The value after the last step would never be applied, and computing it divides by zero when
    ``pct_start == 1``; a loader that yields more batches than its ``len`` keeps the final lr.
    """
    if steps_done < scheduler.total_steps:
        scheduler.step()


def _momentum_of(group: dict[str, Any]) -> float:
    return float(group["betas"][0]) if "betas" in group else float(group["momentum"])


def _simulate_one_cycle(lr_maxes: Sequence[float], total_steps: int, *, div: float, div_final: float,
                        pct_start: float, moms: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Runs :func:`make_one_cycle` on a throwaway optimizer; returns (lrs, momentums), each [steps, groups]."""
    cycle_args = CycleArgs(div=div, div_final=div_final, pct_start=pct_start, moms=moms)
    _check_cycle_args(total_steps, **cycle_args)
    n_groups = len(_check_lr_maxes(lr_maxes))
    if total_steps == 0:
        return np.zeros((0, n_groups)), np.zeros((0, n_groups))
    # One scalar per group is all OneCycleLR needs to see.
    params = [torch.zeros(1, requires_grad=True) for _ in range(n_groups)]
    optimizer = torch.optim.SGD([{"params": [p]} for p in params], lr=1.0, momentum=0.9)
    scheduler = make_one_cycle(optimizer, lr_maxes, total_steps, **cycle_args)
    lrs = np.empty((total_steps, n_groups))
    momentums = np.empty((total_steps, n_groups))
    # torch warns if the scheduler's first step comes before any optimizer step; one (a no-op: no grads) is
    # enough, and skipping the rest keeps a long plan fast.
    optimizer.step()
    for step_index in range(total_steps):
        lrs[step_index] = [group["lr"] for group in optimizer.param_groups]
        momentums[step_index] = [_momentum_of(group) for group in optimizer.param_groups]
        step_scheduler(scheduler, step_index + 1)
    return lrs, momentums


@dataclass(frozen=True)
class OneCycle:
    """One fully resolved ``fit_one_cycle`` call: what the Learner applies and what a preview draws."""

    lr_maxes: tuple[float, ...]
    total_steps: int
    div: float = DEFAULT_DIV
    div_final: float = DEFAULT_DIV_FINAL
    pct_start: float = DEFAULT_PCT_START
    moms: tuple[float, ...] = DEFAULT_MOMS

    def __post_init__(self) -> None:
        _check_cycle_args(self.total_steps, self.div, self.div_final, self.pct_start, self.moms)
        _check_lr_maxes(self.lr_maxes)

    @classmethod
    def over_epochs(cls, lr_maxes: tuple[float, ...], n_epoch: int, steps_per_epoch: int, *, div: float,
                    div_final: float, pct_start: float, moms: tuple[float, ...]) -> OneCycle:
        """The cycle of ``fit_one_cycle(n_epoch, ...)`` over ``steps_per_epoch`` batches an epoch (a CycleFactory)."""
        return cls(lr_maxes, n_epoch * steps_per_epoch, div=div, div_final=div_final, pct_start=pct_start, moms=moms)

    @property
    def _cycle_args(self) -> CycleArgs:
        return CycleArgs(div=self.div, div_final=self.div_final, pct_start=self.pct_start, moms=self.moms)

    def scheduler(self, optimizer: torch.optim.Optimizer) -> OneCycleLR:
        """The scheduler that applies this cycle to ``optimizer`` (see :func:`make_one_cycle`)."""
        return make_one_cycle(optimizer, self.lr_maxes, self.total_steps, **self._cycle_args)

    @cached_property
    def _simulated(self) -> tuple[np.ndarray, np.ndarray]:
        # A long cycle takes a while to simulate and a preview asks for both arrays, so simulate once.
        return _simulate_one_cycle(self.lr_maxes, self.total_steps, **self._cycle_args)

    def lrs(self) -> np.ndarray:
        """The lr of each group at each step, shape [total_steps, groups]."""
        lrs: np.ndarray = self._simulated[0].copy()  # annotated: numpy's stubs type copy() as Any on Python 3.10
        return lrs

    def momentums(self) -> np.ndarray:
        """The momentum (Adam's beta1) of each group at each step, shape [total_steps, groups]."""
        momentums: np.ndarray = self._simulated[1].copy()
        return momentums


def fastai_offset_bound(
    lr_max: float,
    total_steps: int,
    *,
    div: float = DEFAULT_DIV,
    div_final: float = DEFAULT_DIV_FINAL,
    pct_start: float = DEFAULT_PCT_START,
) -> float:
    """The most OneCycleLR's lr can differ from fastai's at the same batch (see the module docstring)."""
    warmup_slope = (1 - 1 / div) / (pct_start * total_steps) if pct_start > 0 else 0.0
    anneal_slope = (1 - 1 / div_final) / ((1 - pct_start) * total_steps) if pct_start < 1 else 0.0
    return math.pi / 2 * lr_max * max(warmup_slope, anneal_slope)
