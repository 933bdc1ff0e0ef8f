"""Engine hardening (issue 10) through a real fastai Learner: its DataLoader's rng, an empty train loader, closure
optimizers and the stop note, on fastai's own training loop."""
from __future__ import annotations

import random
from functools import partial

import numpy as np
import pytest
import torch
from torch import nn

from lrwidget.backends import FastaiBackend
from lrwidget.engine.diagnosis import RangeTestWarning

from .conftest import make_regression_data

fastai_basics = pytest.importorskip("fastai.basics", reason="fastai is a test dependency; install lrwidget[test]")
pytest.importorskip("fastai.callback.all")


def seed_everything(seed: int) -> None:
    # fastai's DataLoader draws its shuffle seed from Python's random when it is built.
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def fastai_learner(tmp_path, *, n: int = 96, bs: int = 16, drop_last: bool = False, loss_func=nn.functional.mse_loss,
                   **kwargs):
    from fastai.data.load import DataLoader as FastaiDataLoader

    seed_everything(0)
    dataset = make_regression_data(n=n)
    train = FastaiDataLoader(dataset, bs=bs, shuffle=True, drop_last=drop_last)
    valid = FastaiDataLoader(dataset, bs=32)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 1))
    return fastai_basics.Learner(fastai_basics.DataLoaders(train, valid), model, loss_func=loss_func, path=tmp_path,
                                 **kwargs)


def range_test(learn, **kwargs):
    settings = {"start_lr": 1e-7, "end_lr": 10, "num_it": 20, "stop_div": True} | kwargs
    return FastaiBackend(learn).range_test(**settings)


def weights(learn) -> torch.Tensor:
    return torch.cat([t.detach().flatten().float() for t in learn.model.state_dict().values()])


def test_a_range_test_then_fit_one_cycle_trains_as_fit_one_cycle_alone(tmp_path):
    def train(with_range_test: bool) -> torch.Tensor:
        learn = fastai_learner(tmp_path)
        rng = learn.dls.train.rng
        if with_range_test:
            range_test(learn, num_it=15)  # more than one epoch of 6 batches: fastai replaces dls.train.rng twice
            assert learn.dls.train.rng is rng and learn.opt is None  # as before the test
        with learn.no_bar(), learn.no_logging():
            learn.fit_one_cycle(2, 1e-2)
        return weights(learn)

    assert torch.equal(train(False), train(True))


def test_an_empty_train_loader_is_refused_before_anything_changes(tmp_path):
    learn = fastai_learner(tmp_path, n=32, bs=64, drop_last=True)
    assert len(learn.dls.train) == 0
    with pytest.raises(ValueError, match=r"learn.dls.train has no batches \(len 0; n=32, bs=64, drop_last=True\)"):
        range_test(learn)
    assert learn.opt is None


def test_a_train_loader_without_length_is_refused_clearly(tmp_path):
    from fastai.data.load import DataLoader as FastaiDataLoader
    from torch.utils.data import IterableDataset

    class Stream(IterableDataset):
        def __iter__(self):
            yield from make_regression_data(n=32)

    learn = fastai_learner(tmp_path)
    learn.dls.loaders[0] = FastaiDataLoader(Stream(), bs=8)
    with pytest.raises(ValueError, match=r"learn.dls.train \(DataLoader\) has no length"):
        range_test(learn)
    assert learn.opt is None


def test_a_closure_optimizer_is_refused_before_training(tmp_path):
    from fastai.optimizer import OptimWrapper

    learn = fastai_learner(tmp_path, opt_func=partial(OptimWrapper, opt=torch.optim.LBFGS))
    before = weights(learn)
    with pytest.raises(TypeError, match=r"LBFGS\.step needs closure"):
        range_test(learn)
    assert torch.equal(before, weights(learn)) and learn.opt is None


class Explode(fastai_basics.Callback):
    def after_batch(self):
        if self.training and self.train_iter == 8:
            raise RuntimeError("boom")


def test_a_run_that_raises_in_fastais_loop_still_rewinds_the_loader_rng(tmp_path):
    learn = fastai_learner(tmp_path, cbs=[Explode()])
    rng = learn.dls.train.rng
    state = rng.getstate()
    with pytest.raises(RuntimeError, match="boom"):
        range_test(learn)
    assert learn.dls.train.rng is rng and rng.getstate() == state


def test_a_negative_loss_stopped_as_diverged_carries_the_note(tmp_path):
    learn = fastai_learner(tmp_path, loss_func=lambda p, t: nn.functional.mse_loss(p, t) - 100)
    with pytest.warns(RangeTestWarning, match="stop_div=False"):
        result = range_test(learn, end_lr=1e-3)
    assert result.stop_reason == "diverged" and len(result.lrs) == 1
    assert "stop_div=False" in result.warning
