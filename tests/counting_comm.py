"""A comm that counts what a widget sends (messages, JSON and buffer bytes, times), for streaming tests and
benchmarks."""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import comm
from comm.base_comm import BaseComm


@dataclass
class SentMessage:
    time: float
    bytes: int
    data: Any
    buffers: list[bytes] = field(default_factory=list)


@dataclass
class CommLog:
    """Every comm_msg sent by widgets created while :func:`counting_comms` is active."""

    messages: list[SentMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def total_bytes(self) -> int:
        return sum(message.bytes for message in self.messages)

    def max_per_second(self) -> int:
        """The largest number of messages inside any one-second window."""
        times = sorted(message.time for message in self.messages)
        start, best = 0, 0
        for end, t in enumerate(times):
            while t - times[start] >= 1.0:
                start += 1
            best = max(best, end - start + 1)
        return best


class CountingComm(BaseComm):
    def __init__(self, log: CommLog, **kwargs: Any) -> None:
        self.log = log
        super().__init__(**kwargs)

    def publish_msg(self, msg_type: str, data: Any = None, metadata: Any = None, buffers: Any = None,
                    **keys: Any) -> None:
        if msg_type != "comm_msg":
            return
        size = len(json.dumps(data, allow_nan=False)) + sum(len(b) for b in buffers or ())
        with self.log.lock:
            self.log.messages.append(SentMessage(time.monotonic(), size, data, [bytes(b) for b in buffers or ()]))


@contextmanager
def counting_comms() -> Iterator[CommLog]:
    """Widgets created inside get a :class:`CountingComm`; the log collects what they send."""
    log = CommLog()
    original = comm.create_comm
    comm.create_comm = lambda **kwargs: CountingComm(log, **kwargs)
    try:
        yield log
    finally:
        comm.create_comm = original
