"""Closing a composite widget must close everything it made: children, bqplot figures, marks, axes, scales, layouts."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import ipywidgets


def close_descendants(root: ipywidgets.Widget) -> int:
    """Closes every widget reachable through ``root``'s traits, not ``root`` itself; returns how many.

    ipywidgets' ``close()`` closes one widget: its children, a bqplot figure's marks, axes and scales, and every
    widget's ``layout`` and ``style`` stay open in the kernel's registry (and in the page's model manager) for the
    rest of the session. A notebook that builds widgets in a loop would leak hundreds per run.
    """
    seen: set[int] = set()
    found: list[ipywidgets.Widget] = []
    pending = [root]
    while pending:
        widget = pending.pop()
        if id(widget) in seen:
            continue
        seen.add(id(widget))
        found.append(widget)
        pending.extend(_referenced_widgets(widget))
    for widget in found[1:]:
        widget.close()
    return len(found) - 1


def _referenced_widgets(widget: ipywidgets.Widget) -> Iterator[ipywidgets.Widget]:
    for name in widget.trait_names():
        try:
            value = getattr(widget, name)
        except Exception:  # a trait that cannot be read holds nothing to close
            continue
        yield from _widgets_in(value)


def _widgets_in(value: Any) -> Iterator[ipywidgets.Widget]:
    if isinstance(value, ipywidgets.Widget):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _widgets_in(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _widgets_in(item)
