"""Runs kept by LRWidget: labels and settings, added runs, selection, visibility, save and load, to_svg."""
from __future__ import annotations

import json
import math
import struct
import time
import xml.etree.ElementTree as ElementTree
from datetime import UTC, datetime

import numpy as np
import pytest
import torch

from lrwidget import LRWidget, RangeTestResult, Run
from lrwidget.engine.result_io import RunFileError
from lrwidget.widget.no_learner import NoLearnerError
from lrwidget.widget.publisher import SAVED_CURVE_MAX_POINTS, saved_curve
from lrwidget.widget.stream import Curve

from .test_widget import make_learner


def bits(values: list[float]) -> list[int]:
    return [struct.unpack("<Q", struct.pack("<d", value))[0] for value in values]


def synthetic_result(n: int = 200, start_lr: float = 1e-6, end_lr: float = 1.0, dip: float = 0.3) -> RangeTestResult:
    """A valley-shaped curve (a NaN in the raw losses) with its own LR range, made without training."""
    lrs = [start_lr * (end_lr / start_lr) ** (k / n) for k in range(n)]
    x = np.linspace(0, 1, n)
    losses = (1 + 4 * (x - dip) ** 2).tolist()
    raw = [loss + 0.01 * math.sin(k) for k, loss in enumerate(losses)]
    raw[5] = math.nan
    return RangeTestResult(lrs=lrs, losses=losses, raw_losses=raw, num_it=n, start_lr=start_lr, end_lr=end_lr)


@pytest.fixture
def two_runs() -> tuple[LRWidget, object]:
    """The fastai flow on an lrwidget.Learner: a frozen test, the head trained, unfrozen, tested again."""
    learn = make_learner()
    learn.freeze()
    w = LRWidget(learn, num_it=40, preview=None)
    w.wait()
    w.fit_one_cycle(1)
    learn.unfreeze()
    w.run()
    w.wait()
    return w, learn


# ----- runs kept ----------------------------------------------------------------------------------------------------
def test_every_test_the_widget_runs_is_kept_with_its_label_and_settings(two_runs):
    w, _ = two_runs
    frozen, unfrozen = w.runs
    assert [frozen.label, unfrozen.label] == ["frozen", "unfrozen"]
    assert frozen.settings.frozen_groups == 1 and unfrozen.settings.frozen_groups == 0
    for run in w.runs:
        assert run.settings.n_groups == 2 and run.settings.batch_size == 32 and run.settings.stop_div is True
        assert run.settings.learner == "lrwidget.Learner"
        assert (run.start_lr, run.end_lr, run.num_it) == (1e-7, 10.0, 40)
        assert run.ran_at is not None and run.ran_at.tzinfo is not None
        assert abs((datetime.now(UTC) - run.ran_at).total_seconds()) < 300
        assert run.versions["lrwidget"] and run.versions["torch"] == str(torch.__version__)
    assert frozen.ran_at <= unfrozen.ran_at
    assert unfrozen.result is w.result and w.selected_run is unfrozen  # the latest is selected


def test_run_takes_a_label_made_unique_and_refuses_a_bad_one_before_starting():
    w = LRWidget(make_learner(n_groups=1), num_it=20, autostart=False, preview=None)
    w.run(label="baseline")
    w.wait()
    w.run(label="baseline")
    w.wait()
    w.run()
    w.wait()
    assert [run.label for run in w.runs] == ["baseline", "baseline (2)", "run 3"]
    with pytest.raises(ValueError, match="label must be a non-empty string"):
        w.run(label="  ")
    assert len(w.runs) == 3 and w.status == "done"


def test_a_stopped_run_is_kept_and_a_failed_one_is_not():
    w = LRWidget(make_learner(step_delay_s=0.01), num_it=200, preview=None)
    time.sleep(0.3)
    w.stop()
    assert [run.stop_reason for run in w.runs] == ["cancelled"]
    w.learn.loss_func = lambda pred, target: (_ for _ in ()).throw(RuntimeError("injected failure"))
    w.run()
    with pytest.raises(RuntimeError, match="injected failure"):
        w.wait()
    assert len(w.runs) == 1 and w.selected_run is None and w.view.selected_run == ""


def test_the_view_gets_each_run_once_with_a_fixed_colour_and_a_bounded_curve():
    w = LRWidget(make_learner(), num_it=30, autostart=False, preview=None)
    long_result = synthetic_result(n=3 * SAVED_CURVE_MAX_POINTS)
    w.add_run(long_result, label="long")
    w.add_run(synthetic_result(), label="short")
    sent = []
    w.view.observe(lambda change: sent.append(change["name"]), names=["run_curves", "runs"])
    w.set_run_visible("long", False)
    w.selected_run = 0
    w.set_run_visible("long", True)
    assert sent == []  # toggles and selections never re-send the curves
    assert [(entry["id"], entry["label"], entry["color_index"]) for entry in w.view.runs] == [
        ("run-1", "long", 0), ("run-2", "short", 1)]
    curve = w.view.run_curves["run-1"]
    assert curve["n_points"] == len(long_result.lrs) and len(curve["lrs"]) <= SAVED_CURVE_MAX_POINTS
    assert curve["raw_losses"] == saved_curve(Curve(*(np.asarray(v) for v in (
        long_result.lrs, long_result.losses, long_result.raw_losses))))["raw_losses"]
    assert w.view.run_curves["run-2"]["raw_losses"][5] is None  # NaN as null, as in the curve trait
    json.dumps([w.view.runs, w.view.run_curves], allow_nan=False)  # what the comm sends: standard JSON


# ----- adding runs --------------------------------------------------------------------------------------------------
def test_add_run_from_a_result_a_file_another_widget_and_a_run(tmp_path, two_runs):
    other, _ = two_runs
    w = LRWidget(make_learner(), num_it=30, autostart=False, preview=None)
    result = synthetic_result()
    added = w.add_run(result, label="from a script")
    assert added.result is result and w.selected_run is added
    path = tmp_path / "one.json"
    result.to_json(path)
    w.add_run(path, label="from a file")
    w.add_run(other)  # its selected run
    w.add_run(other.runs[0], label="their frozen")
    assert [run.label for run in w.runs] == ["from a script", "from a file", "unfrozen", "their frozen"]
    assert bits(w.runs[1].result.raw_losses[6:]) == bits(result.raw_losses[6:]) and math.isnan(
        w.runs[1].result.raw_losses[5])
    assert w.runs[2].settings == other.runs[1].settings
    other.save(tmp_path / "both.json")
    w.add_run(tmp_path / "both.json")  # every run in the file, each with its label (made unique)
    assert [run.label for run in w.runs][-2:] == ["frozen", "unfrozen (2)"]


def test_add_run_refuses_what_it_cannot_add(tmp_path, two_runs):
    other, _ = two_runs
    w = LRWidget(make_learner(), num_it=30, autostart=False, preview=None)
    with pytest.raises(TypeError, match="add_run takes a RangeTestResult, a Run, another LRWidget or the path"):
        w.add_run([1, 2, 3])
    other.save(tmp_path / "both.json")
    with pytest.raises(ValueError, match="holds 2 runs; label names one run"):
        w.add_run(tmp_path / "both.json", label="x")
    (tmp_path / "bad.json").write_text('{"format": "lrwidget-runs", "format_version": 99}', encoding="utf-8")
    with pytest.raises(RunFileError, match="format version 99"):
        w.add_run(tmp_path / "bad.json")
    with pytest.raises(ValueError, match="run 'upside down' cannot be shown: start_lr must be below end_lr"):
        w.add_run(synthetic_result(start_lr=1.0, end_lr=1e-3), label="upside down")
    with pytest.raises(ValueError, match="no run to add yet"):
        w.add_run(LRWidget(make_learner(), autostart=False, preview=None))
    assert w.runs == ()


def test_adding_or_selecting_is_refused_while_a_test_runs():
    w = LRWidget(make_learner(step_delay_s=0.01), num_it=200, autostart=False, preview=None)
    w.add_run(synthetic_result(), label="earlier")
    w.run()
    with pytest.raises(RuntimeError, match="add_run refused: a range test is running"):
        w.add_run(synthetic_result())
    with pytest.raises(RuntimeError, match="selecting a run refused"):
        w.selected_run = 0
    w.view.set_state({"selected_run": "run-1"})  # the page's pick snaps back: the live run is shown
    assert w.view.selected_run == ""
    w.stop()
    assert [run.label for run in w.runs] == ["earlier", "unfrozen"]


# ----- selection --------------------------------------------------------------------------------------------------
def test_the_markers_and_handles_follow_the_selected_run_and_each_keeps_its_handles():
    learn = make_learner()
    learn.freeze()
    w = LRWidget(learn, num_it=40)  # the fine_tune preview: its sweetspot
    w.wait()
    frozen_markers, frozen_handles = w.view.suggestions, (w.lr_lo, w.lr_hi)
    learn.unfreeze()
    w.run()
    w.wait()
    assert w.view.suggestions != frozen_markers
    w.lr = slice(1e-5, 1e-3)  # on the unfrozen run
    w.selected_run = "frozen"
    frozen, unfrozen = w.runs
    assert w.view.curve["lrs"] == frozen.result.lrs and w.view.curve["losses"] == frozen.result.losses
    assert w.view.suggestions == frozen_markers and (w.lr_lo, w.lr_hi) == frozen_handles
    assert w.view.selected_run == "run-1" and w.selected_run is frozen
    assert (w.view.progress["stop_reason"], w.view.progress["iteration"]) == (frozen.stop_reason,
                                                                             len(frozen.result.lrs))
    w.selected_run = -1
    assert w.lr == slice(1e-5, 1e-3) and w.view.curve["lrs"] == unfrozen.result.lrs


def test_a_pick_in_the_page_selects_and_an_unknown_id_is_refused(two_runs):
    w, _ = two_runs
    w.view.set_state({"selected_run": "run-1"})
    assert w.selected_run is w.runs[0] and w.view.curve["lrs"] == w.runs[0].result.lrs
    w.view.set_state({"selected_run": "run-9"})
    assert w.view.selected_run == "run-1"
    w.view.set_state({"hidden_runs": ["run-2"]})
    assert w.view.hidden_runs == ["run-2"]
    w.view.set_state({"hidden_runs": ["nope"]})
    assert w.view.hidden_runs == ["run-2"]
    w.view.set_state({"runs": []})  # Python's alone
    assert len(w.view.runs) == 2


def test_a_run_with_its_own_range_moves_the_view_range_and_a_new_test_restores_the_widgets(tmp_path):
    w = LRWidget(make_learner(), num_it=20, autostart=False, preview=None)
    w.add_run(synthetic_result(start_lr=1e-4, end_lr=1e-1), label="narrow")
    assert (w.view.start_lr, w.view.end_lr, w.view.num_it) == (1e-4, 1e-1, 200)
    assert 1e-4 <= w.lr_lo <= w.lr_hi <= 1e-1
    with pytest.raises(ValueError, match="outside the tested range"):
        w.lr_hi = 1.0
    w.run()
    w.wait()
    assert (w.view.start_lr, w.view.end_lr, w.view.num_it) == (1e-7, 10.0, 20)
    assert w.selected_run.label == "unfrozen"


def test_handles_outside_the_widgets_own_range_give_way_to_the_new_runs_defaults():
    w = LRWidget(make_learner(n_groups=1), num_it=30, autostart=False, preview=None)
    w.add_run(synthetic_result(start_lr=1e-2, end_lr=100.0), label="wide")
    w.lr_hi = 50.0  # moved by the user, but outside the 1e-7..10 that the widget's own test covers
    w.run()
    w.wait()
    assert w.lr_hi is not None and 1e-7 <= w.lr_hi <= 10.0
    w.selected_run = "wide"
    assert w.lr_hi == 50.0  # still that run's handle


def test_the_static_picture_and_to_svg_draw_the_selected_run(tmp_path, two_runs):
    w, _ = two_runs
    w.lr = slice(2e-5, 2e-3)
    svg = w.to_svg(tmp_path / "chart.svg")
    assert (tmp_path / "chart.svg").read_text(encoding="utf-8") == svg
    root = ElementTree.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "unfrozen · range test" in svg and "hi 0.002" in svg and "lo 2.0e-5" in svg
    w.selected_run = "frozen"
    assert "frozen · range test" in w.to_svg() and "hi 0.002" not in w.to_svg()
    assert w._repr_mimebundle_()["image/svg+xml"] != svg


# ----- save and load ------------------------------------------------------------------------------------------------
def test_save_and_load_give_a_read_only_widget_with_the_same_runs_bit_for_bit(tmp_path, two_runs):
    w, _ = two_runs
    w.lr = slice(1e-5, 1e-3)
    w.set_run_visible("frozen", False)
    w.selected_run = "frozen"
    text = w.save(tmp_path / "runs.json")
    assert json.loads(text)["selected"] == 0
    loaded = LRWidget.load(tmp_path / "runs.json")
    assert loaded.read_only and loaded.view.read_only and not w.read_only
    assert [run.label for run in loaded.runs] == ["frozen", "unfrozen"]
    for saved, original in zip(loaded.runs, w.runs, strict=True):
        assert saved.settings == original.settings and saved.ran_at == original.ran_at
        for name in ("lrs", "losses", "raw_losses"):
            assert bits(getattr(saved.result, name)) == bits(getattr(original.result, name))
    assert loaded.selected_run.label == "frozen" and loaded.view.hidden_runs == ["run-1"]
    assert loaded.view.status == "done" and loaded.view.curve == w.view.curve
    assert (loaded.lr_lo, loaded.lr_hi) == (w.lr_lo, w.lr_hi)
    loaded.selected_run = "unfrozen"
    assert loaded.lr == slice(1e-5, 1e-3)  # each run's handles were saved


def test_a_loaded_widget_refuses_to_run_or_train_but_its_handles_hand_back_lrs(tmp_path, two_runs):
    w, _ = two_runs
    w.save(tmp_path / "runs.json")
    loaded = LRWidget.load(tmp_path / "runs.json")
    with pytest.raises(NoLearnerError, match="shows saved runs only: it has no learner"):
        loaded.run()
    loaded.view._dispatch_message(loaded.view, {"type": "run"}, [])  # the page's Run button
    assert "no learner" in loaded.notice and loaded.status == "done" and len(loaded.runs) == 2
    with pytest.raises(TypeError, match="fine_tune needs a learner"):
        loaded.fine_tune(1)
    loaded.lr = slice(1e-4, 1e-2)
    optimizer = torch.optim.SGD([{"params": [torch.zeros(1)]}, {"params": [torch.zeros(1)]}], lr=0.1)
    assert loaded.apply_to(optimizer) == [1e-4, 1e-2]
    assert loaded.view.n_groups == 2 and isinstance(loaded.lr, slice)
    loaded.close()


def test_load_of_a_one_result_file_and_of_a_file_that_is_not_one(tmp_path):
    result = synthetic_result()
    result.to_json(tmp_path / "r.json")
    loaded = LRWidget.load(tmp_path / "r.json")
    assert [run.label for run in loaded.runs] == ["run 1"] and loaded.selected_run.result.lrs == result.lrs
    assert loaded.lr_hi is not None and isinstance(loaded.lr, float)  # settings unknown: one group
    (tmp_path / "empty.json").write_text('{"format": "lrwidget-runs", "format_version": 1, "runs": []}',
                                         encoding="utf-8")
    with pytest.raises(RunFileError, match="holds no runs"):
        LRWidget.load(tmp_path / "empty.json")
    assert isinstance(loaded.runs[0], Run)


def test_the_fastai_flow_is_two_calls_after_the_first_test(tmp_path):
    fastai_basics = pytest.importorskip("fastai.basics", reason="fastai is a test dependency")
    from fastai.torch_core import params
    from torch.utils.data import DataLoader

    from .conftest import make_mlp, make_regression_data

    dataset = make_regression_data(n=256)
    loaders = fastai_basics.DataLoaders(DataLoader(dataset, batch_size=32, shuffle=True),
                                        DataLoader(dataset, batch_size=64))
    model = make_mlp(batchnorm=False)
    learn = fastai_basics.Learner(loaders, model, loss_func=torch.nn.functional.mse_loss, path=tmp_path,
                                  splitter=lambda m: [params(m[0]), params(m[3])])
    learn.freeze()
    w = LRWidget(learn, num_it=30, preview=None)  # lr_find, frozen
    w.wait()
    w.fit_one_cycle(1)                            # the head
    learn.unfreeze()
    w.run()                                       # lr_find again, kept beside the first
    w.wait()
    assert [(run.label, run.settings.frozen_groups, run.settings.learner) for run in w.runs] == [
        ("frozen", 1, "fastai Learner"), ("unfrozen", 0, "fastai Learner")]
    assert w.runs[0].settings.batch_size == 32 and "fastai" in w.runs[0].versions
