"""The one registry of suggestion markers, and the markers the view draws, computed in Python on Python's numbers.

Every list of markers derives from ``MARKERS``: the functions ``marker_suggestions`` runs, the view's known names,
which markers it shows at first, their order, tips and colours (sent to the front end as the view's
``marker_registry`` trait), which one the hi handle starts at, and the tips the demo prints.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from lrwidget.suggest.fastai_methods import Suggestion, minimum, slide, steep, suggest_lrs, valley
from lrwidget.suggest.sweetspot import TIP as SWEETSPOT_TIP
from lrwidget.suggest.sweetspot import sweetspot

__all__ = [
    "DEFAULT_HANDLE_METHOD",
    "MARKERS",
    "MARKERS_BY_NAME",
    "MarkerSpec",
    "handle_default_lr",
    "marker_registry_state",
    "marker_suggestions",
]


@dataclass(frozen=True)
class MarkerSpec:
    """One suggestion marker: what computes it, and how the view presents it.

    Attributes:
        name: the marker's name, also the suggestion function's (fastai names ``SuggestedLRs`` fields so).
        func: the suggestion function, ``func(lrs, losses, num_it)`` returning a :class:`Suggestion`.
        tip: one sentence, shown as the marker's hover tip.
        color_index: index into the front end's qualitative marker palette (ColorBrewer Dark2 on a light
            background, Set2 on a dark one; steep 0, valley 1, minimum 2, slide 3, sweetspot 4 are the colours each
            has always been drawn in).
        shown_by_default: whether the view draws it before the user toggles anything.
        is_handle_default: whether the hi handle starts at its suggestion (exactly one marker is).
        knows_fine_tune: whether ``func`` takes ``fine_tune=``, set from the planned training call.
    """

    name: str
    func: Callable[..., Suggestion]
    tip: str
    color_index: int
    shown_by_default: bool
    is_handle_default: bool = False
    knows_fine_tune: bool = False

    def func_for(self, planned_call: str | None) -> Callable[..., Suggestion]:
        """The suggestion function for a planned call (``"fine_tune"``, ``"fit_one_cycle"`` or ``None``)."""
        if self.knows_fine_tune:
            return functools.partial(self.func, fine_tune=planned_call == "fine_tune")
        return self.func

    def state(self) -> dict[str, Any]:
        """The entry as the view's ``marker_registry`` trait carries it (JSON: no function)."""
        return {"name": self.name, "tip": self.tip, "color_index": self.color_index,
                "shown_by_default": self.shown_by_default, "is_handle_default": self.is_handle_default}


def _checked(markers: tuple[MarkerSpec, ...]) -> tuple[MarkerSpec, ...]:
    """The registry, once it is known to have unique names and colours and exactly one handle default."""
    names = [marker.name for marker in markers]
    if len(set(names)) != len(names):
        raise ValueError(f"marker names must be unique, got {names}")
    colors = [marker.color_index for marker in markers]
    if len(set(colors)) != len(colors) or min(colors) < 0:
        raise ValueError(f"marker color_index values must be distinct and >= 0, got {colors}")
    defaults = [marker.name for marker in markers if marker.is_handle_default]
    if len(defaults) != 1:
        raise ValueError(f"exactly one marker must be the hi handle's default, got {defaults}")
    return markers


#: Every marker, in display order. sweetspot is the hi handle's default (see BENCHMARKS.md, "Suggestion
#: quality"); valley, fastai's default, is drawn next to it, one click away.
MARKERS: tuple[MarkerSpec, ...] = _checked((
    MarkerSpec("sweetspot", sweetspot, SWEETSPOT_TIP, color_index=4, shown_by_default=True, is_handle_default=True,
               knows_fine_tune=True),
    MarkerSpec("valley", valley, "fastai's default: two thirds of the way down the longest stretch where the loss "
               "keeps falling.", color_index=1, shown_by_default=True),
    MarkerSpec("steep", steep, "Where the smoothed loss falls fastest per decade of learning rate.",
               color_index=0, shown_by_default=True),
    MarkerSpec("minimum", minimum, "One tenth of the learning rate at the lowest loss; the marker sits at the lowest "
               "loss itself.", color_index=2, shown_by_default=False),
    MarkerSpec("slide", slide, "Sliding a window left from the end, the first place where the loss's slope stops "
               "changing.", color_index=3, shown_by_default=False),
))

#: The registry by name.
MARKERS_BY_NAME: Mapping[str, MarkerSpec] = MappingProxyType({marker.name: marker for marker in MARKERS})

#: The marker the hi handle starts at.
DEFAULT_HANDLE_METHOD: str = next(marker.name for marker in MARKERS if marker.is_handle_default)


def marker_registry_state() -> list[dict[str, Any]]:
    """The registry as the view's ``marker_registry`` trait carries it: one dict per marker, in display order."""
    return [marker.state() for marker in MARKERS]


def marker_suggestions(lrs: Sequence[float] | np.ndarray, losses: Sequence[float] | np.ndarray, num_it: int, *,
                       raw_losses: Sequence[float] | np.ndarray | None = None,
                       planned_call: str | None = None) -> dict[str, dict[str, Any]]:
    """``{name: {"lr", "point", "tip"}}`` for every method that has enough points to answer yet.

    Uses fastai's window (``[num_it//10:-5]``, cut at the first NaN), so a marker drawn at the end of a run is
    exactly what ``learn.lr_find()`` would suggest. Methods that cannot answer yet are left out.
    """
    markers = {}
    for marker in MARKERS:
        try:
            suggested = suggest_lrs(lrs, losses, num_it, (marker.func_for(planned_call),), raw_losses=raw_losses)
        except ValueError:
            continue
        markers[marker.name] = {"lr": suggested[0], "point": list(suggested.points[marker.name]), "tip": marker.tip}
    return markers


def handle_default_lr(suggestions: Mapping[str, Mapping[str, Any]]) -> float | None:
    """Where the hi handle starts: the default marker's lr, else the first marker in registry order that answered.

    ``suggestions`` is ``marker_suggestions``'s result; ``None`` when no marker could answer.
    """
    for name in (DEFAULT_HANDLE_METHOD, *MARKERS_BY_NAME):
        if name in suggestions:
            return float(suggestions[name]["lr"])
    return None
