"""Streaming volume of LRWidget, measured with a counting comm: bytes per point and messages per second.

    python benchmarks/streaming.py

Prints, for runs of 200 and 800 points, the bytes sent per point (all messages, JSON and binary buffers; and the point
deltas alone) and the largest number of messages inside any one-second window. Deltas keep bytes per point flat as runs
grow; binary float arrays keep the points themselves at 16 bytes plus a small header per message; the publisher's
period keeps messages ≤ 20/s.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lrwidget import LRWidget
from lrwidget.demo import digits_learner
from tests.counting_comm import counting_comms


def measure(num_it: int) -> dict[str, float]:
    learn = digits_learner()
    learn.show_progress = False
    with counting_comms() as log:
        widget = LRWidget(learn, num_it=num_it, end_lr=1e-1, stop_div=False, autostart=False, preview=None)
        log.messages.clear()
        started = time.monotonic()
        widget.run()
        result = widget.wait()
        elapsed = time.monotonic() - started
    points = len(result.lrs)
    point_messages = [m for m in log.messages
                      if m.data.get("method") == "custom" and m.data["content"].get("type") == "points"]
    return {
        "point_bytes_per_point": sum(m.bytes for m in point_messages) / points,
        "points": points,
        "seconds": elapsed,
        "messages": len(log.messages),
        "bytes_per_point": log.total_bytes() / points,
        "max_messages_per_s": log.max_per_second(),
    }


def main() -> None:
    rows = [measure(200), measure(800)]
    print("| points | run (s) | messages | bytes/point, all | bytes/point, point deltas | max messages in 1 s |")
    print("|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print(f"| {row['points']} | {row['seconds']:.1f} | {row['messages']} | {row['bytes_per_point']:.0f} "
              f"| {row['point_bytes_per_point']:.1f} | {row['max_messages_per_s']} |")
    ratio = rows[1]["bytes_per_point"] / rows[0]["bytes_per_point"]
    print(f"\nbytes/point at 800 points ÷ at 200 points: {ratio:.2f} "
          "(1.0 = linear total; re-sending the list would be ~4)")


if __name__ == "__main__":
    main()
