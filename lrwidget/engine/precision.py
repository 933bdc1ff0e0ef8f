"""Mixed precision for a training step: ``torch.autocast``, plus a ``GradScaler`` for float16.

``amp`` picks the precision:

- ``False``: float32, no autocast (the default);
- ``True``: float16 on CUDA, bfloat16 on every other device (CPU autocast runs both, but bfloat16 keeps float32's
  exponent range and needs no scaler);
- ``torch.float16`` or ``torch.bfloat16``: that dtype, on any device (``torch.amp.GradScaler("cpu")`` scales on CPU).

The forward pass and the loss run under ``torch.autocast``; backward and the optimizer step run outside it, as torch's
AMP recipe says. Only float16 gets a ``GradScaler`` (the loss is scaled for backward, the gradients unscaled before the
step); fastai's ``MixedPrecision`` callback also disables its scaler for bfloat16.

**The skipped-step rule** (fastai's ``to_fp16``): when the scaled gradients hold an inf or a NaN, the scaler skips the
optimizer step and lowers its scale. That batch is still one iteration: its loss is recorded, and the next batch
trains at the next LR of the schedule. fastai does the same: its ``MixedPrecision.before_step`` raises
``CancelStepException``, which skips only ``opt.step()``; the Recorder still records the batch and
``TrainEvalCallback.after_batch`` still counts it, so ``LRFinder`` moves on to the next LR.

**The recorded loss is the unscaled one**: the scaler scales a copy of the loss for backward only.
"""
from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Any

import torch
from torch import nn

from lrwidget.engine.step import model_device

AMP_DTYPES = (torch.float16, torch.bfloat16)


def check_amp(amp: Any) -> None:
    """Raises a clear error unless ``amp`` is False, True, ``torch.float16`` or ``torch.bfloat16``."""
    if isinstance(amp, bool) or any(amp is dtype for dtype in AMP_DTYPES):
        return
    raise ValueError(f"amp must be False, True, torch.float16 or torch.bfloat16, got {amp!r}")


def amp_dtype(amp: Any, device: torch.device) -> torch.dtype | None:
    """The autocast dtype ``amp`` means on ``device`` (None for full precision); a ValueError for a bad ``amp``."""
    check_amp(amp)
    if amp is False:
        return None
    if amp is True:
        return torch.float16 if device.type == "cuda" else torch.bfloat16
    dtype: torch.dtype = amp
    return dtype


class MixedPrecision:
    """Autocast in one dtype on one device type, with a ``GradScaler`` when the dtype is float16.

    Build it with :meth:`of`, which returns None for ``amp=False``. ``scaler`` is None for bfloat16.
    """

    def __init__(self, dtype: torch.dtype, device_type: str, scaler: torch.amp.GradScaler | None = None) -> None:
        if not any(dtype is allowed for allowed in AMP_DTYPES):
            raise ValueError(f"mixed precision runs in torch.float16 or torch.bfloat16, got {dtype!r}")
        self.dtype = dtype
        self.device_type = device_type
        self.scaler: torch.amp.GradScaler | None = None
        if dtype is torch.float16:
            self.scaler = scaler if _scales_on(scaler, device_type) else torch.amp.GradScaler(device_type)

    @classmethod
    def of(cls, amp: Any, model: nn.Module, scaler: torch.amp.GradScaler | None = None) -> MixedPrecision | None:
        """The precision ``amp`` means for ``model``'s device; None for ``amp=False``.

        ``scaler``: a GradScaler to keep using (its scale carries over between calls) if it scales on that device;
        otherwise a new one is made for float16.
        """
        device = model_device(model)
        dtype = amp_dtype(amp, device)
        return None if dtype is None else cls(dtype, device.type, scaler)

    def autocast(self) -> AbstractContextManager[Any]:
        """The context the forward pass and the loss run in."""
        return torch.autocast(self.device_type, dtype=self.dtype)

    def backward(self, loss: torch.Tensor) -> None:
        """Backward on the loss, scaled first for float16."""
        (loss if self.scaler is None else self.scaler.scale(loss)).backward()

    def step(self, optimizer: torch.optim.Optimizer) -> None:
        """The optimizer step; for float16 through the scaler, which skips it on inf or NaN gradients."""
        if self.scaler is None:
            optimizer.step()
            return
        self.scaler.step(optimizer)
        self.scaler.update()


def autocast_for(precision: MixedPrecision | None) -> AbstractContextManager[Any]:
    """``precision``'s autocast, or a no-op context for full precision."""
    return nullcontext() if precision is None else precision.autocast()


def _scales_on(scaler: torch.amp.GradScaler | None, device_type: str) -> bool:
    return scaler is not None and scaler.is_enabled() and getattr(scaler, "_device", device_type) == device_type
