"""One run of the range test in the background: a training thread and a publisher thread.

The training thread runs the backend's range test (which restores everything in ``finally``) and hands each point
to the publisher's buffer; it holds the model's lease from before it starts until after the restore, so no other
range test or training call can use the model meanwhile. The publisher thread is the only one that writes the
widget's run state (see :mod:`lrwidget.widget.publisher`). If publishing fails mid-run, the test is cancelled, so a
run never goes on unseen; and every run ends with a final status.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from lrwidget.engine.rangetest import RangeTestPoint, RangeTestResult
from lrwidget.widget.publisher import RunPublisher

RangeTestCall = Callable[[Callable[[RangeTestPoint], None], threading.Event], RangeTestResult]


Lease = Callable[[threading.Thread], AbstractContextManager[Any]]


class _Run:
    """What every run holds: the test to run, the cancel event, the publisher, and the result once it ends.

    Args:
        range_test: runs the test; gets the point callback and the cancel event.
        publisher: writes the run's widget state.
        flush_interval_s: the publisher's period.
    """

    def __init__(self, range_test: RangeTestCall, publisher: RunPublisher, flush_interval_s: float) -> None:
        self.cancel = threading.Event()
        self.result: RangeTestResult | None = None
        self._range_test, self._publisher, self._interval = range_test, publisher, flush_interval_s

    @property
    def exception(self) -> BaseException | None:
        """What ended the run with an error (the test's own, or a failure to publish it)."""
        return self._publisher.exception


class RangeTestRun(_Run):
    """Runs ``range_test(on_point, cancel)`` in a thread and publishes it from another.

    Args:
        range_test, publisher, flush_interval_s: see :class:`_Run`.
        lease: entered in :meth:`start` (in the calling thread, so a busy model refuses at once) and exited by the
            training thread after the test, restore included, has ended.
    """

    def __init__(self, range_test: RangeTestCall, lease: Lease, publisher: RunPublisher,
                 flush_interval_s: float) -> None:
        super().__init__(range_test, publisher, flush_interval_s)
        self._training_error: BaseException | None = None
        self._trained = threading.Event()
        self._training = threading.Thread(target=self._train, name="lrwidget-range-test", daemon=True)
        self._publishing = threading.Thread(target=self._publish, name="lrwidget-publisher", daemon=True)
        self._lease = lease(self._training)

    def start(self) -> None:
        """Leases the model (raising :class:`~lrwidget.engine.busy.ModelBusyError` if it is busy), then starts.

        The publisher starts first, so that whatever happens next, something is there to publish a final status.
        """
        self._lease.__enter__()
        try:
            self._publisher.begin()
            self._publishing.start()
        except BaseException as error:
            self._lease.__exit__(None, None, None)
            self._publisher.end(None, error)
            raise
        try:
            self._training.start()
        except BaseException as error:  # no thread to train in: the publisher reports it as the run's ending
            self._training_error = error
            self._lease.__exit__(None, None, None)
            self._trained.set()

    @property
    def alive(self) -> bool:
        """Whether the run has not reached its final status yet."""
        return self._publishing.is_alive() or self._training.is_alive()

    @property
    def training(self) -> bool:
        """Whether the training thread is still running (the model is not restored yet)."""
        return self._training.is_alive()

    @property
    def on_own_thread(self) -> bool:
        """Whether the caller is one of the run's threads (the loss function, a callback, an observer of the view)."""
        return threading.current_thread() in (self._training, self._publishing)

    def join(self, timeout: float | None = None) -> bool:
        """Waits for the final status; returns whether the run has ended.

        On the run's own threads it cannot wait for itself. There it returns at once: True once the test has ended
        and everything is restored (an observer of the final status), else False.
        """
        if self.on_own_thread:
            return self._trained.is_set()
        self._publishing.join(timeout)
        return not self._publishing.is_alive()

    def _train(self) -> None:
        try:
            self.result = self._range_test(self._publisher.add_point, self.cancel)
        except BaseException as exception:  # published by the publisher, re-raised by wait()
            self._training_error = exception
        finally:
            try:
                self._lease.__exit__(None, None, None)
            finally:
                self._trained.set()

    def _publish(self) -> None:
        publishing_error: BaseException | None = None
        try:
            while not self._trained.wait(self._interval):
                self._publisher.tick()
        except BaseException as exception:  # a failed send must not leave the test running unseen
            publishing_error = exception
            self.cancel.set()
            self._trained.wait()
        self._publisher.end(self.result, self._training_error, stopped_by=publishing_error)


class ForegroundRun(_Run):
    """Runs the test in the calling thread, publishing as it goes: for hosts that never show a thread's updates.

    Colab drops widget updates made from a background thread (colabtools issue 3373), so there the calling cell itself
    trains and, every ``flush_interval_s``, publishes. The kernel is busy meanwhile, so the page's buttons wait; the
    host's interrupt (KeyboardInterrupt) is the Stop: the engine restores everything in ``finally`` and the run ends
    "stopped" with the curve so far. One thread still writes the widget state: the calling one.

    Args:
        range_test, lease, publisher, flush_interval_s: as for :class:`RangeTestRun`.
        interrupted: the result of a run that the host's interrupt stopped (the curve recorded so far).
        clock: seconds, monotonic; injectable for tests.
    """

    def __init__(self, range_test: RangeTestCall, lease: Lease, publisher: RunPublisher, flush_interval_s: float,
                 interrupted: Callable[[], RangeTestResult], clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(range_test, publisher, flush_interval_s)
        self._interrupted, self._clock = interrupted, clock
        self._owner = threading.current_thread()
        self._lease = lease(self._owner)
        self._running = False

    @property
    def alive(self) -> bool:
        """Whether the run is still going (only ever true inside :meth:`start`)."""
        return self._running

    @property
    def on_own_thread(self) -> bool:
        """Whether the caller is the thread running the test (the loss function, an observer of the view)."""
        return self._running and threading.current_thread() is self._owner

    def join(self, timeout: float | None = None) -> bool:
        """Whether the run has ended: the caller's thread is the run's, so there is nothing to wait for."""
        return not self._running

    def start(self) -> None:
        """Leases the model, runs the test to its end in this thread, and publishes its final status."""
        self._lease.__enter__()
        self._running = True
        error: BaseException | None = None
        try:
            self._publisher.begin()
            next_tick = self._clock() + self._interval

            def publish_as_it_goes(point: RangeTestPoint) -> None:
                nonlocal next_tick
                self._publisher.add_point(point)
                if self._clock() >= next_tick:
                    self._publisher.tick()
                    next_tick = self._clock() + self._interval

            self.result = self._range_test(publish_as_it_goes, self.cancel)
        except KeyboardInterrupt:  # the host's Stop: everything is restored already, by the engine's finally
            self.result = self._interrupted()
        except BaseException as exception:  # published below; LRWidget.run re-raises it in the calling cell
            error = exception
        finally:
            self._lease.__exit__(None, None, None)
            try:
                self._publisher.end(self.result, error)
            finally:
                self._running = False
