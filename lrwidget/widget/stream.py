"""Buffers range-test points and sends them to the view as deltas, a few times a second.

Re-sending a growing list trait costs O(n²) bytes over a run; sending only the new points keeps the total linear.
The training thread calls :meth:`PointStream.add` after every step; it costs an append unless a flush is due.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from lrwidget.engine.rangetest import RangeTestPoint
from lrwidget.widget.view import json_floats

Message = dict[str, Any]


class PointStream:
    """The points of the current run, with the ones the view has not seen yet.

    Args:
        send: sends one custom message to the view.
        on_flush: called after each flush with the curve so far (``lrs, losses, raw_losses``), e.g. for the markers.
        min_interval_s: at most one flush per interval during a run (0.1 s gives ≤ 10 messages/s).
    """

    def __init__(
        self,
        send: Callable[[Message], None],
        on_flush: Callable[[list[float], list[float], list[float]], None] | None = None,
        min_interval_s: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._send = send
        self._on_flush = on_flush
        self._min_interval_s = min_interval_s
        self._clock = clock
        # The training thread appends while the kernel thread may ask for a replay: one lock guards both.
        self._lock = threading.Lock()
        self.lrs: list[float] = []
        self.losses: list[float] = []
        self.raw_losses: list[float] = []
        self._sent = 0
        self._last_flush = -float("inf")

    def reset(self) -> None:
        """Forgets every point and tells the view to clear its curve."""
        with self._lock:
            self.lrs, self.losses, self.raw_losses = [], [], []
            self._sent = 0
            self._last_flush = -float("inf")
        self._send({"type": "reset"})

    def add(self, point: RangeTestPoint) -> None:
        """Records one point; flushes if the last flush is at least ``min_interval_s`` old."""
        with self._lock:
            self.lrs.append(point.lr)
            self.losses.append(point.smoothed_loss)
            self.raw_losses.append(point.raw_loss)
        if self._clock() - self._last_flush >= self._min_interval_s:
            self.flush()

    def flush(self) -> None:
        """Sends the points the view has not seen yet (if any)."""
        with self._lock:
            start = self._sent
            message = self._message(start)
            self._sent = len(self.lrs)
            self._last_flush = self._clock()
            curve = list(self.lrs), list(self.losses), list(self.raw_losses)
        if message is not None:
            self._send(message)
            if self._on_flush is not None:
                self._on_flush(*curve)

    def replay(self) -> None:
        """Sends every point of the run so far (a view that rendered mid-run, or one that missed a delta)."""
        with self._lock:
            message = self._message(0)
            self._sent = len(self.lrs)
        self._send(message or {"type": "reset"})

    def _message(self, start: int) -> Message | None:
        if start >= len(self.lrs):
            return None
        return {
            "type": "points",
            "start": start,
            "lrs": self.lrs[start:],
            "losses": json_floats(self.losses[start:]),
            "raw_losses": json_floats(self.raw_losses[start:]),
        }
