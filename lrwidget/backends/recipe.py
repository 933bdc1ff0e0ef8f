"""The hand-off shared by every learner with fastai's training API (an lrwidget.Learner and a fastai Learner)."""
from __future__ import annotations

from typing import Any


class FastaiRecipe:
    """``fine_tune`` and ``fit_one_cycle`` passed straight to ``self.learn``, which has fastai's signatures."""

    learn: Any

    def fine_tune(self, epochs: int, *, base_lr: float, lr_mult: float | None, **kwargs: Any) -> Any:
        if lr_mult is not None:  # None: one layer group, where lr_mult has no effect; keep the learner's default
            kwargs["lr_mult"] = lr_mult
        return self.learn.fine_tune(epochs, base_lr=base_lr, **kwargs)

    def fit_one_cycle(self, n_epoch: int, *, lr_max: float | slice, **kwargs: Any) -> Any:
        return self.learn.fit_one_cycle(n_epoch, lr_max=lr_max, **kwargs)
