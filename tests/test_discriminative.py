"""The discriminative range test: start_lr / end_lr per param group, swept together at fixed ratios (issue 14.3)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader

from lrwidget import range_test
from lrwidget.backends import TorchBackend
from lrwidget.engine.rangetest import check_lr_range

from .conftest import make_regression_data
from .learner_helpers import make_learner

fastcore_basics = pytest.importorskip("fastcore.basics", reason="fastai is a test dependency; install lrwidget[test]")

N_GROUPS = 3


def three_groups() -> tuple[nn.Module, torch.optim.Optimizer]:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1))
    # Distinct LRs per group before the test: the restore must bring each one back.
    optimizer = torch.optim.SGD([{"params": model[0].parameters(), "lr": 0.01},
                                 {"params": model[2].parameters(), "lr": 0.02},
                                 {"params": model[4].parameters(), "lr": 0.03}], momentum=0.9)
    return model, optimizer


def loader() -> DataLoader:
    return DataLoader(make_regression_data(n=128), batch_size=16, shuffle=True)


def run_recording(start_lr, end_lr, num_it=20, **kwargs):
    """The test's result and every group's lr as each optimizer step starts."""
    model, optimizer = three_groups()
    seen: list[list[float]] = []
    optimizer.register_step_pre_hook(lambda opt, args, kw: seen.append([g["lr"] for g in opt.param_groups]))
    result = range_test(model, optimizer, nn.functional.mse_loss, loader(), start_lr=start_lr, end_lr=end_lr,
                        num_it=num_it, **kwargs)
    return result, seen


SPECS = {
    "list": ([1e-9, 1e-8, 1e-7], [1e-2, 1e-1, 1.0]),
    "tuple": ((1e-9, 1e-8, 1e-7), (1e-2, 1e-1, 1.0)),
    "numpy": (np.array([1e-9, 1e-8, 1e-7]), np.array([1e-2, 1e-1, 1.0])),
    "tensor": (torch.tensor([1e-9, 1e-8, 1e-7], dtype=torch.float64),
               torch.tensor([1e-2, 1e-1, 1.0], dtype=torch.float64)),
    "slice": (slice(1e-9, 1e-7), slice(1e-2, 1.0)),
    "slice-stop-only": (slice(None, 1e-7), slice(None, 1.0)),
}


def expanded(spec) -> list[float]:
    """fastai's set_hyper spreading of one side, from fastcore itself."""
    if isinstance(spec, slice):
        if spec.start is None:
            return [spec.stop / 10] * (N_GROUPS - 1) + [spec.stop]
        return list(fastcore_basics.even_mults(spec.start, spec.stop, N_GROUPS))
    return [float(value) for value in (spec.tolist() if hasattr(spec, "tolist") else spec)]


@pytest.mark.parametrize("kind", SPECS)
def test_each_group_sweeps_its_own_range_and_the_last_is_recorded(kind):
    start_lr, end_lr = SPECS[kind]
    result, seen = run_recording(start_lr, end_lr, num_it=20)
    starts, ends = expanded(start_lr), expanded(end_lr)
    assert len(seen) == len(result.lrs) == 20
    for k, group_lrs in enumerate(seen):
        assert group_lrs == [lo * (hi / lo) ** (k / 20) for lo, hi in zip(starts, ends, strict=True)]
        assert result.lrs[k] == group_lrs[-1]  # the x axis: the last group, as fastai's Recorder
        ratios = [lr / group_lrs[-1] for lr in group_lrs]
        assert ratios == pytest.approx(result.group_lr_ratios, rel=1e-12)
    assert result.group_lr_ratios == pytest.approx([s / starts[-1] for s in starts], rel=1e-15)
    assert (result.start_lr, result.end_lr) == (starts[-1], ends[-1])
    assert (result.group_start_lrs, result.group_end_lrs) == (starts, ends)


def test_one_value_or_equal_values_are_a_plain_range_test():
    plain, plain_seen = run_recording(1e-7, 1.0)
    equal, equal_seen = run_recording([1e-7] * 3, np.array([1.0] * 3))
    assert plain.group_lr_ratios is None and equal.group_lr_ratios is None
    assert plain.group_start_lrs is None and equal.group_end_lrs is None
    assert plain.lrs == equal.lrs and plain_seen == equal_seen
    assert all(len(set(step)) == 1 for step in plain_seen)


def test_the_model_and_every_group_lr_are_restored():
    model, optimizer = three_groups()
    weights = [t.detach().clone() for t in model.state_dict().values()]
    state = repr(optimizer.state_dict())
    range_test(model, optimizer, nn.functional.mse_loss, loader(), start_lr=slice(1e-9, 1e-7),
               end_lr=slice(1e-2, 1.0), num_it=12)
    assert all(torch.equal(a, b) for a, b in zip(weights, model.state_dict().values(), strict=True))
    assert [g["lr"] for g in optimizer.param_groups] == [0.01, 0.02, 0.03]
    assert repr(optimizer.state_dict()) == state


BAD_RANGES = {
    "too-few": ([1e-7, 1e-6], [1e-2, 1e-1], "start_lr has 2 values but the optimizer has 3 param groups"),
    "too-many": (1e-7, [1.0] * 4, "end_lr has 4 values but the optimizer has 3 param groups"),
    "zero-entry": ([1e-9, 0.0, 1e-7], [1e-2, 1e-1, 1.0], r"start_lr\[1\] must be a finite number > 0, got 0.0"),
    "negative-entry": ([1e-9, 1e-8, 1e-7], [1e-2, -1e-1, 1.0], r"end_lr\[1\] must be a finite number > 0"),
    "nan-entry": ([1e-9, math.nan, 1e-7], [1e-2, 1e-1, 1.0], r"start_lr\[1\] must be a finite number > 0, got nan"),
    "inf-entry": (slice(1e-9, 1e-7), np.array([1e-2, 1e-1, math.inf]), r"end_lr\[2\] must be a finite number > 0"),
    "start-above-end": ([1e-9, 1e-8, 1e-7], [1e-2, 1e-9, 1.0],
                        r"below end_lr in param group 1, got start_lr\[1\]=1e-08 >= end_lr\[1\]=1e-09"),
    "ratios-differ": ([1e-9, 1e-8, 1e-7], [1e-1, 1e-1, 1.0], "must keep the same ratios between param groups"),
    "one-side-per-group": (1e-7, slice(1e-3, 1.0), "must keep the same ratios between param groups"),
    "slice-with-step": (slice(1e-9, 1e-7, 2), slice(1e-2, 1.0), "without a step"),
    "bool-entry": ([True, 1e-8, 1e-7], [1e-2, 1e-1, 1.0], r"start_lr\[0\] must be a finite number > 0, got True"),
    "overflow": ([1e-300, 1e-299, 1e-298], [1e10, 1e11, 1e12], "end_lr / start_lr must be a finite number"),
}


@pytest.mark.parametrize("case", BAD_RANGES)
def test_bad_per_group_ranges_are_refused_before_anything_changes(case):
    start_lr, end_lr, message = BAD_RANGES[case]
    model, optimizer = three_groups()
    weights = [t.detach().clone() for t in model.state_dict().values()]
    rng = torch.get_rng_state()
    with pytest.raises(ValueError, match=message):
        range_test(model, optimizer, nn.functional.mse_loss, loader(), start_lr=start_lr, end_lr=end_lr)
    assert all(torch.equal(a, b) for a, b in zip(weights, model.state_dict().values(), strict=True))
    assert [g["lr"] for g in optimizer.param_groups] == [0.01, 0.02, 0.03]
    assert torch.equal(rng, torch.get_rng_state())


def test_one_range_for_every_group_keeps_the_plain_messages():
    with pytest.raises(ValueError, match=r"^start_lr must be below end_lr, got start_lr=1.0 >= end_lr=0.5$"):
        check_lr_range(1.0, 0.5, n_groups=3)
    with pytest.raises(ValueError, match=r"^end_lr / start_lr must be a finite number, got 1e\+300 / 1e-300 = inf"):
        check_lr_range(1e-300, 1e300, n_groups=3)


def test_the_check_names_what_is_expected_and_accepts_one_value_for_all_groups():
    assert check_lr_range([1e-7], [1.0], n_groups=3).ratios is None
    assert check_lr_range(slice(1e-9, 1e-7), slice(1e-2, 1.0), n_groups=3).ratios == pytest.approx([0.01, 0.1, 1])
    with pytest.raises(ValueError, match="a slice needs the number of param groups"):
        check_lr_range(slice(1e-9, 1e-7), slice(1e-2, 1.0))


def test_lrwidget_learner_lr_find_takes_per_group_ranges():
    learn = make_learner(n_groups=3)
    learn.lr_find(start_lr=slice(1e-8, 1e-6), end_lr=slice(1e-2, 1.0), num_it=12)
    result = learn.range_test_result
    assert result.group_lr_ratios == pytest.approx([0.01, 0.1, 1.0])
    assert result.lrs[0] == 1e-6 and result.start_lr == 1e-6


def test_torch_backend_passes_the_per_group_range_through():
    model, optimizer = three_groups()
    backend = TorchBackend(model, optimizer, nn.functional.mse_loss, loader())
    result = backend.range_test(start_lr=[1e-9, 1e-8, 1e-7], end_lr=[1e-2, 1e-1, 1.0], num_it=8, stop_div=False,
                                on_point=lambda point: None, cancel=None)
    assert result.group_lr_ratios == pytest.approx([0.01, 0.1, 1.0]) and result.lrs[-1] < 1.0


# ----- fastai: its own lr_find with numpy arrays is the reference -------------------------------------------------
fastai_basics = pytest.importorskip("fastai.basics")
pytest.importorskip("fastai.callback.all")  # adds no_bar, lr_find and the schedulers to the Learner


class RecordGroupLRs(fastai_basics.Callback):
    """Every param group's lr at every training batch, after the LRFinder has set it."""

    order = 65

    def __init__(self):
        self.recorded = []

    def before_batch(self):
        if self.training:
            self.recorded.append([float(h["lr"]) for h in self.learn.opt.hypers])


def fastai_learner(tmp_path):
    from fastai.torch_core import params

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1))
    dataset = make_regression_data(n=256)
    loaders = fastai_basics.DataLoaders(DataLoader(dataset, batch_size=32, shuffle=True),
                                        DataLoader(dataset, batch_size=64))
    return fastai_basics.Learner(loaders, model, loss_func=nn.functional.mse_loss, path=tmp_path,
                                 splitter=lambda m: [params(m[0]), params(m[2]), params(m[4])])


@pytest.mark.parametrize("spec", ["numpy", "slice", "list"])
def test_fastai_backend_curve_is_fastai_lr_find_with_arrays(tmp_path, spec):
    from lrwidget.backends import FastaiBackend

    learn = fastai_learner(tmp_path)
    starts, ends = expanded(SPECS[spec][0]), expanded(SPECS[spec][1])
    recorder = RecordGroupLRs()
    torch.manual_seed(7)
    with learn.no_bar(), learn.added_cbs(recorder):
        learn.lr_find(start_lr=np.array(starts), end_lr=np.array(ends), num_it=30, show_plot=False)
    lrs, losses = [float(x) for x in learn.recorder.lrs], [float(x) for x in learn.recorder.losses]
    fastai_group_lrs, recorder.recorded = recorder.recorded, []

    torch.manual_seed(7)
    with learn.added_cbs(recorder):
        result = FastaiBackend(learn).range_test(start_lr=SPECS[spec][0], end_lr=SPECS[spec][1], num_it=30,
                                                 stop_div=True)
    assert result.lrs == lrs
    np.testing.assert_array_equal(result.losses, losses)
    assert recorder.recorded == fastai_group_lrs  # every group, every batch
    assert result.group_start_lrs == starts and result.group_end_lrs == ends
    for group_lrs in fastai_group_lrs:
        assert [lr / group_lrs[-1] for lr in group_lrs] == pytest.approx(result.group_lr_ratios, rel=1e-12)


def test_fastai_own_lr_find_crashes_on_a_list_and_a_slice(tmp_path):
    """What the README says of fastai: only numpy arrays work there (fastai 2.8)."""
    learn = fastai_learner(tmp_path)
    with learn.no_bar(), pytest.raises(TypeError, match="'list' object is not callable"):
        learn.lr_find(start_lr=[1e-9, 1e-8, 1e-7], end_lr=[1e-2, 1e-1, 1.0], num_it=6, show_plot=False)
    with pytest.raises(TypeError, match="'slice' object is not iterable"):
        learn.lr_find(start_lr=slice(1e-9, 1e-7), end_lr=slice(1e-2, 1.0), num_it=6, show_plot=False)


def test_fastai_widget_hands_each_group_its_tested_ratio(tmp_path):
    from lrwidget import LRWidget

    learn = fastai_learner(tmp_path)
    w = LRWidget(learn, num_it=30, preview=None, start_lr=slice(1e-9, 1e-7), end_lr=slice(1e-1, 10.0))
    w.wait()
    assert w.view.group_lr_ratios == pytest.approx([0.01, 0.1, 1.0])
    w.lr_hi = 1e-2
    recorder = RecordGroupLRs()
    with learn.added_cbs(recorder), learn.no_bar(), learn.no_logging():
        w.fit_one_cycle(1)
    peaks = np.array(recorder.recorded).max(axis=0)
    assert peaks / peaks[-1] == pytest.approx([0.01, 0.1, 1.0], rel=1e-9)
    assert peaks[-1] == pytest.approx(1e-2, rel=0.05)


def test_tensor_lrs_are_filled_per_group_in_place():
    """Capturable/fused optimizers keep lr as a tensor: each group's own tensor gets its own LR, and stays itself."""
    model, _ = three_groups()
    optimizer = torch.optim.Adam([{"params": model[i].parameters(), "lr": torch.tensor(0.01)} for i in (0, 2, 4)])
    tensors = [group["lr"] for group in optimizer.param_groups]
    seen: list[list[float]] = []
    optimizer.register_step_pre_hook(lambda opt, args, kw: seen.append([float(g["lr"]) for g in opt.param_groups]))
    range_test(model, optimizer, nn.functional.mse_loss, loader(), start_lr=[1e-9, 1e-8, 1e-7],
               end_lr=[1e-2, 1e-1, 1.0], num_it=8)
    assert all(group["lr"] is t for group, t in zip(optimizer.param_groups, tensors, strict=True))  # same objects
    assert all(float(t) == pytest.approx(0.01) for t in tensors)
    assert seen[3] == pytest.approx([lo * (hi / lo) ** (3 / 8) for lo, hi in ((1e-9, 1e-2), (1e-8, 1e-1), (1e-7, 1.0))],
                                    rel=1e-6)  # float32 tensors
