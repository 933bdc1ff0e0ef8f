"""What the Learner applies at every optimizer step equals the plan from lrwidget.train.schedule, and fastai's
recipe."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from lrwidget.train.learner import Learner
from lrwidget.train.schedule import fastai_offset_bound

from .learner_helpers import block_splitter, grouped_model, loaders, make_learner, record_hypers


@pytest.mark.parametrize("n_groups", [1, 2, 3])
@pytest.mark.parametrize("lr_max", [None, 1e-2, slice(1e-2), slice(1e-4, 1e-2)])
def test_fit_one_cycle_applies_exactly_the_plan(n_groups, lr_max):
    learn = make_learner(n_groups)
    lrs, momentums = record_hypers(learn.opt)
    learn.fit_one_cycle(2, lr_max=lr_max, pct_start=0.3)
    cycle = learn.plan_one_cycle(2, lr_max=lr_max, pct_start=0.3)
    assert cycle.total_steps == 2 * len(learn.train_dl) == len(lrs)
    np.testing.assert_allclose(lrs, cycle.lrs(), rtol=1e-6)
    np.testing.assert_allclose(momentums, cycle.momentums(), rtol=1e-6)


def test_fit_one_cycle_with_sgd_cycles_its_momentum_like_the_plan():
    learn = make_learner(2, opt_func=lambda groups, lr: torch.optim.SGD(groups, lr=lr, momentum=0.9))
    lrs, momentums = record_hypers(learn.opt)
    learn.fit_one_cycle(1, lr_max=[1e-3, 1e-2], div=10.0, div_final=1e3, moms=(0.9, 0.8, 0.9))
    cycle = learn.plan_one_cycle(1, lr_max=[1e-3, 1e-2], div=10.0, div_final=1e3, moms=(0.9, 0.8, 0.9))
    np.testing.assert_allclose(lrs, cycle.lrs(), rtol=1e-6)
    np.testing.assert_allclose(momentums, cycle.momentums(), rtol=1e-6)


@pytest.mark.parametrize("n_groups", [1, 2, 3])
@pytest.mark.parametrize("freeze_epochs", [0, 1])
def test_fine_tune_applies_exactly_the_plan(n_groups, freeze_epochs):
    learn = make_learner(n_groups)
    lrs, momentums = record_hypers(learn.opt)
    learn.fine_tune(2, base_lr=4e-3, freeze_epochs=freeze_epochs)
    plan = learn.plan_fine_tune(2, base_lr=4e-3, freeze_epochs=freeze_epochs)
    assert len(lrs) == plan.total_steps == (2 + freeze_epochs) * len(learn.train_dl)
    np.testing.assert_allclose(lrs, plan.lrs(), rtol=1e-6)
    np.testing.assert_allclose(momentums, plan.momentums(), rtol=1e-6)
    assert len(learn.history) == 2 + freeze_epochs
    assert learn.n_frozen == 0


@pytest.mark.parametrize(("n_batches", "n_epoch", "pct_start"), [(1, 1, 0.25), (1, 2, 0.5), (4, 1, 0.25), (2, 1, 1.0)])
def test_tiny_cycles_train_and_follow_the_plan(n_batches, n_epoch, pct_start):
    train_dl = list(loaders()[0])[:n_batches]
    learn = Learner(grouped_model(2), train_dl, nn.CrossEntropyLoss(), splitter=block_splitter, show_progress=False)
    lrs, _ = record_hypers(learn.opt)
    learn.fit_one_cycle(n_epoch, lr_max=1e-2, pct_start=pct_start)
    np.testing.assert_allclose(lrs, learn.plan_one_cycle(n_epoch, 1e-2, pct_start=pct_start).lrs(), rtol=1e-6)
    learn.fine_tune(1)  # fastai's frozen phase at pct_start=0.99 on one or few steps


class LongerThanItsLen:
    """A loader whose len undercounts its batches (as an IterableDataset's estimate can)."""

    def __init__(self, batches: list) -> None:
        self.batches = batches

    def __len__(self) -> int:
        return len(self.batches) - 1

    def __iter__(self):
        return iter(self.batches)


def test_extra_batches_keep_the_final_lr_instead_of_crashing_the_scheduler():
    learn = Learner(grouped_model(2), LongerThanItsLen(list(loaders()[0])), nn.CrossEntropyLoss(),
                    splitter=block_splitter, show_progress=False)
    lrs, _ = record_hypers(learn.opt)
    learn.fit_one_cycle(2, lr_max=1e-2)
    planned = learn.plan_one_cycle(2, 1e-2).lrs()
    assert len(lrs) == len(planned) + 2
    np.testing.assert_allclose(lrs[-3:], [planned[-1]] * 3, rtol=1e-6)


def run_fastai_fine_tune(n_groups: int, epochs: int, base_lr: float, freeze_epochs: int) -> list[list[float]]:
    """fastai's own Learner.fine_tune on the same model and data; returns each group's lr at every step."""
    from fastai.callback.core import Callback
    from fastai.callback.schedule import fine_tune  # noqa: F401  (patches Learner.fine_tune in)
    from fastai.data.core import DataLoaders
    from fastai.learner import Learner as FastaiLearner

    recorded: list[list[float]] = []

    class RecordLrs(Callback):
        order = 70  # after ParamScheduler (60) has set this batch's hypers

        def before_step(self) -> None:
            recorded.append([float(hyper["lr"]) for hyper in self.opt.hypers])

    train_dl, valid_dl = loaders()
    learn = FastaiLearner(DataLoaders(train_dl, valid_dl), grouped_model(n_groups), nn.CrossEntropyLoss(),
                          splitter=block_splitter, cbs=[RecordLrs()])
    with learn.no_bar(), learn.no_logging():
        learn.fine_tune(epochs, base_lr=base_lr, freeze_epochs=freeze_epochs)
    return recorded


@pytest.mark.parametrize(("n_groups", "freeze_epochs"), [(2, 1), (3, 2)])
def test_fine_tune_follows_fastais_own_within_the_documented_bound(n_groups, freeze_epochs):
    pytest.importorskip("fastai.learner")
    fastai_lrs = np.array(run_fastai_fine_tune(n_groups, 3, 8e-3, freeze_epochs))
    learn = make_learner(n_groups)
    lrs, _ = record_hypers(learn.opt)
    learn.fine_tune(3, base_lr=8e-3, freeze_epochs=freeze_epochs)
    ours = np.array(lrs)
    assert ours.shape == fastai_lrs.shape
    start = 0
    for phase in learn.plan_fine_tune(3, base_lr=8e-3, freeze_epochs=freeze_epochs).phases:
        cycle = phase.cycle
        stop = start + cycle.total_steps
        # Both start each phase at exactly lr_max/div (fastai's position 0 = OneCycleLR's initial lr) ...
        np.testing.assert_allclose(ours[start], fastai_lrs[start], rtol=1e-6)
        np.testing.assert_allclose(fastai_lrs[start], np.array(cycle.lr_maxes) / cycle.div, rtol=1e-6)
        # ... and stay within one batch of each other (see lrwidget.train.schedule), group by group.
        for group, lr_max in enumerate(cycle.lr_maxes):
            bound = fastai_offset_bound(lr_max, cycle.total_steps, div=cycle.div, div_final=cycle.div_final,
                                        pct_start=cycle.pct_start)
            gap = np.abs(ours[start:stop, group] - fastai_lrs[start:stop, group]).max()
            assert gap <= bound + 1e-6 * lr_max
        start = stop
