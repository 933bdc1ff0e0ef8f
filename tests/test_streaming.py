"""Streaming volume, measured with a counting comm: binary deltas keep total bytes linear in the number of points
(16 bytes a point), the publisher keeps the message rate at or below 20 per second, and the training thread sends
nothing."""
from __future__ import annotations

import math
import threading

import numpy as np
import pytest

from lrwidget import LRWidget
from lrwidget.engine.rangetest import RangeTestPoint
from lrwidget.widget.stream import PointBuffer, PointStream

from .counting_comm import counting_comms
from .test_widget import make_learner


def run_and_count(num_it: int):
    with counting_comms() as log:
        # preview=None: this measures the curve's streaming (the preview redraws once a run ends, when handles move)
        w = LRWidget(make_learner(step_delay_s=0.002), num_it=num_it, stop_div=False, end_lr=1e-2, preview=None)
        log.messages.clear()  # count the run itself, not the widget's creation
        result = w.wait()
    assert len(result.lrs) == num_it
    return log, result


def points_messages(log):
    return [m for m in log.messages if m.data.get("method") == "custom" and m.data["content"]["type"] == "points"]


def decode(message) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lrs, losses, raw = message.buffers
    return np.frombuffer(lrs, "<f8"), np.frombuffer(losses, "<f4"), np.frombuffer(raw, "<f4")


def test_bytes_grow_linearly_and_messages_stay_below_20_per_second():
    small_log, small = run_and_count(200)
    large_log, large = run_and_count(800)
    small_per_point = small_log.total_bytes() / len(small.lrs)
    large_per_point = large_log.total_bytes() / len(large.lrs)
    # Re-sending the whole list each flush would make the 800-point run cost ~4x more per point.
    assert large_per_point < 1.3 * small_per_point, (small_per_point, large_per_point)
    assert small_log.max_per_second() <= 20 and large_log.max_per_second() <= 20
    points = points_messages(large_log)
    assert sum(p.data["content"]["count"] for p in points) == 800  # every point sent exactly once
    assert [p.data["content"]["start"] for p in points] == sorted(p.data["content"]["start"] for p in points)
    sent_lrs = np.concatenate([decode(p)[0] for p in points])
    np.testing.assert_array_equal(sent_lrs, large.lrs)  # float64 on the wire: the exact learning rates


def test_points_cost_at_most_30_bytes_each_on_the_wire():
    log, result = run_and_count(800)
    point_bytes = sum(m.bytes for m in points_messages(log))
    assert point_bytes / len(result.lrs) <= 30, point_bytes / len(result.lrs)


def test_the_training_thread_never_sends_or_sets_state():
    senders: set[str] = set()
    with counting_comms() as log:
        w = LRWidget(make_learner(step_delay_s=0.002), num_it=150, stop_div=False, end_lr=1e-2, preview=None)
        original = w.view.send_state, w.view.send
        w.view.send_state = lambda *a, **k: (senders.add(threading.current_thread().name), original[0](*a, **k))[1]
        w.view.send = lambda *a, **k: (senders.add(threading.current_thread().name), original[1](*a, **k))[1]
        w.wait()
    assert log.messages and "lrwidget-range-test" not in senders, senders
    assert "lrwidget-publisher" in senders


def test_stream_sends_each_point_once_and_replays_all():
    sent = []
    stream = PointStream(lambda content, buffers: sent.append((content, buffers)))
    stream.reset()
    for i in range(5):
        stream.add(RangeTestPoint(i, 10.0**-i, float("nan") if i == 3 else 1.0, 1.0))
        if i in (0, 3):
            stream.flush()
    stream.flush()
    stream.flush()  # nothing new: no message
    points = [(content, buffers) for content, buffers in sent if content["type"] == "points"]
    assert [(content["start"], content["count"]) for content, _ in points] == [(0, 1), (1, 3), (4, 1)]
    raw = np.frombuffer(points[1][1][2], "<f4")
    assert math.isnan(raw[2])  # NaN travels as itself, never as invalid JSON
    stream.replay()
    content, buffers = sent[-1]
    assert (content["start"], content["count"]) == (0, 5)
    np.testing.assert_array_equal(np.frombuffer(buffers[0], "<f8"), [10.0**-i for i in range(5)])


def test_replay_before_any_point_resets_the_view():
    sent = []
    stream = PointStream(lambda content, buffers: sent.append(content))
    stream.replay()
    assert sent == [{"type": "reset"}]


def test_point_buffer_views_survive_growth():
    buffer = PointBuffer(capacity=2)
    buffer.append(1.0, 2.0, 3.0)
    early = buffer.curve()
    for i in range(100):
        buffer.append(float(i), 0.0, 0.0)
    assert early.lrs.tolist() == [1.0] and len(buffer) == 101 and len(buffer.curve(100)) == 1


@pytest.mark.parametrize("huge", [1e300, float("inf")])
def test_a_loss_too_large_for_float32_arrives_as_inf(huge):
    sent = []
    stream = PointStream(lambda content, buffers: sent.append(buffers))
    stream.add(RangeTestPoint(0, 1e-3, huge, huge))
    stream.flush()
    assert np.isinf(np.frombuffer(sent[-1][2], "<f4")[0])
