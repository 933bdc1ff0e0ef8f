"""The preview's Throttle, on a fake clock: no test here waits for real time to pass."""
from __future__ import annotations

import threading

import pytest

from lrwidget.widget.preview import Throttle, start_daemon_timer

from .fake_clock import FakeClock


def throttled(interval_s: float = 1.0) -> tuple[FakeClock, Throttle, list[float]]:
    """A fake clock, a Throttle on it, and the times at which its action ran."""
    clock = FakeClock()
    runs: list[float] = []
    return clock, Throttle(lambda: runs.append(clock()), interval_s, clock=clock, call_later=clock.call_later), runs


def test_the_first_call_runs_at_once():
    clock, throttle, runs = throttled()
    throttle()
    assert runs == [0.0] and clock.pending == []


def test_a_burst_runs_once_more_when_the_interval_ends():
    clock, throttle, runs = throttled()
    for _ in range(4):  # at 0, 0.25, 0.5 and 0.75 s
        throttle()
        clock.advance(0.25)
    assert runs == [0.0, 1.0]  # the trailing call came at the end of the interval, once for three calls
    assert clock.pending == []


@pytest.mark.parametrize(("gap_s", "runs_at"), [(0.75, [0.0, 1.0]), (1.0, [0.0, 1.0]), (1.5, [0.0, 1.5])],
                         ids=["within the interval", "as it ends", "after a quiet interval"])
def test_a_later_call_runs_as_soon_as_the_interval_allows(gap_s, runs_at):
    clock, throttle, runs = throttled()
    throttle()
    clock.advance(gap_s)
    throttle()
    clock.advance(2.0)
    assert runs == runs_at


def test_the_interval_counts_from_the_trailing_call():
    clock, throttle, runs = throttled()
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
