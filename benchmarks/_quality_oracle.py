"""The oracle of the suggestion-quality benchmark: a grid of LRs, trained with as many seeds as its best point needs.

One training's final validation loss varies a lot from seed to seed on these small tasks (a quarter of its value on
the digits tasks), so a grid scored on a few seeds crowns a lucky LR, and every method's regret is then measured
against a loss that a fresh set of seeds would not reproduce. Here:

1. every grid LR is trained on ``base_seeds`` seeds;
2. the candidates, the grid LRs whose mean is within :data:`CANDIDATE_MARGIN` of the best mean, are trained on more
   seeds, doubling the count, until the best candidate's mean has a relative standard error of at most
   ``target_se`` or the count reaches ``max_seeds``; the oracle is the best candidate on all of them;
3. the oracle LR is trained once more on as many fresh seeds, never used before: how far that mean lands from the
   oracle's loss is the benchmark's own reproducibility (the "retrained" column).
"""
from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from _quality_jobs import Job, run_jobs

#: A grid LR stays a candidate for the oracle while its mean final loss is within this fraction of the best.
CANDIDATE_MARGIN = 0.25
#: The fresh seeds of the retrained oracle start here (the benchmark's other seeds count up from 0).
FRESH_SEEDS_FROM = 1_000_000
#: A diverged mean (inf) counts as this loss, so that a pick between a diverged LR and a finite one interpolates.
DIVERGED_LOSS = 1e6


def loss_curve(lrs: Sequence[float], mean_losses: Sequence[float]) -> np.ndarray:
    """[log10(lr), mean final loss] per grid LR, a diverged mean as :data:`DIVERGED_LOSS`."""
    return np.array([[math.log10(lr), min(loss, DIVERGED_LOSS)] for lr, loss in zip(lrs, mean_losses, strict=True)])


def interpolated_loss(curve: np.ndarray, lr: float) -> float:
    """The mean final loss at ``lr`` on a :func:`loss_curve`, interpolated in log10(lr) between grid LRs (clamped at
    the grid's ends); an LR that is not finite and > 0 (a method that could not answer) as :data:`DIVERGED_LOSS`."""
    if not (math.isfinite(lr) and lr > 0):
        return DIVERGED_LOSS
    return float(np.interp(math.log10(lr), curve[:, 0], curve[:, 1]))


def row_loss_curve(row: dict[str, Any]) -> np.ndarray:
    """The :func:`loss_curve` of one task's row in ``suggestion_quality.py --json`` (its ``grid``)."""
    return loss_curve([lr for lr, *_ in row["grid"]], [loss for _lr, loss, *_ in row["grid"]])


def row_regret(row: dict[str, Any], lrs: Sequence[float]) -> float:
    """Picks scored as the benchmark scores them: the mean of the grid's mean loss at each / the oracle's − 1."""
    curve = row_loss_curve(row)
    return statistics.fmean(interpolated_loss(curve, lr) for lr in lrs) / row["oracle_loss"] - 1


@dataclass
class Grid:
    """One task's grid: each LR's final (valid loss, accuracy) per seed."""

    task: int
    epochs: int
    lrs: list[float]
    runs: list[dict[int, tuple[float, float]]] = field(default_factory=list)  # per LR: {seed: (loss, accuracy)}
    seeds: int = 0  # the oracle's candidates are trained on seeds 0 .. seeds-1
    retrained: list[float] = field(default_factory=list)  # the oracle LR's losses on fresh seeds

    def mean(self, index: int) -> float:
        return statistics.fmean(loss for loss, _acc in self.runs[index].values())

    def mean_accuracy(self, index: int) -> float:
        return statistics.fmean(acc for _loss, acc in self.runs[index].values())

    def relative_se(self, index: int) -> float:
        losses = [loss for loss, _acc in self.runs[index].values()]
        if len(losses) < 2 or not all(map(math.isfinite, losses)):
            return math.inf
        return statistics.stdev(losses) / math.sqrt(len(losses)) / statistics.fmean(losses)

    def candidates(self) -> list[int]:
        means = [self.mean(index) for index in range(len(self.lrs))]
        best = min(means)
        return [index for index, mean in enumerate(means) if mean <= (1 + CANDIDATE_MARGIN) * best]

    @property
    def oracle(self) -> int:
        """The grid index of the best LR among those trained on every seed."""
        full = [index for index in range(len(self.lrs)) if len(self.runs[index]) >= self.seeds]
        return min(full, key=self.mean)

    def mean_curve(self) -> np.ndarray:
        """The grid's :func:`loss_curve`: [log10(lr), mean final loss] per grid LR."""
        return loss_curve(self.lrs, [self.mean(index) for index in range(len(self.lrs))])


def _train_jobs(grid: Grid, indices: Sequence[int], seeds: Sequence[int]) -> list[Job]:
    return [("train", grid.task, seed, grid.lrs[index], grid.epochs) for index in indices for seed in seeds
            if seed not in grid.runs[index]]


def build_grids(tasks: Sequence[int], lrs: Sequence[float], epochs_of: Callable[[int], int], base_seeds: int,
                max_seeds: int, target_se: float, workers: int) -> dict[int, Grid]:
    """Each task's grid, refined around its oracle and retrained on fresh seeds (see the module docstring)."""
    grids = {task: Grid(task, epochs_of(task), [float(lr) for lr in lrs], [{} for _ in lrs], base_seeds)
             for task in tasks}
    jobs = [job for grid in grids.values() for job in _train_jobs(grid, range(len(lrs)), range(base_seeds))]
    while jobs:
        for job, result in run_jobs(jobs, workers).items():
            _kind, task, seed, lr, _epochs = job
            grids[task].runs[grids[task].lrs.index(lr)][seed] = result
        jobs = []
        for grid in grids.values():
            candidates = grid.candidates()
            missing = _train_jobs(grid, candidates, range(grid.seeds))  # a new candidate catches up first
            if not missing and grid.relative_se(grid.oracle) > target_se and grid.seeds < max_seeds:
                grid.seeds = min(2 * grid.seeds, max_seeds)
                missing = _train_jobs(grid, candidates, range(grid.seeds))
            jobs += missing
    fresh = [("train", grid.task, FRESH_SEEDS_FROM + seed, grid.lrs[grid.oracle], grid.epochs)
             for grid in grids.values() for seed in range(grid.seeds)]
    for job, (loss, _acc) in sorted(run_jobs(fresh, workers).items()):
        grids[job[1]].retrained.append(loss)
    return grids
