"""A kernel probe for pages with no cells to type into (Voila): a button whose click reports the kernel's state.

A Voila dashboard shows outputs only, so the test cannot run code the way :class:`~.notebook_driver.NotebookPage`
does. The dashboard notebook displays :data:`PROBE_CELL`'s button and text area; each click runs ``probe_report()``
in the kernel (a comm message, handled on the kernel's main thread) and writes its JSON, with a click count, into the
text area, which the test reads back.
"""
from __future__ import annotations

import json
from typing import Any

from .notebook_driver import poll

#: Displays the probe. ``probe_report`` is defined by the notebook's own cells (it names what the test reads).
PROBE_CELL = """\
import ipywidgets as _widgets
_probe_clicks = 0
_probe_text = _widgets.Textarea(layout=_widgets.Layout(width="100%", height="4em"))
_probe_text.add_class("lrw-test-probe-text")
_probe_button = _widgets.Button(description="probe")
_probe_button.add_class("lrw-test-probe-button")

def _probe_clicked(_button):
    global _probe_clicks
    _probe_clicks += 1
    try:
        report = probe_report()
    except Exception as failure:
        report = {"error": repr(failure)}
    _probe_text.value = json.dumps({"clicks": _probe_clicks, **report})

_probe_button.on_click(_probe_clicked)
_widgets.HBox([_probe_button, _probe_text])
"""


class DashboardProbe:
    """Reads the kernel through the probe widgets on ``page``."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.button = page.locator(".lrw-test-probe-button")
        self.text = page.locator(".lrw-test-probe-text textarea")
        self.clicks = 0

    def read(self, timeout_s: float = 30.0) -> dict[str, Any]:
        """Clicks the probe and returns the report of that click (not an earlier one)."""
        self.clicks += 1
        self.button.click()

        def report() -> dict[str, Any] | None:
            value = self.text.input_value()
            parsed = json.loads(value) if value else None
            return parsed if parsed and parsed["clicks"] >= self.clicks else None

        result: dict[str, Any] = poll(report, timeout_s, 0.1, f"the probe did not answer click {self.clicks} "
                                                              f"within {timeout_s:.0f} s")
        self.clicks = result["clicks"]
        if "error" in result:
            raise AssertionError(f"probe_report() raised in the kernel: {result['error']}")
        return result
