"""THE plan of a training call, and the Backend protocol that hands it around: declared, checked, and one currency."""
from __future__ import annotations

import ast
import threading
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lrwidget import LRWidget
from lrwidget.backends import Backend, LearnerBackend, backend_for
from lrwidget.engine.rangetest import RangeTestResult
from lrwidget.train.learner import Learner
from lrwidget.train.plan import TRAINING_CALLS, GroupSummary, Plan, TrainingCall
from lrwidget.widget.preview import call_text

from .learner_helpers import make_learner

WIDGET_MODULES = sorted((Path(__file__).resolve().parents[1] / "lrwidget" / "widget").glob("*.py"))


class RecordingBackend:
    """A backend of one's own, with no lrwidget base class: a Learner's, recording each call it is asked to make."""

    kind = "recording"
    calls = TRAINING_CALLS

    def __init__(self, learn: Learner) -> None:
        self.inner = LearnerBackend(learn)
        self.made: list[TrainingCall] = []

    n_groups = property(lambda self: self.inner.n_groups)
    frozen_groups = property(lambda self: self.inner.frozen_groups)
    steps_per_epoch = property(lambda self: self.inner.steps_per_epoch)

    def group_summaries(self) -> list[GroupSummary]:
        return self.inner.group_summaries()

    def range_test(self, **kwargs: Any) -> RangeTestResult:
        return self.inner.range_test(**kwargs)

    def lease(self, owner: threading.Thread) -> AbstractContextManager[None]:
        return self.inner.lease(owner)

    def plan(self, call: TrainingCall) -> Plan[Any]:
        return self.inner.plan(call)

    def train(self, call: TrainingCall) -> Any:
        self.made.append(call)
        return self.inner.train(call)


def test_a_training_call_is_made_as_written():
    made = []

    class Learn:
        def fit_one_cycle(self, n_epoch, **kwargs):
            made.append((n_epoch, kwargs))
            return "done"

    call = TrainingCall("fit_one_cycle", 3, {"lr_max": slice(1e-4, 1e-2), "pct_start": 0.5})
    assert call.make(Learn()) == "done"
    assert made == [(3, {"lr_max": slice(1e-4, 1e-2), "pct_start": 0.5})]
    with pytest.raises(TypeError):
        call.kwargs["lr_max"] = 1.0  # a plan's call cannot change under it
    with pytest.raises(ValueError, match=r"a training call is one of .*'fit'"):
        TrainingCall("fit", 1)  # type: ignore[arg-type]


def test_the_hand_off_makes_exactly_the_call_the_preview_shows():
    backend = RecordingBackend(make_learner(2))
    w = LRWidget(backend, autostart=False, preview="fine_tune", preview_epochs=2, preview_freeze_epochs=0)
    assert w._backend is backend  # backend_for takes anything that has the protocol, not three known classes
    w.view.set_handles(1e-4, 4e-3)
    previewed = w._plan("fine_tune", 2, 0).call
    w.fine_tune(2, freeze_epochs=0)
    assert backend.made == [previewed]
    assert (previewed.name, previewed.epochs, list(previewed.kwargs)) == ("fine_tune", 2,
                                                                          ["base_lr", "lr_mult", "freeze_epochs"])
    assert previewed.kwargs["lr_mult"] == pytest.approx(40)
    assert w.schedule_preview.call_label.value == call_text(previewed)


def test_with_one_group_fine_tune_keeps_the_learners_lr_mult_and_the_label_says_so():
    backend = RecordingBackend(make_learner(1))
    w = LRWidget(backend, autostart=False, preview="fine_tune")
    w.view.set_handles(3e-3, 3e-3)
    assert "lr_mult" not in w.schedule_preview.call_label.value  # it is not passed, so it is not shown
    w.fine_tune(0, freeze_epochs=0)
    assert dict(backend.made[0].kwargs) == {"base_lr": 3e-3, "freeze_epochs": 0}


def test_backend_for_refuses_an_object_with_part_of_the_protocol():
    class HalfABackend:
        kind = "half"

        def range_test(self, **kwargs: Any) -> None:
            pass

    with pytest.raises(TypeError, match=r"cannot drive a .*HalfABackend"):
        backend_for(HalfABackend())


def _protocol_members() -> set[str]:
    return {name for name in vars(Backend) if not name.startswith("_")} | set(Backend.__annotations__)


def test_the_widget_uses_only_what_the_protocol_declares_and_probes_nothing():
    tree = ast.Module(body=[node for path in WIDGET_MODULES for node in ast.parse(path.read_text()).body],
                      type_ignores=[])
    used = {node.attr for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute)
            and node.value.attr == "_backend"}
    assert used and used <= _protocol_members(), sorted(used - _protocol_members())
    probes = [node for node in ast.walk(tree)
              if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "hasattr"
              and "_backend" in ast.unparse(node)]
    assert not probes, [ast.unparse(node) for node in probes]


def test_fit_one_cycle_keeps_the_freezing_it_finds():
    learn = make_learner(3)
    learn.freeze()
    plan = learn.plan_one_cycle(1, 1e-2)
    (phase,) = plan.phases
    assert (phase.name, phase.freeze_to, phase.frozen_groups) == ("one cycle", None, 2)
    assert [phase.trains(group) for group in range(3)] == [False, False, True]
    learn.fit_one_cycle(1, 1e-2)
    assert learn.n_frozen == 2


def test_the_fine_tune_plan_freezes_then_unfreezes():
    plan = make_learner(3).plan_fine_tune(1, base_lr=4e-3, freeze_epochs=1)
    assert [(phase.freeze_to, phase.frozen_groups) for phase in plan.phases] == [(-1, 2), (0, 0)]
    assert plan.call == TrainingCall("fine_tune", 1, dict(base_lr=4e-3, freeze_epochs=1, lr_mult=100, pct_start=0.3,
                                                          div=5.0, div_final=1e5, moms=(0.95, 0.85, 0.95)))


def test_a_fastai_plans_momentum_is_what_fastai_applies(tmp_path):
    pytest.importorskip("fastai.callback.all")
    from fastai.callback.core import Callback

    from .test_backends import fastai_learner

    class RecordMoms(Callback):
        order = 65  # after the ParamScheduler has set this batch's hypers

        def __init__(self) -> None:
            self.recorded: list[list[float]] = []

        def before_batch(self) -> None:
            if self.training:
                self.recorded.append([hyper["mom"] for hyper in self.learn.opt.hypers])

    learn = fastai_learner(tmp_path)
    call = TrainingCall("fit_one_cycle", 2, {"lr_max": slice(1e-4, 4e-3), "moms": (0.9, 0.8, 0.85)})
    plan = backend_for(learn).plan(call)
    recorder = RecordMoms()
    with learn.added_cbs(recorder), learn.no_bar(), learn.no_logging():
        call.make(learn)
    assert plan.momentums().shape == (2 * len(learn.dls.train), 2)
    np.testing.assert_allclose(np.array(recorder.recorded), plan.momentums(), rtol=1e-6)
