"""The training progress display: a fastai-like table with one row per epoch, and a live bar within an epoch.

Plain text on a stream, so it works in a terminal, in a notebook and in a CI log alike. The live bar rewrites
its line with ``'\\r'``, which terminals and Jupyter both honour but a log file keeps as clutter, so it is drawn
only when the stream is a tty or we run inside an IPython kernel. Rows are always printed as they come.
"""
from __future__ import annotations

import sys
import time
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

BAR_WIDTH = 30
MIN_COLUMN_WIDTH = 10
# Redrawing the bar on every batch would make a fast loop spend its time printing.
BAR_REFRESH_S = 0.1


def in_ipython_kernel() -> bool:
    """True inside a Jupyter/IPython kernel (where ``'\\r'`` rewrites the output line), False in a terminal."""
    ipython_module = sys.modules.get("IPython")
    if ipython_module is None:
        return False
    shell = ipython_module.get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def supports_live_updates(stream: TextIO) -> bool:
    """Whether ``stream`` shows a line rewritten with ``'\\r'`` as one line, rather than as clutter."""
    try:
        if stream.isatty():
            return True
    except (AttributeError, ValueError):
        pass
    return in_ipython_kernel()


def format_duration(seconds: float) -> str:
    """``mm:ss`` as in fastai's table, ``h:mm:ss`` past an hour."""
    whole = round(float(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def format_cell(value: Any) -> str:
    """How a value appears in the table: floats with six decimals, like fastai."""
    if isinstance(value, float):
        return f"{value:.6f}"
    return str(value)


class ProgressTable:
    """Prints a header, then one row per epoch; shows a live in-epoch bar where the stream supports it.

    ``columns`` are the row keys in order; a row's ``"time"`` value (seconds) is shown as ``mm:ss``.
    ``enabled=False`` prints nothing at all. ``live=None`` decides from the stream (see
    :func:`supports_live_updates`).
    """

    def __init__(self, columns: Sequence[str], *, stream: TextIO | None = None, enabled: bool = True,
                 live: bool | None = None) -> None:
        self.columns = list(columns)
        self.stream = stream if stream is not None else sys.stdout
        self.enabled = enabled
        self.live = enabled and (supports_live_updates(self.stream) if live is None else live)
        self.widths = [max(len(name), MIN_COLUMN_WIDTH) for name in self.columns]
        self._bar_shown_chars = 0
        self._last_bar_time = float("-inf")
        self._header_printed = False

    def _write_line(self, cells: Sequence[str]) -> None:
        line = "  ".join(cell.ljust(width) for cell, width in zip(cells, self.widths, strict=True))
        self.stream.write(line.rstrip() + "\n")
        self.stream.flush()

    def header(self) -> None:
        """Prints the column names (once)."""
        if not self.enabled or self._header_printed:
            return
        self._header_printed = True
        self._write_line(self.columns)

    def bar(self, done: int, total: int, label: str = "", *, force: bool = False) -> None:
        """Redraws the live bar at ``done`` of ``total`` batches; throttled unless ``force``."""
        if not self.live:
            return
        now = time.monotonic()
        if not force and now - self._last_bar_time < BAR_REFRESH_S:
            return
        self._last_bar_time = now
        filled = BAR_WIDTH * done // total if total > 0 else BAR_WIDTH
        text = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total} {label}".rstrip()
        padding = " " * max(self._bar_shown_chars - len(text), 0)
        self.stream.write("\r" + text + padding)
        self.stream.flush()
        self._bar_shown_chars = len(text)

    def clear_bar(self) -> None:
        """Erases the live bar so that the next printed line starts clean."""
        if self._bar_shown_chars:
            self.stream.write("\r" + " " * self._bar_shown_chars + "\r")
            self.stream.flush()
            self._bar_shown_chars = 0
        self._last_bar_time = float("-inf")

    def row(self, values: Mapping[str, Any]) -> None:
        """Prints one epoch's row; missing values show as empty cells."""
        if not self.enabled:
            return
        self.header()
        self.clear_bar()
        cells = []
        for name in self.columns:
            value = values.get(name, "")
            is_duration = name == "time" and isinstance(value, (int, float))
            cells.append(format_duration(value) if is_duration else format_cell(value))
        self._write_line(cells)

    def close(self) -> None:
        """Leaves the stream clean, even after an interrupted epoch."""
        if self.enabled:
            self.clear_bar()
