"""LRWidget over a real fastai Learner and over plain PyTorch, through the one backend interface."""
from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader

from lrwidget import LRWidget

from .conftest import make_regression_data

fastai_basics = pytest.importorskip("fastai.basics", reason="fastai is a test dependency; install lrwidget[test]")
fastai_callbacks = pytest.importorskip("fastai.callback.all")


def fastai_learner(tmp_path, n_groups: int = 2, cbs=(), loss_delay_s: float = 0.0):
    from fastai.torch_core import params

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))
    dataset = make_regression_data(n=256)
    loaders = fastai_basics.DataLoaders(DataLoader(dataset, batch_size=32, shuffle=True),
                                        DataLoader(dataset, batch_size=64))

    def loss_func(pred, target):
        if loss_delay_s:
            time.sleep(loss_delay_s)
        return nn.functional.mse_loss(pred, target)

    splitter = (lambda m: [params(m[0]), params(m[2])]) if n_groups == 2 else fastai_basics.trainable_params
    return fastai_basics.Learner(loaders, model, loss_func=loss_func, path=tmp_path, splitter=splitter, cbs=list(cbs))


def weights(learn) -> list[torch.Tensor]:
    return [t.detach().clone() for t in learn.model.state_dict().values()]


def same(a, b) -> bool:
    return all(torch.equal(x, y) for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("extra_cbs", [(), ("grad_acc",)], ids=["plain", "gradient-accumulation"])
def test_fastai_curve_is_identical_to_lr_find(tmp_path, extra_cbs):
    cbs = [fastai_callbacks.GradientAccumulation(n_acc=64)] if extra_cbs else []
    learn = fastai_learner(tmp_path, cbs=cbs)
    torch.manual_seed(42)
    with learn.no_bar():
        expected = learn.lr_find(show_plot=False, num_it=80)
    lrs, losses = [float(x) for x in learn.recorder.lrs], [float(x) for x in learn.recorder.losses]

    torch.manual_seed(42)
    w = LRWidget(learn, num_it=80)
    result = w.wait()
    assert result.lrs == lrs
    np.testing.assert_array_equal(result.losses, losses)
    assert result.suggest().valley == pytest.approx(expected.valley, rel=1e-6)
    assert w.view.suggestions["valley"]["lr"] == pytest.approx(expected.valley, rel=1e-6)
    assert len(result.raw_losses) == len(lrs)


def test_fastai_stop_cancels_and_restores_without_files(tmp_path):
    learn = fastai_learner(tmp_path, loss_delay_s=0.01)
    before = weights(learn)
    w = LRWidget(learn, num_it=300)
    time.sleep(0.5)
    w.stop()
    assert w.status == "stopped" and w.result.stop_reason == "cancelled"
    assert 0 < len(w.result.lrs) < 300
    assert same(before, weights(learn))
    assert not (tmp_path / "models").exists() or not any((tmp_path / "models").rglob("*.pth"))


class Explode(fastai_basics.Callback):
    def after_batch(self):
        if self.training and self.train_iter == 5:
            raise RuntimeError("interrupted at batch 5")


def test_fastai_interrupted_run_still_restores_the_model(tmp_path):
    """fastai restores only on a clean exit; the widget restores whatever happens."""
    learn = fastai_learner(tmp_path, cbs=[Explode()])
    learn.create_opt()
    before = weights(learn)
    hypers = [dict(h) for h in learn.opt.hypers]
    w = LRWidget(learn, num_it=50)
    with pytest.raises(RuntimeError, match="interrupted at batch 5"):
        w.wait()
    assert w.status == "error" and "interrupted" in w.error
    assert same(before, weights(learn))
    assert [dict(h) for h in learn.opt.hypers] == hypers


class RecordLRs(fastai_basics.Callback):
    """Every param group's lr at every training batch, across fits (fine_tune makes two)."""

    order = 65  # after the ParamScheduler has set this batch's hypers

    def __init__(self):
        self.recorded = []

    def before_batch(self):
        if self.training:
            self.recorded.append([h["lr"] for h in self.learn.opt.hypers])


def test_fastai_fine_tune_and_fit_one_cycle_get_the_handles(tmp_path):
    learn = fastai_learner(tmp_path)
    w = LRWidget(learn, num_it=40, autostart=False)
    assert w.view.n_groups == 2
    w.view.set_handles(1e-4, 4e-3)
    recorder = RecordLRs()
    with learn.added_cbs(recorder), learn.no_bar(), learn.no_logging():
        w.fine_tune(1)
        by_widget, recorder.recorded = recorder.recorded, []
        learn.fine_tune(1, base_lr=4e-3, lr_mult=4e-3 / 1e-4)
        direct, recorder.recorded = recorder.recorded, []
        w.fit_one_cycle(1)
        cycle = recorder.recorded
    assert by_widget == direct and len(by_widget) == 2 * len(learn.dls.train)
    # The unfrozen phase's peaks: slice(lo/2, hi/2) after fine_tune halves base_lr.
    unfrozen = np.array(by_widget[-len(learn.dls.train):])
    assert unfrozen.max(axis=0) == pytest.approx([1e-4 / 2, 4e-3 / 2], rel=0.05)
    assert np.array(cycle).max(axis=0) == pytest.approx([1e-4, 4e-3], rel=0.05)


def test_fastai_single_group_has_no_lo_handle(tmp_path):
    w = LRWidget(fastai_learner(tmp_path, n_groups=1), num_it=40)
    w.wait()
    assert w.view.n_groups == 1 and isinstance(w.lr, float)


def test_lrwidget_does_not_import_fastai():
    code = ("import sys, torch; import lrwidget; from lrwidget.backends import backend_for\n"
            "try:\n    backend_for(torch.nn.Linear(1, 1))\nexcept TypeError:\n    pass\n"
            "assert not any(m == 'fastai' or m.startswith('fastai.') for m in sys.modules), 'fastai was imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def torch_setup(n_groups: int = 3):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1))
    layers = [model[0], model[2], model[4]][:n_groups] if n_groups > 1 else [model]
    optimizer = torch.optim.SGD([{"params": layer.parameters()} for layer in layers], lr=0.1, momentum=0.9)
    return model, optimizer, nn.functional.mse_loss, DataLoader(make_regression_data(), batch_size=32, shuffle=True)


def test_from_torch_runs_restores_and_applies_a_slice():
    model, optimizer, loss_func, loader = torch_setup()
    before = [p.detach().clone() for p in model.parameters()]
    w = LRWidget.from_torch(model, optimizer, loss_func, loader, num_it=60)
    w.wait()
    assert w.status == "done" and w.view.n_groups == 3
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))
    assert [g["lr"] for g in optimizer.param_groups] == [0.1] * 3
    w.view.set_handles(1e-4, 1e-2)
    applied = w.apply_to(optimizer)
    assert applied == pytest.approx([1e-4, 1e-3, 1e-2])
    assert [g["lr"] for g in optimizer.param_groups] == applied


def test_from_torch_single_group_applies_the_float_and_has_no_fine_tune():
    model, optimizer, loss_func, loader = torch_setup(n_groups=1)
    w = LRWidget.from_torch(model, optimizer, loss_func, loader, num_it=30)
    w.wait()
    assert isinstance(w.lr, float)
    assert w.apply_to(optimizer) == [w.lr] and optimizer.param_groups[0]["lr"] == w.lr
    with pytest.raises(TypeError, match=r"w\.apply_to"):
        w.fine_tune(1)
    with pytest.raises(TypeError, match=r"w\.apply_to"):
        w.fit_one_cycle(1)
    with pytest.raises(TypeError, match=r"apply_to takes a torch\.optim\.Optimizer"):
        w.apply_to("sgd")


def test_anything_else_gets_a_type_error_naming_what_is_accepted():
    for thing in (nn.Linear(2, 2), "learner", None):
        with pytest.raises(TypeError, match=r"lrwidget\.Learner, a fastai Learner, or plain PyTorch"):
            LRWidget(thing)
    with pytest.raises(TypeError, match=r"optimizer must be a torch\.optim\.Optimizer"):
        LRWidget.from_torch(nn.Linear(2, 2), "sgd", nn.functional.mse_loss, [])
