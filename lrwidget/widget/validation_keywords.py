"""LRWidget's ``valid_every``/``valid_batches``: checked against the learner when the widget is made.

A widget asked for a validation loss that its learner cannot give (no validation loader) refuses at once, naming
what is missing, rather than at its first run.
"""
from __future__ import annotations

import math
from typing import Any

from lrwidget.engine.validation import valid_period
from lrwidget.widget.stream import Curve


def validation_keywords(backend: Any, valid_every: Any, valid_batches: Any) -> dict[str, Any]:
    """The keywords for the backend's ``range_test`` (``{}`` when validation is off), checked now.

    ``valid_every`` is resolved to its period (True: the default ``k``). Raises ValueError for a bad ``k`` or
    subset size, or a learner without validation data, and TypeError for a backend that has no validation loader.
    """
    every = valid_period(valid_every, valid_batches)
    if every is None:
        return {}
    check = getattr(backend, "check_validation", None)
    if check is None:
        raise TypeError(f"valid_every={valid_every!r} asks for a validation loss, but this learner "
                        f"({getattr(backend, 'kind', type(backend).__name__)}) has no validation data to take it from")
    check(every, valid_batches)
    return {"valid_every": every, "valid_batches": valid_batches}


def recorded_validation(keywords: dict[str, Any], curve: Curve) -> dict[str, Any]:
    """The ``valid_*`` fields of a result made from a streamed ``curve`` (a foreground run the host interrupted)."""
    if not keywords:
        return {}
    valid = [math.nan] * len(curve) if curve.valid_losses is None else curve.valid_losses.tolist()
    return {"valid_every": keywords["valid_every"], "valid_losses": valid}
