"""The preview's Throttle, on a fake clock: no test here waits for real time to pass."""
from __future__ import annotations

import threading

from lrwidget.widget.preview import Throttle, start_daemon_timer

from .fake_clock import FakeClock


def throttled(clock: FakeClock, interval_s: float = 1.0) -> tuple[Throttle, list[float]]:
    """A Throttle on ``clock`` and the times at which its action ran."""
    runs: list[float] = []
    return Throttle(lambda: runs.append(clock()), interval_s, clock=clock, call_later=clock.call_later), runs


def test_the_first_call_runs_at_once():
    clock = FakeClock()
    throttle, runs = throttled(clock)
    throttle()
    assert runs == [0.0] and clock.pending == []


def test_a_burst_runs_once_more_when_the_interval_ends():
    clock = FakeClock()
    throttle, runs = throttled(clock)
    for _ in range(4):  # at 0, 0.25, 0.5 and 0.75 s
        throttle()
        clock.advance(0.25)
    assert runs == [0.0, 1.0]  # the trailing call came at the end of the interval, once for three calls
    assert clock.pending == []


def test_the_trailing_call_waits_only_for_the_rest_of_the_interval():
    clock = FakeClock()
    throttle, _ = throttled(clock)
    throttle()
    clock.advance(0.75)
    throttle()
    throttle()
    assert [due for due, _ in clock.pending] == [1.0]  # one timer, due when the interval since the last run ends


def test_a_call_after_a_quiet_interval_runs_at_once():
    clock = FakeClock()
    throttle, runs = throttled(clock)
    throttle()
    clock.advance(1.5)
    throttle()
    assert runs == [0.0, 1.5] and clock.pending == []


def test_the_interval_counts_from_the_trailing_call():
    clock = FakeClock()
    throttle, runs = throttled(clock)
    throttle()
    clock.advance(0.5)
    throttle()
    clock.advance(0.75)  # the trailing call ran at 1.0
    throttle()  # at 1.25: within the interval of the trailing call
    clock.advance(1.0)
    assert runs == [0.0, 1.0, 2.0]


def test_the_default_timer_runs_the_action_on_a_daemon_thread():
    fired = threading.Event()
    threads: list[threading.Thread] = []
    start_daemon_timer(0.0, lambda: (threads.append(threading.current_thread()), fired.set()))
    assert fired.wait(timeout=10)
    assert threads[0].daemon and threads[0] is not threading.current_thread()
