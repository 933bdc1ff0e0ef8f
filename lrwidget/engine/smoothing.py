"""fastai's smoothing of the training loss: a debiased exponential moving average, in float32.

Layer: engine. Imports torch, and fastai's β from :mod:`lrwidget.suggest`.
"""
from __future__ import annotations

import torch

from lrwidget.suggest.fastai_methods import FASTAI_SMOOTHING_BETA

__all__ = ["LossSmoother"]


class LossSmoother:
    """fastai's ``AvgSmoothLoss``: a debiased exponential moving average of the raw losses, computed in float32.

    Each step runs fastai's own expressions on 0-d float32 tensors, ``avg = torch.lerp(loss, avg, beta)`` and
    ``avg / (1 - beta**count)``, so the smoothed losses are fastai's bit for bit by construction (the parity test
    checks them against ``AvgSmoothLoss``). NaN and inf propagate, and overflow gives inf, as in fastai.

    The tensors live on the CPU, since callers pass the loss as a Python float. fastai keeps its average on the
    loss's device, and on CUDA torch divides by a Python scalar as a multiplication by its reciprocal, so fastai's own
    values on a GPU can differ from its CPU values, and from these, in the last bit.

    Examples:
        >>> smoother = LossSmoother()
        >>> smoother.add(2.0), smoother.add(1.0)  # float32 rounding shows: fastai's first value is not 2.0 either
        (1.9999980926513672, 1.494948148727417)
    """

    def __init__(self, beta: float = FASTAI_SMOOTHING_BETA) -> None:
        self.beta = beta
        self.count = 0
        self._average = torch.tensor(0.0, dtype=torch.float32)

    def add(self, loss: float) -> float:
        """Adds one raw loss and returns the smoothed (debiased) loss, a float32 value as a Python float."""
        self.count += 1
        self._average = torch.lerp(torch.tensor(loss, dtype=torch.float32), self._average, self.beta)
        return (self._average / (1 - self.beta**self.count)).item()
