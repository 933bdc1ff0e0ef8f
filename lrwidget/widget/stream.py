"""The points of a run: a buffer the training thread appends to, and the deltas the publisher sends to the view.

Threading rule: the training thread only calls :meth:`PointStream.add` (an append under a lock, never a message).
The publisher calls :meth:`PointStream.flush` a few times a second and sends only the points the view has not seen,
as binary arrays: float64 learning rates and float32 losses, 16 bytes a point, NaN and inf carried natively. Re-sending
the growing curve would cost O(n²) bytes over a run; deltas keep the total linear.

A run with a validation loss (``valid_every=k``) adds a fourth array, the validation losses (float32, NaN where not
evaluated), to the deltas that hold at least one: the header and the first three arrays stay as they were, so a view
that knows nothing of validation reads the message as before, and a run without validation sends the same bytes.
"""
from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from lrwidget.engine.rangetest import RangeTestPoint, RangeTestResult

Message = dict[str, Any]
#: ``send(content, buffers)``: one custom message to the view.
Send = Callable[[Message, list[bytes]], None]


class Curve(NamedTuple):
    """The points so far, as arrays (read-only views: the buffer only ever appends past them)."""

    lrs: np.ndarray
    losses: np.ndarray
    raw_losses: np.ndarray
    #: the validation losses (NaN where not evaluated), or None for a run without them
    valid_losses: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.lrs)

    @classmethod
    def of_result(cls, result: RangeTestResult) -> Curve:
        """A finished result's curve, with its validation losses when it has them."""
        valid = np.asarray(result.valid_losses, dtype=float) if result.valid_losses else None
        return cls(np.asarray(result.lrs, dtype=float), np.asarray(result.losses, dtype=float),
                   np.asarray(result.raw_losses, dtype=float), valid)


class PointBuffer:
    """Growable float64 arrays of (lr, smoothed loss, raw loss, valid loss), appended by one thread, read by another.

    Appends amortise to O(1) (capacity doubles). A reader gets views of the first ``n`` points; those never change,
    and a reallocation leaves the old arrays (and so the views) intact.
    """

    def __init__(self, capacity: int = 1024) -> None:
        self._lock = threading.Lock()
        self._data = np.empty((4, capacity))
        self._count = 0
        self._has_valid = False

    def append(self, lr: float, smoothed_loss: float, raw_loss: float, valid_loss: float = math.nan) -> None:
        """Adds one point (called by the training thread after every step)."""
        with self._lock:
            if self._count == self._data.shape[1]:
                grown = np.empty((4, 2 * self._count))
                grown[:, : self._count] = self._data
                self._data = grown
            self._data[:, self._count] = (lr, smoothed_loss, raw_loss, valid_loss)
            self._count += 1
            self._has_valid = self._has_valid or not math.isnan(valid_loss)

    def __len__(self) -> int:
        return self._count

    def curve(self, start: int = 0) -> Curve:
        """Points ``start, start+1, …`` recorded so far (views, no copy)."""
        with self._lock:
            data, count, has_valid = self._data, self._count, self._has_valid
        return Curve(data[0, start:count], data[1, start:count], data[2, start:count],
                     data[3, start:count] if has_valid else None)


class PointStream:
    """The current run's points, and how many of them the view has seen.

    Args:
        send: sends one custom message with binary buffers to the view.
    """

    def __init__(self, send: Send) -> None:
        self._send = send
        self._lock = threading.Lock()  # the publisher flushes while the kernel thread may ask for a replay
        self.points = PointBuffer()
        self._sent = 0

    def reset(self) -> None:
        """Forgets every point and tells the view to clear its curve."""
        with self._lock:
            self.points = PointBuffer()
            self._sent = 0
            self._send({"type": "reset"}, [])

    def add(self, point: RangeTestPoint) -> None:
        """Records one point. The training thread's only call: no message, no trait."""
        self.points.append(point.lr, point.smoothed_loss, point.raw_loss, point.valid_loss)

    def curve(self) -> Curve:
        """Every point of the run so far."""
        return self.points.curve()

    def flush(self) -> int:
        """Sends the points the view has not seen yet (if any); returns how many points there are now."""
        with self._lock:
            new = self.points.curve(self._sent)
            if len(new):
                self._send(*points_message(self._sent, new))
                self._sent += len(new)
            return self._sent

    def replay(self) -> None:
        """Sends every point of the run so far (a view that rendered mid-run, or one that missed a delta)."""
        with self._lock:
            curve = self.points.curve()
            self._send(*(points_message(0, curve) if len(curve) else ({"type": "reset"}, [])))
            self._sent = len(curve)


def points_message(start: int, curve: Curve) -> tuple[Message, list[bytes]]:
    """The wire format of points ``start, start+1, …``: a small header and three little-endian arrays, and a fourth
    (the validation losses) when one of these points has one."""
    header = {"type": "points", "start": start, "count": len(curve)}
    series = [curve.losses, curve.raw_losses]
    if curve.valid_losses is not None and not np.isnan(curve.valid_losses).all():
        series.append(curve.valid_losses)
    with np.errstate(over="ignore"):  # a loss beyond float32's range is sent as inf, which the view draws as such
        buffers = [np.ascontiguousarray(curve.lrs, dtype="<f8").tobytes()]
        buffers += [np.ascontiguousarray(values, dtype="<f4").tobytes() for values in series]
    return header, buffers
