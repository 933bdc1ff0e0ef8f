"""Foreground mode: the test runs in the calling cell and still streams live; the host's interrupt is the Stop. It is
chosen automatically where background updates never arrive (Colab, simulated here by its module being imported)."""
from __future__ import annotations

import sys
import threading
import types

import pytest
import torch

from lrwidget import LRWidget
from lrwidget.engine.busy import holder
from lrwidget.widget import displaying
from lrwidget.widget.hosts import choose_run_mode
from lrwidget.widget.static_picture import PictureDisplays

from .counting_comm import counting_comms
from .test_widget import make_learner, same, weights


@pytest.fixture
def colab(monkeypatch):
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))


def test_auto_picks_foreground_under_colab_and_background_elsewhere(colab, monkeypatch):
    assert choose_run_mode("auto") == "foreground"
    monkeypatch.delitem(sys.modules, "google.colab")
    assert choose_run_mode("auto") == "background"
    assert choose_run_mode("foreground") == "foreground"
    with pytest.raises(ValueError, match="mode must be one of"):
        choose_run_mode("thread")


def test_a_foreground_run_trains_and_publishes_from_the_calling_thread(colab):
    learn = make_learner(step_delay_s=0.003)
    before = weights(learn)
    with counting_comms() as log:
        w = LRWidget(learn, num_it=200, stop_div=False, end_lr=1e-2, autostart=False, preview=None)
        assert w.mode == "foreground"
        log.messages.clear()
        threads_before = set(threading.enumerate())
        w.run()  # returns when the run has ended
        assert set(threading.enumerate()) <= threads_before, "no thread was started"
    assert w.status == "done" and not w.running and w.lr_hi is not None
    points = [m for m in log.messages if m.data.get("method") == "custom"
              and m.data["content"].get("type") == "points"]
    assert len(points) > 1, "points were streamed during the run, not only at its end"
    assert sum(m.data["content"]["count"] for m in points) == 200
    assert same(before, weights(learn)) and holder(learn.model) is None


def test_the_hosts_interrupt_is_the_stop_and_restores_everything(colab):
    learn = make_learner()
    before, rng = weights(learn), torch.get_rng_state()
    calls = {"n": 0}
    base_loss = learn.loss_func

    def interrupted_at_step_12(pred, target):
        calls["n"] += 1
        if calls["n"] == 12:
            raise KeyboardInterrupt
        return base_loss(pred, target)

    learn.loss_func = interrupted_at_step_12
    w = LRWidget(learn, num_it=100, autostart=False, preview=None)
    w.run()  # no traceback in the calling cell: the interrupt was the Stop
    assert w.status == "stopped" and w.error == ""
    assert w.result.stop_reason == "cancelled" and len(w.result.lrs) == 11
    assert same(before, weights(learn)) and torch.equal(rng, torch.get_rng_state())
    assert holder(learn.model) is None


def test_a_failing_foreground_run_raises_in_the_calling_cell_and_shows_the_error():
    w = LRWidget(make_learner(fail_at=5), num_it=30, autostart=False, mode="foreground")
    with pytest.raises(RuntimeError, match="injected failure"):
        w.run()
    assert w.status == "error" and "injected failure" in w.error
    with pytest.raises(RuntimeError, match="injected failure"):
        w.wait()


def test_autostart_in_foreground_shows_the_widget_before_the_run_and_once(monkeypatch):
    class Shell:
        execution_count = 7

    learn = make_learner()
    shown = []

    def record(pictures):
        shown.append(holder(learn.model))  # who holds the model when the widget is shown: nobody yet

    monkeypatch.setattr(displaying, "get_ipython", lambda: Shell())
    monkeypatch.setattr(PictureDisplays, "display", record)
    w = LRWidget(learn, num_it=20, mode="foreground", preview=None)
    assert shown == [None], "on the page before the run took the model"
    assert w.status == "done"
    w._ipython_display_()  # the cell's own display of its last value, in the same execution: no second copy
    assert len(shown) == 1
    Shell.execution_count = 8
    w._ipython_display_()  # a later cell shows it again
    assert len(shown) == 2
