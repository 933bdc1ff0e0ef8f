"""Which kept runs the static picture draws, from the view's traits, by the page's rule (js/src/runs-view.js).

The selected run is the main curve (with its dots, markers, handles, validation curve and band), drawn even when
hidden; every other run not in ``hidden_runs`` is a thin line behind it, in its colour. While a test runs, the live
points are the main curve and every visible kept run is overlaid. The runs' contract is in
:mod:`lrwidget.widget.runs`.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

__all__ = ["MainRun", "OverlaidRun", "drawn_runs", "floats", "is_live"]


class OverlaidRun(NamedTuple):
    """A kept run drawn as a thin line behind the main curve."""

    run_id: str
    label: str
    color_index: int
    lrs: Sequence[float]
    losses: Sequence[float]
    start_lr: float
    end_lr: float
    num_it: int


class MainRun(NamedTuple):
    """The run the main curve shows: the selected one, or ``"live"`` while a test runs."""

    run_id: str
    label: str
    color_index: int


def floats(values: Any) -> list[float]:
    """A trait's list of numbers as floats, with null (NaN or inf sent as JSON) as NaN."""
    if not isinstance(values, (list, tuple)):
        return []
    return [float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else math.nan
            for value in values]


def _number(value: Any, default: float) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else default


def drawn_runs(state: Mapping[str, Any]) -> tuple[list[OverlaidRun], MainRun | None]:
    """The overlaid runs, oldest first, and the main run, from the ``runs``, ``run_curves``, ``hidden_runs``,
    ``selected_run`` and ``status`` traits."""
    entries = [entry for entry in state.get("runs") or [] if isinstance(entry, Mapping)
               and isinstance(entry.get("id"), str)]
    running = is_live(state)
    selected = "" if running else str(state.get("selected_run") or "")
    hidden = set(state.get("hidden_runs") or [])
    curves = state.get("run_curves") or {}
    colors = [_color_index(entry, position) for position, entry in enumerate(entries)]
    overlays = []
    for position, entry in enumerate(entries):
        curve = curves.get(entry["id"])
        if entry["id"] == selected or entry["id"] in hidden or not isinstance(curve, Mapping):
            continue
        lrs = floats(curve.get("lrs"))
        overlays.append(OverlaidRun(entry["id"], _label(entry, position), colors[position], lrs,
                                    floats(curve.get("losses")), _number(entry.get("start_lr"), math.nan),
                                    _number(entry.get("end_lr"), math.nan),
                                    int(_number(entry.get("num_it"), 0)) or len(lrs)))
    if running:  # the run in progress gets the next colour when it is kept (js/src/runs.js nextColorIndex)
        return overlays, MainRun("live", "running", max((index + 1 for index in colors), default=0))
    shown = next(((position, entry) for position, entry in enumerate(entries) if entry["id"] == selected), None)
    if shown is None:
        return overlays, None
    position, entry = shown
    return overlays, MainRun(selected, _label(entry, position), colors[position])


def is_live(state: Mapping[str, Any]) -> bool:
    """Whether the main curve is a test in progress: running, and no run selected yet.

    The widget keeps a run, selects it and redraws its picture just before the status leaves "running"; that
    picture shows the kept run (the page redraws only after the whole change, when the status says so too).
    """
    return state.get("status") == "running" and not state.get("selected_run")


def _label(entry: Mapping[str, Any], position: int) -> str:
    label = entry.get("label")
    return label if isinstance(label, str) and label else f"run {position + 1}"


def _color_index(entry: Mapping[str, Any], position: int) -> int:
    index = entry.get("color_index")
    return index if isinstance(index, int) and not isinstance(index, bool) else position
