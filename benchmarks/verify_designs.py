"""How close can a verification of at most 4 trainings get? ``w.verify()`` against other designs and two bounds.

Reads the JSON of ``suggestion_quality.py --json``: each task's grid and oracle, and each range test's sweetspot
pick. Each range test's learner (the same task and seed) is trained on a lattice of LRs around its pick, pick ×
3^(k/2) for the k the designs ask for (0, ±1, ±2, ±4, ±6), at the planned budget, and for k = 0, ±2, ±4 at a quarter
of it (at least one epoch).
Every design chooses its LR from those trainings and is scored as suggestion_quality scores a pick: the grid's mean
loss there / the oracle's − 1. A job is a pure function of (task, seed, lr, epochs) (``_quality_jobs``), so the
first row repeats suggestion_quality's "verified" column exactly. The designs:

- ``w.verify()``: the library's trials and pick (``default_trial_lrs``, ``edge_trial_lr``, ``verified_lr``);
- the same trials with hi at the best trial;
- 4 trials always: the same, and when the best of the first three is inside, a 4th √3 toward the fitted bottom;
- successive halving: pick × {1/9, 1/3, 1, 3, 9} at a quarter budget, then the best of those × {1/3, 1, 3} at the
  full budget, and hi at the fitted bottom of those three (as ``w.verify()``);

and, to show where the floor is, three that train nothing new:

- the single-seed grid search: on each of the grid's base seeds, the grid LR with the lowest loss (25 trainings);
- noise-free trials: ``w.verify()``'s design with each trial's loss read from the grid's many-seed mean;
- repeats: the median of 3 range tests' sweetspot picks (``w.run(repeats=3)``'s default), over every 3 of the 8.

Usage: ``python benchmarks/verify_designs.py RESULTS.json [--workers N] [--write]`` (``--write`` replaces the
``## Verify designs`` section of BENCHMARKS.md).
"""
from __future__ import annotations

import argparse
import datetime
import itertools
import json
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "benchmarks"), str(ROOT)]  # runs from a checkout, installed or not
from _common import markdown_table, replace_section  # noqa: E402
from _quality_jobs import Job, run_jobs  # noqa: E402
from _quality_oracle import interpolated_loss, row_loss_curve  # noqa: E402
from _quality_verify import HIGH, LOW  # noqa: E402

from lrwidget.train.verify import Trial, best_trial, default_trial_lrs, edge_trial_lr, verified_lr  # noqa: E402

# k: the LR pick × 3^(k/2). w.verify() trains k = 0, ±2 and ±4, the 4th trial ±1, and successive halving ±2 around
# its best short trial, which may be at ±4: so up to ±6 (27 times the pick).
LATTICE = (-6, -4, -2, -1, 0, 1, 2, 4, 6)
SHORT_LATTICE = (-4, -2, 0, 2, 4)
SHORT_FRACTION = 0.25
WITHIN = 0.10
REPEATS = 3
NAMED_MISSES = 3


@dataclass(frozen=True)
class RangeTest:
    """One range test of the results: its task, seed and sweetspot pick, and the planned epochs."""

    task: int
    seed: int
    pick: float
    epochs: int

    @property
    def short_epochs(self) -> int:
        return max(1, round(self.epochs * SHORT_FRACTION))

    def lattice_lr(self, k: float) -> float:
        return min(max(self.pick * 3 ** (k / 2), LOW), HIGH)

    def jobs(self) -> list[Job]:
        return ([("train", self.task, self.seed, self.lattice_lr(k), self.epochs) for k in LATTICE]
                + [("train", self.task, self.seed, self.lattice_lr(k), self.short_epochs) for k in SHORT_LATTICE])


class Trainer:
    """A design's view of the trainings: the final validation loss at any lattice LR, and the cost it has run up."""

    def __init__(self, test: RangeTest, results: dict[Job, Any]) -> None:
        self.test, self.results, self.cost = test, results, 0.0

    def train(self, lr: float, short: bool = False) -> Trial:
        """One training at ``lr``, which must be on the lattice (up to rounding); its cost counts."""
        epochs = self.test.short_epochs if short else self.test.epochs
        k = min(LATTICE, key=lambda k: abs(math.log(self.test.lattice_lr(k) / lr)))
        if not math.isclose(self.test.lattice_lr(k), lr, rel_tol=1e-9):
            raise ValueError(f"{lr} is not on the lattice around {self.test.pick}")
        self.cost += epochs / self.test.epochs
        loss = self.results[("train", self.test.task, self.test.seed, self.test.lattice_lr(k), epochs)][0]
        return Trial(lr, loss, "done" if math.isfinite(loss) else "diverged")


def fitted(trials: Sequence[Trial], fallback: float) -> float:
    """Where ``w.verify()`` moves hi after these trials (:func:`verified_lr`), or ``fallback`` if none finished."""
    lr = verified_lr(trials)
    return fallback if lr is None else lr


def verify(trainer: Trainer, pick: float) -> list[Trial]:
    """``w.verify()``'s trials: the defaults around the pick, and the edge step when the best is at an edge."""
    trials = [trainer.train(lr) for lr in default_trial_lrs(pick, LOW, HIGH)]
    edge = edge_trial_lr(trials, LOW, HIGH)
    return trials if edge is None else [*trials, trainer.train(edge)]


def as_verify(trainer: Trainer) -> float:
    return fitted(verify(trainer, trainer.test.pick), trainer.test.pick)


def best_of_verify(trainer: Trainer) -> float:
    best = best_trial(verify(trainer, trainer.test.pick))
    return trainer.test.pick if best is None else best.lr


def four_always(trainer: Trainer) -> float:
    pick = trainer.test.pick
    trials = verify(trainer, pick)
    if len(trials) == 3 and best_trial(trials) == trials[1]:  # the best is the pick, between the other two
        toward_bottom = 1 if fitted(trials, pick) > pick else -1
        trials.append(trainer.train(trainer.test.lattice_lr(toward_bottom)))
    return fitted(trials, pick)


def successive_halving(trainer: Trainer) -> float:
    short = [trainer.train(trainer.test.lattice_lr(k), short=True) for k in SHORT_LATTICE]
    best = best_trial(short)
    centre = trainer.test.pick if best is None else best.lr
    return fitted([trainer.train(lr) for lr in default_trial_lrs(centre, LOW, HIGH)], centre)


DESIGNS: dict[str, Callable[[Trainer], float]] = {
    "`w.verify()`: pick × {1/3, 1, 3}, the edge step, fitted": as_verify,
    "the same trials, hi at the best": best_of_verify,
    "4 trials always (a 4th √3 toward the fitted bottom)": four_always,
    "successive halving: 5 LRs at ¼ budget, then 3 around the best": successive_halving,
}


def range_tests(rows: Sequence[dict[str, Any]]) -> list[list[RangeTest]]:
    return [[RangeTest(row["task_index"], seed, pick, row["epochs"])
             for seed, pick in enumerate(row["methods"]["sweetspot"]["lrs"]) if math.isfinite(pick)] for row in rows]


def scored(rows: Sequence[dict[str, Any]], losses_by_task: Sequence[Sequence[float]], cost: str) -> list[str]:
    """A table row: trainings, tasks and picks within 10% of the oracle, median and worst task regret, and the tasks
    missed (their model and optimizer) when there are at most :data:`NAMED_MISSES`."""
    regrets = [statistics.fmean(losses) / row["oracle_loss"] - 1 for row, losses in zip(rows, losses_by_task,
                                                                                           strict=True)]
    picks = [loss / row["oracle_loss"] - 1 for row, losses in zip(rows, losses_by_task, strict=True) for loss in losses]
    return [cost, f"{sum(r <= WITHIN for r in regrets)}/{len(regrets)}",
            f"{sum(r <= WITHIN for r in picks)}/{len(picks)}", f"{100 * statistics.median(regrets):+.1f}%",
            f"{100 * max(regrets):+.0f}%", misses_text(rows, regrets)]


def misses_text(rows: Sequence[dict[str, Any]], regrets: Sequence[float]) -> str:
    missed = [f"{','.join(row['task'].split(',')[:2])} {100 * regret:+.0f}%"  # the model and the optimizer
              for row, regret in zip(rows, regrets, strict=True) if regret > WITHIN]
    return ", ".join(missed) if len(missed) <= NAMED_MISSES else f"{len(missed)} tasks"


def design_row(rows: Sequence[dict[str, Any]], tests: Sequence[Sequence[RangeTest]], results: dict[Job, Any],
               design: Callable[[Trainer], float]) -> list[str]:
    losses, costs = [], []
    for row, task_tests in zip(rows, tests, strict=True):
        curve, task_losses = row_loss_curve(row), []
        for test in task_tests:
            trainer = Trainer(test, results)
            task_losses.append(interpolated_loss(curve, design(trainer)))
            costs.append(trainer.cost)
        losses.append(task_losses)
    return scored(rows, losses, f"{statistics.fmean(costs):.2f}")


def single_seed_grid_search(rows: Sequence[dict[str, Any]]) -> list[str]:
    losses = []
    for row in rows:
        curve, by_seed = row_loss_curve(row), np.array(row["grid_seed_losses"], dtype=np.float64).T
        lrs = [lr for lr, *_ in row["grid"]]
        best = [lrs[int(np.nanargmin(np.where(np.isfinite(seed), seed, np.nan)))] for seed in by_seed]
        losses.append([interpolated_loss(curve, lr) for lr in best])
    return scored(rows, losses, str(len(rows[0]["grid"])))


def noise_free_verify(rows: Sequence[dict[str, Any]], tests: Sequence[Sequence[RangeTest]]) -> list[str]:
    losses, costs = [], []
    for row, task_tests in zip(rows, tests, strict=True):
        curve = row_loss_curve(row)

        def trial(lr: float, curve: np.ndarray = curve) -> Trial:
            return Trial(lr, interpolated_loss(curve, lr))

        task_losses = []
        for test in task_tests:
            trials = [trial(lr) for lr in default_trial_lrs(test.pick, LOW, HIGH)]
            edge = edge_trial_lr(trials, LOW, HIGH)
            trials += [] if edge is None else [trial(edge)]
            task_losses.append(interpolated_loss(curve, fitted(trials, test.pick)))
            costs.append(len(trials))
        losses.append(task_losses)
    return scored(rows, losses, f"{statistics.fmean(costs):.2f}")


def median_of_repeats(rows: Sequence[dict[str, Any]]) -> list[str] | None:
    """None when a task has fewer range tests than :data:`REPEATS` (``suggestion_quality.py --quick``)."""
    if any(len(row["methods"]["sweetspot"]["lrs"]) < REPEATS for row in rows):
        return None
    losses = []
    for row in rows:
        curve, picks = row_loss_curve(row), [p for p in row["methods"]["sweetspot"]["lrs"] if math.isfinite(p)]
        losses.append([interpolated_loss(curve, statistics.median_low(triple))
                       for triple in itertools.combinations(picks, REPEATS)])
    return scored(rows, losses, "0")


def report(rows: Sequence[dict[str, Any]], results: dict[Job, Any], tests: Sequence[Sequence[RangeTest]]) -> str:
    header = ["design", "trainings", "tasks within 10%", "picks within 10%", "median regret", "worst regret",
              "tasks missed"]
    table = [[name, *design_row(rows, tests, results, design)] for name, design in DESIGNS.items()]
    table += [["bound: single-seed grid search (the best of the 25 grid LRs on one seed)",
               *single_seed_grid_search(rows)],
              ["bound: `w.verify()` with noise-free trials (the grid's mean loss)", *noise_free_verify(rows, tests)]]
    repeats = median_of_repeats(rows)
    if repeats is not None:
        table.append([f"no training: the median of {REPEATS} range tests' sweetspot picks", *repeats])
    return markdown_table(header, table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", type=Path, help="the JSON of suggestion_quality.py --json")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1), help="worker processes")
    parser.add_argument("--write", action="store_true", help="replace the section of BENCHMARKS.md")
    args = parser.parse_args()
    rows = json.loads(args.results.read_text())
    tests = range_tests(rows)
    started = time.perf_counter()
    results = run_jobs([job for task_tests in tests for test in task_tests for job in test.jobs()], args.workers)
    elapsed = time.perf_counter() - started
    command = "python benchmarks/verify_designs.py " + " ".join(sys.argv[1:])
    text = "\n".join([
        f"Measured {datetime.date.today().isoformat()} with `{command.strip()}` on {platform.node() or 'this machine'}"
        f" ({platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}), {len(results)}"
        f" trainings in {elapsed / 60:.1f} min, on the results of the suggestion-quality run above ({len(rows)} tasks,"
        f" {sum(map(len, tests))} range tests). Every verification starts from that range test's sweetspot pick and"
        " trains the learner of its seed; trainings counts planned trainings (a quarter-budget one as its share).",
        "", report(rows, results, tests)])
    print(text)
    if args.write:
        replace_section("Verify designs", text)


if __name__ == "__main__":
    main()
