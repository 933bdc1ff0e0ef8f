"""Snapshot and restore everything a range test touches, in CPU RAM.

fastai saves the model to a file before ``lr_find`` and loads it back only on a clean exit. Here the snapshot lives
in CPU memory (so a GPU model never needs a second copy on the GPU, and no file is written), and the restore runs in
``finally``: after a finished run, a Stop, a divergence or an exception alike.

What is captured:
- every parameter's and buffer's values (non-persistent buffers too) and every parameter's ``.grad``;
- ``requires_grad`` of every parameter and the train/eval mode of every module;
- the optimizer's per-parameter state and every param group's hyper-parameters;
- the torch (CPU and initialised CUDA devices), Python and NumPy random number generator states, so that a range
  test never changes the training that follows it (fastai issue 3013).

Every tensor is restored into its original object with ``copy_`` (parameters, grads, buffers, optimizer state, a tensor
lr), so that the optimizer, hooks, CUDA graphs and the user's own references keep pointing at live tensors.
"""
from __future__ import annotations

import copy
import random
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn


@dataclass
class _Saved:
    """A value as it was: the live object itself, and a CPU copy of its contents taken at snapshot time."""

    original: Any
    contents: Any

    @classmethod
    def of(cls, value: Any) -> _Saved:
        if isinstance(value, torch.Tensor):
            return cls(value, value.detach().to("cpu", copy=True))  # a fresh copy, even of a CPU tensor
        return cls(value, copy.deepcopy(value))

    def load(self) -> Any:
        """The original object with its saved contents, so references held elsewhere stay valid."""
        if isinstance(self.original, torch.Tensor):
            with torch.no_grad():
                self.original.copy_(self.contents)
            return self.original
        return copy.deepcopy(self.contents)


@dataclass
class _ParamRecord:
    param: torch.Tensor
    values: _Saved
    grad: _Saved | None
    requires_grad: bool


class RngSnapshot:
    """The state of every random number generator a training step may draw from."""

    def __init__(self) -> None:
        self.torch_cpu = torch.get_rng_state()
        # Only devices that are already initialised: asking for CUDA state must not start CUDA on a CPU run.
        self.torch_cuda = torch.cuda.get_rng_state_all() if torch.cuda.is_available() and torch.cuda.is_initialized() else None
        self.python = random.getstate()
        self.numpy = np.random.get_state()

    def restore(self) -> None:
        """Puts every generator back to the captured state."""
        torch.set_rng_state(self.torch_cpu)
        if self.torch_cuda is not None:
            torch.cuda.set_rng_state_all(self.torch_cuda)
        random.setstate(self.python)
        np.random.set_state(self.numpy)


class TrainingSnapshot:
    """A CPU copy of a model, its optimizer and the RNGs, restorable bit for bit.

    Use it as ``snap = TrainingSnapshot(model, optimizer)`` and ``snap.restore()`` in a ``finally`` block.
    """

    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer | None = None) -> None:
        self.model = model
        self.optimizer = optimizer
        self.params = [
            _ParamRecord(
                param=param,
                values=_Saved.of(param),
                grad=None if param.grad is None else _Saved.of(param.grad),
                requires_grad=param.requires_grad,
            )
            # Parameters the optimizer holds beyond the model's own are trained too, so they are saved too.
            for param in _unique(list(model.parameters()) + _optimizer_params(optimizer))
        ]
        self.buffers = [_Saved.of(buffer) for buffer in _unique(model.buffers())]
        self.modes = [(module, module.training) for module in model.modules()]
        self.optimizer_state: list[tuple[torch.Tensor, dict[str, _Saved]]] = []
        self.param_groups: list[tuple[dict[str, Any], dict[str, _Saved]]] = []
        if optimizer is not None:
            self._capture_optimizer(optimizer)
        self.rng = RngSnapshot()

    def _capture_optimizer(self, optimizer: torch.optim.Optimizer) -> None:
        for param, state in optimizer.state.items():
            self.optimizer_state.append((param, {key: _Saved.of(value) for key, value in state.items()}))
        for group in _hyper_dicts(optimizer):
            self.param_groups.append((group, {key: _Saved.of(value) for key, value in group.items() if key != "params"}))

    def restore(self) -> None:
        """Restores parameters, grads, buffers, flags, modes, optimizer state and hypers, and RNG states."""
        for record in self.params:
            record.values.load()
            record.param.requires_grad_(record.requires_grad)
            record.param.grad = None if record.grad is None else record.grad.load()
        for buffer in self.buffers:
            buffer.load()
        for module, training in self.modes:
            module.train(training)
        if self.optimizer is not None:
            self._restore_optimizer(self.optimizer)
        self.rng.restore()

    def _restore_optimizer(self, optimizer: torch.optim.Optimizer) -> None:
        optimizer.state.clear()
        for param, state in self.optimizer_state:
            optimizer.state[param] = {key: saved.load() for key, saved in state.items()}
        for group, hypers in self.param_groups:
            params = group.get("params")
            # Clear first: keys a scheduler added during the test (initial_lr, max_lr, ...) must not survive.
            group.clear()
            if params is not None:
                group["params"] = params
            group.update({key: saved.load() for key, saved in hypers.items()})


def _hyper_dicts(optimizer: Any) -> list[dict[str, Any]]:
    """The live dicts holding an optimizer's hyper-parameters: torch's param_groups, or a fastai Optimizer's hypers.

    (fastai's ``param_groups`` is built afresh on each access, so writing to it would change nothing.)
    """
    if not isinstance(optimizer, torch.optim.Optimizer) and hasattr(optimizer, "hypers"):
        return list(optimizer.hypers)
    return optimizer.param_groups


def _optimizer_params(optimizer: torch.optim.Optimizer | None) -> list[torch.Tensor]:
    if optimizer is None:
        return []
    return [param for group in optimizer.param_groups for param in group["params"]]


def _unique(tensors: Any) -> list[torch.Tensor]:
    """Tensors in order, each once (tied weights appear once)."""
    seen: set[int] = set()
    result = []
    for tensor in tensors:
        if id(tensor) not in seen:
            seen.add(id(tensor))
            result.append(tensor)
    return result
