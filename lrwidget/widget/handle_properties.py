"""The handles as Python properties of LRWidget: ``w.lr_lo``, ``w.lr_hi`` and ``w.lr``, read and set.

Every set is checked here, where the user made it (a learning rate > 0, lo ≤ hi, a slice without a step), and goes to
the view under the widget's handles lock, since the publisher thread places the default handles when a test ends.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from lrwidget.widget.view import HandleError, LRCurveView, check_learning_rate


class HandleProperties:
    """``lr_lo``, ``lr_hi`` and ``lr`` over the view's handles, for a widget that has a view and a handles lock."""

    # Provided by the widget that mixes this in (LRWidget).
    view: LRCurveView
    _handles_lock: threading.RLock
    #: each layer group's LR over the last group's in the range test; None when every group had the same LR
    _group_lr_ratios: list[float] | None

    #: what the handles pick (HandOff's): hi, slice(lo, hi), or each group's LR after a discriminative test
    _handle_lr: Callable[[], float | slice | list[float]]

    @property
    def lr_lo(self) -> float | None:
        """The lo handle: the LR of the first layer group."""
        return self.view.lr_lo

    @lr_lo.setter
    def lr_lo(self, value: float) -> None:
        with self._handles_lock:
            self.view.lr_lo = _handle_value(value, "lr_lo")

    @property
    def lr_hi(self) -> float | None:
        """The hi handle: the LR of the last layer group (the head), fine_tune's base_lr."""
        return self.view.lr_hi

    @lr_hi.setter
    def lr_hi(self, value: float) -> None:
        with self._handles_lock:
            if self._group_lr_ratios is not None:  # lo has no use after a discriminative test: it stays at hi
                self.view.set_handles(_handle_value(value, "lr_hi"), _handle_value(value, "lr_hi"))
            else:
                self.view.lr_hi = _handle_value(value, "lr_hi")

    @property
    def lr(self) -> float | slice | list[float]:
        """The picked learning rate: ``lr_hi`` with one layer group, else ``slice(lr_lo, lr_hi)``; after a
        discriminative range test, each group's LR: ``lr_hi × ratio``, the ratios of the test.

        Set it to a float (both handles there) or a ``slice(lo, hi)`` to move both handles at once.
        """
        return self._handle_lr()

    @lr.setter
    def lr(self, value: float | slice) -> None:
        if isinstance(value, slice):
            if value.step is not None or value.stop is None:
                raise HandleError(f"w.lr takes a float or slice(lo, hi), got {value!r}")
            lo = value.stop if value.start is None else value.start
            hi = value.stop
        else:
            lo = hi = value
        lo, hi = _handle_value(lo, "lo of w.lr"), _handle_value(hi, "hi of w.lr")
        if self._group_lr_ratios is not None and lo != hi:
            raise HandleError(f"w.lr = {value!r}: after this per-group range test each group's LR is lr_hi × its "
                              f"tested ratio {self._group_lr_ratios}; set w.lr (or w.lr_hi) to the last group's LR")
        if lo > hi:
            raise HandleError(f"w.lr = slice({lo:.3g}, {hi:.3g}) has lo above hi")
        with self._handles_lock:
            self.view.set_handles(lo, hi)


def _handle_value(value: Any, name: str) -> float:
    """A handle set from Python: a learning rate (never None: a picked handle cannot be un-picked)."""
    try:
        return check_learning_rate(value, name)
    except ValueError as error:
        raise HandleError(str(error)) from None
