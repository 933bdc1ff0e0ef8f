"""LRWidget used the way an impatient or careless user would (issue 10): a second caller mid-run, failures after the
test, a page that sends garbage, slow steps, many widgets, long runs. Every ending reaches a final status, and the
learner is exactly as it was."""
from __future__ import annotations

import contextlib
import random
import threading
import time
import warnings

import ipywidgets
import numpy as np
import pytest
import torch
import traitlets
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from lrwidget import Learner, LRWidget, range_test
from lrwidget.engine.busy import ModelBusyError, holder

from .conftest import make_regression_data
from .test_widget import make_learner, same, weights


def slow_learner(step_delay_s: float = 0.02) -> Learner:
    return make_learner(step_delay_s=step_delay_s)


def everything(learn: Learner) -> dict:
    """Weights, buffers, optimizer state and every RNG: what a range test must leave as it was."""
    return {
        "weights": weights(learn),
        "opt": repr(learn.opt.state_dict()),
        "torch_rng": torch.get_rng_state(),
        "python_rng": random.getstate(),
        "numpy_rng": repr(np.random.get_state()),
    }


def assert_unchanged(before: dict, learn: Learner) -> None:
    after = everything(learn)
    assert same(before["weights"], after["weights"])
    assert before["opt"] == after["opt"]
    assert torch.equal(before["torch_rng"], after["torch_rng"])
    assert before["python_rng"] == after["python_rng"] and before["numpy_rng"] == after["numpy_rng"]


# ----- one user of a learner at a time ----------------------------------------------------------------------------
@pytest.mark.parametrize("second_call", [
    "LRWidget", "range_test", "lr_find", "fit", "fit_one_cycle", "fine_tune", "freeze", "unfreeze", "validate",
])
def test_a_learner_in_a_range_test_refuses_every_other_caller(second_call):
    learn = slow_learner()
    before = everything(learn)
    w = LRWidget(learn, num_it=60)
    calls = {
        "LRWidget": lambda: LRWidget(learn, num_it=10),
        "range_test": lambda: range_test(learn.model, learn.opt, learn.loss_func, learn.train_dl, num_it=10),
        "lr_find": lambda: learn.lr_find(num_it=10),
        "fit": lambda: learn.fit(1, 1e-3),
        "fit_one_cycle": lambda: learn.fit_one_cycle(1, 1e-3),
        "fine_tune": lambda: learn.fine_tune(1),
        "freeze": learn.freeze,
        "unfreeze": learn.unfreeze,
        "validate": learn.validate,
    }
    with pytest.raises(ModelBusyError, match="in use by a range test \\(LRWidget\\)"):
        calls[second_call]()
    w.wait()
    assert w.status == "done"
    assert_unchanged(before, learn)
    assert holder(learn.model) is None
    learn.fit(1, 1e-3)  # free again once the test has ended


def test_the_widgets_own_hand_off_is_refused_mid_run():
    w = LRWidget(slow_learner(), num_it=60)
    with pytest.raises(RuntimeError, match="range test is running"):
        w.fit_one_cycle(1)
    w.stop()


def test_a_refused_second_widget_changes_nothing_and_the_first_finishes():
    learn = slow_learner()
    w1 = LRWidget(learn, num_it=40)
    with pytest.raises(ModelBusyError):
        LRWidget(learn, num_it=40)
    assert w1.wait().stop_reason in ("completed", "diverged") and w1.status == "done"


def test_the_lease_is_released_after_an_error():
    learn = make_learner(fail_at=5)
    w = LRWidget(learn, num_it=40)
    with pytest.raises(RuntimeError, match="injected failure"):
        w.wait()
    assert holder(learn.model) is None


def test_a_fastai_learner_driven_by_the_widget_refuses_its_own_training_calls_mid_run():
    basics = pytest.importorskip("fastai.basics")  # what a fastai user imports: Learner with lr_find, fine_tune, ...
    DataLoaders = basics.DataLoaders
    pytest.importorskip("fastai.callback.schedule")  # adds lr_find, fit_one_cycle and fine_tune to Learner

    torch.manual_seed(0)
    data = make_regression_data()
    dls = DataLoaders.from_dsets(data, data, bs=32)

    class SlowMSE(nn.Module):
        def forward(self, pred, target):
            time.sleep(0.02)
            return nn.functional.mse_loss(pred, target)

    learn = basics.Learner(dls, nn.Sequential(nn.Linear(8, 1)), loss_func=SlowMSE())
    w = LRWidget(learn, num_it=40)
    with pytest.raises(ModelBusyError, match=r"learn\.fit"):
        learn.fit(1)
    with pytest.raises(ModelBusyError):
        learn.lr_find()
    w.wait()
    assert w.status == "done" and "fit" not in vars(learn)  # the guards are gone once the test ends


# ----- every ending reaches a final status ----------------------------------------------------------------------
def test_a_short_rising_run_ends_done_with_handles_inside_the_range():
    torch.manual_seed(0)
    data = TensorDataset(torch.randn(64, 8), torch.randn(64, 1))
    calls = {"n": 0}

    def rising_loss(pred, target):
        calls["n"] += 1
        return nn.functional.mse_loss(pred, target) * 0 + torch.tensor(float(calls["n"]), requires_grad=True)

    w = LRWidget(Learner(nn.Linear(8, 1), DataLoader(data, batch_size=8), rising_loss, show_progress=False),
                 start_lr=1e-4, num_it=9, stop_div=False)
    w.wait()
    assert w.status == "done" and w.error == ""
    assert w.lr_hi is not None and 1e-4 <= w.lr_hi <= 10
    assert all(1e-4 <= marker["lr"] <= 10 for marker in w.view.suggestions.values())


def test_a_failure_after_the_test_ends_in_error_and_wait_reraises(monkeypatch):
    learn = make_learner()
    before = everything(learn)
    w = LRWidget(learn, num_it=30, autostart=False)

    def broken_markers(curve):
        raise RuntimeError("markers broke")

    monkeypatch.setattr(w, "_markers", broken_markers)
    w.run()
    with pytest.raises(RuntimeError, match="markers broke"):
        w.wait()
    assert w.status == "error" and "restored" in w.error and "markers broke" in w.error
    assert not w.running
    assert_unchanged(before, learn)


def test_markers_that_fail_mid_run_stop_the_test_and_say_everything_was_restored(monkeypatch):
    learn = slow_learner(0.005)
    before = everything(learn)
    w = LRWidget(learn, num_it=400, autostart=False, preview=None)

    def broken_markers(curve):
        raise RuntimeError("markers broke")

    monkeypatch.setattr(w, "_markers", broken_markers)
    w.run()
    with pytest.raises(RuntimeError, match="markers broke"):
        w.wait(timeout=30)
    assert w.status == "error" and not w.running
    assert w.error == "the range test was stopped and everything was restored, but RuntimeError: markers broke"
    assert_unchanged(before, learn)


def test_a_send_that_fails_cancels_the_test_and_ends_in_error(monkeypatch):
    learn = slow_learner(0.005)
    before = everything(learn)
    w = LRWidget(learn, num_it=400, autostart=False, preview=None)

    def broken_send(content, buffers=None):
        if content.get("type") == "points":
            raise OSError("comm closed")

    monkeypatch.setattr(w.view, "send", broken_send)
    w.run()
    with pytest.raises(OSError, match="comm closed"):
        w.wait(timeout=30)
    assert w.status == "error" and "comm closed" in w.error
    assert len(learn.range_test_result.lrs) < 400  # cancelled, not run to the end unseen
    assert_unchanged(before, learn)


# ----- the page owns only the handles and the visible markers -------------------------------------------------
@pytest.mark.parametrize("state", [
    {"start_lr": float("nan")}, {"status": "done"}, {"error": "x"}, {"end_lr": 1.0}, {"num_it": 3},
    {"n_groups": 5}, {"curve": {"lrs": [1]}}, {"suggestions": {}}, {"lr_hi": 10**400}, {"lr_hi": True},
    {"lr_hi": None}, {"lr_lo": None}, {"visible_markers": "valley"}, {"progress": {}},
])
def test_the_page_may_not_write_what_it_does_not_own(state, monkeypatch):
    w = LRWidget(make_learner(), num_it=40, autostart=False)
    w.view.set_handles(1e-5, 1e-3)
    before = {name: getattr(w.view, name) for name in w.view.keys if not name.startswith("_")}
    resent = []
    monkeypatch.setattr(w.view, "send_state", lambda keys=None: resent.append(keys))
    w.view.set_state(state)
    assert {name: getattr(w.view, name) for name in before} == before
    assert resent == [[key for key in state if key in w.view.keys]]


def test_python_cannot_unpick_a_handle_or_pass_a_bool():
    w = LRWidget(make_learner(), num_it=40, autostart=False)
    w.view.set_handles(1e-5, 1e-3)
    for name, value in (("lr_lo", None), ("lr_hi", None), ("lr_hi", True), ("lr_lo", 10**400)):
        with pytest.raises(traitlets.TraitError, match=name):
            setattr(w, name, value)
    assert w.lr == slice(1e-5, 1e-3)


def test_w_lr_moves_both_handles_at_once():
    w = LRWidget(make_learner(), num_it=40, autostart=False)
    w.view.set_handles(1e-5, 1e-3)
    w.lr = slice(1e-2, 5e-2)  # hi above the old hi and lo above the old hi: one at a time would be refused
    assert w.lr == slice(1e-2, 5e-2)
    with pytest.raises(ValueError, match="lo above hi"):
        w.lr = slice(1e-2, 1e-3)
    assert w.lr == slice(1e-2, 5e-2)


# ----- slow steps, closing, many widgets ----------------------------------------------------------------------
def test_stop_with_a_short_timeout_says_the_step_is_still_running():
    learn = slow_learner(step_delay_s=0.6)
    before = weights(learn)
    w = LRWidget(learn, num_it=20)
    time.sleep(0.1)
    with pytest.raises(TimeoutError, match="still running"):
        w.stop(timeout=0.1)
    w.wait(timeout=10)
    assert w.status == "stopped" and same(before, weights(learn))


def test_close_waits_for_the_restore():
    learn = slow_learner(step_delay_s=0.4)
    before = weights(learn)
    w = LRWidget(learn, num_it=20)
    time.sleep(0.1)
    w.close()
    assert not w.running and same(before, weights(learn)) and holder(learn.model) is None


def test_closing_closes_every_widget_it_made():
    learn = make_learner()
    baseline = len(ipywidgets.widgets.widget._instances)
    for _ in range(20):
        LRWidget(learn, autostart=False).close()
    assert len(ipywidgets.widgets.widget._instances) == baseline


@pytest.mark.parametrize("name, value", [("preview_epochs", -1), ("preview_epochs", 2.5),
                                         ("preview_freeze_epochs", True), ("stop_div", "yes")])
def test_constructor_arguments_are_checked_like_the_setters(name, value):
    with pytest.raises((ValueError, TypeError), match=name):
        LRWidget(make_learner(), autostart=False, **{name: value})


# ----- long runs ---------------------------------------------------------------------------------------------
def test_a_long_run_saves_a_bounded_curve_that_keeps_its_shape():
    torch.manual_seed(0)
    data = TensorDataset(torch.randn(64, 2), torch.randn(64, 1))
    learn = Learner(nn.Linear(2, 1), DataLoader(data, batch_size=64), nn.functional.mse_loss, show_progress=False)
    w = LRWidget(learn, num_it=6000, stop_div=False, end_lr=1.0, preview=None)
    result = w.wait()
    curve = w.view.curve
    assert curve["n_points"] == 6000 and len(curve["lrs"]) <= 2000
    assert curve["lrs"][0] == result.lrs[0] and curve["lrs"][-1] == result.lrs[-1]
    assert min(curve["losses"]) == min(result.losses) and max(curve["raw_losses"]) == max(result.raw_losses)
    assert curve["lrs"] == sorted(curve["lrs"])


def test_threads_are_gone_after_every_ending():
    for learn, kwargs in ((make_learner(), {}), (make_learner(fail_at=3), {})):
        w = LRWidget(learn, num_it=20, **kwargs)
        with contextlib.suppress(RuntimeError):
            w.wait()
    time.sleep(0.05)
    names = {thread.name for thread in threading.enumerate()}
    assert not names & {"lrwidget-range-test", "lrwidget-publisher"}


# ----- hosts -------------------------------------------------------------------------------------------------------
def test_a_kernel_that_drops_thread_updates_is_named(monkeypatch):
    import ipykernel

    from lrwidget.widget.hosts import HostWarning

    monkeypatch.setattr(ipykernel, "__version__", "7.0.0")
    with pytest.warns(HostWarning, match="ipykernel 7.0.0 does not deliver"):
        LRWidget(make_learner(), autostart=False).close()
    monkeypatch.setattr(ipykernel, "__version__", "7.4.0")
    with warnings.catch_warnings():
        warnings.simplefilter("error", HostWarning)
        LRWidget(make_learner(), autostart=False).close()


def test_run_from_the_page_on_a_busy_model_says_why_in_the_view():
    learn = slow_learner()
    w1 = LRWidget(learn, num_it=40)
    w2 = LRWidget(learn, num_it=40, autostart=False)
    w2.view._dispatch_message(w2.view, {"type": "run"}, [])
    assert w2.status == "idle" and "in use by a range test" in w2.notice
    w1.wait()


# ----- calls from the run's own threads ---------------------------------------------------------------------------
def test_wait_from_an_observer_of_the_final_status_returns_the_result():
    w = LRWidget(make_learner(), num_it=30, autostart=False, preview=None)
    seen = []
    w.view.observe(lambda change: seen.append(w.wait()) if change["new"] == "done" else None, names=["status"])
    w.run()
    result = w.wait()
    assert w.status == "done" and seen == [result]


def test_stop_from_an_observer_mid_run_stops_without_an_error():
    w = LRWidget(slow_learner(0.01), num_it=200, autostart=False, preview=None)
    w.view.observe(lambda change: w.stop() if change["new"].get("iteration", 0) > 5 else None, names=["progress"])
    w.run()
    w.wait(timeout=30)
    assert w.status == "stopped" and w.error == ""


def test_the_loss_function_calling_stop_or_wait_cannot_deadlock():
    learn = make_learner()
    calls = {"n": 0}
    base_loss = learn.loss_func
    outcome = {}

    def loss_that_stops(pred, target):
        calls["n"] += 1
        if calls["n"] == 5:
            try:
                w.wait()
            except RuntimeError as error:
                outcome["wait"] = str(error)
            w.stop()
        return base_loss(pred, target)

    learn.loss_func = loss_that_stops
    w = LRWidget(learn, num_it=100, autostart=False, preview=None)
    w.run()
    w.wait(timeout=30)
    assert "would wait for itself" in outcome["wait"] and w.status == "stopped"


def test_markers_are_computed_on_the_publisher_thread_only(monkeypatch):
    w = LRWidget(slow_learner(0.002), num_it=300, stop_div=False, end_lr=1e-2, autostart=False, preview=None)
    threads = set()
    original = w._markers

    def recording(curve):
        threads.add(threading.current_thread().name)
        return original(curve)

    monkeypatch.setattr(w, "_markers", recording)
    w.run()
    w.wait()
    assert threads == {"lrwidget-publisher"}


def test_a_seed_set_in_another_cell_during_a_test_is_undone_when_it_ends():
    # The README says so: the RNG restore puts back the state from before the test, whoever changed it meanwhile.
    learn = slow_learner(0.01)
    before = torch.get_rng_state()
    w = LRWidget(learn, num_it=60, preview=None)
    time.sleep(0.1)
    torch.manual_seed(123)  # "another cell", while the test runs
    w.wait()
    assert torch.equal(torch.get_rng_state(), before)
