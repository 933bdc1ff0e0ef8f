"""Layer groups: the default splitter, the check of a splitter's output, and the norm layers that train when frozen."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import torch
from torch import nn

# fastai's norm_types: in a frozen layer group these keep training when train_bn is set.
NORM_TYPES = (
    nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d,
    nn.InstanceNorm1d, nn.InstanceNorm2d, nn.InstanceNorm3d,
    nn.LayerNorm,
)
# Any: a splitter takes the caller's own model class (nn.Sequential, a custom Module), which Callable cannot widen to.
Splitter = Callable[[Any], Iterable[Iterable[nn.Parameter]]]
_MAX_NAMES_SHOWN = 8


def trainable_params(model: nn.Module) -> list[list[nn.Parameter]]:
    """The default splitter: one layer group with every parameter that requires grad (fastai's default)."""
    return [[param for param in model.parameters() if param.requires_grad]]


def _listed(names: Sequence[str]) -> str:
    shown = ", ".join(names[:_MAX_NAMES_SHOWN])
    return shown + (f" and {len(names) - _MAX_NAMES_SHOWN} more" if len(names) > _MAX_NAMES_SHOWN else "")


def check_layer_groups(model: nn.Module, groups: Any) -> list[list[nn.Parameter]]:
    """Checks a splitter's output: every trainable parameter of ``model`` in exactly one non-empty group.

    Parameters that do not require grad may be included (fastai's ``unfreeze`` will then train them).
    Raises ``TypeError`` for a wrong shape and ``ValueError`` naming the parameters that are missing,
    repeated or foreign.
    """
    if isinstance(groups, torch.Tensor) or not isinstance(groups, Iterable):
        raise TypeError(f"the splitter must return a list of parameter lists, got {type(groups).__name__}")
    groups = list(groups)
    if not groups or any(isinstance(group, torch.Tensor) or not isinstance(group, Iterable) for group in groups):
        raise TypeError("the splitter must return a list of parameter lists, one list per layer group "
                        "(e.g. [list(body.parameters()), list(head.parameters())])")
    layer_groups: list[list[nn.Parameter]] = [list(group) for group in groups]
    names = {id(param): name for name, param in model.named_parameters()}
    problems: list[str] = []
    group_of: dict[int, int] = {}
    repeated: list[str] = []
    for index, group in enumerate(layer_groups):
        if not group:
            problems.append(f"layer group {index} is empty")
        for param in group:
            if id(param) not in names:
                shape = tuple(param.shape) if isinstance(param, torch.Tensor) else type(param).__name__
                problems.append(f"layer group {index} holds something that is not a parameter of the model ({shape})")
            elif id(param) in group_of:
                repeated.append(f"{names[id(param)]} (groups {group_of[id(param)]} and {index})")
            else:
                group_of[id(param)] = index
    if repeated:
        problems.append(f"parameters in more than one place: {_listed(repeated)}")
    missing = [name for name, param in model.named_parameters() if param.requires_grad and id(param) not in group_of]
    if missing:
        problems.append(f"trainable parameters in no layer group: {_listed(missing)}")
    if problems:
        raise ValueError("the splitter's layer groups must hold every trainable parameter of the model exactly "
                         "once: " + "; ".join(problems))
    return layer_groups
