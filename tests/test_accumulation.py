"""Gradient accumulation in the range test and the Learner: one LR per optimizer step, the mean micro-batch loss."""
from __future__ import annotations

import math

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader

from lrwidget import Learner, range_test
from lrwidget.backends import LearnerBackend

from .conftest import make_mlp, make_regression_data
from .learner_helpers import loaders, parameters_copy, record_hypers
from .reference_loops import reference_range_test, reference_step

RANGE = {"start_lr": 1e-4, "end_lr": 1.0, "num_it": 12, "stop_div": False}


def setup() -> tuple[nn.Module, torch.optim.Optimizer, DataLoader]:
    model = make_mlp()
    # 5 batches a pass and 3 per step: steps straddle passes, and each pass reshuffles.
    loader = DataLoader(make_regression_data(n=80), batch_size=16, shuffle=True,
                        generator=torch.Generator().manual_seed(3))
    return model, torch.optim.AdamW(model.parameters()), loader


def same_parameters(a: nn.Module, b: nn.Module) -> bool:
    other = parameters_copy(b)
    return all(torch.equal(value, other[name]) for name, value in parameters_copy(a).items())


def test_accumulated_range_test_matches_the_reference_loop() -> None:
    model, optimizer, loader = setup()
    last: dict[str, torch.Tensor] = {}
    result = range_test(model, optimizer, nn.functional.mse_loss, loader, accumulation_steps=3,
                        on_point=lambda point: last.update(parameters_copy(model)), **RANGE)
    assert len(result.lrs) == 12

    lrs, losses = reference_range_test(model, optimizer, nn.functional.mse_loss, loader, start_lr=1e-4, end_lr=1.0,
                                       num_it=12, k=3)
    assert result.lrs == lrs  # one LR per optimizer step
    assert result.raw_losses == pytest.approx(losses, rel=1e-6)  # the mean of 3 micro-batch losses
    assert all(torch.equal(value, last[name]) for name, value in parameters_copy(model).items())


def test_each_step_consumes_k_batches() -> None:
    batches = [(torch.randn(4, 8), torch.randn(4, 1)) for _ in range(20)]
    calls: list[list[int]] = []

    def step(micro_batches):  # a custom step gets the list of micro-batches
        calls.append([next(i for i, batch in enumerate(batches) if batch is micro) for micro in micro_batches])
        return torch.tensor(1.0)

    model = make_mlp()
    range_test(model, torch.optim.SGD(model.parameters()), nn.functional.mse_loss, batches, num_it=8,
               accumulation_steps=3, step=step)
    flat = [index for call in calls for index in call]
    assert [len(call) for call in calls] == [3] * 8 and flat == [i % 20 for i in range(24)]


def test_a_one_shot_iterator_that_runs_dry_names_the_batches_accumulation_needs() -> None:
    model = make_mlp()
    batches = iter([(torch.randn(4, 8), torch.randn(4, 1)) for _ in range(10)])
    with pytest.raises(ValueError, match=r"ran out after 10 batches; num_it=6 with accumulation_steps=3 needs "
                                         r"6 × 3 = 18"):
        range_test(model, torch.optim.SGD(model.parameters()), nn.functional.mse_loss, batches, num_it=6,
                   accumulation_steps=3)


def test_accumulation_with_float16_matches_the_reference_loop() -> None:
    model, optimizer, loader = setup()
    result = range_test(model, optimizer, nn.functional.mse_loss, loader, accumulation_steps=2, amp=torch.float16,
                        **RANGE)
    lrs, losses = reference_range_test(model, optimizer, nn.functional.mse_loss, loader, start_lr=1e-4, end_lr=1.0,
                                       num_it=12, k=2, dtype=torch.float16, scaler=torch.amp.GradScaler("cpu"))
    assert result.lrs == lrs
    assert result.raw_losses == pytest.approx(losses, rel=1e-6)


@pytest.mark.parametrize("steps", [0, -1, 1.5, True, "2", None])
def test_a_bad_accumulation_steps_is_refused_before_anything_changes(steps: object) -> None:
    model, optimizer, loader = setup()
    before = parameters_copy(model)
    with pytest.raises(ValueError, match=r"accumulation_steps must be an integer >= 1, got "):
        range_test(model, optimizer, nn.functional.mse_loss, loader, accumulation_steps=steps)
    assert all(torch.equal(value, before[name]) for name, value in parameters_copy(model).items())
    assert not optimizer.state
    with pytest.raises(ValueError, match="accumulation_steps must be"):
        Learner(model, loader, nn.functional.mse_loss, accumulation_steps=steps)


def accumulating_learner(k: int, **kwargs) -> Learner:
    train_dl, _ = loaders()  # 6 batches of 16
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    return Learner(model, train_dl, nn.CrossEntropyLoss(), show_progress=False, accumulation_steps=k, **kwargs)


def test_learner_fit_steps_once_per_k_batches_like_the_reference_loop() -> None:
    learn = accumulating_learner(4, opt_func=torch.optim.SGD)
    reference = accumulating_learner(1, opt_func=torch.optim.SGD)
    learn.fit(2, lr=0.1)
    for group in reference.opt.param_groups:
        group["lr"] = 0.1
    batches = list(reference.train_dl)
    for _epoch in range(2):
        for start in (0, 4):  # 6 batches: a step on 4, then one on the 2 left
            reference_step(reference.model, reference.opt, reference.loss_func, batches[start:start + 4], None, None)
    assert same_parameters(learn.model, reference.model)


def test_learner_schedules_count_optimizer_steps() -> None:
    learn = accumulating_learner(4)
    assert learn.steps_per_epoch == math.ceil(6 / 4) == LearnerBackend(learn).steps_per_epoch
    lrs, _ = record_hypers(learn.opt)
    learn.fit_one_cycle(3, 1e-2)
    planned = learn.plan_one_cycle(3, 1e-2).phases[0].cycle.lrs()
    assert len(lrs) == 3 * 2 == len(planned)
    assert [row[0] for row in lrs] == pytest.approx(list(planned[:, 0]), rel=1e-12)


def test_learner_lr_find_accumulates_as_range_test_does() -> None:
    learn = accumulating_learner(3)
    learn.lr_find(num_it=10)
    curve = learn.range_test_result
    assert curve is not None
    direct = range_test(learn.model, learn.opt, learn.loss_func, learn.train_dl, num_it=10, accumulation_steps=3)
    assert curve.raw_losses == direct.raw_losses and curve.lrs == direct.lrs
    plain = range_test(learn.model, learn.opt, learn.loss_func, learn.train_dl, num_it=10)
    assert plain.raw_losses != direct.raw_losses


def test_the_recorded_loss_is_torch_lr_finders_summed_loss_over_k():
    # What the README says: torch-lr-finder sums loss / k over the micro-batches, the same mean we record. Its
    # schedule is start * (end/start) ** (i / (n - 1)); ours (fastai's) is i / n, so our end_lr is stretched to match.
    torch_lr_finder = pytest.importorskip("torch_lr_finder")  # the `bench` extra, installed by make setup
    start, end, n, k = 1e-4, 1e-1, 12, 3
    torch.manual_seed(0)
    ours_model = make_mlp()
    theirs_model = make_mlp()
    theirs_model.load_state_dict(ours_model.state_dict())
    data = make_regression_data(n=96)
    ours = range_test(ours_model, torch.optim.SGD(ours_model.parameters(), lr=start), nn.functional.mse_loss,
                      DataLoader(data, batch_size=8), start_lr=start, end_lr=start * (end / start) ** (n / (n - 1)),
                      num_it=n, stop_div=False, accumulation_steps=k)
    finder = torch_lr_finder.LRFinder(theirs_model, torch.optim.SGD(theirs_model.parameters(), lr=start),
                                      nn.MSELoss(), device="cpu")
    finder.range_test(DataLoader(data, batch_size=8), end_lr=end, num_iter=n, step_mode="exp", smooth_f=0,
                      diverge_th=1e9, accumulation_steps=k)
    assert ours.lrs == pytest.approx(finder.history["lr"], rel=1e-9)
    assert ours.raw_losses == pytest.approx(finder.history["loss"], rel=1e-5)
