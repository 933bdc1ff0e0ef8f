"""A clock that moves only when a test says so, with the timers that fire as it passes them."""
from __future__ import annotations

from collections.abc import Callable


class FakeClock:
    """Call it for the time; pass ``call_later`` where code would start a timer; ``advance`` fires what falls due."""

    def __init__(self) -> None:
        self.now = 0.0
        self.pending: list[tuple[float, Callable[[], None]]] = []

    def __call__(self) -> float:
        return self.now

    def call_later(self, delay_s: float, callback: Callable[[], None]) -> None:
        self.pending.append((self.now + delay_s, callback))

    def advance(self, seconds: float) -> None:
        """Moves the time on by ``seconds``, running each due timer at its own time, earliest first."""
        until = self.now + seconds
        while due := [timer for timer in self.pending if timer[0] <= until]:
            timer = min(due, key=lambda timer: timer[0])
            self.pending.remove(timer)
            self.now = max(self.now, timer[0])
            timer[1]()
        self.now = until
