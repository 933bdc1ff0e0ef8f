"""While ``w.run(repeats=n)`` runs, the band of the repeats finished so far is drawn under the current one."""
from __future__ import annotations

import time

import numpy as np
import pytest
from torch import nn
from torch.utils.data import DataLoader

from lrwidget import Learner, LRWidget
from lrwidget.engine.rangetest import RangeTestPoint
from lrwidget.widget.repeats import RepeatStream
from lrwidget.widget.static_picture import shown_band

from .conftest import make_mlp, make_regression_data

NUM_IT = 30


def test_the_stream_keeps_each_finished_repeat_once_the_next_one_is_shown() -> None:
    stream = RepeatStream(lambda content, buffers: None)
    stream.reset()
    for repeat in range(3):
        for iteration in range(4):
            stream.add(RangeTestPoint(iteration, 1e-3 * (iteration + 1), float(repeat), float(repeat)))
        if repeat == 0:
            stream.flush()
    assert stream.finished == []  # repeats 2 and 3 began since the last flush
    stream.flush()  # one flush sees both: the first two are finished, the third is shown
    assert [buffer.curve().losses.tolist() for buffer in stream.finished] == [[0.0] * 4, [1.0] * 4]
    assert stream.repeat == 2 and stream.curve().losses.tolist() == [2.0] * 4
    stream.reset()
    assert stream.finished == []


def test_the_live_band_grows_with_each_finished_repeat_and_the_final_band_replaces_it() -> None:
    model = make_mlp()
    widget: list[LRWidget] = []
    seen: list[dict] = []
    calls = 0

    def loss_func(pred, target):
        nonlocal calls
        calls += 1
        if calls in (NUM_IT + 5, 2 * NUM_IT + 5):  # a few steps into the second and the third repeat
            finished = calls // NUM_IT
            deadline = time.monotonic() + 20  # the publisher thread sets it within a tick or two
            while widget[0].view.band.get("repeats") != finished and time.monotonic() < deadline:
                time.sleep(0.01)
            seen.append(dict(widget[0].view.band))
        return nn.functional.mse_loss(pred, target)

    learn = Learner(model, DataLoader(make_regression_data(), batch_size=32, shuffle=True), loss_func,
                    show_progress=False)
    w = LRWidget(learn, num_it=NUM_IT, autostart=False, preview=None)
    widget.append(w)
    w.run(repeats=3)
    w.wait(timeout=120)
    assert w.status == "done" and len(w.repeats) == 3
    assert [(band["repeats"], band["live"], band["summary"]) for band in seen] == [(1, True, ""), (2, True, "")]
    first, second = (np.asarray(r.losses) for r in w.repeats[:2])
    assert seen[0]["lo"] == pytest.approx(first.tolist()) and seen[0]["hi"] == pytest.approx(first.tolist())
    assert seen[1]["lo"] == pytest.approx(np.minimum(first, second).tolist())
    assert seen[1]["hi"] == pytest.approx(np.maximum(first, second).tolist())
    final = w.view.band
    assert "live" not in final and final["repeats"] == 3 and final["summary"].startswith("3 repeats: ")


def test_the_picture_draws_the_live_band_only_while_its_call_runs() -> None:
    live, final = {"lrs": [1e-3], "lo": [1.0], "hi": [2.0], "live": True}, {"lrs": [1e-3], "lo": [1.0], "hi": [2.0]}
    assert shown_band(live, running=True) is live and shown_band(final, running=False) is final
    assert shown_band(final, running=True) is None, "a finished band belongs to the run shown before"
    assert shown_band(live, running=False) is None, "a live band left by a call that failed"
    assert shown_band({}, running=False) is None and shown_band(None, running=True) is None
