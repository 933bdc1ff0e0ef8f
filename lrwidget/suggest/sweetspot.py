"""``sweetspot``: a learning-rate suggestion read off the range test's per-batch losses, with no smoothing lag.

fastai's four suggestions read the EMA-smoothed loss. Its debiased β = 0.98 average trails the raw loss by tens of
iterations, most of a decade of learning rate at the default 100 steps, so every feature of that curve sits to the
right of where it happened. ``sweetspot`` reads the per-batch losses instead:

1. Zero-lag smoothing. A running median of 5 points removes single-batch spikes. A forward-backward exponential
   average with a time constant of 0.2 decades of lr follows, which has no lag in either direction. Losses far
   above the start are clipped first, so a blow-up cannot leak to the left through the average.
2. Landmarks of that curve:
   - the floor is its minimum;
   - the start level is its median before it is half-way down to the floor (the plateau, not its noisiest point);
   - the steepest descent is the most negative slope against log10(lr). It is searched only where the loss is
     really falling: after it leaves the start level for good (its last point above 10% of the way down), so
     noise on the flat start cannot win, which is how fastai's ``steep`` sometimes picks 1e-6;
   - the divergence is the first lr past the floor where the loss is back at its start level, or the last lr
     when it never gets there.
3. The suggestion is half the geometric mean of the steepest-descent and divergence lrs: the middle of the band of
   learning rates that train, on a log scale, stepped down by a factor 2 because a one-cycle peak is held for many
   steps, not for the one step each lr gets in the range test. It is never past the floor's right edge (the last lr
   within 20% of the drop above the minimum). For ``fine_tune`` it is the full geometric mean, because fine_tune
   halves ``base_lr`` after the frozen epoch.
4. A curve that never falls by :data:`FLAT_DROP` (5%) of its start level shows no descent to read: the landmarks
   would be noise. A deep plain network does this, stuck on its plateau for all 100 steps until the lr blows it up;
   it trains only when an lr is held for many steps. The suggestion is then fastai's rule of thumb, an order of
   magnitude below where the loss leaves its start level for good (the last lr within :data:`RISE_FRACTION` (10%)
   above it), kept inside the tested range. On the benchmark's deep plain MLP this scores +91% against the oracle,
   where reading the landmarks gave 5e-4, which never leaves the plateau (BENCHMARKS.md, "Suggestion quality").

Without raw losses the smoothed ones are de-lagged by inverting fastai's debiased EMA exactly. Every step is O(n).
"""
from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
import torch

from lrwidget.suggest.fastai_methods import FASTAI_SMOOTHING_BETA, Suggestion

__all__ = ["MIN_POINTS", "TIP", "below_the_rise", "curve_features", "delag", "is_flat", "start_level", "sweetspot",
           "zero_lag_curve"]

#: The one-sentence explanation shown as the marker's hover tip.
TIP = ("Half the geometric mean of where the lag-free loss falls fastest and where it diverges (the full mean for "
       "fine_tune); a tenth of where it starts to rise when it never falls.")

MIN_POINTS = 8  # fewer cannot show a descent, a floor and a rise
SMOOTHING_DECADES = 0.2  # time constant of the forward-backward average, in decades of lr
MEDIAN_WIDTH = 5  # points: removes single-batch spikes
DESCENT_FRACTION = 0.1  # the descent starts once the loss stays this fraction of the way down to the floor
FLOOR_FRACTION = 0.2  # the floor reaches right while the loss is within this fraction of the drop above the minimum
HOLD_FACTOR = 2.0  # one-cycle holds its peak for many steps; the range test gives each lr one
FLAT_DROP = 0.05  # a curve whose floor is not this fraction below its start level has no descent to read
RISE_FRACTION = 0.1  # ... and then rises once it stays this fraction above its start level
RISE_DECADES = 1.0  # ... and the suggestion is this many decades below that rise (fastai's order of magnitude)


class ZeroLagCurve(NamedTuple):
    """The usable part of a curve: log10(lr), the zero-lag smoothed raw losses, and the given losses (for markers)."""

    log_lrs: np.ndarray
    smoothed: np.ndarray
    marker_losses: np.ndarray


class CurveFeatures(NamedTuple):
    """Indices into a zero-lag curve: the steepest descent, the floor, the floor's right edge, the divergence."""

    steepest: int
    floor: int
    floor_edge: int
    divergence: int


def _as_array(values: Any, name: str) -> np.ndarray:
    if isinstance(values, torch.Tensor):
        values = values.detach().to("cpu", torch.float64).numpy()
    elif isinstance(values, (list, tuple)) and any(isinstance(value, torch.Tensor) for value in values):
        values = [float(value) for value in values]
    array = np.array(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {tuple(array.shape)}")
    return array


def delag(losses: np.ndarray, first_iteration: int = 0, beta: float = FASTAI_SMOOTHING_BETA) -> np.ndarray:
    """The per-batch losses behind fastai's debiased EMA ``losses``, whose first value is iteration ``first_iteration``.

    ``smoothed_k = avg_k / (1 - beta**(k+1))`` and ``avg_k = beta*avg_(k-1) + (1-beta)*raw_k``, so each raw loss
    follows from two consecutive smoothed ones. The first has no predecessor unless it is iteration 0: it is NaN then.
    """
    losses = np.asarray(losses, dtype=np.float64)
    counts = first_iteration + 1 + np.arange(len(losses), dtype=np.float64)
    averages = losses * (1 - beta**counts)
    raw = np.empty_like(averages)
    raw[1:] = (averages[1:] - beta * averages[:-1]) / (1 - beta)
    if len(raw):
        raw[0] = losses[0] if first_iteration == 0 else math.nan
    return raw


def _running_median(values: np.ndarray, width: int) -> np.ndarray:
    half = width // 2
    padded = np.concatenate([np.full(half, values[0]), values, np.full(half, values[-1])])
    medians: np.ndarray = np.median(np.lib.stride_tricks.sliding_window_view(padded, width), axis=1)
    return medians


def _forward_backward_average(values: np.ndarray, time_constant: float) -> np.ndarray:
    """An exponential moving average run forwards, then backwards over the result: smooth, with zero lag."""
    keep = math.exp(-1.0 / max(time_constant, 1e-9))
    smoothed = values.tolist()
    for order in (range(len(smoothed)), range(len(smoothed) - 1, -1, -1)):
        average = None
        for index in order:
            average = smoothed[index] if average is None else keep * average + (1 - keep) * smoothed[index]
            smoothed[index] = average
    return np.array(smoothed)


def start_level(values: np.ndarray) -> float:
    """The level a curve starts at: the median of its first tenth (at least ``MEDIAN_WIDTH`` points)."""
    return float(np.median(values[: max(MEDIAN_WIDTH, len(values) // 10)]))


def zero_lag_curve(lrs: Any, losses: Any, num_it: int | None = None, *, raw_losses: Any = None) -> ZeroLagCurve:
    """Checks a curve, de-lags it when ``raw_losses`` is missing, cuts it at the first non-finite point, smooths it.

    Raises ``ValueError`` when fewer than ``MIN_POINTS`` usable points remain or the lrs do not increase.
    """
    lr_array, loss_array = _as_array(lrs, "lrs"), _as_array(losses, "losses")
    if len(lr_array) != len(loss_array):
        raise ValueError(f"lrs and losses differ in length: {len(lr_array)} != {len(loss_array)}")
    if raw_losses is None:
        raw = delag(loss_array, 0 if num_it is None else int(num_it) // 10)
    else:
        raw = _as_array(raw_losses, "raw_losses")
        if len(raw) != len(lr_array):
            raise ValueError(f"raw_losses and lrs differ in length: {len(raw)} != {len(lr_array)}")
    first = 1 if len(raw) and np.isnan(raw[0]) and raw_losses is None else 0  # de-lagging loses the first point
    usable = np.isfinite(raw[first:]) & np.isfinite(lr_array[first:]) & (lr_array[first:] > 0)
    end = first + (len(usable) if usable.all() else int(np.argmin(usable)))  # up to the first unusable point
    if end - first < MIN_POINTS:
        raise ValueError(
            f"sweetspot needs at least {MIN_POINTS} points with a finite loss and a positive lr, but the curve has "
            f"{end - first} (of {len(lr_array)} given, cut at the first NaN or infinite loss). A range test that "
            "stopped early can leave too few: try more iterations (num_it), a lower end_lr, or stop_div=False."
        )
    log_lrs, raw = np.log10(lr_array[first:end]), raw[first:end]
    if np.any(np.diff(log_lrs) <= 0):
        raise ValueError("sweetspot needs strictly increasing lrs, as a range test records them")
    points_per_decade = (len(log_lrs) - 1) / (log_lrs[-1] - log_lrs[0])
    clipped = np.minimum(raw, 2 * abs(start_level(raw)) + 1e-12)
    smoothed = _forward_backward_average(_running_median(clipped, MEDIAN_WIDTH), SMOOTHING_DECADES * points_per_decade)
    return ZeroLagCurve(log_lrs, smoothed, loss_array[first:end])


def curve_features(log_lrs: np.ndarray, smoothed: np.ndarray) -> CurveFeatures | None:
    """The landmarks of a zero-lag curve (see the module docstring); ``None`` when the loss never falls."""
    floor = int(np.argmin(smoothed))
    top = int(np.argmax(smoothed[: floor + 1]))
    if smoothed[top] <= smoothed[floor]:
        return None
    # The start level is the median before the curve is half-way down: the plateau's level, not its noisiest point.
    half_way = top + int(np.argmax(smoothed[top : floor + 1] <= (smoothed[top] + smoothed[floor]) / 2))
    start_level = float(np.median(smoothed[:half_way]))
    drop = start_level - float(smoothed[floor])
    if drop <= 0:
        return None
    # The descent begins where the loss leaves the start level for good, so a dip in the noise before it cannot count.
    still_high = np.flatnonzero(smoothed[: floor + 1] > start_level - DESCENT_FRACTION * drop)
    descent_from = int(still_high[-1]) + 1 if still_high.size else 0
    slopes = np.gradient(smoothed, log_lrs)
    steepest = descent_from + int(np.argmin(slopes[descent_from : floor + 1]))
    back_up = np.flatnonzero(smoothed[floor:] >= start_level)
    divergence = floor + int(back_up[0]) if back_up.size else len(smoothed) - 1
    off_floor = np.flatnonzero(smoothed[floor:] > smoothed[floor] + FLOOR_FRACTION * drop)
    floor_edge = floor + int(off_floor[0]) - 1 if off_floor.size else len(smoothed) - 1
    return CurveFeatures(steepest, floor, floor_edge, divergence)


def is_flat(smoothed: np.ndarray) -> bool:
    """Whether a zero-lag curve never falls :data:`FLAT_DROP` of its start level below it: no descent to read."""
    level = start_level(smoothed)
    return level - float(np.min(smoothed)) < FLAT_DROP * abs(level)


def below_the_rise(curve: ZeroLagCurve) -> float:
    """log10 of the lr :data:`RISE_DECADES` below the last one within :data:`RISE_FRACTION` above the start level
    (where the loss leaves it for good), not below the first lr tested."""
    level = start_level(curve.smoothed)
    within = np.flatnonzero(curve.smoothed <= level + RISE_FRACTION * abs(level))
    rise = float(curve.log_lrs[within[-1]]) if within.size else float(curve.log_lrs[0])
    return max(rise - RISE_DECADES, float(curve.log_lrs[0]))


def sweetspot(
    lrs: Any,
    losses: Any,
    num_it: int | None = None,
    *,
    raw_losses: Any = None,
    fine_tune: bool = False,
) -> Suggestion:
    """Suggests half the geometric mean of the steepest-descent and divergence lrs of the lag-free curve, or an order
    of magnitude below where a curve that never falls starts to rise (``TIP``).

    Args:
        lrs, losses: the curve as ``suggest_lrs`` passes it (fastai's window of the smoothed losses).
        num_it: the range test's ``num_it``, only used to de-lag ``losses`` when ``raw_losses`` is missing: the
            window then starts at iteration ``num_it // 10``, as fastai cuts it (at iteration 0 without num_it).
        raw_losses: the per-batch losses at the same points (``RangeTestResult.suggest`` passes them).
        fine_tune: suggest ``base_lr`` for ``fine_tune`` (twice the ``fit_one_cycle`` suggestion, since fine_tune
            halves ``base_lr`` after the frozen epoch); pass it with ``functools.partial(sweetspot, fine_tune=True)``.

    The marker sits on ``losses`` at the suggestion. Raises ``ValueError`` when fewer than ``MIN_POINTS`` usable
    points remain. Deterministic, O(n).
    """
    curve = zero_lag_curve(lrs, losses, num_it, raw_losses=raw_losses)
    features = curve_features(curve.log_lrs, curve.smoothed)
    if features is None or is_flat(curve.smoothed):
        log_lr = below_the_rise(curve)
    else:
        log_lrs = curve.log_lrs
        middle = (log_lrs[features.steepest] + log_lrs[features.divergence]) / 2
        log_lr = middle - math.log10(HOLD_FACTOR) * (0.0 if fine_tune else 1.0)
        log_lr = float(min(log_lr, max(log_lrs[features.floor_edge], log_lrs[features.steepest])))
    lr = float(10.0**log_lr)
    return Suggestion(lr, (lr, float(np.interp(log_lr, curve.log_lrs, curve.marker_losses))))
