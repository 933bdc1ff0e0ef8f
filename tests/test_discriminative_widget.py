"""LRWidget after a discriminative range test: the axis names its group, and the handles keep the tested ratios."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from lrwidget import LRWidget
from lrwidget.train.plan import TrainingCall
from lrwidget.widget.handoff import fine_tune_lr_mult
from lrwidget.widget.view import HandleError

from .learner_helpers import make_learner, record_hypers

GEOMETRIC = {"start_lr": slice(1e-9, 1e-7), "end_lr": slice(1e-1, 10.0)}  # ratios 0.01, 0.1, 1
UNEVEN = {"start_lr": slice(None, 1e-7), "end_lr": slice(None, 10.0)}  # ratios 0.1, 0.1, 1: not geometric


def finished(learn, **kwargs) -> LRWidget:
    w = LRWidget(learn, num_it=30, preview=None, **kwargs)
    w.wait()
    return w


def test_the_view_gets_the_last_groups_range_the_ratios_and_each_groups_modules():
    learn = make_learner(n_groups=3)
    w = LRWidget(learn, num_it=30, autostart=False, **GEOMETRIC)
    # The x axis: the last group's range (fastcore's even_mults lands within an ulp of the slice's stop).
    assert (w.view.start_lr, w.view.end_lr) == pytest.approx((1e-7, 10.0), rel=1e-15)
    assert w.view.group_lr_ratios == pytest.approx([0.01, 0.1, 1.0])
    assert w.view.group_labels == [summary.modules for summary in w._backend.group_summaries()]
    assert w.view.group_labels[-1] == "2 (Linear)"


def test_a_plain_range_test_sends_no_group_axis():
    w = LRWidget(make_learner(n_groups=3), num_it=30, autostart=False, start_lr=[1e-7] * 3, end_lr=10)
    assert w.view.group_lr_ratios == [] and w.view.group_labels == []


def test_the_result_and_the_curve_are_the_last_groups():
    w = finished(make_learner(n_groups=3), **GEOMETRIC)
    assert w.result.group_lr_ratios == pytest.approx([0.01, 0.1, 1.0])
    assert w.result.lrs[0] == w.result.start_lr == w.view.curve["lrs"][0] == pytest.approx(1e-7, rel=1e-15)


def test_the_hi_handle_hands_each_group_its_ratio():
    w = finished(make_learner(n_groups=3), **GEOMETRIC)
    hi = w.lr_hi
    assert w.lr_lo == hi  # no lo handle to place: the ratios set every group from hi
    assert w.lr == pytest.approx([hi * 0.01, hi * 0.1, hi], rel=1e-12)
    assert w.lr[-1] == hi
    call = w._training_call("fit_one_cycle", 1, {})
    assert call.kwargs["lr_max"] == w.lr


def test_fit_one_cycle_trains_every_group_at_its_ratio():
    learn = make_learner(n_groups=3)
    w = finished(learn, **GEOMETRIC)
    w.lr_hi = 1e-2
    seen, _ = record_hypers(learn.opt)
    w.fit_one_cycle(1)
    peaks = np.array(seen).max(axis=0)
    assert peaks / peaks[-1] == pytest.approx([0.01, 0.1, 1.0], rel=1e-9)
    assert peaks[-1] == pytest.approx(1e-2, rel=0.05)


def test_fine_tune_gets_the_lr_mult_of_geometric_ratios():
    learn = make_learner(n_groups=3)
    w = finished(learn, **GEOMETRIC)
    w.lr_hi = 1e-2
    call = w._training_call("fine_tune", 1, {})
    assert call.kwargs["base_lr"] == 1e-2 and call.kwargs["lr_mult"] == pytest.approx(100)
    unfrozen = learn.planner.plan(call).phases[1].cycle.lr_maxes
    assert [lr / unfrozen[-1] for lr in unfrozen] == pytest.approx([0.01, 0.1, 1.0], rel=1e-9)


def test_fine_tune_refuses_ratios_it_cannot_give_and_fit_one_cycle_still_works():
    learn = make_learner(n_groups=3)
    w = finished(learn, **UNEVEN)
    w.lr_hi = 1e-2
    before = [t.detach().clone() for t in learn.model.state_dict().values()]
    with pytest.raises(ValueError, match=r"cannot keep the range test's group ratios \[0.1, 0.1, 1\].*fit_one_cycle"):
        w.fine_tune(1)
    assert all(torch.equal(a, b) for a, b in zip(before, learn.model.state_dict().values(), strict=True))
    assert w._training_call("fit_one_cycle", 1, {}).kwargs["lr_max"] == pytest.approx([1e-3, 1e-3, 1e-2])


def test_fine_tune_lr_mult_reproduces_even_mults():
    assert fine_tune_lr_mult([0.01, 0.1, 1.0]) == pytest.approx(100)
    assert fine_tune_lr_mult([0.25, 1.0]) == 4.0  # two groups: any ratio is geometric
    with pytest.raises(ValueError, match="geometric"):
        fine_tune_lr_mult([0.5, 0.1, 1.0])


def test_apply_to_writes_each_groups_lr():
    model = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 1))
    optimizer = torch.optim.SGD([{"params": model[0].parameters()}, {"params": model[2].parameters()}], lr=0.1)
    data = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.randn(64, 8), torch.randn(64, 1)),
                                       batch_size=16)
    w = LRWidget.from_torch(model, optimizer, nn.functional.mse_loss, data, num_it=20, start_lr=[1e-8, 1e-7],
                            end_lr=[1.0, 10.0])
    w.wait()
    w.lr_hi = 1e-2
    assert w.apply_to(optimizer) == pytest.approx([1e-3, 1e-2])
    assert [group["lr"] for group in optimizer.param_groups] == pytest.approx([1e-3, 1e-2])


def test_handles_from_python_keep_lo_at_hi_and_refuse_a_slice():
    w = finished(make_learner(n_groups=3), **GEOMETRIC)
    w.lr_hi = 1e-4
    assert w.lr_lo == w.lr_hi == 1e-4  # moving hi below the old lo does not trip lo <= hi
    w.lr = 1e-3
    assert w.lr[-1] == 1e-3
    with pytest.raises(HandleError, match="each group's LR is lr_hi × its tested ratio"):
        w.lr = slice(1e-5, 1e-3)
    assert w.lr_hi == 1e-3


def test_the_preview_shows_one_lr_per_group():
    learn = make_learner(n_groups=3)
    w = LRWidget(learn, num_it=30, preview="fit_one_cycle", **GEOMETRIC)
    w.wait()
    w.lr_hi = 1e-2
    plan = w._plan("fit_one_cycle", 1, 1)
    assert plan.phases[0].cycle.lr_maxes == pytest.approx((1e-4, 1e-3, 1e-2))
    assert "lr_max=[1.00e-04, 1.00e-03, 1.00e-02]" in w.schedule_preview.call_label.value


@pytest.mark.parametrize("start_lr, end_lr, message", [
    ([1e-7, 1e-6], [1.0, 10.0], "start_lr has 2 values but the optimizer has 3 param groups"),
    ([1e-9, 1e-8, 1e-7], [1.0, 1.0, 10.0], "same ratios"),
])
def test_the_widget_refuses_a_bad_per_group_range_before_it_starts(start_lr, end_lr, message):
    learn = make_learner(n_groups=3)
    with pytest.raises(ValueError, match=message):
        LRWidget(learn, start_lr=start_lr, end_lr=end_lr)
    assert learn.range_test_result is None


def test_an_even_range_keeps_fastais_slice_semantics():
    w = finished(make_learner(n_groups=3), start_lr=1e-7, end_lr=10)
    assert isinstance(w.lr, slice) and w.view.group_lr_ratios == []
    assert TrainingCall("fit_one_cycle", 1, {"lr_max": w.lr}) == w._training_call("fit_one_cycle", 1, {})
