"""The verified pick: the planned call trained at a few LRs from one snapshot (verify_lrs), and w.verify()."""
from __future__ import annotations

import math
import random
import threading

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader

from lrwidget import LRWidget
from lrwidget.backends.verify import NoValidationDataError, verify_lrs
from lrwidget.train import plan as plan_module
from lrwidget.train.plan import TrainingCall
from lrwidget.train.verify import (
    MAX_TRIALS,
    Trial,
    best_trial,
    call_at,
    edge_trial_lr,
    trial_lrs,
    verified_lr,
)

from .learner_helpers import make_learner, separable_data

FIT = TrainingCall("fit_one_cycle", 1, {"lr_max": slice(1e-3, 1e-1)})
FINE_TUNE = TrainingCall("fine_tune", 1, {"base_lr": 1e-1, "lr_mult": 10, "freeze_epochs": 1})


def shuffled_learner(**kwargs):
    """A Learner whose train loader shuffles with its own generator: a trial that leaked its data order would show."""
    learn = make_learner(2, **kwargs)
    learn.train_dl = DataLoader(separable_data(96), batch_size=16, shuffle=True,
                                generator=torch.Generator().manual_seed(5))
    return learn


def everything(learn) -> dict:
    """Every state a training call changes, copied: model, grads, optimizer, freezing, history, scaler, RNGs."""
    return {
        "model": {name: value.clone() for name, value in learn.model.state_dict().items()},
        "grads": [None if p.grad is None else p.grad.clone() for p in learn.model.parameters()],
        "requires_grad": [p.requires_grad for p in learn.model.parameters()],
        "training": [m.training for m in learn.model.modules()],
        "opt_state": {id(p): {k: v.clone() if torch.is_tensor(v) else v for k, v in s.items()}
                      for p, s in learn.opt.state.items()},
        "opt_state_object": id(learn.opt.state),
        "hypers": [{k: v for k, v in g.items() if k != "params"} for g in learn.opt.param_groups],
        "n_frozen": learn.n_frozen,
        "history": [dict(row) for row in learn.history],
        "scaler": learn.scaler,
        "show_progress": learn.show_progress,
        "torch_rng": torch.get_rng_state(),
        "random": random.getstate(),
        "numpy": np.random.get_state()[1].copy(),
        "loader_rng": learn.train_dl.generator.get_state(),
    }


def same(a: dict, b: dict) -> bool:
    def equal(x, y) -> bool:
        if torch.is_tensor(x):
            return torch.equal(x, y)
        if isinstance(x, np.ndarray):
            return np.array_equal(x, y)
        if isinstance(x, dict):
            return x.keys() == y.keys() and all(equal(x[k], y[k]) for k in x)
        if isinstance(x, (list, tuple)):
            return len(x) == len(y) and all(equal(u, v) for u, v in zip(x, y, strict=True))
        return x == y

    return a.keys() == b.keys() and all(equal(a[key], b[key]) for key in a)


def trained_and_frozen():
    """A learner that has trained (so its optimizer has state and history), then was frozen."""
    learn = shuffled_learner()
    learn.fit_one_cycle(1, 1e-2)
    learn.freeze()
    return learn


def counted_calls(monkeypatch) -> list[TrainingCall]:
    """The training calls made from now on (each still trains)."""
    made: list[TrainingCall] = []
    real_make = plan_module.TrainingCall.make

    def make(self: TrainingCall, learn):
        made.append(self)
        return real_make(self, learn)

    monkeypatch.setattr(plan_module.TrainingCall, "make", make)
    return made


# ----- verify_lrs --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("call", [FIT, FINE_TUNE], ids=["fit_one_cycle", "fine_tune"])
def test_every_trial_starts_from_the_same_snapshot_and_everything_is_restored(call):
    learn = trained_and_frozen()
    before = everything(learn)
    trials = verify_lrs(learn, call, [0.05, 0.05])
    assert trials[0].valid_loss == trials[1].valid_loss  # the second trial did not start where the first ended
    assert same(everything(learn), before)
    # and the first trial is the very training the call makes on the untouched learner
    call_at(call, 0.05).make(learn)
    assert learn.validate()[0] == trials[0].valid_loss


def test_a_stop_ends_the_call_between_trials_and_restores():
    learn = trained_and_frozen()
    before = everything(learn)
    cancel = threading.Event()
    trials = verify_lrs(learn, FIT, [0.01, 0.03, 0.1], cancel=cancel, on_trial=lambda _trial: cancel.set())
    assert [trial.lr for trial in trials] == [0.01]
    assert same(everything(learn), before)
    assert not learn.model._forward_pre_hooks  # the stop hook is gone


def test_a_stop_within_a_trial_ends_it_at_the_next_step_and_drops_it():
    learn = trained_and_frozen()
    loss_func, cancel, second, steps_after = learn.loss_func, threading.Event(), threading.Event(), []

    def stopping_loss(prediction, target):
        if cancel.is_set():
            steps_after.append(1)
        if second.is_set():
            cancel.set()  # the second trial's first step asks to stop
        return loss_func(prediction, target)

    learn.loss_func = stopping_loss
    before = everything(learn)
    trials = verify_lrs(learn, FINE_TUNE, [0.01, 0.03, 0.1], cancel=cancel, on_trial=lambda _trial: second.set())
    assert [trial.lr for trial in trials] == [0.01]
    assert steps_after == []  # not one more loss after the Stop (a fine_tune trial has 12 steps)
    assert same(everything(learn), before)
    assert not learn.model._forward_pre_hooks


def test_an_exception_in_a_trial_is_raised_after_everything_is_restored():
    learn = trained_and_frozen()
    loss_func, boom = learn.loss_func, threading.Event()

    def failing_loss(prediction, target):
        if boom.is_set():
            raise RuntimeError("loss exploded")
        return loss_func(prediction, target)

    learn.loss_func = failing_loss
    before = everything(learn)
    with pytest.raises(RuntimeError, match="loss exploded"):
        verify_lrs(learn, FINE_TUNE, [0.01, 0.03], on_trial=lambda _trial: boom.set())
    assert same(everything(learn), before)


def test_the_budget_is_at_most_four_planned_trainings(monkeypatch):
    made = counted_calls(monkeypatch)
    learn = make_learner(2)
    with pytest.raises(ValueError, match=f"1 to {MAX_TRIALS} trials"):
        verify_lrs(learn, FIT, [1e-3] * (MAX_TRIALS + 1))
    assert made == []
    assert len(verify_lrs(learn, FIT, trial_lrs(0.03))) == len(made) == 3


def test_an_edge_trial_goes_one_step_beyond_a_best_at_the_edge_of_the_grid():
    grid = [Trial(1e-2, 0.5), Trial(3e-2, 0.4), Trial(9e-2, 0.3)]
    assert edge_trial_lr(grid, 1e-7, 10) == pytest.approx(0.27)  # best at the top: further up
    assert edge_trial_lr([Trial(1e-2, 0.2), *grid[1:]], 1e-7, 10) == pytest.approx(1e-2 / 3)  # at the bottom: down
    assert edge_trial_lr([grid[0], Trial(3e-2, 0.1), grid[2]], 1e-7, 10) is None  # inside the grid: done
    assert edge_trial_lr(grid, 1e-7, 0.2) == 0.2  # kept inside the tested range
    assert edge_trial_lr([*grid[:2], Trial(0.2, 0.3)], 1e-7, 0.2) is None  # already at its end
    assert edge_trial_lr([*grid, Trial(0.27, 0.2)], 1e-7, 10) is None  # the budget is spent
    assert edge_trial_lr([Trial(1e-2, math.nan, "diverged")], 1e-7, 10) is None  # nothing finished


def test_verify_lrs_trains_the_edge_trial_within_the_budget(monkeypatch):
    made = counted_calls(monkeypatch)
    asked: list[int] = []

    def always_further(trials):
        asked.append(len(trials))
        return trials[-1].lr * 3

    trials = verify_lrs(make_learner(2), FIT, trial_lrs(1e-3), more=always_further)
    assert [trial.lr for trial in trials] == pytest.approx([1e-3 / 3, 1e-3, 3e-3, 9e-3])
    assert len(made) == MAX_TRIALS and asked == [3]  # asked after the given LRs, never past the budget


def test_no_validation_data_is_a_clear_error_before_anything_trains(monkeypatch):
    made = []
    monkeypatch.setattr(plan_module.TrainingCall, "make", lambda self, learn: made.append(self))
    with pytest.raises(NoValidationDataError, match="no valid_dl"):
        verify_lrs(make_learner(2, valid_dl=None), FIT, [1e-2])
    assert made == []


def test_the_call_at_each_lr_keeps_the_group_ratios():
    assert call_at(FIT, 0.3).kwargs["lr_max"] == slice(pytest.approx(3e-3), 0.3)
    assert call_at(TrainingCall("fit_one_cycle", 1, {"lr_max": [1e-3, 1e-2]}), 0.1).kwargs["lr_max"] == [
        pytest.approx(1e-2), pytest.approx(0.1)]
    tuned = call_at(FINE_TUNE, 0.02)
    assert (tuned.kwargs["base_lr"], tuned.kwargs["lr_mult"], tuned.epochs) == (0.02, 10, 1)
    with pytest.raises(ValueError, match="no lr_max"):
        call_at(TrainingCall("fit_one_cycle", 1), 0.1)


def test_fastai_trials_start_from_one_snapshot_and_restore(tmp_path):
    fastai_basics = pytest.importorskip("fastai.basics")
    from .test_backends import fastai_learner

    learn = fastai_learner(tmp_path)
    learn.freeze()
    weights = [p.detach().clone() for p in learn.model.parameters()]
    frozen, opt, rng = learn.opt.frozen_idx, learn.opt, torch.get_rng_state()
    trials = verify_lrs(learn, FINE_TUNE, [0.01, 0.01])
    assert trials[0].valid_loss == trials[1].valid_loss
    assert all(torch.equal(a, b) for a, b in zip(weights, learn.model.parameters(), strict=True))
    assert (learn.opt is opt, learn.opt.frozen_idx, torch.equal(torch.get_rng_state(), rng)) == (True, frozen, True)
    assert isinstance(learn, fastai_basics.Learner)
    fresh = fastai_learner(tmp_path)  # no optimizer yet: fit makes one, and the trial's is dropped again
    recorder = dict(vars(fresh.recorder))
    verify_lrs(fresh, FIT, [0.01])
    assert fresh.opt is None and vars(fresh.recorder) == recorder
    learn.dls.loaders = learn.dls.loaders[:1]
    with pytest.raises(NoValidationDataError, match=r"learn\.dls"):
        verify_lrs(learn, FIT, [0.01])


# ----- the widget --------------------------------------------------------------------------------------------------
def finished_widget(learn, **kwargs) -> LRWidget:
    kwargs.setdefault("preview", "fit_one_cycle")
    w = LRWidget(learn, num_it=30, preview_epochs=1, mode="background", **kwargs)
    w.wait(30)
    return w


def test_verify_trains_the_planned_call_and_moves_hi_to_the_fitted_bottom(monkeypatch):
    made = counted_calls(monkeypatch)
    learn = shuffled_learner()
    w = finished_widget(learn, preview="fine_tune")
    w.preview_freeze_epochs = 2
    w.lr = slice(1e-3, 5e-2)
    before = everything(learn)
    writers, states = [], []
    w.view.observe(lambda change: (writers.append(threading.current_thread().name), states.append(change["new"])),
                   names=["verify"])
    w.verify()
    trials = w.wait_verify(60)
    assert same(everything(learn), before)
    # the planned call at the pick × {1/3, 1, 3}, and a 4th a step beyond the edge when the best of those sits there
    first = trials[:3]
    assert [trial.lr for trial in first] == pytest.approx([5e-2 / 3, 5e-2, 0.15])
    best_of_three = min(first, key=lambda trial: trial.valid_loss)
    expected = 3 if best_of_three is first[1] else 4
    assert len(trials) == expected
    if expected == 4:
        assert trials[3].lr == pytest.approx(0.45 if best_of_three is first[2] else 5e-2 / 9)
    assert [call.name for call in made] == ["fine_tune"] * expected
    assert [call.kwargs["freeze_epochs"] for call in made] == [2] * expected
    hi = verified_lr(trials)
    assert w.lr_hi == pytest.approx(hi) and w.lr_lo == pytest.approx(hi / 50)  # lo keeps the handles' ratio
    final = w.view.verify
    assert final["state"] == "done" and [t["lr"] for t in final["trials"]] == [t.lr for t in trials]
    assert final["summary"].startswith(f"verify: {expected}/{expected} trials · best ")
    assert final["summary"].endswith(f"cost {expected} trainings")
    # one writer: the calling cell's "running" at the start, then only the publisher thread, never the trainer
    assert set(writers[1:]) == {"lrwidget-verify-publisher"} and "lrwidget-verify" not in writers
    counts = [len(state["trials"]) for state in states]
    assert counts == sorted(counts) and counts[-1] == expected
    w.close()


def test_stop_during_verify_cuts_the_trial_short_restores_and_leaves_the_handles():
    learn = shuffled_learner()
    w = finished_widget(learn)
    before = everything(learn)
    handles = (w.lr_lo, w.lr_hi)
    loss_func = learn.loss_func

    def stopping_loss(prediction, target):
        w.stop()  # from the training thread: asks and returns
        return loss_func(prediction, target)

    learn.loss_func = stopping_loss
    w.verify()
    trials = w.wait_verify(60)
    learn.loss_func = loss_func
    assert trials == [] and w.view.verify["state"] == "stopped" and w.view.verify["trials"] == []
    assert w.view.verify["summary"] == "verify stopped: 0/3 trials · cost 3 trainings"
    assert (w.lr_lo, w.lr_hi) == handles
    assert same(everything(learn), before)
    w.close()


def test_run_during_verify_is_refused_naming_the_verification_and_changes_nothing():
    learn = shuffled_learner()
    w = finished_widget(learn)
    loss_func, refusals, runs = learn.loss_func, [], len(w.runs)

    def trying_loss(prediction, target):
        if not refusals:
            with pytest.raises(RuntimeError) as refused:
                w.run()
            refusals.append(str(refused.value))
            w.stop()
        return loss_func(prediction, target)

    learn.loss_func = trying_loss
    w.verify()
    w.wait_verify(60)
    learn.loss_func = loss_func
    assert refusals == ["w.run() refused: a verification is training its trials; call w.stop() or w.wait_verify() "
                        "first"]
    assert len(w.runs) == runs and not w.running
    w.close()


def test_stop_after_a_trial_keeps_and_draws_the_finished_one_and_moves_hi_there(monkeypatch):
    learn = shuffled_learner()
    w = finished_widget(learn)
    before = everything(learn)
    made = counted_calls(monkeypatch)
    counting_make = plan_module.TrainingCall.make

    def stop_at_the_second(self, learn):
        if len(made) == 1:
            w.stop()  # the second trial is asked to stop before its first step
        return counting_make(self, learn)

    monkeypatch.setattr(plan_module.TrainingCall, "make", stop_at_the_second)
    w.verify()
    trials = w.wait_verify(60)
    assert len(trials) == 1 and w.view.verify["state"] == "stopped"
    assert len(w.view.verify["trials"]) == 1  # one entry per finished trial
    assert w.view.verify["summary"].startswith("verify stopped: 1/3 trials · best ")
    assert w.lr_hi == verified_lr(trials) == best_trial(trials).lr  # one trial: nothing to fit
    assert same(everything(learn), before)
    w.close()


def test_an_error_in_a_trial_is_shown_reraised_and_leaves_the_model_and_handles_alone():
    learn = shuffled_learner()
    w = finished_widget(learn)
    before, handles, loss_func = everything(learn), (w.lr_lo, w.lr_hi), learn.loss_func

    def broken_loss(prediction, target):
        raise ValueError("bad targets")

    learn.loss_func = broken_loss
    w.verify()
    with pytest.raises(ValueError, match="bad targets"):
        w.wait_verify(60)
    learn.loss_func = loss_func
    assert w.view.verify["state"] == "error" and "bad targets" in w.view.verify["error"]
    assert (w.lr_lo, w.lr_hi) == handles
    assert same(everything(learn), before)
    w.close()


def test_verify_without_validation_data_or_a_planned_call_refuses_before_anything_starts(monkeypatch):
    made = []
    monkeypatch.setattr(plan_module.TrainingCall, "make", lambda self, learn: made.append(self))
    w = finished_widget(make_learner(2, valid_dl=None))
    with pytest.raises(NoValidationDataError, match="valid_dl"):
        w.verify()
    assert w.view.verify == {} and made == []
    w.close()
    w = finished_widget(make_learner(2), preview=None)
    with pytest.raises(RuntimeError, match="no preview"):
        w.verify()
    w.close()
    model = nn.Linear(4, 3)
    w = LRWidget.from_torch(model, torch.optim.SGD(model.parameters(), lr=0.1), nn.CrossEntropyLoss(),
                            DataLoader(separable_data(32), batch_size=8), num_it=20, mode="background")
    w.wait(30)
    with pytest.raises(TypeError, match="PyTorch does not have"):
        w.verify()
    assert made == []
    w.close()


def test_verify_runs_in_the_foreground_too():
    learn = shuffled_learner()
    w = finished_widget(learn)
    w.mode = "foreground"
    before = everything(learn)
    w.verify(lrs=[0.01, 0.1])
    assert [t["lr"] for t in w.view.verify["trials"]] == [0.01, 0.1] and w.view.verify["state"] == "done"
    assert w.lr_hi == verified_lr(w.trials) == best_trial(w.trials).lr  # two trials: nothing to fit
    assert same(everything(learn), before)
    with pytest.raises(ValueError, match="outside the tested range"):
        w.verify(lrs=[100.0])
    w.close()
