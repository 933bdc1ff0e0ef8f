"""The discriminative range test: ``start_lr`` / ``end_lr`` per param group, swept together at fixed ratios.

fastai's ``lr_find(start_lr=np.array([...]), end_lr=np.array([...]))`` gives each param group ``g`` its own
exponential schedule ``start_g * (end_g / start_g) ** (k / num_it)`` (one ``SchedExp`` over arrays) and records the
LAST group's LR (``Recorder`` reads ``opt.hypers[-1]['lr']``). Its other spellings crash in fastai 2.8: a list makes
``LRFinder`` build a list of ``SchedExp``, which ``ParamScheduler._update_val`` then calls (``TypeError: 'list' object
is not callable``); a slice is "listy" too, and zipping it fails (``TypeError: 'slice' object is not iterable``).

Here a number, a ``slice`` or a sequence (list, tuple, numpy array, 1-d tensor) all work, with fastai's
``Optimizer.set_hyper`` rules for spreading a value over the groups (:func:`slice_lrs`):

* a number: every group;
* ``slice(a, b)``: geometric steps from ``a`` (first group) to ``b`` (last), fastcore's ``even_mults``;
* ``slice(None, b)``: ``b/10`` for every group but the last, which gets ``b``;
* a sequence: one value per group (a single value goes to every group).

The groups sweep together: ``start_g / start_last == end_g / end_last`` for every group (checked, to 1e-9), so each
group's LR is a fixed multiple of the recorded one at every step, and the chart's one x axis can be read in any
group's LR. fastai would also run mismatched ratios; we refuse them, since no single axis could show that curve.
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

#: How far ``start_g / start_last`` and ``end_g / end_last`` may differ (relative) and still count as one ratio:
#: slices computed by ``even_mults`` differ in the last bits.
RATIO_TOLERANCE = 1e-9


def even_mults(start: float, stop: float, n: int) -> list[float]:
    """``n`` geometric steps from ``start`` to ``stop``, computed exactly as fastcore's ``even_mults``."""
    if n == 1:
        return [stop]
    step = (stop / start) ** (1 / (n - 1))
    return [start * (step**i) for i in range(n)]


def slice_lrs(start: float | None, stop: float, n_groups: int) -> list[float]:
    """fastai's ``set_hyper`` rule for ``slice(start, stop)`` over ``n_groups`` groups (values already checked)."""
    if start is None:
        return [stop / 10] * (n_groups - 1) + [stop]
    return even_mults(start, stop, n_groups)


@dataclass(frozen=True)
class GroupLRRange:
    """The range test's LR range of every param group: ``starts[g]`` to ``ends[g]``; the last group is recorded."""

    starts: tuple[float, ...]
    ends: tuple[float, ...]

    @property
    def start_lr(self) -> float:
        """The recorded (last) group's first LR: the x axis starts here."""
        return self.starts[-1]

    @property
    def end_lr(self) -> float:
        """The recorded (last) group's end LR."""
        return self.ends[-1]

    @property
    def uniform(self) -> bool:
        """Whether every group gets the same LR (a plain range test)."""
        return len(set(self.starts)) == 1 and len(set(self.ends)) == 1

    @property
    def ratios(self) -> list[float] | None:
        """Each group's LR over the recorded group's, or None when every group gets the same LR."""
        return None if self.uniform else [start / self.start_lr for start in self.starts]

    def arguments(self) -> tuple[float | list[float], float | list[float]]:
        """``start_lr``, ``end_lr`` for ``range_test``: two numbers, or one list each for a discriminative test."""
        if self.uniform:
            return self.start_lr, self.end_lr
        return list(self.starts), list(self.ends)

    def result_fields(self) -> dict[str, Any]:
        """The fields of a RangeTestResult that say what range ran: per-group lists only for a discriminative test."""
        return {"start_lr": self.start_lr, "end_lr": self.end_lr,
                "group_start_lrs": None if self.uniform else list(self.starts),
                "group_end_lrs": None if self.uniform else list(self.ends)}


def group_lr_range(start_lr: Any, end_lr: Any, n_groups: int | None) -> GroupLRRange:
    """Checks ``start_lr`` / ``end_lr`` and spreads them over ``n_groups`` param groups; ValueError when wrong.

    ``n_groups=None`` (not known yet) takes the length of a sequence, else 1; a slice then needs it known.
    """
    n = n_groups if n_groups is not None else _sequence_length(start_lr, end_lr)
    starts, given_starts = _per_group(start_lr, "start_lr", n, n_groups is not None)
    ends, given_ends = _per_group(end_lr, "end_lr", n, n_groups is not None)
    if len(starts) != len(ends):
        raise ValueError(f"start_lr has {len(starts)} values but end_lr has {len(ends)}: give one per param group")
    # One value for every group (a number, or equal values): the messages need not name a group.
    one_range = len(set(starts)) == 1 and len(set(ends)) == 1
    for group, (start, end) in enumerate(zip(given_starts, given_ends, strict=True)):
        in_group = "" if one_range else f" in param group {group}"
        named = (f"start_lr={start!r} >= end_lr={end!r}" if one_range else
                 f"start_lr[{group}]={start!r} >= end_lr[{group}]={end!r}")
        if starts[group] >= ends[group]:
            raise ValueError(f"start_lr must be below end_lr{in_group}, got {named}")
        ratio = ends[group] / starts[group]
        if not math.isfinite(ratio):
            raise ValueError(f"end_lr / start_lr must be a finite number{in_group}, got {end!r} / {start!r} = {ratio}: "
                             "the schedule's LRs would overflow to inf; narrow the range")
    start_ratios = [start / starts[-1] for start in starts]
    end_ratios = [end / ends[-1] for end in ends]
    if not all(math.isclose(a, b, rel_tol=RATIO_TOLERANCE) for a, b in zip(start_ratios, end_ratios, strict=True)):
        raise ValueError(
            "start_lr and end_lr must keep the same ratios between param groups, so that the groups sweep together "
            f"and the chart can show every group's LR: start_lr / start_lr[-1] = {_fmt(start_ratios)} but "
            f"end_lr / end_lr[-1] = {_fmt(end_ratios)}"
        )
    return GroupLRRange(tuple(starts), tuple(ends))


def _sequence_length(*values: Any) -> int:
    for value in values:
        items = _as_sequence(value)
        if items is not None:
            return len(items)
    return 1


def _as_sequence(value: Any) -> list[Any] | None:
    if hasattr(value, "tolist") and hasattr(value, "ndim"):  # numpy arrays and tensors, without importing either
        value = value.tolist() if value.ndim > 0 else None
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return list(value)
    return None


def _check_value(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)


def _per_group(value: Any, name: str, n_groups: int, groups_known: bool) -> tuple[list[float], list[Any]]:
    """Each group's value as a float, and as given (for messages that name what the user wrote)."""
    if isinstance(value, slice):
        if value.step is not None or value.stop is None:
            raise ValueError(f"{name}={value!r}: a slice of learning rates is slice(first_group, last_group) or "
                             "slice(None, last_group), without a step")
        if not groups_known:
            raise ValueError(f"{name}={value!r}: a slice needs the number of param groups, which is not known here")
        stop = _check_value(value.stop, f"{name}.stop")
        start = None if value.start is None else _check_value(value.start, f"{name}.start")
        spread = slice_lrs(start, stop, n_groups)
        return spread, list(spread)
    items = _as_sequence(value)
    if items is None:
        items = [value.item() if hasattr(value, "item") else value]
        name_of = {0: name}
    else:
        name_of = {i: f"{name}[{i}]" for i in range(len(items))}
    values = [_check_value(item, name_of[i]) for i, item in enumerate(items)]
    if len(values) == 1:
        return values * n_groups, items * n_groups
    if len(values) != n_groups:
        raise ValueError(f"{name} has {len(values)} values but the optimizer has {n_groups} param group"
                         f"{'s' if n_groups != 1 else ''}: give one value per group, one number, or a slice")
    return values, items


def _fmt(values: Sequence[float]) -> str:
    return "[" + ", ".join(f"{value:.6g}" for value in values) + "]"
