"""The suggestion markers the view draws, computed in Python so they sit exactly on Python's numbers."""
from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from lrwidget.suggest.fastai_methods import minimum, slide, steep, suggest_lrs, valley
from lrwidget.suggest.sweetspot import TIP as SWEETSPOT_TIP
from lrwidget.suggest.sweetspot import sweetspot

#: One sentence per method, shown as the marker's hover tip.
MARKER_TIPS: dict[str, str] = {
    "sweetspot": SWEETSPOT_TIP,
    "valley": "fastai's default: two thirds of the way down the longest stretch where the loss keeps falling.",
    "steep": "Where the smoothed loss falls fastest per decade of learning rate.",
    "minimum": "One tenth of the learning rate at the lowest loss; the marker sits at the lowest loss itself.",
    "slide": "Sliding a window left from the end, the first place where the loss's slope stops changing.",
}

#: The method the hi handle starts at (see BENCHMARKS.md, "Suggestion quality"); valley stays one click away.
DEFAULT_HANDLE_METHOD = "sweetspot"


def marker_funcs(planned_call: str | None = None) -> dict[str, Callable[..., Any]]:
    """The suggestion functions by marker name; sweetspot knows when the planned call is ``fine_tune``."""
    return {
        "sweetspot": functools.partial(sweetspot, fine_tune=planned_call == "fine_tune"),
        "valley": valley, "steep": steep, "minimum": minimum, "slide": slide,
    }


def marker_suggestions(lrs: Sequence[float], losses: Sequence[float], num_it: int, *,
                       raw_losses: Sequence[float] | None = None,
                       planned_call: str | None = None) -> dict[str, dict[str, Any]]:
    """``{name: {"lr", "point", "tip"}}`` for every method that has enough points to answer yet.

    Uses fastai's window (``[num_it//10:-5]``, cut at the first NaN), so a marker drawn at the end of a run is
    exactly what ``learn.lr_find()`` would suggest. Methods that cannot answer yet are left out.
    """
    markers = {}
    for name, func in marker_funcs(planned_call).items():
        try:
            suggested = suggest_lrs(lrs, losses, num_it, (func,), raw_losses=raw_losses)
        except ValueError:
            continue
        markers[name] = {"lr": suggested[0], "point": list(suggested.points[name]), "tip": MARKER_TIPS[name]}
    return markers
