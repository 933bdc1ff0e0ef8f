"""lrwidget.train.schedule against fastai's own rules and schedules."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lrwidget.train.plan import Plan, Planner, TrainingCall
from lrwidget.train.schedule import (
    DEFAULT_MOMS,
    OneCycle,
    fastai_offset_bound,
    lrs_per_group,
    make_one_cycle,
)

fastai_optimizer = pytest.importorskip("fastai.optimizer")
fastai_schedule = pytest.importorskip("fastai.callback.schedule")

# fastai's combine_scheds keeps the phase boundaries in a float32 tensor and divides in float32, so its values
# carry an absolute error of about slope * 1e-7 of the position; 1e-6 * lr_max covers that with room to spare.
FASTAI_ATOL_PER_LR_MAX = 1e-6


def one_cycle_plan(lr_maxes, total_steps, **cycle_args):
    """The lr of each group at each step of a one-cycle schedule, as the Learner and the preview get it."""
    return OneCycle(tuple(lr_maxes), total_steps, **cycle_args).lrs()


def fine_tune_plan(epochs: int, *, n_groups: int, steps_per_epoch: int, **kwargs) -> Plan[OneCycle]:
    """fine_tune's plan on OneCycleLR for a learner with ``n_groups`` groups and ``steps_per_epoch`` batches."""
    planner = Planner(n_groups, steps_per_epoch, 0, 1e-3, DEFAULT_MOMS, OneCycle.over_epochs)
    return planner.plan(TrainingCall("fine_tune", epochs, kwargs))


def fastai_lrs(lr, n_groups: int) -> list[float]:
    """What fastai's Optimizer.set_hyper gives each of ``n_groups`` param groups."""
    opt = fastai_optimizer.Optimizer([[torch.zeros(1)] for _ in range(n_groups)], [], lr=0.1)
    opt.set_hyper("lr", lr)
    return [h["lr"] for h in opt.hypers]


@pytest.mark.parametrize("n_groups", [1, 2, 3, 5])
@pytest.mark.parametrize("lr", [3e-3, 1, slice(1e-3), slice(None, 2e-2), slice(1e-5, 1e-3), slice(1e-2, 1e-4),
                                [4e-3], (1e-4,)])
def test_lrs_per_group_follows_fastai_set_hyper(lr, n_groups):
    assert lrs_per_group(lr, n_groups) == fastai_lrs(lr, n_groups)


@pytest.mark.parametrize("n_groups", [2, 3, 5])
def test_lrs_per_group_takes_one_value_per_group_like_fastai(n_groups):
    values = [10.0 ** -i for i in range(n_groups)]
    assert lrs_per_group(values, n_groups) == fastai_lrs(values, n_groups) == values
    assert lrs_per_group(np.array(values), n_groups) == values


@pytest.mark.parametrize(("lr", "error", "fragment"), [
    ([1e-3, 1e-2, 1e-1], ValueError, "lr_max has 3 values but the learner has 2 layer groups"),
    (slice(1e-4, 1e-3, 2), ValueError, "step"),
    (slice(1e-4, None), ValueError, "needs a stop"),
    (slice(0, 1e-3), ValueError, "lr_max.start"),
    (slice(None, -1e-3), ValueError, "lr_max.stop"),
    (0.0, ValueError, "> 0"),
    (float("nan"), ValueError, "finite"),
    (float("inf"), ValueError, "finite"),
    ([1e-3, float("nan")], ValueError, "lr_max[1]"),
    ("1e-3", TypeError, "'1e-3'"),
    (True, TypeError, "True"),
    (None, TypeError, "None"),
])
def test_lrs_per_group_rejects_bad_values_by_name(lr, error, fragment):
    with pytest.raises(error) as info:
        lrs_per_group(lr, 2, name="lr_max")
    assert fragment in str(info.value)


def fastai_curve(lr_max: float, pct_start: float, div: float, div_final: float):
    return fastai_schedule.combined_cos(pct_start, lr_max / div, lr_max, lr_max / div_final)


def onecycle_position(step: int, total_steps: int, pct_start: float) -> float:
    """The fractional batch of fastai's curve that OneCycleLR applies at ``step`` (module docstring: tau)."""
    warmup = pct_start * total_steps
    if warmup > 1 and step <= warmup - 1:
        return step * warmup / (warmup - 1)
    return step + 1.0


CYCLES = [  # (total_steps, pct_start, div, div_final): fastai defaults, fine_tune's two phases, odd shapes
    (100, 0.25, 25.0, 1e5), (37, 0.3, 5.0, 1e5), (50, 0.99, 25.0, 1e5), (7, 0.25, 25.0, 1e4), (13, 0.0, 10.0, 100.0),
    (3, 0.25, 25.0, 1e5),
]


@pytest.mark.parametrize(("total_steps", "pct_start", "div", "div_final"), CYCLES)
def test_onecycle_step_is_fastai_curve_at_shifted_batch(total_steps, pct_start, div, div_final):
    lr_max = 2e-3
    plan = one_cycle_plan([lr_max], total_steps, div=div, div_final=div_final, pct_start=pct_start)[:, 0]
    curve = fastai_curve(lr_max, pct_start, div, div_final)
    expected = [curve(onecycle_position(k, total_steps, pct_start) / total_steps) for k in range(total_steps)]
    np.testing.assert_allclose(plan, expected, rtol=0, atol=FASTAI_ATOL_PER_LR_MAX * lr_max)


@pytest.mark.parametrize(("total_steps", "pct_start", "div", "div_final"), CYCLES)
def test_onecycle_momentum_is_fastai_curve_at_shifted_batch(total_steps, pct_start, div, div_final):
    moms = (0.95, 0.85, 0.95)
    cycle = OneCycle((1e-3,), total_steps, div=div, div_final=div_final, pct_start=pct_start, moms=moms)
    curve = fastai_schedule.combined_cos(pct_start, *moms)
    expected = [curve(onecycle_position(k, total_steps, pct_start) / total_steps) for k in range(total_steps)]
    np.testing.assert_allclose(cycle.momentums()[:, 0], expected, rtol=0, atol=1e-6)


@pytest.mark.parametrize(("total_steps", "pct_start", "div", "div_final"), CYCLES)
def test_onecycle_stays_within_one_batch_of_fastai(total_steps, pct_start, div, div_final):
    lr_max = 1e-2
    plan = one_cycle_plan([lr_max], total_steps, div=div, div_final=div_final, pct_start=pct_start)[:, 0]
    curve = fastai_curve(lr_max, pct_start, div, div_final)
    fastai_values = np.array([curve(k / total_steps) for k in range(total_steps)])
    bound = fastai_offset_bound(lr_max, total_steps, div=div, div_final=div_final, pct_start=pct_start)
    assert np.max(np.abs(plan - fastai_values)) <= bound + FASTAI_ATOL_PER_LR_MAX * lr_max
    # The documented end point difference: OneCycleLR lands on the final lr, fastai stops one batch short.
    assert plan[-1] == pytest.approx(lr_max / div_final, rel=1e-9)
    assert fastai_values[-1] > lr_max / div_final * (1 + 1e-6)


def test_plan_has_a_column_per_group_each_scaled_by_its_lr_max():
    lr_maxes = [1e-5, 1e-4, 1e-3]
    plan = one_cycle_plan(lr_maxes, 40)
    assert plan.shape == (40, 3)
    np.testing.assert_allclose(plan / np.array(lr_maxes), np.repeat(plan[:, :1] / lr_maxes[0], 3, axis=1), rtol=1e-12)
    np.testing.assert_allclose(plan[0], np.array(lr_maxes) / 25, rtol=1e-12)


@pytest.mark.parametrize("pct_start", [0.0, 0.25, 0.5, 0.99, 1.0])
def test_one_step_cycle_gets_the_final_lr(pct_start):
    plan = one_cycle_plan([1e-2, 1e-1], 1, pct_start=pct_start, div=25.0, div_final=1e5)
    np.testing.assert_allclose(plan, [[1e-7, 1e-6]], rtol=1e-12)


@pytest.mark.parametrize(("pct_start", "expected"), [
    (0.99, [1e-2 / 25, 1e-2 / 1e5]), (0.75, [1e-2 / 25, 1e-2 / 1e5]), (0.5, [1e-2, 1e-2 / 1e5]),
    (1.0, [1e-2 / 25, 1e-2]),
])
def test_two_step_cycle(pct_start, expected):
    np.testing.assert_allclose(one_cycle_plan([1e-2], 2, pct_start=pct_start)[:, 0], expected, rtol=1e-12)


def test_two_step_cycle_with_short_warmup_starts_on_the_annealing_curve():
    first, last = one_cycle_plan([1e-2], 2, pct_start=0.25)[:, 0]
    assert 1e-2 / 1e5 < first < 1e-2
    assert last == pytest.approx(1e-7, rel=1e-12)


@pytest.mark.parametrize(("total_steps", "pct_start"), [(4, 0.25), (10, 0.1), (5, 0.2), (2, 0.5)])
def test_zero_length_warmup_puts_the_peak_on_step_zero(total_steps, pct_start):
    # OneCycleLR itself would divide by zero here; see the module docstring.
    with pytest.raises(ZeroDivisionError):
        torch.optim.lr_scheduler.OneCycleLR(torch.optim.SGD([torch.zeros(1, requires_grad=True)]), 1.0,
                                            total_steps=total_steps, pct_start=pct_start)
    plan = one_cycle_plan([3e-3], total_steps, pct_start=pct_start)[:, 0]
    assert plan[0] == pytest.approx(3e-3, rel=1e-12)
    assert plan[-1] == pytest.approx(3e-3 / 1e5, rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(total_steps=st.integers(1, 60), pct_start=st.floats(0, 1), lr_max=st.floats(1e-6, 10),
       div=st.floats(1.5, 100), div_final=st.floats(2, 1e6))
def test_any_cycle_is_finite_bounded_and_ends_on_the_final_lr(total_steps, pct_start, lr_max, div, div_final):
    plan = one_cycle_plan([lr_max], total_steps, pct_start=pct_start, div=div, div_final=div_final)[:, 0]
    assert plan.shape == (total_steps,)
    assert np.all(np.isfinite(plan))
    assert np.all(plan <= lr_max * (1 + 1e-12))
    assert np.all(plan >= min(lr_max / div, lr_max / div_final) * (1 - 1e-12))
    # The last step is the final lr, except when the whole cycle is warm-up (see the module docstring).
    last_step_is_peak = pct_start == 1 and total_steps > 1
    assert plan[-1] == pytest.approx(lr_max if last_step_is_peak else lr_max / div_final, rel=1e-9)


def test_zero_steps_give_an_empty_plan_and_no_scheduler():
    assert one_cycle_plan([1e-3, 1e-2], 0).shape == (0, 2)
    with pytest.raises(ValueError, match="total_steps >= 1"):
        make_one_cycle(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1), [1e-3], 0)


@pytest.mark.parametrize(("kwargs", "fragment"), [
    (dict(moms=(0.95, 0.85, 0.9)), "moms[0] and moms[2] must be equal"),
    (dict(moms=(0.95, 0.85)), "three finite numbers"),
    (dict(pct_start=1.5), "pct_start"),
    (dict(div=0.0), "div must be"),
    (dict(div_final=float("inf")), "div_final"),
])
def test_bad_cycle_arguments_are_refused_before_touching_the_optimizer(kwargs, fragment):
    param = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.AdamW([param], lr=0.123)
    before = dict(optimizer.param_groups[0])
    with pytest.raises(ValueError) as info:
        make_one_cycle(optimizer, [1e-3], 10, **kwargs)
    assert fragment in str(info.value)
    with pytest.raises(ValueError):
        OneCycle((1e-3,), 10, **kwargs)
    assert optimizer.param_groups[0] == before


def test_lr_maxes_must_match_the_optimizer_groups():
    optimizer = torch.optim.SGD([{"params": [torch.zeros(1, requires_grad=True)]}] * 1, lr=0.1)
    with pytest.raises(ValueError, match="2 values but the optimizer has 1"):
        make_one_cycle(optimizer, [1e-3, 1e-2], 10)


def test_momentum_is_cycled_only_where_the_optimizer_has_one():
    adagrad = torch.optim.Adagrad([torch.zeros(1, requires_grad=True)], lr=0.1)
    scheduler = make_one_cycle(adagrad, [1e-2], 10)
    assert not scheduler.cycle_momentum and "momentum" not in adagrad.param_groups[0]
    adamw = torch.optim.AdamW([torch.zeros(1, requires_grad=True)], lr=0.1, betas=(0.9, 0.99))
    make_one_cycle(adamw, [1e-2], 10)
    assert adamw.param_groups[0]["betas"] == (0.95, 0.99)  # beta1 cycles, beta2 is left alone


def test_fine_tune_plan_is_fastais_recipe():
    plan = fine_tune_plan(3, n_groups=3, steps_per_epoch=7, base_lr=4e-3, freeze_epochs=2, lr_mult=100)
    frozen, unfrozen = plan.phases
    assert (frozen.name, frozen.freeze_to, frozen.n_epoch, frozen.lr_max) == ("frozen", -1, 2, slice(4e-3))
    assert (frozen.cycle.pct_start, frozen.cycle.div, frozen.cycle.total_steps) == (0.99, 25.0, 14)
    assert frozen.cycle.lr_maxes == tuple(fastai_lrs(slice(4e-3), 3))
    assert (unfrozen.name, unfrozen.freeze_to, unfrozen.n_epoch) == ("unfrozen", 0, 3)
    assert unfrozen.lr_max == slice(2e-3 / 100, 2e-3)
    assert (unfrozen.cycle.pct_start, unfrozen.cycle.div, unfrozen.cycle.total_steps) == (0.3, 5.0, 21)
    assert unfrozen.cycle.lr_maxes == tuple(fastai_lrs(slice(2e-3 / 100, 2e-3), 3))
    assert plan.total_steps == 35 and plan.lrs().shape == (35, 3) and plan.momentums().shape == (35, 3)
    np.testing.assert_array_equal(plan.lrs()[14:], unfrozen.cycle.lrs())


def test_fine_tune_plan_keeps_a_phase_of_zero_epochs():
    plan = fine_tune_plan(1, n_groups=2, steps_per_epoch=5, freeze_epochs=0)
    assert [phase.cycle.total_steps for phase in plan.phases] == [0, 5]
    assert plan.lrs().shape == (5, 2)


@pytest.mark.parametrize(("kwargs", "fragment"), [
    (dict(base_lr=0), "base_lr"), (dict(freeze_epochs=-1), "freeze_epochs"), (dict(lr_mult=float("nan")), "lr_mult"),
    (dict(moms=(0.9, 0.8, 0.95)), "moms"),
])
def test_fine_tune_plan_rejects_bad_arguments(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment.replace("[", r"\[")):
        fine_tune_plan(1, n_groups=2, steps_per_epoch=5, **kwargs)


def test_offset_bound_shrinks_with_more_steps():
    assert fastai_offset_bound(1.0, 1000) < fastai_offset_bound(1.0, 100) < fastai_offset_bound(1.0, 10)
    assert fastai_offset_bound(1.0, 100) == pytest.approx(math.pi / 2 * (1 - 1 / 25) / 25)
