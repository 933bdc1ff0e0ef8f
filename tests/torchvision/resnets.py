"""What the torchvision tests share: torchvision itself, small images, and a ResNet body under a new head.

These tests run in the torchvision lane (``make test-torchvision``, in .venv-tv), not in the main suite: PyPI's
torchvision cannot import beside the CPU build of torch that .venv holds. Where torchvision cannot be imported, the
tests fail in CI and skip with the reason elsewhere.
"""
from __future__ import annotations

import os
from types import ModuleType

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

LANE_HINT = ("`make test-torchvision` runs these tests in .venv-tv, where it imports (a CUDA build of torch, pinned "
             "with torchvision in constraints-torchvision.txt)")
IMAGE_SIZE = 32
N_CLASSES = 10


def require_torchvision() -> ModuleType:
    """torchvision, or a failure in CI (``CI`` set) and a skip with the reason elsewhere."""
    try:
        import torchvision
    except Exception as error:  # ImportError, or "operator torchvision::nms does not exist" beside a CPU torch
        reason = f"torchvision cannot be imported here ({type(error).__name__}: {error}); {LANE_HINT}"
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason, allow_module_level=True)
    return torchvision


def digit_images(n: int, offset: int = 0) -> TensorDataset:
    """``n`` of scikit-learn's 8×8 digits (no download), upsampled to 32×32 RGB, with their labels."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = torch.tensor(digits.images[offset:offset + n], dtype=torch.float32).unsqueeze(1) / 16
    images = nn.functional.interpolate(images, size=IMAGE_SIZE).repeat(1, 3, 1, 1)
    return TensorDataset(images, torch.tensor(digits.target[offset:offset + n]))


def loaders(n_train: int = 128, n_valid: int = 64, batch_size: int = 16) -> tuple[DataLoader, DataLoader]:
    """A shuffled training loader (it draws from the global torch RNG, which a range test must rewind) and a
    validation loader, on different images."""
    return (DataLoader(digit_images(n_train), batch_size=batch_size, shuffle=True),
            DataLoader(digit_images(n_valid, offset=n_train), batch_size=batch_size * 2))


def resnet_with_new_head(arch: str = "resnet18", seed: int = 0) -> nn.Sequential:
    """A torchvision ResNet's body (randomly initialised: nothing is downloaded) under a new linear head:
    ``model[0]`` is the body (everything up to the average pool), ``model[1]`` the head."""
    torchvision = require_torchvision()
    torch.manual_seed(seed)
    resnet = getattr(torchvision.models, arch)(weights=None)
    body = nn.Sequential(*list(resnet.children())[:-1])
    head = nn.Sequential(nn.Flatten(), nn.Linear(resnet.fc.in_features, N_CLASSES))
    return nn.Sequential(body, head)


def body_and_head(model: nn.Sequential) -> list[list[nn.Parameter]]:
    """The two layer groups: the body, then the head (fastai's split for a pretrained CNN)."""
    return [list(model[0].parameters()), list(model[1].parameters())]
