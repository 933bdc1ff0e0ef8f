"""The hand-off: the picked learning rates passed to the learner's own training calls, exactly as the preview shows."""
from __future__ import annotations

from typing import Any

import torch

from lrwidget.backends import Backend
from lrwidget.train.plan import TrainingCall, TrainingCallName
from lrwidget.train.schedule import lrs_per_group


class HandOff:
    """``w.fine_tune``, ``w.fit_one_cycle`` and ``w.apply_to``, for a widget that has handles and a backend."""

    # Provided by the widget that mixes this in (LRWidget): its backend, run state and handles.
    _backend: Backend

    @property
    def running(self) -> bool:
        raise NotImplementedError

    @property
    def lr(self) -> float | slice:
        raise NotImplementedError

    def _picked(self) -> tuple[float, float]:
        raise NotImplementedError

    def _ensure_idle(self, call: str) -> None:
        if self.running:
            raise RuntimeError(f"{call} refused: a range test is running; call w.stop() or w.wait() first")

    def fine_tune(self, epochs: int, **kwargs: Any) -> Any:
        """``learn.fine_tune(epochs, base_lr=w.lr_hi, lr_mult=w.lr_hi / w.lr_lo, **kwargs)``.

        With one layer group, lr_mult keeps the learner's default (it has no effect there).
        """
        self._ensure_idle("fine_tune")
        _reject_handle_kwargs(kwargs, ("base_lr", "lr_mult"), "fine_tune")
        return self._backend.train(self._training_call("fine_tune", epochs, kwargs))

    def _training_call(self, name: TrainingCallName, epochs: int, kwargs: dict[str, Any]) -> TrainingCall:
        """The call ``w.<name>(epochs, **kwargs)`` makes, the handles' LRs first: what it runs and the preview shows.

        fine_tune gets ``base_lr=hi`` and, with several groups, ``lr_mult=hi/lo`` (with one, lr_mult has no effect,
        so the learner's default stays); fit_one_cycle gets ``lr_max=w.lr``.
        """
        handles: dict[str, Any]
        if name == "fine_tune":
            lo, hi = self._picked()
            handles = {"base_lr": hi, **({"lr_mult": hi / lo} if self._backend.n_groups > 1 else {})}
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
        (first group) to hi (last group).
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


def _reject_handle_kwargs(kwargs: dict[str, Any], names: tuple[str, ...], call: str) -> None:
    given = [name for name in names if name in kwargs]
    if given:
        raise TypeError(
            f"w.{call}() takes {', '.join(given)} from the handles; drag them or set w.lr_lo / w.lr_hi, "
            f"or call learn.{call}() directly to pass your own"
        )
