"""Streaming volume, measured with a counting comm: deltas keep total bytes linear in the number of points, and the
flush rule keeps the message rate at or below 20 per second."""
from __future__ import annotations

import pytest

from lrwidget import LRWidget
from lrwidget.widget.stream import PointStream
from lrwidget.engine.rangetest import RangeTestPoint

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


def test_bytes_grow_linearly_and_messages_stay_below_20_per_second():
    small_log, small = run_and_count(200)
    large_log, large = run_and_count(800)
    small_per_point = small_log.total_bytes() / len(small.lrs)
    large_per_point = large_log.total_bytes() / len(large.lrs)
    # Re-sending the whole list each flush would make the 800-point run cost ~4x more per point.
    assert large_per_point < 1.3 * small_per_point, (small_per_point, large_per_point)
    assert small_log.max_per_second() <= 20 and large_log.max_per_second() <= 20
    points = [m.data for m in large_log.messages if m.data.get("method") == "custom" and m.data["content"]["type"] == "points"]
    assert sum(len(p["content"]["lrs"]) for p in points) == 800  # every point sent exactly once
    assert [p["content"]["start"] for p in points] == sorted(p["content"]["start"] for p in points)


def test_stream_sends_each_point_once_and_replays_all():
    sent, now = [], [0.0]
    stream = PointStream(sent.append, min_interval_s=1.0, clock=lambda: now[0])
    stream.reset()
    for i in range(5):
        now[0] += 0.4
        stream.add(RangeTestPoint(i, 10.0**-i, float("nan") if i == 3 else 1.0, 1.0))
    stream.flush()
    points = [m for m in sent if m["type"] == "points"]
    assert [p["start"] for p in points] == [0, 1, 4]  # flushed at t=0.4 (first), 1.6 (>=1 s later), then the end
    assert sum(len(p["lrs"]) for p in points) == 5
    assert points[1]["raw_losses"][2] is None  # NaN travels as null, never as invalid JSON
    stream.replay()
    assert sent[-1]["start"] == 0 and len(sent[-1]["lrs"]) == 5


def test_replay_before_any_point_resets_the_view():
    sent = []
    stream = PointStream(sent.append)
    stream.replay()
    assert sent == [{"type": "reset"}]
