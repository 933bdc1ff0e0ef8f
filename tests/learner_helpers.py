"""Tiny models and data shared by the Learner tests: fast enough to train for real in milliseconds."""
from __future__ import annotations

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from lrwidget.train.learner import Learner, accuracy

N_FEATURES, N_CLASSES = 4, 3


def separable_data(n: int, seed: int = 0) -> TensorDataset:
    """Points whose class is the argmax of one fixed linear map: easy to learn."""
    class_map = torch.randn(N_FEATURES, N_CLASSES, generator=torch.Generator().manual_seed(1234))
    inputs = torch.randn(n, N_FEATURES, generator=torch.Generator().manual_seed(seed))
    return TensorDataset(inputs, (inputs @ class_map).argmax(dim=1))


def loaders(batch_size: int = 16, n_train: int = 96, n_valid: int = 40) -> tuple[DataLoader, DataLoader]:
    """Training and validation loaders; no shuffling, so runs are repeatable."""
    return (DataLoader(separable_data(n_train, seed=0), batch_size=batch_size),
            DataLoader(separable_data(n_valid, seed=1), batch_size=batch_size))


def grouped_model(n_groups: int) -> nn.Sequential:
    """``n_groups`` blocks (the first holds a BatchNorm), one block per layer group."""
    torch.manual_seed(0)
    width = 8
    blocks = [nn.Sequential(nn.Linear(N_FEATURES, width), nn.BatchNorm1d(width), nn.ReLU())]
    blocks += [nn.Sequential(nn.Linear(width, width), nn.ReLU()) for _ in range(n_groups - 2)]
    if n_groups == 1:
        blocks.append(nn.Linear(width, N_CLASSES))
        return nn.Sequential(nn.Sequential(*blocks))
    blocks.append(nn.Linear(width, N_CLASSES))
    return nn.Sequential(*blocks)


def block_splitter(model: nn.Sequential) -> list[list[nn.Parameter]]:
    """One layer group per top-level block."""
    return [list(block.parameters()) for block in model]


def make_learner(n_groups: int = 2, **kwargs) -> Learner:
    """A quiet Learner over :func:`grouped_model` with validation and accuracy."""
    train_dl, valid_dl = loaders()
    kwargs.setdefault("valid_dl", valid_dl)
    kwargs.setdefault("metrics", (accuracy,))
    kwargs.setdefault("show_progress", False)
    return Learner(grouped_model(n_groups), train_dl, nn.CrossEntropyLoss(), splitter=block_splitter, **kwargs)


def record_hypers(optimizer: torch.optim.Optimizer) -> tuple[list[list[float]], list[list[float]]]:
    """Lists that fill with every group's lr and momentum (beta1) as each optimizer step starts."""
    lrs: list[list[float]] = []
    momentums: list[list[float]] = []

    def before_step(opt: torch.optim.Optimizer, args: object, kwargs: object) -> None:
        lrs.append([group["lr"] for group in opt.param_groups])
        momentums.append([group["betas"][0] if "betas" in group else group["momentum"] for group in opt.param_groups])

    optimizer.register_step_pre_hook(before_step)
    return lrs, momentums


def parameters_copy(model: nn.Module) -> dict[str, torch.Tensor]:
    """A detached copy of every parameter and buffer, by name."""
    return {name: value.detach().clone() for name, value in model.state_dict().items()}
