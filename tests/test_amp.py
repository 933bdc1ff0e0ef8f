"""Mixed precision in the range test and the Learner: autocast, a GradScaler for float16, the skipped-step rule."""
from __future__ import annotations

import warnings

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader

from lrwidget import Learner, range_test
from lrwidget.backends import LearnerBackend, TorchBackend
from lrwidget.engine.rangetest import exponential_lr

from .conftest import make_mlp, make_regression_data
from .learner_helpers import loaders, parameters_copy
from .reference_loops import InfGradAt, reference_range_test, reference_step

RANGE = {"start_lr": 1e-4, "end_lr": 1.0, "num_it": 20, "stop_div": False}


def regression_loader() -> DataLoader:
    return DataLoader(make_regression_data(n=96), batch_size=16, shuffle=True,
                      generator=torch.Generator().manual_seed(3))


def setup(model: nn.Module | None = None) -> tuple[nn.Module, torch.optim.Optimizer, DataLoader]:
    model = make_mlp() if model is None else model
    return model, torch.optim.AdamW(model.parameters()), regression_loader()


def poisoned_mlp(at: set[int]) -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(8, 16), InfGradAt(at), nn.ReLU(), nn.Linear(16, 1))


def test_bfloat16_range_test_matches_the_autocast_reference_loop() -> None:
    model, optimizer, loader = setup()
    before = parameters_copy(model)
    result = range_test(model, optimizer, nn.functional.mse_loss, loader, amp=torch.bfloat16, **RANGE)
    full = range_test(model, optimizer, nn.functional.mse_loss, loader, **RANGE)
    assert parameters_copy(model).keys() == before.keys()
    assert all(torch.equal(value, before[name]) for name, value in parameters_copy(model).items())

    lrs, losses = reference_range_test(model, optimizer, nn.functional.mse_loss, loader, start_lr=1e-4, end_lr=1.0,
                                       num_it=20, dtype=torch.bfloat16)
    assert result.lrs == lrs
    assert result.raw_losses == losses
    assert full.raw_losses != losses  # bfloat16 really changed the curve


def test_amp_true_means_bfloat16_on_cpu() -> None:
    model, optimizer, loader = setup()
    assert (range_test(model, optimizer, nn.functional.mse_loss, loader, amp=True, **RANGE).raw_losses
            == range_test(model, optimizer, nn.functional.mse_loss, loader, amp=torch.bfloat16, **RANGE).raw_losses)


def test_float16_with_grad_scaler_matches_the_reference_loop() -> None:
    model, optimizer, loader = setup()
    result = range_test(model, optimizer, nn.functional.mse_loss, loader, amp=torch.float16, **RANGE)
    scaler = torch.amp.GradScaler("cpu")
    lrs, losses = reference_range_test(model, optimizer, nn.functional.mse_loss, loader, start_lr=1e-4, end_lr=1.0,
                                       num_it=20, dtype=torch.float16, scaler=scaler)
    assert result.lrs == lrs
    assert result.raw_losses == losses  # unscaled: the scale is 65536
    assert max(losses) < 100


def small_mse(predictions: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """A loss small enough that 65536 × it never overflows float16: only the poisoned steps are skipped."""
    return nn.functional.mse_loss(predictions, target) / 100


def test_a_skipped_step_still_records_its_loss_and_advances_the_lr() -> None:
    model, optimizer, loader = setup(poisoned_mlp({3}))
    weights: list[torch.Tensor] = []
    result = range_test(model, optimizer, small_mse, loader, amp=torch.float16,
                        on_point=lambda point: weights.append(model[0].weight.detach().clone()), **RANGE)
    assert result.lrs == [exponential_lr(1e-4, 1.0, k, 20) for k in range(20)]
    assert torch.equal(weights[3], weights[2])  # the scaler skipped step 3 ...
    assert not torch.equal(weights[4], weights[3])  # ... and step 4 trained, at the next LR
    assert model[1].count == 0  # rewound with the model

    scaler = torch.amp.GradScaler("cpu")
    lrs, losses = reference_range_test(model, optimizer, small_mse, loader, start_lr=1e-4, end_lr=1.0,
                                       num_it=20, dtype=torch.float16, scaler=scaler)
    assert scaler.get_scale() == 65536.0 / 2  # the reference skipped that one step too
    assert (result.lrs, result.raw_losses) == (lrs, losses)


def poisoned_learner(at: set[int], **kwargs) -> Learner:
    train_dl, _ = loaders()
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), InfGradAt(at), nn.ReLU(), nn.Linear(8, 3))
    return Learner(model, train_dl, nn.CrossEntropyLoss(), show_progress=False, **kwargs)


def test_the_learners_scaler_is_used_by_lr_find_and_restored() -> None:
    learn = poisoned_learner({1}).to_fp16()
    learn.fit(1)  # 6 batches; the second overflows
    scaler = learn.scaler
    assert scaler is not None and scaler.get_scale() == 32768.0
    before = scaler.state_dict()
    learn.model[1].at = {learn.model[1].count + 2}
    scales: list[float] = []
    learn.lr_find(num_it=10, on_point=lambda point: scales.append(learn.scaler.get_scale()))
    assert scales[1] == 32768.0 and scales[2] == 16384.0  # the learner's own scaler, halved inside the test
    assert learn.scaler is scaler and scaler.state_dict() == before


class FailingAdamW(torch.optim.AdamW):
    fail = False

    def step(self, closure=None):
        if self.fail:
            raise RuntimeError("optimizer failed")
        return super().step(closure)


def test_a_range_test_that_fails_mid_step_leaves_the_scaler_usable() -> None:
    learn, twin = (poisoned_learner(set(), amp=torch.float16, opt_func=FailingAdamW) for _ in range(2))
    learn.fit(1)
    twin.fit(1)
    learn.opt.fail = True
    with pytest.raises(RuntimeError, match="optimizer failed"):
        learn.lr_find(num_it=6)  # fails inside scaler.step, after unscale_
    learn.opt.fail = False
    learn.fit(1)
    twin.fit(1)
    assert all(torch.equal(value, parameters_copy(twin.model)[name])
               for name, value in parameters_copy(learn.model).items())


def test_learner_lr_find_and_its_backend_train_with_the_learners_precision() -> None:
    learn = poisoned_learner(set(), amp=torch.bfloat16)
    learn.lr_find(num_it=10)
    curve = learn.range_test_result
    assert curve is not None
    plain = range_test(learn.model, learn.opt, learn.loss_func, learn.train_dl, num_it=10)
    assert curve.raw_losses != plain.raw_losses
    assert curve.raw_losses == range_test(learn.model, learn.opt, learn.loss_func, learn.train_dl, num_it=10,
                                          amp=torch.bfloat16).raw_losses
    from_backend = LearnerBackend(learn).range_test(start_lr=1e-7, end_lr=10, num_it=10, stop_div=True)
    assert from_backend.raw_losses == curve.raw_losses and learn.range_test_result is from_backend


def test_learner_fit_in_bfloat16_matches_the_reference_loop() -> None:
    learn = poisoned_learner(set(), amp=torch.bfloat16, opt_func=torch.optim.SGD)
    reference = poisoned_learner(set(), opt_func=torch.optim.SGD)
    learn.fit(1, lr=0.1)
    for group in reference.opt.param_groups:
        group["lr"] = 0.1
    for batch in reference.train_dl:
        reference_step(reference.model, reference.opt, reference.loss_func, [batch], torch.bfloat16, None)
    assert all(torch.equal(value, parameters_copy(reference.model)[name])
               for name, value in parameters_copy(learn.model).items())


def test_a_skipped_first_step_does_not_warn_about_the_scheduler() -> None:
    learn = poisoned_learner({0}, amp=torch.float16)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        learn.fit_one_cycle(1, 1e-2)
    assert learn.scaler is not None and learn.scaler.get_scale() == 32768.0


@pytest.mark.parametrize("amp", ["yes", torch.float32, 1, None])
def test_a_bad_amp_is_refused_before_anything_changes(amp: object) -> None:
    model, optimizer, loader = setup()
    before = parameters_copy(model)
    with pytest.raises(ValueError, match=r"amp must be False, True, torch\.float16 or torch\.bfloat16, got "):
        range_test(model, optimizer, nn.functional.mse_loss, loader, amp=amp)
    assert all(torch.equal(value, before[name]) for name, value in parameters_copy(model).items())
    assert not optimizer.state and optimizer.param_groups[0]["lr"] == 1e-3
    with pytest.raises(ValueError, match="amp must be"):
        Learner(model, loader, nn.functional.mse_loss, amp=amp)
    with pytest.raises(ValueError, match="amp must be"):
        TorchBackend(model, optimizer, nn.functional.mse_loss, loader, amp=amp)


def test_amp_with_a_custom_step_is_refused() -> None:
    model, optimizer, loader = setup()
    with pytest.raises(ValueError, match="custom step"):
        range_test(model, optimizer, nn.functional.mse_loss, loader, amp=True, step=lambda batch: torch.tensor(1.0))


def test_lr_find_refuses_per_call_precision() -> None:
    learn = poisoned_learner(set())
    with pytest.raises(TypeError, match=r"amp: a Learner's range test trains with its own step"):
        learn.lr_find(amp=True)


def test_fastai_to_fp16_keeps_running_fastais_own_loop(tmp_path) -> None:
    fastai_basics = pytest.importorskip("fastai.basics", reason="fastai is a test dependency")
    pytest.importorskip("fastai.callback.all")  # patches lr_find and to_fp16 onto Learner
    from lrwidget.backends import FastaiBackend

    def learner() -> object:
        torch.manual_seed(0)
        dataset = make_regression_data(n=128)
        dls = fastai_basics.DataLoaders(DataLoader(dataset, batch_size=16), DataLoader(dataset, batch_size=64))
        return fastai_basics.Learner(dls, make_mlp(batchnorm=False), loss_func=nn.functional.mse_loss,
                                     path=tmp_path).to_fp16()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # on a CPU machine fastai's CUDA autocast and scaler disable themselves
        learn = learner()
        torch.manual_seed(1)
        with learn.no_bar():
            learn.lr_find(num_it=20, show_plot=False)
        expected = [float(loss) for loss in learn.recorder.losses]
        learn = learner()
        scalers: list[object] = []
        torch.manual_seed(1)
        result = FastaiBackend(learn).range_test(start_lr=1e-7, end_lr=10, num_it=20, stop_div=True,
                                                 on_point=lambda point: scalers.append(learn.scaler))
    assert result.losses == expected
    assert scalers and all(isinstance(scaler, torch.amp.GradScaler) for scaler in scalers)  # fastai's MixedPrecision


def test_from_torch_hands_amp_and_accumulation_to_the_backend() -> None:
    from lrwidget import LRWidget

    model, optimizer, loader = setup()
    widget = LRWidget.from_torch(model, optimizer, nn.functional.mse_loss, loader, amp=torch.bfloat16,
                                 accumulation_steps=2, autostart=False, preview=None)
    try:
        backend = widget._backend
        assert isinstance(backend, TorchBackend)
        assert (backend.amp, backend.accumulation_steps) == (torch.bfloat16, 2)
    finally:
        widget.close()
