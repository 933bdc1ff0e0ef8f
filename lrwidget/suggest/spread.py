"""How much repeated range tests agree: the band of their smoothed losses, and the spread of each method's pick.

Repeats of a range test share one LR schedule (point ``k`` trains at the same LR in each), so their curves compare
point by point, without interpolation. A repeat that stopped early (a divergence) simply drops out of the band past
its last point. Picks are combined in log space, where learning rates live: the default pick of ``n`` repeats is
their median there (the geometric mean of the middle two when ``n`` is even), which one wild repeat cannot drag.

Pure functions of numbers: no torch, no widget.
"""
from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

#: Relative tolerance when checking that repeats share their LR schedule (fastai's recorder stores Python floats).
SCHEDULE_RTOL = 1e-9


def log_median(values: Sequence[float]) -> float:
    """The median of positive finite ``values`` in log space; a ValueError for none, or for one ≤ 0 or not finite."""
    checked = [float(value) for value in values]
    if not checked:
        raise ValueError("log_median needs at least one value, got none")
    bad = [value for value in checked if not math.isfinite(value) or value <= 0]
    if bad:
        raise ValueError(f"log_median needs finite values > 0 (learning rates), got {bad}")
    ordered = sorted(checked)
    middle = len(ordered) // 2
    # The log is monotone, so the median there is the middle pick itself (exact: no round trip through exp/log).
    return ordered[middle] if len(ordered) % 2 else math.sqrt(ordered[middle - 1] * ordered[middle])


@dataclass(frozen=True)
class PickSpread:
    """One method's picks over the repeats.

    Attributes:
        picks: each repeat's pick, in repeat order.
        median: their median in log space (the combined pick).
        lo, hi: the lowest and the highest pick.
    """

    picks: tuple[float, ...]
    median: float
    lo: float
    hi: float

    @property
    def ratio(self) -> float:
        """``hi / lo``: how many times apart the extreme picks are (1.0 when they agree)."""
        return self.hi / self.lo


def pick_spread(picks: Sequence[float]) -> PickSpread:
    """The spread of one method's picks (finite learning rates > 0, at least one)."""
    median = log_median(picks)
    values = tuple(float(pick) for pick in picks)
    return PickSpread(picks=values, median=median, lo=min(values), hi=max(values))


@dataclass(frozen=True)
class LossBand:
    """The smoothed losses of repeated range tests at their common LRs.

    Attributes:
        lrs: the schedule's LRs, up to the longest repeat's last point.
        lo, hi: the band's edges at each LR (by default the lowest and highest loss over the repeats there).
        median: the median loss over the repeats at each LR.
        counts: how many repeats reached each point with a loss that is not NaN.
    """

    lrs: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    median: np.ndarray
    counts: np.ndarray

    def __len__(self) -> int:
        return len(self.lrs)

    def median_at(self, lr: float) -> float:
        """The median loss at ``lr``, interpolated in log LR between the band's points (NaN where there is none)."""
        finite = np.isfinite(self.median)
        if not finite.any():
            return math.nan
        return float(np.interp(math.log(lr), np.log(self.lrs[finite]), self.median[finite]))


def loss_band(lrs_per_repeat: Sequence[Sequence[float]], losses_per_repeat: Sequence[Sequence[float]],
              quantiles: tuple[float, float] = (0.0, 1.0)) -> LossBand:
    """The band of ``losses_per_repeat`` (one smoothed-loss curve per repeat) at their shared LRs.

    ``quantiles``: the band's edges as quantiles over the repeats at each point; ``(0.0, 1.0)`` (default) is
    min–max, ``(0.25, 0.75)`` the inter-quartile band. NaN losses are left out; a point none has a loss at is NaN.
    Raises ValueError when there are no repeats, when a repeat's lrs and losses differ in length, or when two
    repeats do not share their LR schedule (they were not repeats of one test).
    """
    if not lrs_per_repeat or len(lrs_per_repeat) != len(losses_per_repeat):
        raise ValueError(f"loss_band needs one lrs list per losses list, at least one; got {len(lrs_per_repeat)} lrs "
                         f"and {len(losses_per_repeat)} losses lists")
    q_lo, q_hi = quantiles
    if not 0.0 <= q_lo <= q_hi <= 1.0:
        raise ValueError(f"quantiles must be (lo, hi) with 0 <= lo <= hi <= 1, got {quantiles!r}")
    lrs = [np.asarray(values, dtype=float) for values in lrs_per_repeat]
    losses = [np.asarray(values, dtype=float) for values in losses_per_repeat]
    for index, (repeat_lrs, repeat_losses) in enumerate(zip(lrs, losses, strict=True)):
        if len(repeat_lrs) != len(repeat_losses):
            raise ValueError(f"repeat {index} has {len(repeat_lrs)} lrs but {len(repeat_losses)} losses")
    longest = max(lrs, key=len)
    for index, repeat_lrs in enumerate(lrs):
        differs = ~np.isclose(repeat_lrs, longest[: len(repeat_lrs)], rtol=SCHEDULE_RTOL, atol=0.0)
        if differs.any():
            k = int(np.argmax(differs))
            raise ValueError(f"repeat {index} does not share the LR schedule: point {k} trained at "
                             f"{repeat_lrs[k]:.6g}, another repeat at {longest[k]:.6g}")
    table = np.full((len(losses), len(longest)), np.nan)
    for row, repeat_losses in zip(table, losses, strict=True):
        row[: len(repeat_losses)] = repeat_losses
    with warnings.catch_warnings(), np.errstate(invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN point is NaN, said by the docstring
        lo = np.nanmin(table, axis=0) if q_lo == 0.0 else np.nanquantile(table, q_lo, axis=0)
        hi = np.nanmax(table, axis=0) if q_hi == 1.0 else np.nanquantile(table, q_hi, axis=0)
        median = np.nanmedian(table, axis=0)
    return LossBand(lrs=longest.copy(), lo=lo, hi=hi, median=median, counts=(~np.isnan(table)).sum(axis=0))


Markers = Mapping[str, Mapping[str, Any]]


def combine_markers(markers_per_repeat: Sequence[Markers],
                    band: LossBand | None = None) -> tuple[dict[str, dict[str, Any]], dict[str, PickSpread]]:
    """Each marker's combined pick over the repeats, and the spread of its picks.

    ``markers_per_repeat``: each repeat's markers as :func:`~lrwidget.suggest.markers.marker_suggestions` returns
    them (``{name: {"lr", "point": [lr, loss], "tip"}}``). A marker that some repeats could not answer is combined over
    those that did. The combined marker's ``lr`` is the log-space median of the picks, its point's LR the median of
    the points' LRs (``minimum`` draws its marker at 10× its pick), and its loss the band's median loss there
    (``band``; else the median of the points' losses). Returns ``(markers, spreads)``; the spreads are of the picks.
    """
    names = list(dict.fromkeys(name for markers in markers_per_repeat for name in markers))
    combined: dict[str, dict[str, Any]] = {}
    spreads: dict[str, PickSpread] = {}
    for name in names:
        answered = [markers[name] for markers in markers_per_repeat if name in markers]
        spread = pick_spread([float(marker["lr"]) for marker in answered])
        point_lr = log_median([float(marker["point"][0]) for marker in answered])
        loss = band.median_at(point_lr) if band is not None else math.nan
        if not math.isfinite(loss):
            loss = float(np.median([float(marker["point"][1]) for marker in answered]))
        combined[name] = {"lr": spread.median, "point": [point_lr, loss], "tip": answered[0]["tip"]}
        spreads[name] = spread
    return combined, spreads


__all__ = ["LossBand", "PickSpread", "combine_markers", "log_median", "loss_band", "pick_spread"]
