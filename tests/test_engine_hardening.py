"""Engine hardening (issue 10): loader RNGs, loaders without len, misleading stops, rebound buffers, LR overflow,
closure optimizers. Each test fails without its fix."""
from __future__ import annotations

import math
import re
import warnings

import pytest
import torch
from torch import nn
from torch.utils.data import BatchSampler, DataLoader, IterableDataset, RandomSampler

from lrwidget import Learner, range_test
from lrwidget.engine.diagnosis import RangeTestWarning
from lrwidget.engine.rng import RngSnapshot
from lrwidget.engine.step import SupervisedStep

from .conftest import make_mlp, make_regression_data


def flat_weights(model: nn.Module) -> torch.Tensor:
    return torch.cat([t.detach().flatten().float() for t in model.state_dict().values()])


# ----- #4: the loader's own random number generators --------------------------------------------------------------
def test_lr_find_then_fit_one_cycle_trains_as_fit_one_cycle_alone_with_a_seeded_loader():
    def train(with_lr_find: bool) -> torch.Tensor:
        torch.manual_seed(0)
        loader = DataLoader(make_regression_data(n=96), batch_size=16, shuffle=True,
                            generator=torch.Generator().manual_seed(1))
        learn = Learner(make_mlp(seed=3), loader, nn.functional.mse_loss, show_progress=False)
        if with_lr_find:
            learn.lr_find(num_it=20)
        learn.fit_one_cycle(1, 1e-2)
        return flat_weights(learn.model)

    assert torch.equal(train(False), train(True))


def sampler_loader(kind: str) -> DataLoader:
    dataset = make_regression_data(n=96)
    sampler = RandomSampler(dataset, generator=torch.Generator().manual_seed(5))
    if kind == "sampler":
        return DataLoader(dataset, batch_size=16, sampler=sampler)
    return DataLoader(dataset, batch_sampler=BatchSampler(sampler, batch_size=16, drop_last=False))


@pytest.mark.parametrize("kind", ["sampler", "batch_sampler"])
def test_a_samplers_generator_is_rewound(kind):
    def first_epoch(with_range_test: bool) -> list[torch.Tensor]:
        loader = sampler_loader(kind)
        if with_range_test:
            model = make_mlp()
            range_test(model, torch.optim.SGD(model.parameters()), nn.functional.mse_loss, loader, num_it=9)
        return [x for x, _ in loader]

    assert all(torch.equal(a, b) for a, b in zip(first_epoch(False), first_epoch(True), strict=True))


class FakeCuda:
    """CUDA's RNG surface on CPU generators: starts uninitialised, seeds each device when it starts."""

    def __init__(self, seeds: tuple[int, ...]) -> None:
        self.initialized = False
        self.default_generators = [torch.Generator().manual_seed(seed) for seed in seeds]

    def start_and_draw(self) -> None:
        self.initialized = True
        for generator in self.default_generators:
            torch.rand(5, generator=generator)

    def install(self, monkeypatch) -> None:
        monkeypatch.setattr(torch.cuda, "is_initialized", lambda: self.initialized)
        monkeypatch.setattr(torch.cuda, "device_count", lambda: len(self.default_generators))
        monkeypatch.setattr(torch.cuda, "default_generators", tuple(self.default_generators))
        monkeypatch.setattr(torch.cuda, "get_rng_state_all", lambda: [g.get_state() for g in self.default_generators])
        monkeypatch.setattr(
            torch.cuda, "set_rng_state_all",
            lambda states: [g.set_state(s) for g, s in zip(self.default_generators, states, strict=True)])


def test_cuda_started_during_the_test_is_rewound_to_where_it_started(monkeypatch):
    cuda = FakeCuda(seeds=(11, 12))
    fresh = [torch.Generator().manual_seed(seed).get_state() for seed in (11, 12)]
    cuda.install(monkeypatch)
    snapshot = RngSnapshot()  # CUDA not started: nothing read
    cuda.start_and_draw()  # the test's first CUDA op starts it and draws
    snapshot.restore()
    assert all(torch.equal(g.get_state(), state) for g, state in zip(cuda.default_generators, fresh, strict=True))


def test_cuda_already_started_is_restored_to_its_state(monkeypatch):
    cuda = FakeCuda(seeds=(11,))
    cuda.install(monkeypatch)
    cuda.start_and_draw()
    before = cuda.default_generators[0].get_state()
    snapshot = RngSnapshot()
    cuda.start_and_draw()
    snapshot.restore()
    assert torch.equal(cuda.default_generators[0].get_state(), before)


# ----- #5: loaders without __len__ -----------------------------------------------------------------------------------
class Stream(IterableDataset):
    """A finite stream of 3 batches of 16, with no length."""

    def __iter__(self):
        data = make_regression_data(n=48)
        for start in range(0, 48, 16):
            yield data.tensors[0][start:start + 16], data.tensors[1][start:start + 16]


class ReIterable:
    """A finite re-iterable without __len__; counts its passes."""

    def __init__(self, n_batches: int) -> None:
        self.batches = [(x, y) for x, y in DataLoader(make_regression_data(n=16 * n_batches), batch_size=16)]
        self.passes = 0

    def __iter__(self):
        self.passes += 1
        return iter(self.batches)


def test_a_dataloader_over_an_iterable_dataset_runs_more_epochs():
    model = make_mlp()
    result = range_test(model, torch.optim.SGD(model.parameters()), nn.functional.mse_loss,
                        DataLoader(Stream(), batch_size=None), num_it=10, end_lr=1e-2)
    assert len(result.lrs) == 10 and result.stop_reason == "completed"


def test_a_re_iterable_without_len_is_iterated_again_as_new_epochs():
    model, loader = make_mlp(), ReIterable(n_batches=3)
    result = range_test(model, torch.optim.SGD(model.parameters()), nn.functional.mse_loss, loader, num_it=10,
                        end_lr=1e-2)
    assert len(result.lrs) == 10 and loader.passes == 4


def test_a_one_shot_iterator_that_runs_dry_says_how_many_batches_it_gave():
    model = make_mlp()
    before = flat_weights(model)
    batches = (batch for batch in ReIterable(n_batches=5).batches)
    with pytest.raises(ValueError, match=r"one-shot iterator \(generator\) and ran out after 5 batches; "
                                         r"num_it=12 needs 12: pass a re-iterable loader"):
        range_test(model, torch.optim.SGD(model.parameters()), nn.functional.mse_loss, batches, num_it=12)
    assert torch.equal(before, flat_weights(model))


def test_an_empty_re_iterable_without_len_is_still_no_batches():
    model = make_mlp()
    with pytest.raises(ValueError, match="train_dl yielded no batches"):
        range_test(model, torch.optim.SGD(model.parameters()), nn.functional.mse_loss, ReIterable(n_batches=0))


# ----- #6: losses at or below 0, NaN, inf ----------------------------------------------------------------------------
def run_with_loss(loss_func, **kwargs):
    model = make_mlp(batchnorm=False)
    loader = DataLoader(make_regression_data(n=64), batch_size=16)
    return range_test(model, torch.optim.SGD(model.parameters()), loss_func, loader, **kwargs)


def test_a_negative_loss_stopped_as_diverged_says_so_and_what_to_do():
    with pytest.warns(RangeTestWarning, match="stop_div=False"):
        result = run_with_loss(lambda p, t: nn.functional.mse_loss(p, t) - 100, num_it=30, end_lr=1e-3)
    assert result.stop_reason == "diverged" and len(result.lrs) == 1  # fastai's rule, kept
    assert "4 x the best" in result.warning and "stop_div=False" in result.warning


def test_a_falling_loss_that_crosses_zero_says_so():
    calls = {"n": 0}

    def falling(pred, target):
        calls["n"] += 1
        return nn.functional.mse_loss(pred, target) * 0 + (20.0 - calls["n"])

    with pytest.warns(RangeTestWarning):
        result = run_with_loss(falling, num_it=60, end_lr=1e-3)
    assert result.stop_reason == "diverged" and min(result.losses) <= 0 and "stop_div=False" in result.warning


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_a_loss_that_is_nan_or_inf_from_the_first_step_says_so(bad):
    with pytest.warns(RangeTestWarning, match="from the first step"):
        result = run_with_loss(lambda p, t: nn.functional.mse_loss(p, t) * bad, num_it=12, end_lr=1e-3)
    assert result.warning.startswith(f"the loss was {bad} from the first step")


def test_a_normal_run_has_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RangeTestWarning)
        result = run_with_loss(nn.functional.mse_loss, num_it=12, end_lr=1e-3)
    assert result.warning is None


# ----- #8: bindings, not only contents -------------------------------------------------------------------------------
class RunningMean(nn.Module):
    """Rebinds a registered buffer in forward, registers another on the first call, and keeps a plain counter."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(8, 1)
        self.register_buffer("running", torch.zeros(8))
        self.calls = 0

    def forward(self, x):
        self.running = 0.9 * self.running + 0.1 * x.mean(0).detach()  # a new tensor bound to the buffer's name
        if not hasattr(self, "seen"):
            self.register_buffer("seen", torch.ones(1))
            self.extra = nn.Linear(1, 1)
        self.calls += 1
        return self.linear(x)


def test_a_rebound_buffer_and_everything_added_in_forward_are_undone():
    model = RunningMean()
    running = model.running
    modules_before = list(model.modules())
    range_test(model, torch.optim.SGD(model.parameters()), nn.functional.mse_loss,
               DataLoader(make_regression_data(n=64), batch_size=16), num_it=8, end_lr=1e-2)
    assert model.running is running and torch.equal(running, torch.zeros(8))
    assert [name for name, _ in model.named_buffers()] == ["running"] and not hasattr(model, "seen")
    assert list(model.modules()) == modules_before and model.calls == 0


@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")
def test_a_torchscript_model_is_restored_too(regression_loader):
    model = torch.jit.script(make_mlp())
    before = flat_weights(model)
    range_test(model, torch.optim.SGD(model.parameters()), nn.functional.mse_loss, regression_loader, num_it=8)
    assert torch.equal(before, flat_weights(model))


def test_a_param_group_added_during_the_test_is_removed():
    model = make_mlp()
    optimizer = torch.optim.SGD(model[0].parameters(), lr=0.1)
    groups = list(optimizer.param_groups)

    def step(batch):
        if len(optimizer.param_groups) == 1:
            optimizer.add_param_group({"params": list(model[4].parameters())})
        return SupervisedStep(model, optimizer, nn.functional.mse_loss)(batch)

    range_test(model, optimizer, nn.functional.mse_loss, DataLoader(make_regression_data(n=64), batch_size=16),
               num_it=6, step=step)
    assert [id(group) for group in optimizer.param_groups] == [id(group) for group in groups]
    assert len(groups[0]["params"]) == 2


# ----- #11: the schedule must be finite ------------------------------------------------------------------------------
@pytest.mark.parametrize("start_lr, end_lr", [(1e-7, 1e308), (5e-324, 10), (1e-300, 1e300)])
def test_a_schedule_that_overflows_is_refused_naming_the_values(start_lr, end_lr, mlp, regression_loader):
    message = f"end_lr / start_lr must be a finite number, got {end_lr!r} / {start_lr!r}"
    with pytest.raises(ValueError, match=re.escape(message)):
        range_test(mlp, torch.optim.SGD(mlp.parameters()), nn.functional.mse_loss, regression_loader,
                   start_lr=start_lr, end_lr=end_lr)


# ----- LBFGS: an optimizer whose step needs a closure ----------------------------------------------------------------
def test_an_optimizer_whose_step_needs_a_closure_is_refused_up_front(mlp, regression_loader):
    optimizer = torch.optim.LBFGS(mlp.parameters())
    before = flat_weights(mlp)
    rng = torch.get_rng_state()
    with pytest.raises(TypeError, match=r"LBFGS.step needs closure .* Use a first-order optimizer"):
        range_test(mlp, optimizer, nn.functional.mse_loss, regression_loader)
    assert torch.equal(before, flat_weights(mlp)) and torch.equal(rng, torch.get_rng_state())


def test_a_custom_step_may_drive_a_closure_optimizer(mlp, regression_loader):
    optimizer = torch.optim.LBFGS(mlp.parameters(), max_iter=2)

    def step(batch):
        x, y = batch

        def closure():
            optimizer.zero_grad()
            loss = nn.functional.mse_loss(mlp(x), y)
            loss.backward()
            return loss

        return optimizer.step(closure).detach()

    result = range_test(mlp, optimizer, nn.functional.mse_loss, regression_loader, num_it=6, end_lr=1e-3, step=step)
    assert len(result.lrs) == 6
