"""Nothing lost: after a range test that completes, diverges, is cancelled or raises at any step, the model, the
optimizer and every RNG are exactly as they were."""
from __future__ import annotations

import random
import threading
from typing import Any

import numpy as np
import pytest
import torch
from torch import nn

from lrwidget import range_test
from lrwidget.engine.step import SupervisedStep

from .conftest import make_mlp


def capture(model: nn.Module, optimizer: torch.optim.Optimizer) -> dict[str, Any]:
    """Everything the range test must leave untouched, as plain comparable values."""
    return {
        "params": {name: p.detach().clone() for name, p in model.named_parameters()},
        "grads": {name: None if p.grad is None else p.grad.clone() for name, p in model.named_parameters()},
        "requires_grad": {name: p.requires_grad for name, p in model.named_parameters()},
        "buffers": {name: b.clone() for name, b in model.named_buffers()},
        "modes": {name: m.training for name, m in model.named_modules()},
        "opt_state": {
            id(p): {k: v.clone() if isinstance(v, torch.Tensor) else v for k, v in s.items()}
            for p, s in optimizer.state.items()
        },
        "opt_hypers": [{k: v for k, v in g.items() if k != "params"} for g in optimizer.param_groups],
        "torch_rng": torch.get_rng_state(),
        "python_rng": random.getstate(),
        "numpy_rng": np.random.get_state()[1].copy(),
    }


def assert_same(before: dict[str, Any], after: dict[str, Any]) -> None:
    for key in ("params", "buffers"):
        assert before[key].keys() == after[key].keys()
        for name in before[key]:
            assert torch.equal(before[key][name], after[key][name]), f"{key} {name} changed"
            assert before[key][name].dtype == after[key][name].dtype
    for name, grad in before["grads"].items():
        if grad is None:
            assert after["grads"][name] is None, f"grad of {name} appeared"
        else:
            assert torch.equal(grad, after["grads"][name]), f"grad of {name} changed"
    assert before["requires_grad"] == after["requires_grad"]
    assert before["modes"] == after["modes"]
    assert before["opt_state"].keys() == after["opt_state"].keys()
    for pid, state in before["opt_state"].items():
        assert state.keys() == after["opt_state"][pid].keys()
        for k, v in state.items():
            w = after["opt_state"][pid][k]
            assert torch.equal(v, w) if isinstance(v, torch.Tensor) else v == w, f"optimizer state {k} changed"
    assert before["opt_hypers"] == after["opt_hypers"]
    assert torch.equal(before["torch_rng"], after["torch_rng"])
    assert before["python_rng"] == after["python_rng"]
    assert np.array_equal(before["numpy_rng"], after["numpy_rng"])


def warmed_up(optimizer_name: str, regression_loader) -> tuple[nn.Module, torch.optim.Optimizer]:
    """A model with real optimizer state, leftover grads, a frozen layer and eval-mode parts: the hard case."""
    model = make_mlp()
    optimizers = {
        "adamw": lambda ps: torch.optim.AdamW(ps, lr=1e-3, weight_decay=0.01),
        "sgd": lambda ps: torch.optim.SGD(ps, lr=1e-2, momentum=0.9, nesterov=True),
    }
    optimizer = optimizers[optimizer_name]([
        {"params": model[0].parameters()},
        {"params": list(model[1].parameters()) + list(model[4].parameters()), "lr": 3e-3},
    ])
    step = SupervisedStep(model, optimizer, nn.functional.mse_loss)
    for batch, _ in zip(regression_loader, range(3), strict=False):  # the first 3 batches
        step(batch)
    model[4].bias.requires_grad_(False)
    model[3].eval()  # a module left in eval mode by the user must stay so
    return model, optimizer


@pytest.mark.parametrize("optimizer_name", ["adamw", "sgd"])
@pytest.mark.parametrize("ending", ["completed", "diverged", "cancelled"])
def test_nothing_lost_on_every_normal_ending(optimizer_name, ending, regression_loader):
    model, optimizer = warmed_up(optimizer_name, regression_loader)
    before = capture(model, optimizer)
    cancel = threading.Event()

    def on_point(point):
        if ending == "cancelled" and point.iteration == 7:
            cancel.set()

    end_lr = 1e4 if ending == "diverged" else 1e-2
    result = range_test(model, optimizer, nn.functional.mse_loss, regression_loader, end_lr=end_lr, num_it=40,
                        on_point=on_point, cancel=cancel)
    assert result.stop_reason == ending
    if ending == "cancelled":
        assert len(result.lrs) == 8
    assert_same(before, capture(model, optimizer))


class InjectedFault(RuntimeError):
    pass


@pytest.mark.parametrize("trial", range(12))
def test_nothing_lost_when_a_random_step_raises(trial, regression_loader):
    """Randomized fault injection: the loss function, the model's forward or on_point raises at a random step."""
    chooser = random.Random(trial)
    fail_at = chooser.randrange(0, 30)
    where = chooser.choice(["loss", "forward", "on_point", "backward"])
    model, optimizer = warmed_up(chooser.choice(["adamw", "sgd"]), regression_loader)
    before = capture(model, optimizer)
    calls = {"n": 0}

    def loss_func(pred, target):
        loss = nn.functional.mse_loss(pred, target)
        if where == "backward" and calls["n"] == fail_at:
            loss.register_hook(lambda grad: (_ for _ in ()).throw(InjectedFault("backward")))
        if where == "loss" and calls["n"] == fail_at:
            raise InjectedFault("loss")
        calls["n"] += 1
        return loss

    def forward_hook(module, args, output):
        if where == "forward" and calls["n"] == fail_at:
            raise InjectedFault("forward")

    def on_point(point):
        if where == "on_point" and point.iteration == fail_at:
            raise InjectedFault("on_point")

    handle = model[2].register_forward_hook(forward_hook)
    try:
        with pytest.raises(InjectedFault):
            range_test(model, optimizer, loss_func, regression_loader, num_it=40, end_lr=1e-2, on_point=on_point)
    finally:
        handle.remove()
    assert_same(before, capture(model, optimizer))


def test_restores_into_the_same_tensor_objects(regression_loader):
    model, optimizer = warmed_up("adamw", regression_loader)
    ids = [id(p) for p in model.parameters()]
    group_ids = [id(g) for g in optimizer.param_groups]
    range_test(model, optimizer, nn.functional.mse_loss, regression_loader, num_it=10)
    assert [id(p) for p in model.parameters()] == ids
    assert [id(g) for g in optimizer.param_groups] == group_ids
    assert all(p in optimizer.state for p in model.parameters() if p.requires_grad)


def test_training_after_a_range_test_is_unchanged(regression_loader):
    """fastai issue 3013: lr_find changes what later training does. Here it must not."""

    def train_three_steps(run_range_test: bool) -> torch.Tensor:
        torch.manual_seed(123)
        model = make_mlp(seed=1)
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
        if run_range_test:
            range_test(model, optimizer, nn.functional.mse_loss, regression_loader, num_it=20)
        step = SupervisedStep(model, optimizer, nn.functional.mse_loss)
        for batch, _ in zip(regression_loader, range(3), strict=False):  # the first 3 batches
            step(batch)
        return torch.cat([p.detach().flatten() for p in model.parameters()])

    assert torch.equal(train_three_steps(False), train_three_steps(True))


def test_snapshot_is_a_separate_cpu_copy(regression_loader):
    """The snapshot holds CPU copies of everything (no second copy on the model's device, no file)."""
    from lrwidget.engine.snapshot import TrainingSnapshot

    model, optimizer = warmed_up("adamw", regression_loader)
    snap = TrainingSnapshot(model, optimizer)
    saved = [record.values for record in snap.params] + [record.grad for record in snap.params if record.grad]
    saved += snap.buffers
    saved += [value for _, state in snap.optimizer_state for value in state.values()]
    tensors = [s for s in saved if isinstance(s.original, torch.Tensor)]
    assert len(tensors) > 10
    for s in tensors:
        assert s.contents.device.type == "cpu"
        assert s.contents.data_ptr() != s.original.data_ptr()


def test_a_plain_tensor_attribute_changed_in_place_is_restored(regression_loader):
    class Scaled(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.linear = nn.Linear(8, 1)
            self.scale = torch.ones(1)  # a plain attribute, not a registered buffer

        def forward(self, x):
            self.scale.mul_(0.9)
            return self.linear(x) * self.scale

    model = Scaled()
    scale = model.scale
    range_test(model, torch.optim.SGD(model.parameters(), lr=1e-3), nn.functional.mse_loss, regression_loader,
               num_it=10)
    assert model.scale is scale and torch.equal(model.scale, torch.ones(1))


def test_lazy_modules_not_yet_initialized_are_refused_before_anything_changes(regression_loader):
    model = nn.Sequential(nn.LazyLinear(1))
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
    with pytest.raises(ValueError, match="lazy parameters that are not initialized yet"):
        range_test(model, optimizer, nn.functional.mse_loss, regression_loader, num_it=10)
