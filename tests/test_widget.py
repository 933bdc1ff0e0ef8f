"""LRWidget without a browser: the background thread, validation of the handles, and the hand-off to training."""
from __future__ import annotations

import functools
import threading
import time

import numpy as np
import pytest
import torch
import traitlets
from torch import nn
from torch.utils.data import DataLoader

from lrwidget import Learner, LRWidget
from lrwidget.suggest import minimum, slide, steep, sweetspot, valley

from .conftest import make_regression_data


def make_learner(n_groups: int = 2, step_delay_s: float = 0.0, fail_at: int | None = None) -> Learner:
    """A small regression learner; optionally slow (to observe a run in progress) or failing at a given step."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 1))
    calls = {"n": 0}

    def loss_func(pred, target):
        calls["n"] += 1
        if fail_at is not None and calls["n"] == fail_at:
            raise RuntimeError("injected failure")
        if step_delay_s:
            time.sleep(step_delay_s)
        return nn.functional.mse_loss(pred, target)

    splitter = ((lambda m: [list(m[0].parameters()) + list(m[1].parameters()), list(m[3].parameters())])
                if n_groups == 2 else None)
    dataset = make_regression_data(n=256)
    return Learner(model, DataLoader(dataset, batch_size=32, shuffle=True), loss_func,
                   valid_dl=DataLoader(dataset, batch_size=64), splitter=splitter, show_progress=False)


def weights(learn: Learner) -> list[torch.Tensor]:
    return [t.detach().clone() for t in list(learn.model.parameters()) + list(learn.model.buffers())]


def same(a: list[torch.Tensor], b: list[torch.Tensor]) -> bool:
    return all(torch.equal(x, y) for x, y in zip(a, b, strict=True))


def test_the_constructor_returns_while_the_test_runs_in_the_background():
    learn = make_learner(step_delay_s=0.01)
    started = time.monotonic()
    w = LRWidget(learn, num_it=60)
    assert time.monotonic() - started < 0.5
    assert w.status == "running" and w.running
    result = w.wait(timeout=60)
    assert w.status == "done" and w.result is result and not w.running
    assert result.stop_reason in ("completed", "diverged")
    assert w.view.curve["lrs"] == result.lrs


def test_handles_start_at_sweetspot_and_lr_mult_and_w_lr_is_a_slice():
    w = LRWidget(make_learner(), num_it=80)
    result = w.wait()
    assert w.preview == "fit_one_cycle"  # two groups, not frozen
    expected = result.suggest(functools.partial(sweetspot, fine_tune=False)).sweetspot
    assert w.lr_hi == pytest.approx(expected)
    assert w.lr_lo == pytest.approx(expected / 100)
    assert w.lr == slice(w.lr_lo, w.lr_hi)
    assert set(w.view.suggestions) == {"sweetspot", "valley", "steep", "minimum", "slide"}
    assert w.view.visible_markers == ["sweetspot", "valley", "steep"]  # valley stays one click away


def test_markers_are_pythons_suggestions():
    w = LRWidget(make_learner(), num_it=80)
    result = w.wait()
    expected = result.suggest(valley, steep, minimum, slide, functools.partial(sweetspot, fine_tune=False))
    for name in expected._fields:
        assert w.view.suggestions[name]["lr"] == getattr(expected, name)
        assert w.view.suggestions[name]["tip"]


def test_a_frozen_learner_gets_the_fine_tune_sweetspot():
    learn = make_learner()
    learn.freeze()
    w = LRWidget(learn, num_it=80)
    result = w.wait()
    assert w.preview == "fine_tune"
    assert w.lr_hi == pytest.approx(result.suggest(functools.partial(sweetspot, fine_tune=True)).sweetspot)


def test_single_group_has_a_float_lr():
    w = LRWidget(make_learner(n_groups=1), num_it=40)
    w.wait()
    assert w.view.n_groups == 1 and isinstance(w.lr, float) and w.lr == w.lr_hi


def test_user_moved_handles_are_kept_when_a_run_ends():
    w = LRWidget(make_learner(), num_it=40, autostart=False)
    w.view.set_handles(1e-5, 1e-3)
    w.run()
    w.wait()
    assert (w.lr_lo, w.lr_hi) == (1e-5, 1e-3)


def test_starting_while_running_is_refused_without_a_second_thread():
    w = LRWidget(make_learner(step_delay_s=0.01), num_it=100)
    threads = [t for t in threading.enumerate() if t.name == "lrwidget-range-test"]
    with pytest.raises(RuntimeError, match="already running"):
        w.run()
    assert [t for t in threading.enumerate() if t.name == "lrwidget-range-test"] == threads
    w.stop()


def test_stop_cancels_and_restores_the_model():
    learn = make_learner(step_delay_s=0.01)
    before = weights(learn)
    w = LRWidget(learn, num_it=200)
    time.sleep(0.3)
    w.stop()
    assert w.status == "stopped" and not w.running
    assert w.result.stop_reason == "cancelled" and 0 < len(w.result.lrs) < 200
    assert same(before, weights(learn))


def test_close_while_running_stops_the_thread():
    learn = make_learner(step_delay_s=0.01)
    before = weights(learn)
    w = LRWidget(learn, num_it=200)
    time.sleep(0.2)
    w.close()
    assert not w.running and same(before, weights(learn))


def test_an_exception_sets_error_restores_and_reraises_from_wait():
    learn = make_learner(fail_at=12)
    before = weights(learn)
    w = LRWidget(learn, num_it=50)
    with pytest.raises(RuntimeError, match="injected failure"):
        w.wait()
    assert w.status == "error" and "injected failure" in w.error
    assert same(before, weights(learn))
    learn.loss_func = nn.functional.mse_loss  # a fixed loss: the next run works and clears the error
    w.run()
    w.wait()
    assert w.status == "done" and w.error == ""


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("lr_hi", float("nan"), "finite"),
        ("lr_hi", -1e-3, "> 0"),
        ("lr_hi", float("inf"), "finite"),
        ("lr_hi", 100.0, "outside the tested range"),
        ("lr_lo", 1e-9, "outside the tested range"),
        ("lr_lo", 5e-3, "must not exceed"),
        ("lr_hi", 1e-6, "is below lr_lo"),  # issue 10 #13: the message names the handle that was set
    ],
)
def test_bad_handle_values_from_python_raise_and_keep_the_state(name, value, message):
    w = LRWidget(make_learner(), num_it=40, autostart=False)
    w.view.set_handles(1e-5, 1e-3)
    with pytest.raises(traitlets.TraitError, match=message):
        setattr(w, name, value)
    assert (w.lr_lo, w.lr_hi) == (1e-5, 1e-3)


@pytest.mark.parametrize("state", [{"lr_hi": -3.0}, {"lr_hi": "abc"}, {"lr_lo": 1.0}, {"lr_hi": 1e9},
                                   {"lr_hi": None, "lr_lo": 0.0}])
def test_garbage_from_the_front_end_is_rejected_and_the_view_resynced(state, monkeypatch):
    w = LRWidget(make_learner(), num_it=40, autostart=False)
    w.view.set_handles(1e-5, 1e-3)
    resent = []
    monkeypatch.setattr(w.view, "send_state", lambda keys=None: resent.append(keys))
    w.view.set_state(state)
    assert (w.lr_lo, w.lr_hi) == (1e-5, 1e-3)
    assert resent, "the view must get the valid state back"


def test_a_valid_drag_from_the_front_end_is_taken():
    w = LRWidget(make_learner(), num_it=40, autostart=False)
    w.view.set_handles(1e-5, 1e-3)
    w.view.set_state({"lr_hi": 2e-3})
    assert w.lr_hi == 2e-3 and w.lr == slice(1e-5, 2e-3)


def test_bad_constructor_arguments_raise_before_anything_starts():
    with pytest.raises(ValueError, match="start_lr must be below end_lr"):
        LRWidget(make_learner(), start_lr=1.0, end_lr=0.1)
    with pytest.raises(ValueError, match="num_it"):
        LRWidget(make_learner(), num_it=0)
    with pytest.raises(TypeError, match=r"accepts an lrwidget\.Learner"):
        LRWidget(nn.Linear(2, 2))
    assert not [t for t in threading.enumerate() if t.name == "lrwidget-range-test" and t.is_alive()]


def record_group_lrs(learn: Learner) -> list[list[float]]:
    """Records every param group's LR at every optimizer step."""
    recorded: list[list[float]] = []
    learn.opt.register_step_pre_hook(lambda opt, args, kwargs: recorded.append([g["lr"] for g in opt.param_groups]))
    return recorded


def test_fine_tune_trains_with_the_picked_lrs():
    learn = make_learner()
    w = LRWidget(learn, num_it=40, autostart=False)
    w.view.set_handles(1e-4, 4e-3)
    recorded = record_group_lrs(learn)
    w.fine_tune(1, freeze_epochs=1)
    plan = learn.plan_fine_tune(1, base_lr=4e-3, freeze_epochs=1, lr_mult=4e-3 / 1e-4)
    # fine_tune halves base_lr before the unfrozen phase; lr_mult = hi / lo keeps lo at lo / 2.
    assert plan.phases[-1].cycle.lr_maxes == pytest.approx((1e-4 / 2, 4e-3 / 2))
    expected = np.concatenate([phase.cycle.lrs() for phase in plan.phases])
    np.testing.assert_allclose(np.array(recorded), expected, rtol=1e-6)


def test_fit_one_cycle_uses_the_slice():
    learn = make_learner()
    w = LRWidget(learn, num_it=40, autostart=False)
    w.view.set_handles(1e-4, 4e-3)
    recorded = record_group_lrs(learn)
    w.fit_one_cycle(1)
    assert max(r[0] for r in recorded) == pytest.approx(1e-4, rel=1e-6)
    assert max(r[1] for r in recorded) == pytest.approx(4e-3, rel=1e-6)


def test_hand_off_is_refused_while_running_and_before_a_pick():
    w = LRWidget(make_learner(step_delay_s=0.01), num_it=100)
    with pytest.raises(RuntimeError, match="range test is running"):
        w.fine_tune(1)
    with pytest.raises(RuntimeError, match="range test is running"):
        w.fit_one_cycle(1)
    w.stop()
    fresh = LRWidget(make_learner(), autostart=False)
    with pytest.raises(RuntimeError, match="no learning rate picked yet"):
        fresh.fine_tune(1)
    with pytest.raises(TypeError, match="from the handles"):
        w.fine_tune(1, base_lr=1e-3)
