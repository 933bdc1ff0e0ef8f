"""The schedule preview is true, not a drawing: its arrays equal the LRs the optimizer gets when the call runs."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader

from lrwidget import Learner, LRWidget
from lrwidget.widget.preview import Throttle

from .conftest import make_regression_data
from .fake_clock import FakeClock
from .test_backends import RecordLRs, fastai_learner, torch_setup


def learner(n_groups: int) -> Learner:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(),
                          nn.Linear(16, 1))
    groups = {1: None,
              2: lambda m: [list(m[0].parameters()) + list(m[1].parameters()) + list(m[3].parameters()),
                            list(m[5].parameters())],
              3: lambda m: [list(m[0].parameters()) + list(m[1].parameters()), list(m[3].parameters()),
                            list(m[5].parameters())]}
    loader = DataLoader(make_regression_data(n=96), batch_size=32, shuffle=True)
    return Learner(model, loader, nn.functional.mse_loss, splitter=groups[n_groups], show_progress=False)


def recorded_lrs(learn: Learner) -> list[list[float]]:
    recorded: list[list[float]] = []
    learn.opt.register_step_pre_hook(lambda opt, args, kwargs: recorded.append([g["lr"] for g in opt.param_groups]))
    return recorded


def preview_lrs(w: LRWidget) -> np.ndarray:
    return np.concatenate([phase.lrs for phase in w.schedule_preview.phases])


@pytest.mark.parametrize("n_groups", [1, 2, 3])
@pytest.mark.parametrize("freeze_epochs", [0, 1])
def test_fine_tune_preview_equals_what_the_optimizer_gets(n_groups, freeze_epochs):
    learn = learner(n_groups)
    w = LRWidget(learn, autostart=False, preview="fine_tune", preview_epochs=2, preview_freeze_epochs=freeze_epochs)
    w.view.set_handles(2e-4 if n_groups > 1 else 3e-3, 3e-3)
    expected = preview_lrs(w)
    recorded = recorded_lrs(learn)
    w.fine_tune(2, freeze_epochs=freeze_epochs)
    assert expected.shape == (len(recorded), n_groups) == ((2 + freeze_epochs) * 3, n_groups)
    np.testing.assert_allclose(np.array(recorded), expected, rtol=1e-6)


@pytest.mark.parametrize("n_groups", [1, 2, 3])
def test_fit_one_cycle_preview_equals_what_the_optimizer_gets(n_groups):
    learn = learner(n_groups)
    w = LRWidget(learn, autostart=False, preview="fit_one_cycle", preview_epochs=3)
    w.view.set_handles(1e-4 if n_groups > 1 else 2e-3, 2e-3)
    expected = preview_lrs(w)
    recorded = recorded_lrs(learn)
    w.fit_one_cycle(3)
    np.testing.assert_allclose(np.array(recorded), expected, rtol=1e-6)


@pytest.mark.parametrize("call", ["fine_tune", "fit_one_cycle"])
def test_fastai_preview_equals_what_fastai_applies(tmp_path, call):
    learn = fastai_learner(tmp_path)
    w = LRWidget(learn, autostart=False, preview=call, preview_epochs=2, preview_freeze_epochs=1)
    w.view.set_handles(1e-4, 4e-3)
    expected = preview_lrs(w)
    recorder = RecordLRs()
    with learn.added_cbs(recorder), learn.no_bar(), learn.no_logging():
        getattr(w, call)(2)
    # fastai's own combined_cos at fastai's own positions: equal, not merely close.
    np.testing.assert_allclose(np.array(recorder.recorded), expected, rtol=1e-6)


def test_the_preview_follows_the_handles_live():
    w = LRWidget(learner(2), autostart=False, preview="fit_one_cycle")
    assert w.schedule_preview.phases == [] and "no learning rate picked yet" in w.schedule_preview.table.value
    w.view.set_handles(1e-4, 1e-2)
    head_before = np.array(w.schedule_preview.training_lines.y)[1].copy()
    w.lr_hi = 2e-2  # what a drag of the hi handle does
    head_after = np.array(w.schedule_preview.training_lines.y)[1]
    np.testing.assert_allclose(head_after, 2 * head_before, rtol=1e-9)  # a one-cycle schedule scales with lr_max
    assert "lr_max=slice(1.00e-04, 2.00e-02)" in w.schedule_preview.call_label.value


def test_frozen_groups_are_drawn_apart_and_the_table_says_so():
    learn = learner(3)
    learn.freeze()
    w = LRWidget(learn, autostart=False)
    assert w.schedule_preview.call == "fine_tune"  # several groups, frozen: the transfer-learning default
    w.view.set_handles(1e-4, 1e-2)
    frozen_phase_steps = w.schedule_preview.phases[0].steps
    frozen_y = np.array(w.schedule_preview.frozen_lines.y)
    assert np.isfinite(frozen_y[0, :frozen_phase_steps]).all()
    # Group 2 trains throughout: it has no frozen line (an all-NaN line would be a console error in bqplot).
    assert w.schedule_preview.frozen_groups == [0, 1] and len(frozen_y) == 2
    table = w.schedule_preview.table.value
    assert table.count("frozen (BN trains)") == 2 and "Linear" in table and "BatchNorm1d" in table
    assert f"{sum(p.numel() for p in learn.layer_groups[0]):,}" in table


def test_defaults_controls_and_bad_values():
    assert LRWidget(learner(2), autostart=False).schedule_preview.call == "fit_one_cycle"  # not frozen
    without = LRWidget(learner(2), autostart=False, preview=None)
    assert without.schedule_preview is None and without.preview is None
    with pytest.raises(RuntimeError, match="no schedule preview"):
        without.preview_epochs = 3
    w = LRWidget(learner(2), autostart=False, preview="fine_tune")
    w.view.set_handles(1e-4, 1e-2)
    w.schedule_preview.epochs_input.value = 4  # the view's small controls
    assert w.schedule_preview.phases[-1].n_epoch == 4
    w.schedule_preview.call_picker.value = "fit_one_cycle"
    assert [phase.name for phase in w.schedule_preview.phases] == ["one cycle"]
    w.preview, w.preview_epochs, w.preview_freeze_epochs = "fine_tune", 3, 0  # and from Python
    assert [(phase.name, phase.n_epoch) for phase in w.schedule_preview.phases] == [("frozen", 0), ("unfrozen", 3)]
    with pytest.raises(ValueError, match="preview must be"):
        w.preview = "fit"
    with pytest.raises(ValueError, match="preview_epochs must be an int >= 0"):
        w.preview_epochs = -1
    with pytest.raises(ValueError, match="preview must be"):
        LRWidget(learner(2), autostart=False, preview="fit")
    model, optimizer, loss_func, loader = torch_setup()
    assert LRWidget.from_torch(model, optimizer, loss_func, loader, autostart=False).schedule_preview is None
    with pytest.raises(ValueError, match="PyTorch has none"):
        LRWidget.from_torch(model, optimizer, loss_func, loader, autostart=False, preview="fine_tune")


def test_unknown_steps_per_epoch_are_said_not_guessed():
    learn = learner(2)
    w = LRWidget(learn, autostart=False, preview="fit_one_cycle")
    w.schedule_preview._steps_per_epoch = None  # a loader without len
    w.view.set_handles(1e-4, 1e-2)
    assert "Steps per epoch are unknown" in w.schedule_preview.table.value and w.schedule_preview.phases == []


def test_a_drag_redraws_the_preview_at_most_ten_times_a_second_and_ends_on_its_last_value():
    w = LRWidget(learner(2), autostart=False, preview="fit_one_cycle")
    w.view.set_handles(1e-4, 1e-2)
    clock = FakeClock()
    w._redraw_preview_during_drag = Throttle(w.schedule_preview.update, clock=clock, call_later=clock.call_later)
    redraws = []
    original = w.schedule_preview._draw
    w.schedule_preview._draw = lambda phases: (redraws.append(clock()), original(phases))
    values = np.geomspace(1e-2, 5e-2, 30)
    for value in values:  # 30 values from the view in 0.3 s, as a fast drag sends them
        w.view.set_state({"lr_hi": float(value)})
        clock.advance(0.01)
    clock.advance(0.3)  # the trailing redraw
    assert 2 <= len(redraws) <= 6
    assert all(later - earlier >= 0.1 - 1e-9 for earlier, later in itertools.pairwise(redraws))
    assert w.lr_hi == values[-1]
    drawn_head = np.array(w.schedule_preview.training_lines.y)[-1]
    phases = w._plan("fit_one_cycle", w.preview_epochs, w.preview_freeze_epochs).phases
    np.testing.assert_allclose(drawn_head, phases[0].lrs[:, -1])  # the last value of the drag is the one drawn
