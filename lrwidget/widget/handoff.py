"""The hand-off: the picked learning rates passed to the learner's own training calls, exactly as the preview shows.

After a discriminative range test (``start_lr``/``end_lr`` per layer group), the curve's x axis is the last group's
LR and every group ran at a fixed ratio to it. The hi handle then picks the last group's LR and each group gets
``hi × its ratio``: ``w.lr`` is that list, ``fit_one_cycle`` gets it as ``lr_max`` (fastai and lrwidget.Learner both
take one LR per group), and ``fine_tune``, whose LRs are always ``slice(base_lr/lr_mult, base_lr)``, gets the
``lr_mult`` that reproduces the ratios when they are geometric (a slice's), and a clear error when they are not.
With every group at the same LR in the test, nothing changes: the handles give ``slice(lo, hi)``, as in fastai.
"""
from __future__ import annotations

import math
from typing import Any

import torch

from lrwidget.backends import Backend
from lrwidget.engine.group_lrs import RATIO_TOLERANCE, even_mults
from lrwidget.train.plan import TrainingCall, TrainingCallName
from lrwidget.train.schedule import lrs_per_group


class HandOff:
    """``w.fine_tune``, ``w.fit_one_cycle`` and ``w.apply_to``, for a widget that has handles and a backend."""

    # Provided by the widget that mixes this in (LRWidget): its backend, run state and handles.
    _backend: Backend
    #: each layer group's LR over the last group's in the range test; None when every group had the same LR
    _group_lr_ratios: list[float] | None

    @property
    def running(self) -> bool:
        raise NotImplementedError

    @property
    def lr(self) -> float | slice | list[float]:
        raise NotImplementedError

    def _handle_lr(self) -> float | slice | list[float]:
        """What the handles pick: ``hi × ratio`` per group after a discriminative test, else hi or slice(lo, hi)."""
        lo, hi = self._picked()
        if self._group_lr_ratios is not None:
            return [hi * ratio for ratio in self._group_lr_ratios]
        return hi if self._backend.n_groups <= 1 else slice(lo, hi)

    def _picked(self) -> tuple[float, float]:
        raise NotImplementedError

    def _ensure_idle(self, call: str) -> None:
        if self.running:
            raise RuntimeError(f"{call} refused: a range test is running; call w.stop() or w.wait() first")

    def fine_tune(self, epochs: int, **kwargs: Any) -> Any:
        """``learn.fine_tune(epochs, base_lr=w.lr_hi, lr_mult=w.lr_hi / w.lr_lo, **kwargs)``.

        With one layer group, lr_mult keeps the learner's default (it has no effect there). After a discriminative
        range test, ``lr_mult`` is the tested ratio of the last group's LR to the first's (a ValueError when the
        tested ratios are not geometric, which fine_tune cannot give: use ``w.fit_one_cycle``).
        """
        self._ensure_idle("fine_tune")
        _reject_handle_kwargs(kwargs, ("base_lr", "lr_mult"), "fine_tune")
        return self._backend.train(self._training_call("fine_tune", epochs, kwargs))

    def _training_call(self, name: TrainingCallName, epochs: int, kwargs: dict[str, Any]) -> TrainingCall:
        """The call ``w.<name>(epochs, **kwargs)`` makes, the handles' LRs first: what it runs and the preview shows.

        fine_tune gets ``base_lr=hi`` and, with several groups, ``lr_mult=hi/lo`` (with one, lr_mult has no effect,
        so the learner's default stays), or the tested ratios' lr_mult after a discriminative test; fit_one_cycle
        gets ``lr_max=w.lr``.
        """
        handles: dict[str, Any]
        if name == "fine_tune":
            lo, hi = self._picked()
            ratios = self._group_lr_ratios
            lr_mult = hi / lo if ratios is None else fine_tune_lr_mult(ratios)
            handles = {"base_lr": hi, **({"lr_mult": lr_mult} if self._backend.n_groups > 1 else {})}
        else:
            handles = {"lr_max": self.lr}
        return TrainingCall(name, epochs, {**handles, **kwargs})

    def fit_one_cycle(self, n_epoch: int, **kwargs: Any) -> Any:
        """``learn.fit_one_cycle(n_epoch, lr_max=w.lr, **kwargs)``."""
        self._ensure_idle("fit_one_cycle")
        _reject_handle_kwargs(kwargs, ("lr_max",), "fit_one_cycle")
        return self._backend.train(self._training_call("fit_one_cycle", n_epoch, kwargs))

    def apply_to(self, optimizer: torch.optim.Optimizer) -> list[float]:
        """Writes the picked LRs into ``optimizer``'s param groups and returns them.

        ``w.lr`` follows fastai's rules: a float goes to every group; ``slice(lo, hi)`` gives geometric steps from lo
        (first group) to hi (last group); after a discriminative range test it lists each group's LR.
        """
        self._ensure_idle("apply_to")
        if not isinstance(optimizer, torch.optim.Optimizer):
            raise TypeError(f"apply_to takes a torch.optim.Optimizer, got {type(optimizer).__name__}")
        lrs = lrs_per_group(self.lr, len(optimizer.param_groups), name="w.lr")
        for group, lr in zip(optimizer.param_groups, lrs, strict=True):
            if isinstance(group["lr"], torch.Tensor):
                group["lr"].fill_(lr)
            else:
                group["lr"] = lr
        return lrs


def fine_tune_lr_mult(ratios: list[float]) -> float:
    """The ``lr_mult`` whose ``slice(base_lr/lr_mult, base_lr)`` gives each group ``base_lr × ratios[g]``.

    fastai's fine_tune spreads its LRs geometrically (``even_mults``), so only geometric ratios survive it; for
    others (``slice(None, b)``'s ``[0.1, 0.1, 1]`` or a hand-written list) a ValueError says what to do instead.
    """
    lr_mult = 1 / ratios[0]
    geometric = even_mults(ratios[0], 1.0, len(ratios))
    if not all(math.isclose(a, b, rel_tol=RATIO_TOLERANCE) for a, b in zip(ratios, geometric, strict=True)):
        tested = ", ".join(f"{ratio:.3g}" for ratio in ratios)
        raise ValueError(
            f"w.fine_tune() cannot keep the range test's group ratios [{tested}]: fine_tune gives the groups "
            "slice(base_lr/lr_mult, base_lr), geometric steps. Use w.fit_one_cycle(...), which passes one LR per "
            "group (w.lr), or run the range test with start_lr/end_lr as slice(lo, hi)"
        )
    return lr_mult


def _reject_handle_kwargs(kwargs: dict[str, Any], names: tuple[str, ...], call: str) -> None:
    given = [name for name in names if name in kwargs]
    if given:
        raise TypeError(
            f"w.{call}() takes {', '.join(given)} from the handles; drag them or set w.lr_lo / w.lr_hi, "
            f"or call learn.{call}() directly to pass your own"
        )
