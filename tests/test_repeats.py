"""Repeated range tests: ``repeated_range_test`` and ``w.run(repeats=n)`` (issue 15, "Uncertainty, shown")."""
from __future__ import annotations

import json
import math
import random
import re
import threading

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader

from lrwidget import Learner, LRWidget
from lrwidget.engine.rangetest import CANCELLED, COMPLETED, DIVERGED, RangeTestPoint, range_test
from lrwidget.engine.repeats import repeated_range_test, run_repeats
from lrwidget.engine.result_io import RunFileError
from lrwidget.suggest import sweetspot
from lrwidget.suggest.markers import DEFAULT_HANDLE_METHOD, marker_suggestions
from lrwidget.suggest.spread import combine_markers, log_median, loss_band, pick_spread
from lrwidget.widget.publisher import SAVED_CURVE_MAX_POINTS
from lrwidget.widget.repeats import RepeatStream, band_state, lr_text

from .conftest import make_mlp, make_regression_data

NUM_IT = 30


class Recorder:
    """A loss function that records each batch's first target and the weights it met at each test's first step."""

    def __init__(self, model: nn.Module, diverge_in_call: int | None = None) -> None:
        self.model, self.diverge_in_call = model, diverge_in_call
        self.targets: list[float] = []
        self.first_weights: list[list[torch.Tensor]] = []
        self.calls = 0

    def __call__(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if self.calls % NUM_IT == 0:
            self.first_weights.append([p.detach().clone() for p in self.model.parameters()])
        repeat = self.calls // NUM_IT
        self.calls += 1
        self.targets.append(float(target[0, 0]))
        loss = nn.functional.mse_loss(pred, target)
        return loss * 1e6 ** (self.calls % NUM_IT) if repeat == self.diverge_in_call else loss

    def orders(self) -> list[list[float]]:
        return [self.targets[k:k + NUM_IT] for k in range(0, len(self.targets), NUM_IT)]


def setup(seed: int = 0, generator: bool = False):
    model = make_mlp(seed=seed)
    loader = DataLoader(make_regression_data(), batch_size=32, shuffle=True,
                        generator=torch.Generator().manual_seed(7) if generator else None)
    return model, torch.optim.Adam(model.parameters(), lr=1e-3), loader


def rng_states(loader: DataLoader | None = None):
    states = [torch.get_rng_state(), random.getstate(), np.random.get_state()[1].copy()]
    if loader is not None and loader.generator is not None:
        states.append(loader.generator.get_state())
    return states


def equal_states(a, b) -> bool:
    return all(torch.equal(x, y) if isinstance(x, torch.Tensor) else np.array_equal(x, y) if isinstance(x, np.ndarray)
               else x == y for x, y in zip(a, b, strict=True))


# ----- the engine -------------------------------------------------------------------------------------------------
def test_each_repeat_starts_from_the_same_snapshot_and_everything_is_restored_after():
    model, optimizer, loader = setup()
    before = [p.detach().clone() for p in model.parameters()]
    recorder = Recorder(model)
    repeated = repeated_range_test(model, optimizer, recorder, loader, repeats=3, num_it=NUM_IT, stop_div=False)
    assert len(repeated.results) == 3 and repeated.stop_reason == COMPLETED
    assert len(recorder.first_weights) == 3
    for weights in recorder.first_weights:
        assert all(torch.equal(w, b) for w, b in zip(weights, before, strict=True))
    assert all(torch.equal(p, b) for p, b in zip(model.parameters(), before, strict=True))
    assert optimizer.state == {} and optimizer.param_groups[0]["lr"] == 1e-3


def test_repeats_draw_different_orders_on_one_schedule_and_the_first_is_a_plain_run():
    model, optimizer, loader = setup()
    torch.manual_seed(3)
    recorder = Recorder(model)
    repeated = repeated_range_test(model, optimizer, recorder, loader, repeats=3, num_it=NUM_IT, stop_div=False)
    orders = recorder.orders()
    assert orders[0] != orders[1] and orders[1] != orders[2] and orders[0] != orders[2]
    assert repeated.results[0].lrs == repeated.results[1].lrs == repeated.results[2].lrs
    assert repeated.results[1].losses != repeated.results[0].losses
    plain_recorder = Recorder(model)
    plain = range_test(model, optimizer, plain_recorder, loader, num_it=NUM_IT, stop_div=False)
    assert plain_recorder.orders()[0] == orders[0] and plain.losses == repeated.results[0].losses
    assert repeated.seeds[0] is None and len(set(repeated.seeds[1:])) == 2


def test_the_users_rngs_and_loader_order_are_untouched():
    model, optimizer, loader = setup(generator=True)
    torch.manual_seed(11)
    random.seed(11)
    np.random.seed(11)
    before = rng_states(loader)
    repeated_range_test(model, optimizer, Recorder(model), loader, repeats=3, num_it=NUM_IT)
    after_repeats = rng_states(loader)
    order_after_repeats = [float(y[0, 0]) for _, y in loader]
    # The same state, and so the same next epoch, as after a plain range test's restore.
    torch.manual_seed(11)
    random.seed(11)
    np.random.seed(11)
    loader.generator.manual_seed(7)
    range_test(model, optimizer, Recorder(model), loader, num_it=NUM_IT)
    assert equal_states(before, after_repeats) and equal_states(rng_states(loader), after_repeats)
    assert [float(y[0, 0]) for _, y in loader] == order_after_repeats


def test_the_same_seeding_gives_the_same_repeats_and_seed_overrides_it():
    model, optimizer, loader = setup()
    runs = []
    for seed in (None, None, 5):
        torch.manual_seed(0)
        runs.append(repeated_range_test(model, optimizer, Recorder(model), loader, repeats=2, num_it=NUM_IT,
                                        seed=seed))
    assert runs[0].results[1].losses == runs[1].results[1].losses
    assert runs[2].results[1].losses != runs[0].results[1].losses


def test_a_divergence_in_one_repeat_does_not_stop_the_others():
    model, optimizer, loader = setup()

    def once(k: int):
        recorder = Recorder(model, diverge_in_call=0 if k == 1 else None)  # only the second repeat blows up
        return range_test(model, optimizer, recorder, loader, num_it=NUM_IT, end_lr=1e-2)

    repeated = run_repeats(once, 3, loaders=[loader])
    assert [r.stop_reason for r in repeated.results] == [COMPLETED, DIVERGED, COMPLETED]
    assert repeated.stop_reason == COMPLETED and len(repeated.results[1].lrs) < NUM_IT


def test_a_stop_ends_the_whole_call_and_restores():
    model, optimizer, loader = setup()
    before = [p.detach().clone() for p in model.parameters()]
    states = rng_states()
    cancel = threading.Event()

    def once(k: int):
        if k == 1:
            cancel.set()  # a Stop pressed during the second repeat
        return range_test(model, optimizer, Recorder(model), loader, num_it=NUM_IT, cancel=cancel)

    repeated = run_repeats(once, 3, loaders=[loader], cancel=cancel)
    assert [r.stop_reason for r in repeated.results] == [COMPLETED, CANCELLED]
    assert repeated.stop_reason == CANCELLED
    assert all(torch.equal(p, b) for p, b in zip(model.parameters(), before, strict=True))
    assert equal_states(states, rng_states())


@pytest.mark.parametrize("repeats", [0, -1, 1.5, True, "3", 101])
def test_bad_repeats_are_refused_before_anything_runs(repeats):
    model, optimizer, loader = setup()
    recorder = Recorder(model)
    with pytest.raises(ValueError, match="repeats must be an integer from 1 to 100"):
        repeated_range_test(model, optimizer, recorder, loader, repeats=repeats, num_it=NUM_IT)
    assert recorder.calls == 0


def test_the_median_pick_is_the_log_space_median_of_the_repeats():
    model, optimizer, loader = setup()
    repeated = repeated_range_test(model, optimizer, Recorder(model), loader, repeats=3, num_it=NUM_IT)
    spread = repeated.picks()
    picks = [r.suggest(sweetspot)[0] for r in repeated.results]
    assert spread.picks == tuple(picks) and spread.median == sorted(picks)[1]
    assert (spread.lo, spread.hi) == (min(picks), max(picks))
    assert repeated.suggest().sweetspot == spread.median


# ----- the pure statistics ----------------------------------------------------------------------------------------
def test_loss_band_is_min_max_and_median_over_the_repeats_that_reached_each_point():
    lrs = [1e-3, 1e-2, 1e-1, 1.0]
    band = loss_band([lrs, lrs[:2], lrs], [[3.0, 2.0, 1.0, 5.0], [1.0, 4.0], [2.0, math.nan, 3.0, 4.0]])
    assert band.lo.tolist() == [1.0, 2.0, 1.0, 4.0] and band.hi.tolist() == [3.0, 4.0, 3.0, 5.0]
    assert band.median.tolist() == [2.0, 3.0, 2.0, 4.5] and band.counts.tolist() == [3, 2, 2, 2]
    quartiles = loss_band([lrs] * 5, [[float(k)] * 4 for k in range(5)], quantiles=(0.25, 0.75))
    assert quartiles.lo.tolist() == [1.0] * 4 and quartiles.hi.tolist() == [3.0] * 4


def test_loss_band_refuses_repeats_of_different_schedules():
    with pytest.raises(ValueError, match="repeat 1 does not share the LR schedule: point 1"):
        loss_band([[1e-3, 1e-2], [1e-3, 2e-2]], [[1.0, 1.0], [1.0, 1.0]])


def test_pick_spread_and_log_median():
    assert log_median([1e-4, 1e-2]) == pytest.approx(1e-3)
    spread = pick_spread([2e-3, 1e-3, 4e-3])
    assert (spread.median, spread.lo, spread.hi, spread.ratio) == (2e-3, 1e-3, 4e-3, 4.0)
    with pytest.raises(ValueError, match="finite values > 0"):
        log_median([1e-3, 0.0])


def test_combined_markers_put_minimum_at_ten_times_its_pick():
    per_repeat = [{"minimum": {"lr": lr, "point": [10 * lr, 1.0], "tip": "t"}} for lr in (1e-3, 4e-3, 2e-3)]
    markers, spreads = combine_markers(per_repeat)
    assert markers["minimum"]["lr"] == pytest.approx(2e-3)
    assert markers["minimum"]["point"][0] == pytest.approx(2e-2) and spreads["minimum"].ratio == pytest.approx(4)


def test_the_band_sent_to_the_view_is_decimated_and_keeps_its_extremes():
    n = 10_000
    lrs = [1e-6 * 10 ** (6 * k / n) for k in range(n)]
    low = np.sin(np.arange(n) / 50.0)
    band = loss_band([lrs, lrs], [low.tolist(), (low + 1).tolist()])
    state = band_state(band)
    assert len(state["lrs"]) <= SAVED_CURVE_MAX_POINTS and state["n_points"] == n
    assert min(state["lo"]) == low.min() and max(state["hi"]) == (low + 1).max()


@pytest.mark.parametrize(("lr", "text"), [(1.2e-3, "1.2e-3"), (2.5e-3, "2.5e-3"), (0.43, "0.43"), (1e-4, "1e-4"),
                                          (12.0, "12")])
def test_lr_text_follows_the_views_house_style(lr, text):
    assert lr_text(lr) == text


# ----- the widget -------------------------------------------------------------------------------------------------
def make_learner(recorder_holder: list, stop_in_call: int | None = None, widget_box: list | None = None) -> Learner:
    model = make_mlp()
    recorder = Recorder(model)
    recorder_holder.append(recorder)

    def loss_func(pred, target):
        if stop_in_call is not None and recorder.calls == stop_in_call and widget_box:
            widget_box[0].stop()  # the Stop, from the test's own thread: it cancels and returns
        return recorder(pred, target)

    return Learner(model, DataLoader(make_regression_data(), batch_size=32, shuffle=True), loss_func,
                   show_progress=False)


def test_run_repeats_keeps_one_run_with_the_median_picks_and_the_band():
    holder: list = []
    learn = make_learner(holder)
    w = LRWidget(learn, num_it=NUM_IT, autostart=False, preview=None)
    w.run(label="three", repeats=3)
    w.wait()
    assert w.status == "done" and [run.label for run in w.runs] == ["three"] and len(w.repeats) == 3
    assert w.runs[0].result is w.repeats[0]
    per_repeat = [marker_suggestions(r.lrs, r.losses, r.num_it, raw_losses=r.raw_losses) for r in w.repeats]
    for name, marker in w.view.suggestions.items():
        picks = [min(max(m[name]["lr"], 1e-7), 10.0) for m in per_repeat if name in m]  # the widget's clamp
        assert marker["lr"] == pytest.approx(log_median(picks), rel=1e-12)
        assert w.view.pick_spread[name]["lo"] == min(picks) and w.view.pick_spread[name]["hi"] == max(picks)
    assert w.lr_hi == w.view.suggestions[DEFAULT_HANDLE_METHOD]["lr"]
    band = w.view.band
    assert band["repeats"] == 3 and band["n_points"] == NUM_IT and len(band["lo"]) == NUM_IT
    assert all(lo <= med <= hi for lo, med, hi in zip(band["lo"], band["median"], band["hi"], strict=True))
    assert w.view.progress["repeat"] == 3 and w.view.progress["repeats"] == 3


def test_the_status_sentence_says_how_far_the_picks_disagree():
    w = LRWidget(make_learner([]), num_it=NUM_IT, autostart=False, preview=None)
    w.run(repeats=3)
    w.wait()
    spread = w.pick_spreads[DEFAULT_HANDLE_METHOD]
    expected = (f"3 repeats: {DEFAULT_HANDLE_METHOD} picks span {spread.ratio:.2g}× "
                f"({lr_text(spread.lo)} – {lr_text(spread.hi)})")
    assert w.view.band["summary"] == expected
    assert re.fullmatch(r"3 repeats: sweetspot picks span [\d.]+× \(\S+ – \S+\)", expected)


def test_the_widgets_repeats_leave_the_users_rngs_untouched():
    w = LRWidget(make_learner([]), num_it=NUM_IT, autostart=False, preview=None)
    torch.manual_seed(5)
    random.seed(5)
    np.random.seed(5)
    before = rng_states()
    w.run(repeats=3)
    w.wait()
    assert equal_states(before, rng_states())


def test_a_plain_run_after_repeats_has_no_band_and_selecting_the_repeats_brings_it_back():
    w = LRWidget(make_learner([]), num_it=NUM_IT, autostart=False, preview=None)
    w.run(repeats=2)
    w.wait()
    summary = w.view.band["summary"]
    w.run()
    w.wait()
    assert w.view.band == {} and w.view.pick_spread == {} and w.repeats == ()
    w.selected_run = 0
    assert w.view.band["summary"] == summary and len(w.repeats) == 2


def test_stop_during_repeats_stops_the_whole_call_and_restores():
    holder: list = []
    box: list = []
    learn = make_learner(holder, stop_in_call=NUM_IT + 5, widget_box=box)
    before = [p.detach().clone() for p in learn.model.parameters()]
    w = LRWidget(learn, num_it=NUM_IT, autostart=False, preview=None)
    box.append(w)
    w.run(repeats=3)
    w.wait()
    assert w.status == "stopped" and len(w.repeats) == 1
    assert holder[0].calls == NUM_IT + 6  # the stop came within the second repeat, and no third ran
    assert w.view.band["summary"].startswith("1 of 3 repeats (stopped)")
    assert all(torch.equal(p, b) for p, b in zip(learn.model.parameters(), before, strict=True))


def test_each_repeat_resets_the_live_curve_and_only_the_publisher_sends():
    sent: list[tuple[str, int]] = []
    stream = RepeatStream(lambda content, buffers: sent.append((content["type"], content.get("start", -1))))
    stream.reset()
    for iteration in range(4):
        stream.add(RangeTestPoint(iteration, 1e-3 * (iteration + 1), 1.0, 1.0))
    assert stream.flush() == 4
    for iteration in range(3):  # the next repeat, appended by the training thread: no message yet
        stream.add(RangeTestPoint(iteration, 1e-3 * (iteration + 1), 2.0, 2.0))
    assert sent == [("reset", -1), ("points", 0)]
    assert stream.flush() == 3 and stream.repeat == 1
    assert sent[2:] == [("reset", -1), ("points", 0)]
    assert stream.curve().losses.tolist() == [2.0, 2.0, 2.0]


def test_bad_repeats_in_the_widget_raise_before_anything_starts():
    w = LRWidget(make_learner([]), num_it=NUM_IT, autostart=False, preview=None)
    with pytest.raises(ValueError, match="repeats must be an integer"):
        w.run(repeats=0)
    assert w.status == "idle" and w.runs == ()


def test_saved_repeats_come_back_with_their_band_and_picks(tmp_path):
    w = LRWidget(make_learner([]), num_it=NUM_IT, autostart=False, preview=None)
    w.run(repeats=3)
    w.wait()
    w.run(label="single")
    w.wait()
    path = tmp_path / "runs.json"
    w.save(path)
    loaded = LRWidget.load(path)
    assert loaded.repeats == () and loaded.view.band == {}
    loaded.selected_run = 0
    w.selected_run = 0
    assert [r.losses for r in loaded.repeats] == [r.losses for r in w.repeats]
    assert loaded.view.band == w.view.band and loaded.view.pick_spread == w.view.pick_spread
    assert loaded.view.suggestions == w.view.suggestions and loaded.lr_hi == w.lr_hi


def test_a_file_whose_repeats_are_not_repeats_of_the_run_is_refused(tmp_path):
    w = LRWidget(make_learner([]), num_it=NUM_IT, autostart=False, preview=None)
    w.run(repeats=2)
    w.wait()
    text = w.save(tmp_path / "runs.json")
    document = json.loads(text)
    document["runs"][0]["view"]["repeats"][0]["lrs"][3] *= 2
    (tmp_path / "bad.json").write_text(json.dumps(document))
    with pytest.raises(RunFileError, match="not repeats of the run: repeat 1 does not share the LR schedule"):
        LRWidget.load(tmp_path / "bad.json")


def test_repeats_run_in_the_foreground_too():
    w = LRWidget(make_learner([]), num_it=NUM_IT, autostart=False, preview=None, mode="foreground")
    w.run(repeats=2)
    assert w.status == "done" and len(w.repeats) == 2 and w.view.band["summary"].startswith("2 repeats: ")
