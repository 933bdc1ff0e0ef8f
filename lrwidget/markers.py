"""The suggestion markers the view draws, computed in Python so they sit exactly on Python's numbers."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .suggest import minimum, slide, steep, suggestion_window, valley

#: One sentence per method, shown as the marker's hover tip.
MARKER_TIPS: dict[str, str] = {
    "valley": "fastai's default: two thirds of the way down the longest stretch where the loss keeps falling.",
    "steep": "Where the smoothed loss falls fastest per decade of learning rate.",
    "minimum": "One tenth of the learning rate at the lowest loss; the marker sits at the lowest loss itself.",
    "slide": "Sliding a window left from the end, the first place where the loss's slope stops changing.",
}

MARKER_FUNCS: dict[str, Callable[..., Any]] = {"valley": valley, "steep": steep, "minimum": minimum, "slide": slide}


def marker_suggestions(lrs: Sequence[float], losses: Sequence[float], num_it: int) -> dict[str, dict[str, Any]]:
    """``{name: {"lr", "point", "tip"}}`` for every method that has enough points to answer yet.

    Uses fastai's window (``[num_it//10:-5]``, cut at the first NaN), so a marker drawn at the end of a run is
    exactly what ``learn.lr_find()`` would suggest. Methods that cannot answer yet are left out.
    """
    try:
        window_lrs, window_losses = suggestion_window(lrs, losses, num_it)
    except ValueError:
        return {}
    markers = {}
    for name, func in MARKER_FUNCS.items():
        try:
            suggestion = func(window_lrs, window_losses, num_it)
        except ValueError:
            continue
        markers[name] = {"lr": suggestion.lr, "point": list(suggestion.point), "tip": MARKER_TIPS[name]}
    return markers
