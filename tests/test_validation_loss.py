"""The validation loss of a range test (issue 13, item 3): recorded every k steps as the subset's loss under that step's
weights, without touching the training, the RNGs, the loaders or BatchNorm's statistics; clear errors; the JSON/CSV
round trip; the backends and the widget, down to the points the view receives."""
from __future__ import annotations

import copy
import itertools
import math
import random
import struct

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader

from lrwidget import LRWidget, range_test
from lrwidget.backends import LearnerBackend, TorchBackend
from lrwidget.engine.rangetest import RangeTestResult
from lrwidget.engine.validation import DEFAULT_VALID_EVERY, ValidationSubset, cost_fraction
from lrwidget.widget.publisher import saved_curve
from lrwidget.widget.stream import Curve

from .conftest import make_mlp, make_regression_data
from .counting_comm import counting_comms
from .test_widget import make_learner

LOSS = nn.functional.mse_loss


def loaders(seed: int = 0) -> tuple[DataLoader, DataLoader]:
    """A shuffled training loader and a shuffled validation loader, each with its own generator."""
    train = DataLoader(make_regression_data(n=128), batch_size=16, shuffle=True,
                       generator=torch.Generator().manual_seed(seed))
    valid = DataLoader(make_regression_data(n=96, seed=1), batch_size=24, shuffle=True,
                       generator=torch.Generator().manual_seed(seed + 1))
    return train, valid


def hand_eval(model: nn.Module, batches: list) -> float:
    """The subset's loss by hand: a copy of the model in eval mode, the batch-size-weighted mean of the loss."""
    clone = copy.deepcopy(model).eval()
    with torch.no_grad():
        total = sum(LOSS(clone(x), y).item() * len(y) for x, y in batches)
    return total / sum(len(y) for _, y in batches)


def rng_states(*generators: torch.Generator) -> list:
    return [torch.get_rng_state(), random.getstate(), np.random.get_state()[1].tolist(),
            *[generator.get_state() for generator in generators]]


def same_states(a: list, b: list) -> bool:
    return all(torch.equal(x, y) if isinstance(x, torch.Tensor) else x == y for x, y in zip(a, b, strict=True))


# ----- the engine ---------------------------------------------------------------------------------------------------
def test_recorded_every_k_steps_as_the_subset_loss_under_that_steps_weights():
    model = make_mlp()
    train, valid = loaders()
    # The subset is the loader's first 2 batches, taken before the first step: the same batches a fresh pass gives
    # from the same generator state.
    fresh = DataLoader(valid.dataset, batch_size=24, shuffle=True, generator=torch.Generator().manual_seed(1))
    subset = list(itertools.islice(fresh, 2))
    expected: dict[int, float] = {}

    def on_point(point):
        if point.iteration % 3 == 0:
            expected[point.iteration] = hand_eval(model, subset)  # the model as the step left it
        else:
            assert math.isnan(point.valid_loss)

    result = range_test(model, torch.optim.SGD(model.parameters(), lr=0.1), LOSS, train, num_it=20, end_lr=1,
                        on_point=on_point, valid_dl=valid, valid_every=3, valid_batches=2)
    assert len(result.valid_losses) == len(result.lrs) == 20
    evaluated = [i for i, value in enumerate(result.valid_losses) if not math.isnan(value)]
    assert evaluated == list(range(0, 20, 3))
    for iteration in evaluated:
        assert result.valid_losses[iteration] == pytest.approx(expected[iteration], rel=1e-6)
    assert len(set(result.valid_losses[i] for i in evaluated)) > 1  # the weights changed, and so did the loss
    assert result.valid_every == 3 and 0 < result.valid_elapsed_s < result.elapsed_s
    assert [point.valid_loss for point in result.points][::3] == result.valid_losses[::3]


def test_a_run_with_validation_trains_and_leaves_everything_exactly_as_a_run_without():
    def run(with_validation: bool):
        torch.manual_seed(5)
        random.seed(5)
        np.random.seed(5)
        model = make_mlp()  # BatchNorm and Dropout: eval mode must keep the statistics and draw no masks
        train, valid = loaders()
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        before = rng_states(train.generator, valid.generator)
        running_means = []
        kwargs = {"valid_dl": valid, "valid_every": 2} if with_validation else {}
        result = range_test(model, optimizer, LOSS, train, num_it=15, end_lr=1,
                            on_point=lambda _: running_means.append(model[1].running_mean.clone()), **kwargs)
        after = rng_states(train.generator, valid.generator)
        next_epoch = [y for _, y in train]  # the training loader's next order
        return result, before, after, running_means, next_epoch, model

    plain, _, plain_after, plain_stats, plain_order, plain_model = run(False)
    valid, valid_before, valid_after, valid_stats, valid_order, valid_model = run(True)
    assert valid.raw_losses == plain.raw_losses and valid.losses == plain.losses  # same dropout masks, same batches
    assert all(torch.equal(a, b) for a, b in zip(plain_stats, valid_stats, strict=True))  # BN stats after each step
    assert same_states(valid_before, valid_after) and same_states(plain_after, valid_after)
    assert all(torch.equal(a, b) for a, b in zip(plain_order, valid_order, strict=True))
    assert all(torch.equal(a, b) for a, b in zip(plain_model.state_dict().values(), valid_model.state_dict().values(),
                                                  strict=True))
    assert plain.valid_losses == [] and plain.valid_every is None


def test_evaluation_is_in_eval_mode_without_gradients_and_puts_every_module_back_in_its_own_mode():
    model = make_mlp()
    model.train()
    model[3].eval()  # a module the user keeps in eval mode on purpose stays there
    seen = []
    model.register_forward_hook(lambda module, _inputs, _out: seen.append((module.training, torch.is_grad_enabled())))
    stats = [t.clone() for t in model[1].buffers()]
    batches = [make_regression_data(n=16)[:]]
    ValidationSubset.supervised(model, LOSS, batches).evaluate()
    assert seen == [(False, False)]
    assert [module.training for module in model.modules()] == [True, True, True, True, False, True]
    assert all(torch.equal(a, b) for a, b in zip(stats, model[1].buffers(), strict=True))
    assert all(param.grad is None for param in model.parameters())


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"valid_every": 5}, ValueError, r"no validation data: valid_dl is None"),
    ({"valid_every": 0, "valid_dl": [0]}, ValueError, r"valid_every must be an integer >= 1 .* got 0"),
    ({"valid_every": 2.5, "valid_dl": [0]}, ValueError, r"valid_every must be an integer >= 1 .* got 2.5"),
    ({"valid_every": "10", "valid_dl": [0]}, ValueError, r"got '10'"),
    ({"valid_every": 5, "valid_batches": 0, "valid_dl": [0]}, ValueError, r"valid_batches must be an integer >= 1"),
    ({"valid_every": 5, "valid_dl": []}, ValueError, r"valid_dl is empty \(len 0\)"),
    ({"valid_every": 5, "valid_dl": iter([0])}, TypeError, r"one-shot iterator"),
    ({"valid_every": 5, "valid_dl": 3}, TypeError, r"valid_dl must be an iterable of batches"),
])
def test_bad_validation_arguments_are_clear_errors_before_anything_changes(kwargs, error, message):
    model = make_mlp()
    before = copy.deepcopy(model.state_dict())
    train, _ = loaders()
    with pytest.raises(error, match=message):
        range_test(model, torch.optim.SGD(model.parameters(), lr=0.1), LOSS, train, num_it=6, **kwargs)
    assert all(torch.equal(before[name], value) for name, value in model.state_dict().items())


def test_off_by_default_and_true_means_the_default_period():
    model = make_mlp()
    train, valid = loaders()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    assert range_test(model, optimizer, LOSS, train, num_it=12).valid_losses == []
    result = range_test(model, optimizer, LOSS, train, num_it=12, valid_dl=valid, valid_every=True)
    assert result.valid_every == DEFAULT_VALID_EVERY
    evaluated = [i for i, v in enumerate(result.valid_losses) if not math.isnan(v)]
    assert evaluated == list(range(0, 12, DEFAULT_VALID_EVERY))
    assert cost_fraction(result) is not None and cost_fraction(result) > 0


def test_json_and_csv_round_trip_the_validation_losses_bit_for_bit():
    model = make_mlp()
    train, valid = loaders()
    result = range_test(model, torch.optim.SGD(model.parameters(), lr=0.1), LOSS, train, num_it=10, valid_dl=valid,
                        valid_every=4)
    back = RangeTestResult.from_json(result.to_json())
    bits = [struct.pack("<d", value) for value in result.valid_losses]
    assert [struct.pack("<d", value) for value in back.valid_losses] == bits
    assert (back.valid_every, back.valid_elapsed_s) == (result.valid_every, result.valid_elapsed_s)
    lines = result.to_csv().splitlines()
    assert lines[0] == "lr,raw_loss,smoothed_loss,valid_loss"
    column = [line.split(",")[3] for line in lines[1:]]
    assert column[:2] == [repr(result.valid_losses[0]), "nan"] and column[4] == repr(result.valid_losses[4])
    assert "valid_loss" not in RangeTestResult(lrs=[1.0], losses=[1.0], raw_losses=[1.0]).to_csv()


# ----- the backends -------------------------------------------------------------------------------------------------
def test_the_learner_and_torch_backends_pass_it_through_and_name_what_is_missing():
    learn = make_learner()
    settings = {"start_lr": 1e-5, "end_lr": 1.0, "num_it": 8, "stop_div": False}
    result = LearnerBackend(learn).range_test(valid_every=4, **settings)
    assert [i for i, v in enumerate(result.valid_losses) if not math.isnan(v)] == [0, 4]
    learn.valid_dl = None
    with pytest.raises(ValueError, match=r"no validation data: the Learner's valid_dl is None"):
        LearnerBackend(learn).range_test(valid_every=4, **settings)
    model = make_mlp()
    train, valid = loaders()
    backend = TorchBackend(model, torch.optim.SGD(model.parameters(), lr=0.1), LOSS, train, valid_dl=valid)
    assert not math.isnan(backend.range_test(valid_every=3, **settings).valid_losses[3])
    with pytest.raises(ValueError, match=r"valid_dl \(from_torch\(\.\.\., valid_dl=\.\.\.\)\) is None"):
        TorchBackend(model, torch.optim.SGD(model.parameters(), lr=0.1), LOSS, train).range_test(valid_every=3,
                                                                                                  **settings)


def test_fastai_evaluates_learn_dls_valid_every_k_steps_in_its_own_loop(tmp_path):
    pytest.importorskip("fastai.basics", reason="fastai is a test dependency; install lrwidget[test]")
    from .test_fastai_hardening import fastai_learner
    from .test_fastai_hardening import range_test as fastai_range_test

    subset = list(itertools.islice(fastai_learner(tmp_path).dls.valid, 2))  # that learner's RNG draws, not learn's
    learn = fastai_learner(tmp_path)  # seeds every RNG again
    expected = {}

    def on_point(point):
        if point.iteration % 4 == 0:
            expected[point.iteration] = hand_eval(learn.model, [(x.cpu(), y.cpu()) for x, y in subset])

    with_validation = fastai_range_test(learn, valid_every=4, on_point=on_point)
    assert [i for i, v in enumerate(with_validation.valid_losses) if not math.isnan(v)] == list(range(0, 20, 4))
    for iteration, value in expected.items():
        assert with_validation.valid_losses[iteration] == pytest.approx(value, rel=1e-6)
    without = fastai_range_test(fastai_learner(tmp_path))
    assert without.raw_losses == with_validation.raw_losses and without.valid_losses == []

    import fastai.basics as fastai_basics

    only_train = fastai_basics.Learner(fastai_basics.DataLoaders(learn.dls.train), learn.model, loss_func=LOSS,
                                       path=tmp_path)
    with pytest.raises(ValueError, match=r"no validation data: learn.dls.valid \(learn.dls holds no validation"):
        fastai_range_test(only_train, valid_every=4)


# ----- the widget ---------------------------------------------------------------------------------------------------
def test_the_widget_keyword_reaches_the_view_as_a_fourth_buffer_the_saved_curve_and_the_status():
    with counting_comms() as log:
        w = LRWidget(make_learner(), num_it=30, end_lr=1e-2, stop_div=False, preview=None, valid_every=7)
        result = w.wait()
    points = [m for m in log.messages
              if m.data.get("method") == "custom" and m.data["content"]["type"] == "points"]
    sent = np.full(len(result.lrs), np.nan, dtype="<f4")
    for message in points:
        start, count = message.data["content"]["start"], message.data["content"]["count"]
        if len(message.buffers) == 4:
            sent[start:start + count] = np.frombuffer(message.buffers[3], "<f4")
    np.testing.assert_array_equal(sent, np.asarray(result.valid_losses, dtype="<f4"))
    assert [i for i, v in enumerate(result.valid_losses) if not math.isnan(v)] == [0, 7, 14, 21, 28]
    saved = w.view.curve["valid_losses"]
    assert [i for i, v in enumerate(saved) if v is not None] == [0, 7, 14, 21, 28]
    assert w.view.progress["valid_every"] == 7 and w.view.progress["valid_cost"] == cost_fraction(result)
    w.close()


def test_the_widget_refuses_validation_without_data_or_with_a_bad_k_at_construction():
    learn = make_learner()
    learn.valid_dl = None
    with pytest.raises(ValueError, match=r"the Learner's valid_dl is None"):
        LRWidget(learn, valid_every=5, autostart=False)
    with pytest.raises(ValueError, match=r"valid_every must be an integer >= 1 .* got -1"):
        LRWidget(make_learner(), valid_every=-1, autostart=False)
    model = make_mlp()
    train, _ = loaders()
    with pytest.raises(ValueError, match=r"valid_dl \(from_torch"):
        LRWidget.from_torch(model, torch.optim.SGD(model.parameters(), lr=0.1), LOSS, train, valid_every=5,
                            autostart=False)


def test_a_saved_decimated_curve_keeps_the_validation_points():
    count = 10_000
    valid = np.full(count, np.nan)
    valid[::5] = np.linspace(2, 1, count // 5)
    lrs = np.geomspace(1e-7, 10, count)
    saved = saved_curve(Curve(lrs, np.linspace(3, 1, count), np.linspace(3, 1, count), valid), max_points=2000)
    kept = [v for v in saved["valid_losses"] if v is not None]
    assert len(saved["lrs"]) <= 2000 and len(kept) >= 400
    assert saved["valid_losses"][0] == 2.0


def test_the_cost_benchmark_runs():
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "benchmarks" / "validation_cost.py"
    completed = subprocess.run([sys.executable, str(script), "--quick"], capture_output=True, text=True, timeout=300,
                               check=False)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "| tiny MLP 8→16→1, bs 32 | default (every 10, 2 batches) |" in completed.stdout


def test_a_kept_run_shown_again_keeps_its_validation_curve():
    w = LRWidget(make_learner(), num_it=12, end_lr=1e-2, stop_div=False, preview=None, valid_every=4)
    w.wait()
    w.run(label="second")
    w.wait()
    w.selected_run = w.runs[0]
    assert [i for i, v in enumerate(w.view.curve["valid_losses"]) if v is not None] == [0, 4, 8]
    assert w.view.progress["valid_every"] == 4
    w.close()


def test_repeats_keep_the_validation_curve_of_the_run_shown():
    w = LRWidget(make_learner(), num_it=12, end_lr=1e-2, stop_div=False, preview=None, valid_every=4,
                 autostart=False)
    w.run(repeats=2)
    w.wait()
    assert len(w.repeats) == 2
    assert [i for i, v in enumerate(w.view.curve["valid_losses"]) if v is not None] == [0, 4, 8]
    assert all([i for i, v in enumerate(r.valid_losses) if not math.isnan(v)] == [0, 4, 8] for r in w.repeats)
    w.close()
