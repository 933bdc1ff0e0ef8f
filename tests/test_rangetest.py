"""The range test engine: fastai's schedule, smoothing and stop rule step for step, and clear errors."""
from __future__ import annotations

import copy
import math
import threading
from functools import partial

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.utils.data import DataLoader

from lrwidget import range_test
from lrwidget.engine.rangetest import exponential_lr
from lrwidget.engine.smoothing import LossSmoother

from .conftest import make_mlp, make_regression_data

fastai_basics = pytest.importorskip("fastai.basics", reason="fastai is a test dependency; install lrwidget[test]")
pytest.importorskip("fastai.callback.all")  # patches Learner.lr_find and Learner.no_bar in


@settings(max_examples=150, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False, width=32)
                | st.sampled_from([float('nan'), float('inf'), 3e38]), min_size=1, max_size=60))
def test_smoother_is_bit_identical_to_fastai_avg_smooth_loss(losses):
    from fastai.learner import AvgSmoothLoss

    theirs = AvgSmoothLoss()
    theirs.reset()
    ours = LossSmoother()
    for loss in losses:
        theirs.accumulate(type("L", (), {"loss": torch.tensor(loss, dtype=torch.float32)})())
        np.testing.assert_array_equal(ours.add(loss), theirs.value.item())


def test_smoother_keeps_fastais_bits_over_a_long_run_of_float64_losses():
    # float64 losses (a float64 model's .item()) are rounded to float32 first, as fastai's float32 state forces;
    # 3,000 steps take the debiasing divisor all the way to 1.
    from fastai.learner import AvgSmoothLoss

    losses = np.random.default_rng(0).lognormal(0.0, 1.5, 3000)
    theirs = AvgSmoothLoss()
    theirs.reset()
    ours, smoothed, expected = LossSmoother(), [], []
    for loss in losses.tolist():
        theirs.accumulate(type("L", (), {"loss": torch.tensor(loss, dtype=torch.float32)})())
        expected.append(theirs.value.item())
        smoothed.append(ours.add(loss))
    np.testing.assert_array_equal(smoothed, expected)
    assert ours.count == 3000 and all(isinstance(value, float) for value in smoothed)


def fastai_lr_find(model, dataset, tmp_path, **kwargs):
    """fastai's own lr_find on the same model and data, with torch's SGD wrapped as fastai expects."""
    from fastai.optimizer import OptimWrapper

    loaders = fastai_basics.DataLoaders(DataLoader(dataset, batch_size=32), DataLoader(dataset, batch_size=32))
    learn = fastai_basics.Learner(loaders, model, loss_func=nn.functional.mse_loss, path=tmp_path,
                                  opt_func=partial(OptimWrapper, opt=torch.optim.SGD))
    with learn.no_bar():
        suggestion = learn.lr_find(show_plot=False, **kwargs)
    return learn.recorder, suggestion


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(num_it=100),  # more batches than one epoch: the loader cycles
        dict(num_it=60, end_lr=1e5),  # diverges early
        dict(num_it=40, end_lr=1e5, stop_div=False),
        dict(num_it=3, start_lr=1e-4, end_lr=1e-1, suggest_funcs=None),  # raised to 6 steps
    ],
)
def test_curve_matches_fastai_lr_find_step_for_step(kwargs, tmp_path):
    dataset = make_regression_data(n=128)
    model = make_mlp(batchnorm=False)
    fastai_model = copy.deepcopy(model)
    torch.manual_seed(7)
    recorder, fastai_suggestion = fastai_lr_find(fastai_model, dataset, tmp_path, **kwargs)

    torch.manual_seed(7)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
    range_kwargs = {key: value for key, value in kwargs.items() if key != "suggest_funcs"}
    result = range_test(model, optimizer, nn.functional.mse_loss, DataLoader(dataset, batch_size=32), **range_kwargs)

    if kwargs["num_it"] < 6:
        # fastai raises num_it to 6 but runs only num_it//len(dl)+1 epochs, so with a 4-batch loader it stops
        # after 4 of the 6 planned batches. We run all 6; the batches both run are identical.
        assert len(recorder.lrs) == 4 and len(result.lrs) == 6
        result.lrs, result.losses = result.lrs[:4], result.losses[:4]
    assert result.lrs == [float(lr) for lr in recorder.lrs]
    np.testing.assert_array_equal(result.losses, [float(loss) for loss in recorder.losses])  # NaN == NaN here
    if fastai_suggestion is not None:
        expected_reason = "diverged" if len(result.lrs) < kwargs["num_it"] else "completed"
        assert result.stop_reason == expected_reason
        assert result.suggest().valley == pytest.approx(fastai_suggestion.valley, rel=1e-6)


def test_schedule_is_fastai_exponential():
    assert exponential_lr(1e-7, 10, 0, 100) == 1e-7
    assert exponential_lr(1e-7, 10, 50, 100) == pytest.approx(1e-7 * 1e8**0.5)
    # fastai never reaches end_lr: the last of num_it batches trains at pos (num_it-1)/num_it.
    assert exponential_lr(1e-7, 10, 99, 100) < 10


def test_points_reach_on_point_live_and_match_the_result(mlp, regression_loader):
    points = []
    result = range_test(mlp, torch.optim.SGD(mlp.parameters(), lr=0.1), nn.functional.mse_loss, regression_loader,
                        num_it=25, end_lr=1e-1, on_point=points.append)
    assert [p.iteration for p in points] == list(range(25))
    assert [p.lr for p in points] == result.lrs
    assert [p.smoothed_loss for p in points] == result.losses
    assert [p.raw_loss for p in points] == result.raw_losses
    assert result.points == points
    assert result.stop_reason == "completed" and result.elapsed_s > 0


def test_cancel_set_before_start_runs_no_step(mlp, regression_loader):
    cancel = threading.Event()
    cancel.set()
    result = range_test(mlp, torch.optim.SGD(mlp.parameters()), nn.functional.mse_loss, regression_loader,
                        cancel=cancel)
    assert result.stop_reason == "cancelled" and result.lrs == []


def test_nan_losses_do_not_stop_the_test_as_in_fastai(regression_loader):
    model = make_mlp()
    calls = {"n": 0}

    def loss_func(pred, target):
        calls["n"] += 1
        loss = nn.functional.mse_loss(pred, target)
        return loss * float("nan") if calls["n"] > 10 else loss

    result = range_test(model, torch.optim.SGD(model.parameters()), loss_func, regression_loader, num_it=20,
                        end_lr=1e-3)
    assert len(result.lrs) == 20 and math.isnan(result.losses[-1])
    assert result.suggest().valley > 0  # suggestions cut at the first NaN


def test_custom_step_is_used(mlp, regression_loader):
    seen = []

    def step(batch):
        seen.append(batch)
        return torch.tensor(1.0)

    result = range_test(mlp, torch.optim.SGD(mlp.parameters()), nn.functional.mse_loss, regression_loader, num_it=8,
                        step=step)
    assert len(seen) == 8 and result.raw_losses == [1.0] * 8


def test_tensor_lr_stays_the_same_tensor(mlp, regression_loader):
    optimizer = torch.optim.Adam(mlp.parameters(), lr=torch.tensor(1e-3))
    lr_tensor = optimizer.param_groups[0]["lr"]
    seen = []
    range_test(mlp, optimizer, nn.functional.mse_loss, regression_loader, num_it=6,
               on_point=lambda p: seen.append(float(optimizer.param_groups[0]["lr"])))
    assert optimizer.param_groups[0]["lr"] is lr_tensor and float(lr_tensor) == pytest.approx(1e-3)
    assert seen == pytest.approx([exponential_lr(1e-7, 10, k, 6) for k in range(6)], rel=1e-6)


BAD_ARGUMENTS = [
    (dict(start_lr=0), ValueError, "start_lr must be a finite number > 0, got 0"),
    (dict(start_lr=-1e-3), ValueError, "start_lr"),
    (dict(end_lr=float("inf")), ValueError, "end_lr must be a finite number > 0, got inf"),
    (dict(start_lr=float("nan")), ValueError, "start_lr"),
    (dict(start_lr=1.0, end_lr=1.0), ValueError, "start_lr must be below end_lr"),
    (dict(start_lr=10.0, end_lr=1.0), ValueError, "start_lr must be below end_lr"),
    (dict(num_it=0), ValueError, "num_it must be an integer >= 1, got 0"),
    (dict(num_it=2.5), ValueError, "num_it must be an integer"),
    (dict(on_point=3), TypeError, "on_point must be callable"),
    (dict(cancel=True), TypeError, "cancel must be a threading.Event"),
]


@pytest.mark.parametrize("kwargs, error, message", BAD_ARGUMENTS)
def test_bad_arguments_raise_before_anything_changes(kwargs, error, message, mlp, regression_loader):
    optimizer = torch.optim.SGD(mlp.parameters(), lr=0.5)
    before = [p.detach().clone() for p in mlp.parameters()]
    rng = torch.get_rng_state()
    with pytest.raises(error, match=message):
        range_test(mlp, optimizer, nn.functional.mse_loss, regression_loader, **kwargs)
    assert all(torch.equal(a, b) for a, b in zip(before, mlp.parameters(), strict=True))
    assert optimizer.param_groups[0]["lr"] == 0.5 and torch.equal(rng, torch.get_rng_state())


def test_empty_loader_is_rejected(mlp):
    empty = DataLoader(make_regression_data(n=0), batch_size=4)
    with pytest.raises(ValueError, match="train_dl is empty"):
        range_test(mlp, torch.optim.SGD(mlp.parameters()), nn.functional.mse_loss, empty)


def test_empty_iterable_without_len_is_rejected_and_nothing_changes(mlp):
    before = [p.detach().clone() for p in mlp.parameters()]
    with pytest.raises(ValueError, match="yielded no batches"):
        range_test(mlp, torch.optim.SGD(mlp.parameters()), nn.functional.mse_loss, iter(()))
    assert all(torch.equal(a, b) for a, b in zip(before, mlp.parameters(), strict=True))


def test_model_without_parameters_is_rejected(regression_loader):
    with pytest.raises(ValueError, match="has no parameters"):
        range_test(nn.ReLU(), torch.optim.SGD([torch.zeros(1, requires_grad=True)]), nn.functional.mse_loss,
                   regression_loader)


def test_wrong_types_are_rejected(mlp, regression_loader):
    with pytest.raises(TypeError, match=r"model must be a torch\.nn\.Module"):
        range_test(lambda x: x, torch.optim.SGD(mlp.parameters()), nn.functional.mse_loss, regression_loader)
    with pytest.raises(TypeError, match="optimizer must be"):
        range_test(mlp, "adam", nn.functional.mse_loss, regression_loader)
    with pytest.raises(TypeError, match="loss_func must be callable"):
        range_test(mlp, torch.optim.SGD(mlp.parameters()), "mse", regression_loader)
    with pytest.raises(TypeError, match="batch must be a tuple"):
        range_test(mlp, torch.optim.SGD(mlp.parameters()), nn.functional.mse_loss, [torch.zeros(2, 8)])


def test_suggest_after_an_immediate_divergence_says_why(regression_loader):
    model = make_mlp()
    result = range_test(model, torch.optim.SGD(model.parameters()), nn.functional.mse_loss, regression_loader,
                        start_lr=1e3, end_lr=1e9, num_it=100)
    assert result.stop_reason == "diverged" and len(result.lrs) < 15
    with pytest.raises(ValueError, match=str(len(result.lrs))):
        result.suggest()
    assert np.isfinite(result.lrs).all()
