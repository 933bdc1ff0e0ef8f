"""Shared fixtures: tiny, deterministic models and loaders that run in milliseconds on two cores."""
from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def make_regression_data(n: int = 256, features: int = 8, seed: int = 0) -> TensorDataset:
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n, features, generator=generator)
    true_weights = torch.randn(features, 1, generator=generator)
    y = x @ true_weights + 0.1 * torch.randn(n, 1, generator=generator)
    return TensorDataset(x, y)


def make_mlp(features: int = 8, hidden: int = 16, seed: int = 0, batchnorm: bool = True) -> nn.Module:
    torch.manual_seed(seed)
    layers: list[nn.Module] = [nn.Linear(features, hidden)]
    if batchnorm:
        layers.append(nn.BatchNorm1d(hidden))
    layers += [nn.ReLU(), nn.Dropout(0.1), nn.Linear(hidden, 1)]
    return nn.Sequential(*layers)


@pytest.fixture
def regression_loader() -> DataLoader:
    # shuffle=True on purpose: reshuffling draws from the global torch RNG, which the range test must restore.
    return DataLoader(make_regression_data(), batch_size=32, shuffle=True)


@pytest.fixture
def mlp() -> nn.Module:
    return make_mlp()
