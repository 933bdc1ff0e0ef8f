"""Snapshot and restore everything a range test touches, in CPU RAM.

fastai saves the model to a file before ``lr_find`` and loads it back only on a clean exit. Here the snapshot lives
in CPU memory (so a GPU model never needs a second copy on the GPU, and no file is written), and the restore runs in
``finally``: after a finished run, a Stop, a divergence or an exception alike.

What is captured:
- every parameter's and buffer's values (non-persistent buffers too) and every parameter's ``.grad``;
- what each module binds: its parameters, buffers and submodules by name, which buffers are non-persistent, and its
  public plain attributes. A forward that rebinds a buffer (``self.running = 0.9 * self.running + ...``) or registers
  a new one during the test is undone: the old object is bound again, the new one removed; a plain tensor attribute
  changed in place is restored too;
- ``requires_grad`` of every parameter and the train/eval mode of every module;
- the optimizer's param groups (which groups, which parameters), per-parameter state and hyper-parameters;
- the random number generator states, global and the loader's own (see :mod:`lrwidget.engine.rng`), so that a range
  test never changes the training that follows it (fastai issue 3013);
- the state of each mixed-precision ``GradScaler`` the test steps with (its scale and growth tracker), so that a
  Learner's calibrated scale survives a range test that halved it on overflowing steps.

Every tensor is restored into its original object with ``copy_`` (parameters, grads, buffers, optimizer state, a tensor
lr), so that the optimizer, hooks, CUDA graphs and the user's own references keep pointing at live tensors.
"""
from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from lrwidget.engine.rng import LoaderRngSnapshot, RngSnapshot


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
class _ModuleBindings:
    """What one module binds by name, as shallow copies: the bound objects themselves, not their contents."""

    module: nn.Module
    parameters: dict[str, Any]
    buffers: dict[str, Any]
    submodules: dict[str, Any]
    non_persistent: set[str]
    attributes: dict[str, Any]
    #: Plain tensor attributes (not registered as buffers) that a forward may still change in place.
    attribute_tensors: list[_Saved]

    @classmethod
    def of(cls, module: nn.Module) -> _ModuleBindings:
        attributes = _public_attributes(module)
        tensors = [_Saved.of(value) for value in attributes.values() if isinstance(value, torch.Tensor)]
        return cls(module, dict(module._parameters), dict(module._buffers), dict(module._modules),
                   set(module._non_persistent_buffers_set), attributes, tensors)

    def restore(self) -> None:
        """Binds every name to the object it held, in the same dicts, and drops names added since."""
        module = self.module
        for live, saved in ((module._parameters, self.parameters), (module._buffers, self.buffers),
                            (module._modules, self.submodules)):
            if list(live.keys()) != list(saved) or any(live[name] is not value for name, value in saved.items()):
                live.clear()
                live.update(saved)
        if module._non_persistent_buffers_set != self.non_persistent:
            module._non_persistent_buffers_set.clear()
            module._non_persistent_buffers_set.update(self.non_persistent)
        attributes = module.__dict__
        for name in [name for name in _public_attributes(module) if name not in self.attributes]:
            del attributes[name]
        for name, value in self.attributes.items():
            if attributes.get(name, _MISSING) is not value:
                attributes[name] = value  # straight into __dict__: a plain attribute, not a registration
        for tensor in self.attribute_tensors:
            tensor.load()


_MISSING = object()


def _binds_in_dicts(module: nn.Module) -> bool:
    """Whether the module keeps its bindings in plain dicts (a TorchScript module keeps them in C++ instead)."""
    return not isinstance(module, torch.jit.ScriptModule) and all(
        isinstance(bindings, dict) for bindings in (module._parameters, module._buffers, module._modules))


def _public_attributes(module: nn.Module) -> dict[str, Any]:
    """A module's own plain attributes, bar torch's private ones and ``training`` (restored with the modes)."""
    return {name: value for name, value in vars(module).items() if not name.startswith("_") and name != "training"}


@dataclass
class _ParamRecord:
    param: torch.Tensor
    values: _Saved
    grad: _Saved | None
    requires_grad: bool


class TrainingSnapshot:
    """A CPU copy of a model, its optimizer and the RNGs, restorable bit for bit.

    Use it as ``snap = TrainingSnapshot(model, optimizer, loaders=[train_dl])`` and ``snap.restore()`` in a
    ``finally`` block. ``loaders`` are the data loaders the test iterates: their own generators are rewound too.
    ``scalers`` are the ``torch.amp.GradScaler`` objects it steps with (None entries are ignored).
    """

    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer | None = None, *,
                 loaders: Iterable[Any] = (), scalers: Iterable[torch.amp.GradScaler | None] = ()) -> None:
        lazy = [name for name, param in model.named_parameters() if isinstance(param, nn.UninitializedParameter)]
        if lazy:
            raise ValueError(
                f"the model has lazy parameters that are not initialized yet ({', '.join(lazy[:3])}): run one batch "
                "through it first (model(x)), so that they have a shape, then run the range test"
            )
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
        self.bindings = [_ModuleBindings.of(module) for module in model.modules() if _binds_in_dicts(module)]
        self.modes = [(module, module.training) for module in model.modules()]
        self.optimizer_state: list[tuple[torch.Tensor, dict[str, _Saved]]] = []
        self.param_groups: list[tuple[dict[str, Any], dict[str, _Saved]]] = []
        self.group_list: list[dict[str, Any]] = []
        self.group_params: list[tuple[dict[str, Any], list[Any], list[Any]]] = []
        if optimizer is not None:
            self._capture_optimizer(optimizer)
        self.rng = RngSnapshot()
        self.loader_rng = LoaderRngSnapshot(loaders)
        self.scalers = [(scaler, scaler.state_dict()) for scaler in scalers if scaler is not None]

    def _capture_optimizer(self, optimizer: torch.optim.Optimizer) -> None:
        for param, state in optimizer.state.items():
            self.optimizer_state.append((param, {key: _Saved.of(value) for key, value in state.items()}))
        for group in _hyper_dicts(optimizer):
            saved = {key: _Saved.of(value) for key, value in group.items() if key != "params"}
            self.param_groups.append((group, saved))
        if isinstance(optimizer, torch.optim.Optimizer):  # add_param_group during the test is undone too
            self.group_list = list(optimizer.param_groups)
            self.group_params = [(group, group["params"], list(group["params"])) for group in optimizer.param_groups]

    def restore(self) -> None:
        """Restores module bindings, parameters, grads, buffers, flags, modes, optimizer state and hypers, and RNGs."""
        for bindings in self.bindings:
            bindings.restore()
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
        self.loader_rng.restore()
        for scaler, state in self.scalers:
            _restore_scaler(scaler, state)

    def _restore_optimizer(self, optimizer: torch.optim.Optimizer) -> None:
        current_ids = [id(group) for group in optimizer.param_groups]
        if self.group_list and current_ids != [id(group) for group in self.group_list]:
            optimizer.param_groups[:] = self.group_list
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
        for group, param_list, contents in self.group_params:  # the very list, holding the same parameters
            param_list[:] = contents
            group["params"] = param_list


def _restore_scaler(scaler: torch.amp.GradScaler, state: dict[str, Any]) -> None:
    """Loads ``state`` (Python numbers: nothing of it lives on the GPU) and forgets a step left half done."""
    scaler.load_state_dict(state)
    # A test that raised between scaler.scale/unscale_ and update() leaves the optimizer marked as unscaled, and the
    # next scaler.step would refuse it; update() itself clears this dict the same way.
    per_optimizer = getattr(scaler, "_per_optimizer_states", None)
    if isinstance(per_optimizer, dict):
        per_optimizer.clear()


def _hyper_dicts(optimizer: Any) -> list[dict[str, Any]]:
    """The live dicts holding an optimizer's hyper-parameters: torch's param_groups, or a fastai Optimizer's hypers.

    (fastai's ``param_groups`` is built afresh on each access, so writing to it would change nothing.)
    """
    if not isinstance(optimizer, torch.optim.Optimizer) and hasattr(optimizer, "hypers"):
        return list(optimizer.hypers)
    param_groups: list[dict[str, Any]] = optimizer.param_groups
    return param_groups


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
