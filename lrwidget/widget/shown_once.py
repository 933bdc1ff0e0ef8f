"""Showing a widget that must be on the page before the cell that made it returns, and only once."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from IPython import get_ipython
from IPython.display import display


class ShownOnce:
    """For a widget whose constructor may block (a foreground run): it shows itself first, and the cell's display of
    its own last value does not show a second copy."""

    _shown_in_execution: int | None = None
    _repr_mimebundle_: Callable[..., Any]  # ipywidgets.Widget's (an annotation only: nothing here overrides it)

    def _show_before_foreground_run(self) -> None:
        """Displays the widget now, when a kernel is there to show it."""
        # The constructor blocks until the run ends, so the widget must be on the page before it starts.
        shell = get_ipython()
        if shell is None:
            return
        display(self)
        self._shown_in_execution = shell.execution_count

    def _ipython_display_(self) -> None:
        # A cell ending in LRWidget(learn) would show a second copy of a widget that showed itself for its run.
        shell = get_ipython()
        if shell is not None and self._shown_in_execution == shell.execution_count:
            self._shown_in_execution = None
            return
        display(self._repr_mimebundle_(), raw=True)
