"""Learning-rate suggestions from a range-test curve, giving fastai 2.8's numbers exactly.

``valley``, ``steep``, ``minimum`` and ``slide`` follow ``fastai.callback.schedule`` line for line in what they
compute (float32 arithmetic, tie-breaking, fastai's off-by-one in ``valley``), so a suggestion made here equals
the one fastai makes on the same curve. Each is also a drop-in ``suggest_funcs`` entry for fastai's own
``Learner.lr_find``: it takes ``(lrs, losses, num_it)`` and returns an ``(lr, (lr, loss))`` pair.

Where fastai crashes with an ``IndexError`` or a ``RuntimeError`` (too few points, typically after a range test
stopped early: fastai issue 3658), these raise a ``ValueError`` that says how many points there are and how
many are needed. They also refuse NaN: ``lr_find`` cuts the curve at the first NaN loss before suggesting
(``suggestion_window`` does the same), so a NaN reaching a suggestion function is a caller's bug, and fastai
would quietly answer with a meaningless index.
"""
from __future__ import annotations

import functools
import inspect
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np
import torch

from lrwidget.suggest.suggested_lrs import Point, SuggestedLRs

__all__ = [
    "Suggestion",
    "minimum",
    "slide",
    "steep",
    "suggest_lrs",
    "suggestion_window",
    "valley",
]


class Suggestion(NamedTuple):
    """A suggested learning rate ``lr`` and the ``(lr, loss)`` point where its marker is drawn."""

    lr: float
    point: Point


SuggestionFunc = Callable[[Any, Any, "int | None"], Sequence[Any]]

#: β of fastai's ``AvgSmoothLoss``: the smoothing every recorded curve carries (the engine smooths with it, and
#: sweetspot undoes it).
FASTAI_SMOOTHING_BETA = 0.98

_EARLY_STOP_HINT = (
    "A range test that stopped early (the loss diverged) can leave too few points to suggest from "
    "(fastai issue 3658): try more iterations (num_it), a lower end_lr, or stop_div=False."
)


class _Curve(NamedTuple):
    lrs: np.ndarray
    losses: np.ndarray


def _as_float32(values: Any, name: str) -> np.ndarray:
    # fastai suggests on float32 tensors; rounding to float32 first is what makes ties and argmins agree.
    array: np.ndarray
    if isinstance(values, torch.Tensor):
        array = values.detach().to("cpu", torch.float32).numpy().copy()
    elif isinstance(values, (list, tuple)) and any(isinstance(value, torch.Tensor) for value in values):
        # A recorder's list of 0-d loss tensors, possibly on a GPU, which numpy cannot read directly.
        array = np.array([float(value) for value in values], dtype=np.float32)
    else:
        # A copy, so torch.from_numpy never sees a read-only or caller-owned buffer.
        array = np.array(values, dtype=np.float32)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {tuple(array.shape)}")
    return array


def _curve(lrs: Any, losses: Any, func_name: str, needed: int) -> _Curve:
    """Converts and checks a curve for one suggestion function that needs at least ``needed`` points."""
    lrs_array, losses_array = _as_float32(lrs, "lrs"), _as_float32(losses, "losses")
    if len(lrs_array) != len(losses_array):
        raise ValueError(f"lrs and losses differ in length: {len(lrs_array)} != {len(losses_array)}")
    for name, array in (("losses", losses_array), ("lrs", lrs_array)):
        nan_positions = np.flatnonzero(np.isnan(array))
        if nan_positions.size:
            raise ValueError(
                f"{name} contain NaN (first at index {nan_positions[0]}); cut the curve before the first NaN "
                "loss, as fastai's lr_find and suggestion_window do"
            )
    if len(losses_array) < needed:
        raise ValueError(
            f"{func_name} needs at least {needed} points to suggest a learning rate, but the curve has "
            f"{len(losses_array)}. {_EARLY_STOP_HINT}"
        )
    return _Curve(lrs_array, losses_array)


def _marker_loss(curve: _Curve, lr: float) -> float:
    # fastai looks the loss up by the nearest lr (first index on ties), computed in float32; for an lr taken
    # from the curve that is its first occurrence, which differs from the argmin when lrs repeat.
    distances = np.abs(curve.lrs - np.float32(lr))
    return float(curve.losses[int(np.argmin(distances))])


def _longest_decreasing_run(losses: np.ndarray) -> tuple[int, int]:
    """The length of the longest strictly decreasing subsequence, and the first index where one that long ends.

    Patience sorting on the negated losses (strictly decreasing losses are strictly increasing negatives):
    ``tails[k]`` is the largest negated value that ends an increasing run of length ``k + 1`` seen so far, so
    ``bisect_left`` finds each point's run length in O(log n) instead of fastai's O(n) inner loop. ``tails``
    grows only when a point makes a run longer than any before it, so its last growth marks the first point
    to reach the final length.
    """
    tails: list[float] = []
    first_end = 0
    for index, negated_loss in enumerate((-losses).tolist()):
        position = bisect_left(tails, negated_loss)
        if position == len(tails):
            tails.append(negated_loss)
            first_end = index
        else:
            tails[position] = negated_loss
    return len(tails), first_end


def valley(lrs: Any, losses: Any, num_it: int | None = None) -> Suggestion:
    """Suggests the learning rate partway down the longest valley (fastai's default suggestion).

    The valley is the longest strictly decreasing subsequence of the losses; the suggestion sits about half
    of the way into it. Same index as fastai's O(n²) loop, in O(n log n). ``num_it`` is unused (fastai's
    signature).
    """
    curve = _curve(lrs, losses, "valley", needed=1)
    longest, max_end = _longest_decreasing_run(curve.losses)
    if longest == 1:
        # fastai's loop never updates its bounds when nothing decreases: both stay 0.
        max_start = max_end = 0
    else:
        # fastai keeps the first index to reach the longest length, and its start is one before the run's
        # first point (an off-by-one we keep so the index matches).
        max_start = max_end - longest
    sections = (max_end - max_start) / 3
    # idx is -1 when no run is longer than 2 and the first one ends at index 1 (losses[1] < losses[0]):
    # fastai then indexes the LAST point, and so do we.
    idx = max_start + int(sections) + int(sections / 2)
    lr = float(curve.lrs[idx])
    return Suggestion(lr, (lr, float(curve.losses[idx])))


def steep(lrs: Any, losses: Any, num_it: int | None = None) -> Suggestion:
    """Suggests the learning rate where the loss falls fastest against ln(lr).

    The slope is fastai's forward difference of the loss over the difference of ``ln(lr)``; the suggestion
    is the lr at the start of the steepest step. ``num_it`` is unused (fastai's signature).
    """
    curve = _curve(lrs, losses, "steep", needed=2)
    # torch rather than numpy: the two float32 logs can differ in the last bit, and a near-tie in the slope
    # would then pick a different index from fastai's.
    lrs_tensor, losses_tensor = torch.from_numpy(curve.lrs), torch.from_numpy(curve.losses)
    slopes = (losses_tensor[1:] - losses_tensor[:-1]) / (lrs_tensor[1:].log() - lrs_tensor[:-1].log())
    lr = lrs_tensor[slopes.argmin()].item()
    return Suggestion(lr, (lr, _marker_loss(curve, lr)))


def minimum(lrs: Any, losses: Any, num_it: int | None = None) -> Suggestion:
    """Suggests one tenth of the learning rate at the lowest loss; the marker sits at the minimum itself.

    ``num_it`` is unused (fastai's signature).
    """
    curve = _curve(lrs, losses, "minimum", needed=1)
    lr_at_minimum = float(curve.lrs[int(np.argmin(curve.losses))])
    return Suggestion(lr_at_minimum / 10, (lr_at_minimum, _marker_loss(curve, lr_at_minimum)))


def slide(
    lrs: Any,
    losses: Any,
    num_it: int | None = None,
    lr_diff: int = 15,
    thresh: float = 0.005,
    adjust_value: float = 1.0,
) -> Suggestion:
    """Suggests a learning rate by the interval slide rule (fastai's ``slide``).

    A window ``lr_diff`` points wide slides left from the end of the curve while the loss gradients at its
    two edges differ by more than ``thresh``; the suggestion is the left edge of the last window that
    differed, times ``adjust_value``. The marker's loss is interpolated on a log10 lr axis. ``num_it`` is
    unused (fastai's signature).
    """
    if lr_diff < 0:
        raise ValueError(f"lr_diff must be at least 0, got {lr_diff}")
    # np.gradient needs two points, and the first window needs lr_diff + 1.
    curve = _curve(lrs, losses, "slide", needed=max(lr_diff + 1, 2))
    loss_grad = np.gradient(curve.losses)
    # fastai's loop, kept as is: its float32 scalar comparison against thresh decides near-threshold cases.
    r_idx = -1
    l_idx = r_idx - lr_diff
    local_min_lr = curve.lrs[l_idx]
    while (l_idx >= -len(curve.losses)) and (abs(loss_grad[r_idx] - loss_grad[l_idx]) > thresh):
        local_min_lr = curve.lrs[l_idx]
        r_idx -= 1
        l_idx -= 1
    suggestion = float(local_min_lr) * adjust_value
    with np.errstate(divide="ignore", invalid="ignore"):  # a non-positive adjust_value: fastai's NaN, no noise
        marker_loss = np.interp(np.log10(suggestion), np.log10(curve.lrs), curve.losses)
    return Suggestion(suggestion, (suggestion, float(marker_loss)))


def suggestion_window(lrs: Any, losses: Any, num_it: int) -> tuple[np.ndarray, np.ndarray]:
    """The part of a recorded curve that fastai's ``lr_find`` suggests from, as float32 arrays.

    Skips the first ``num_it // 10`` points and the last 5, then cuts at the first NaN loss. Raises
    ``ValueError`` when nothing remains (at least ``num_it // 10 + 6`` points must be recorded).
    """
    if num_it < 0:
        raise ValueError(f"num_it must be at least 0, got {num_it}")
    lrs_array, losses_array = _as_float32(lrs, "lrs"), _as_float32(losses, "losses")
    if len(lrs_array) != len(losses_array):
        raise ValueError(f"lrs and losses differ in length: {len(lrs_array)} != {len(losses_array)}")
    skip_start = num_it // 10
    window_lrs, window_losses = lrs_array[skip_start:-5], losses_array[skip_start:-5]
    nan_positions = np.flatnonzero(np.isnan(window_losses))
    if nan_positions.size:
        window_lrs, window_losses = window_lrs[: nan_positions[0]], window_losses[: nan_positions[0]]
    if len(window_losses) == 0:
        nan_note = " (before the first NaN loss)" if nan_positions.size else ""
        raise ValueError(
            f"Nothing to suggest from: {len(losses_array)} points were recorded, and suggestions skip the "
            f"first num_it//10 = {skip_start} and the last 5, so at least {skip_start + 6} are needed"
            f"{nan_note}. {_EARLY_STOP_HINT}"
        )
    return window_lrs, window_losses


def _suggestion_name(func: Callable[..., Any]) -> str:
    # fastai's naming, so the fields match its result: a partial is named after the function it wraps.
    return func.func.__name__ if isinstance(func, functools.partial) else func.__name__


def _takes_raw_losses(func: Callable[..., Any]) -> bool:
    """Whether ``func`` has a ``raw_losses`` parameter (fastai's four and fastai's own functions do not)."""
    try:
        return "raw_losses" in inspect.signature(func).parameters
    except (TypeError, ValueError):  # builtins and other callables without a signature
        return False


def suggest_lrs(
    lrs: Any,
    losses: Any,
    num_it: int,
    funcs: SuggestionFunc | Iterable[SuggestionFunc] = (valley,),
    *,
    raw_losses: Any = None,
) -> SuggestedLRs:
    """Applies suggestion functions to a recorded curve as fastai's ``lr_find`` does; returns ``SuggestedLRs``.

    The curve is first cut by ``suggestion_window``. Each function is called as ``func(lrs, losses, num_it)``
    on float32 tensors, as fastai calls it, so fastai's own suggestion functions work here too. Functions with a
    ``raw_losses`` parameter (such as ``sweetspot``) also get the per-batch losses of the same window, when given.
    """
    window_lrs, window_losses = suggestion_window(lrs, losses, num_it)
    funcs = (funcs,) if callable(funcs) else tuple(funcs)
    window_raw = None
    if raw_losses is not None:
        raw_array, n_points = _as_float32(raw_losses, "raw_losses"), len(_as_float32(lrs, "lrs"))
        if len(raw_array) != n_points:
            raise ValueError(f"raw_losses and lrs differ in length: {len(raw_array)} != {n_points}")
        # The window is a prefix of lrs[num_it // 10:], so the same slice lines the raw losses up with it.
        window_raw = raw_array[num_it // 10 : num_it // 10 + len(window_lrs)]
    names, suggestions = [], []
    for func in funcs:
        names.append(_suggestion_name(func))
        extra = {"raw_losses": torch.tensor(window_raw)} if window_raw is not None and _takes_raw_losses(func) else {}
        # Fresh tensors per function, so one that works in place cannot change what the next one sees.
        suggestions.append(func(torch.tensor(window_lrs), torch.tensor(window_losses), num_it, **extra))
    return SuggestedLRs.from_suggestions(names, suggestions)

