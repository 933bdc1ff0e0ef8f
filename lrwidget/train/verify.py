"""A verified pick, the pure part: the trials' learning rates, the planned call at each of them, and their results.

Verifying trains the planned call (``fit_one_cycle`` or ``fine_tune`` with its epochs) at a few learning rates
around the pick and moves the hi handle to the best of them (:func:`verified_lr`: the bottom of the parabola through
the best trial and its neighbours). Each trial costs one planned training, so the cost of a verification is its
number of trials, as a multiple of one training; it may spend at most
:data:`MAX_TRIALS`. The default tries the pick × {1/3, 1, 3}: 3 trainings, and a 4th one step further out when the
best of them is at an edge (:func:`edge_trial_lr`).

How a trial runs on a learner (the snapshot, the restore, the validation loss) is the backends' business:
:func:`lrwidget.backends.verify.verify_lrs`.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from lrwidget.train.plan import TrainingCall

#: At most this many planned trainings per verification (the cost budget of issue 15).
MAX_TRIALS = 4
#: The default trials: the pick divided and multiplied by 3 (half a decade each way), and the pick itself.
DEFAULT_FACTORS: tuple[float, ...] = (1 / 3, 1.0, 3.0)

TrialStatus = Literal["done", "diverged"]


@dataclass(frozen=True)
class Trial:
    """One planned training at ``lr`` (the last layer group's LR, the hi handle) and its final validation loss.

    ``status`` is ``"done"``, or ``"diverged"`` when the validation loss is NaN or infinite.
    """

    lr: float
    valid_loss: float
    status: TrialStatus = "done"

    def as_json(self) -> dict[str, Any]:
        """The trial as the view draws it (a non-finite loss as None)."""
        loss = self.valid_loss if math.isfinite(self.valid_loss) else None
        return {"lr": self.lr, "valid_loss": loss, "status": self.status}


def trial_lrs(pick: float, factors: Sequence[float] = DEFAULT_FACTORS) -> list[float]:
    """The trials' LRs: ``pick × factor`` for each factor, in order; a ValueError for a bad pick or budget."""
    if isinstance(pick, bool) or not isinstance(pick, (int, float)) or not math.isfinite(pick) or pick <= 0:
        raise ValueError(f"the pick to verify must be a finite learning rate > 0, got {pick!r}")
    return check_trial_lrs([pick * factor for factor in factors])


def default_trial_lrs(pick: float, low: float, high: float) -> list[float]:
    """The default trials around ``pick`` (× :data:`DEFAULT_FACTORS`), each kept inside the tested range
    ``[low, high]`` where the hi handle can go; an LR that clamping makes a duplicate is tried once."""
    return list(dict.fromkeys(min(max(lr, low), high) for lr in trial_lrs(pick)))


def edge_trial_lr(trials: Sequence[Trial], low: float, high: float) -> float | None:
    """One more trial when the best so far is the lowest or highest LR tried: the grid's step beyond it.

    A best at the edge of the grid says only that the best LR may lie further out (the range test's pick is often
    a few times too low: issue 15). The next LR is that edge × (or ÷) the grid's step, :data:`DEFAULT_FACTORS`' 3,
    kept inside ``[low, high]`` (the tested range, where the hi handle can go). None when the best lies inside the
    grid, when no trial finished, when the budget (:data:`MAX_TRIALS`) is spent, or when the next LR was tried.
    """
    best = best_trial(trials)
    if best is None or len(trials) >= MAX_TRIALS:
        return None
    tried = sorted(trial.lr for trial in trials)
    step = DEFAULT_FACTORS[-1]
    if best.lr == tried[-1]:
        lr = min(best.lr * step, high)
    elif best.lr == tried[0]:
        lr = max(best.lr / step, low)
    else:
        return None
    return None if lr in tried else lr


def check_trial_lrs(lrs: Sequence[float]) -> list[float]:
    """``lrs`` as floats if there are 1 to :data:`MAX_TRIALS` of them, each finite and > 0; else a ValueError."""
    lrs = list(lrs)
    if not 1 <= len(lrs) <= MAX_TRIALS:
        raise ValueError(f"a verification trains 1 to {MAX_TRIALS} trials (each costs one planned training), "
                         f"got {len(lrs)}")
    bad = [lr for lr in lrs if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not math.isfinite(lr)
           or lr <= 0]
    if bad:
        raise ValueError(f"every trial's LR must be a finite learning rate > 0, got {bad}")
    return [float(lr) for lr in lrs]


def call_at(call: TrainingCall, lr: float) -> TrainingCall:
    """``call`` with its last layer group's LR set to ``lr``, the other groups' kept at the same ratios to it.

    fine_tune: ``base_lr=lr`` (its ``lr_mult`` is the ratio). fit_one_cycle: ``lr_max`` scaled, whether a float,
    a ``slice(lo, hi)`` or one LR per group; without ``lr_max`` the call would train at the learner's default.
    """
    kwargs = dict(call.kwargs)
    if call.name == "fine_tune":
        kwargs["base_lr"] = lr
        return TrainingCall(call.name, call.epochs, kwargs)
    lr_max = kwargs.get("lr_max")
    if lr_max is None:
        raise ValueError("the fit_one_cycle call to verify has no lr_max: it would train at the learner's default "
                         "LR whatever the trial")
    if isinstance(lr_max, slice):
        start = None if lr_max.start is None else lr_max.start * lr / lr_max.stop
        kwargs["lr_max"] = slice(start, lr)
    elif isinstance(lr_max, (list, tuple)):
        kwargs["lr_max"] = [value * lr / lr_max[-1] for value in lr_max]
    else:
        kwargs["lr_max"] = lr
    return TrainingCall(call.name, call.epochs, kwargs)


def verified_lr(trials: Sequence[Trial]) -> float | None:
    """Where a verification moves the hi handle: the bottom of the parabola through the best trial and its neighbours.

    One training per LR is noisy (on the benchmark's digits tasks a seed moves the final loss by a quarter), so the
    lowest of three losses is often a lucky one. The parabola through the best finished trial and the trials either
    side of it (log10 LR against the log of the loss, or the loss when one is not positive) weighs all three: its
    vertex lies between those two neighbours. When the best is the lowest or highest LR tried (or all three are
    equal), it is the best trial's LR. None when no trial finished. On the suggestion-quality benchmark the same
    trials landed within 10% of the oracle on 18/21 tasks this way, and on 15/21 with hi at the best trial
    (BENCHMARKS.md, "Suggestion quality").
    """
    best = best_trial(trials)
    if best is None:
        return None
    finished = sorted((t for t in trials if t.status == "done" and math.isfinite(t.valid_loss)), key=lambda t: t.lr)
    index = finished.index(best)
    if not 0 < index < len(finished) - 1:
        return best.lr
    three = finished[index - 1 : index + 2]
    xs = [math.log10(trial.lr) for trial in three]
    if not xs[0] < xs[1] < xs[2]:  # an LR given twice (w.verify(lrs=...)): no parabola to fit
        return best.lr
    losses = [trial.valid_loss for trial in three]
    ys = [math.log(loss) for loss in losses] if min(losses) > 0 else losses
    # The parabola through three points: its leading coefficient is their second divided difference.
    slope_left, slope_right = (ys[1] - ys[0]) / (xs[1] - xs[0]), (ys[2] - ys[1]) / (xs[2] - xs[1])
    curvature = (slope_right - slope_left) / (xs[2] - xs[0])
    if curvature <= 0:
        return best.lr
    vertex = (xs[0] + xs[1]) / 2 - slope_left / (2 * curvature)
    return float(10 ** min(max(vertex, xs[0]), xs[2]))


def best_trial(trials: Sequence[Trial]) -> Trial | None:
    """The finished trial with the lowest finite validation loss (the first of equals), or None if there is none."""
    finite = [trial for trial in trials if trial.status == "done" and math.isfinite(trial.valid_loss)]
    return min(finite, key=lambda trial: trial.valid_loss) if finite else None


__all__ = ["DEFAULT_FACTORS", "MAX_TRIALS", "Trial", "TrialStatus", "best_trial", "call_at", "check_trial_lrs",
           "default_trial_lrs", "edge_trial_lr", "trial_lrs", "verified_lr"]
