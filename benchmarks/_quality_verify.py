"""``w.verify()`` as the benchmark runs it: the library's own trials around a pick, trained on the user's learner.

For each range test (task, seed) the trials are exactly those the widget trains: the pick × {1/3, 1, 3} kept inside
the tested range (:func:`lrwidget.train.verify.default_trial_lrs`), then one more a step beyond when the best is at
an edge (:func:`~lrwidget.train.verify.edge_trial_lr`); the hi handle then goes to
:func:`~lrwidget.train.verify.verified_lr` (the bottom of the parabola through the best trial and its neighbours),
and for comparison the best trial's own LR is kept too. Every
trial trains a fresh learner of the same seed as the range test: the widget's trials start from the user's model,
restored to where the range test found it. Each trial's single-seed validation loss is all that verify sees, so its
noise is part of what is measured; the verified LR is then scored like every other pick.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from _quality_jobs import run_jobs

from lrwidget.train.verify import Trial, best_trial, default_trial_lrs, edge_trial_lr, verified_lr

#: The range test's LR range (``lr_find``'s defaults), where the hi handle and so every trial must stay.
LOW, HIGH = 1e-7, 10.0


@dataclass(frozen=True)
class Verified:
    """A verification's outcome: the LR it moves the hi handle to, the best trial's LR, and its cost in trainings."""

    lr: float
    best_trial_lr: float
    trainings: int


def _trial(lr: float, loss: float) -> Trial:
    return Trial(lr, loss, "done" if math.isfinite(loss) else "diverged")


def verify_picks(picks: Mapping[tuple[int, int], float], epochs_of: Callable[[int], int],
                 workers: int) -> dict[tuple[int, int], Verified]:
    """The verified LR for each (task, seed)'s pick, trials trained in two rounds (the edge trials second)."""
    trials: dict[tuple[int, int], list[Trial]] = {key: [] for key in picks}

    def train(lrs_of: Mapping[tuple[int, int], list[float]]) -> None:
        jobs = [("train", task, seed, lr, epochs_of(task)) for (task, seed), lrs in lrs_of.items() for lr in lrs]
        results = run_jobs(jobs, workers)
        for (task, seed), lrs in lrs_of.items():
            trials[(task, seed)] += [_trial(lr, results[("train", task, seed, lr, epochs_of(task))][0]) for lr in lrs]

    train({key: default_trial_lrs(pick, LOW, HIGH) for key, pick in picks.items() if math.isfinite(pick)})
    edges = {key: edge_trial_lr(tried, LOW, HIGH) for key, tried in trials.items()}
    train({key: [lr] for key, lr in edges.items() if lr is not None})
    verified = {}
    for key, tried in trials.items():
        best, fitted = best_trial(tried), verified_lr(tried)
        verified[key] = Verified(picks[key] if fitted is None else fitted,
                                 picks[key] if best is None else best.lr, len(tried))
    return verified
