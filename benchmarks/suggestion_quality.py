"""How good are the suggested learning rates? Each method's pick against the best LR of a grid, and verify's.

For every task of ``_quality_tasks.TASKS`` (small MLPs and CNNs on scikit-learn data, Adam and SGD, BatchNorm, a
frozen-body ``fine_tune``, 2 to 24 epochs, classification and regression):

1. oracle: train with ``fit_one_cycle`` (or ``fine_tune``) at every LR of a log grid over 1e-5…10; the LRs near the
   best get more seeds until its mean is known to ±``--target-se`` (see ``_quality_oracle``); the oracle LR is the
   grid LR with the lowest mean final validation loss, and it is retrained on as many fresh seeds to show how well
   that loss reproduces;
2. suggestions: per seed, a range test on a fresh learner (``lrwidget.range_test`` with ``Learner.lr_find``'s
   defaults: 1e-7…10, 100 iterations, stop on divergence), then each method's suggestion;
3. verified: ``w.verify()``'s trials around the default method's pick, trained on that seed (``_quality_verify``);
4. regret = the grid's mean final loss at the pick (interpolated in log10 LR between grid LRs, averaged over the
   range tests) / the oracle's mean loss − 1; the accuracy gap is the same for accuracy, in points. Scoring a pick
   on the grid's many-seed mean rather than on one training keeps a lucky seed from passing as a good LR.

Every job seeds Python's ``random``, NumPy and torch (``_quality_jobs``). Usage: ``python
benchmarks/suggestion_quality.py [--quick] [--write] [--seeds N] [--max-seeds N] [--range-tests N] [--grid N]
[--workers N] [--json PATH]``. ``--quick`` is a CI smoke run (2 tasks, coarse grid, short budgets; under a minute)
that never writes; ``--write`` replaces the ``## Suggestion quality`` section of BENCHMARKS.md; ``--json`` saves
every curve and score for inspection (nothing is cached between runs).
"""
from __future__ import annotations

import argparse
import datetime
import functools
import json
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "benchmarks"), str(ROOT)]  # runs from a checkout, installed or not
from _common import markdown_table, replace_section  # noqa: E402
from _quality_jobs import run_jobs  # noqa: E402
from _quality_oracle import Grid, build_grids, interpolated_loss  # noqa: E402
from _quality_tasks import TASKS, Task  # noqa: E402
from _quality_verify import verify_picks  # noqa: E402

from lrwidget.engine.rangetest import RangeTestResult  # noqa: E402
from lrwidget.suggest import minimum, slide, steep, sweetspot, valley  # noqa: E402

METHOD_NAMES = ("valley", "steep", "minimum", "slide", "sweetspot")
DEFAULT_METHOD = "sweetspot"  # the pick that verify starts from: the hi handle's default
VERIFIED = "verified"
WITHIN = 0.10  # "near the oracle": final loss within 10% of the oracle's


def methods_for(task: Task) -> dict[str, Callable[..., Any]]:
    """The suggestion functions, as a user planning this task's training call would pass them to ``lr_find``."""
    return {"valley": valley, "steep": steep, "minimum": minimum, "slide": slide,
            "sweetspot": functools.partial(sweetspot, fine_tune=task.fine_tune)}


def suggest_all(curve: dict[str, Any], methods: dict[str, Callable[..., Any]]) -> dict[str, float]:
    """Each method's suggestion on a recorded curve, through ``RangeTestResult.suggest``; NaN when one cannot answer."""
    result = RangeTestResult(lrs=curve["lrs"], losses=curve["losses"], raw_losses=curve["raw_losses"],
                             stop_reason=curve["stop_reason"], num_it=curve["num_it"])
    picks = {}
    for name, func in methods.items():
        try:
            picks[name] = float(result.suggest(func)[0])
        except ValueError:
            picks[name] = math.nan
    return picks


def score(grid: Grid, lrs: Sequence[float]) -> dict[str, Any]:
    """A method's picks (one per range test) scored on the grid's mean curve: regrets per pick and on average."""
    oracle_loss = grid.mean(grid.oracle)
    curve = grid.mean_curve()
    losses = [interpolated_loss(curve, lr) for lr in lrs]
    mean_accuracies = [grid.mean_accuracy(index) for index in range(len(grid.lrs))]
    accuracies = [float(np.interp(math.log10(lr), curve[:, 0], mean_accuracies))
                  if math.isfinite(lr) and lr > 0 else math.nan for lr in lrs]
    return {"lrs": list(lrs), "regrets": [loss / oracle_loss - 1 for loss in losses],
            "regret": statistics.fmean(losses) / oracle_loss - 1,
            "acc_gap": 100 * (statistics.fmean(accuracies) - grid.mean_accuracy(grid.oracle))}


def evaluate(task_indices: Sequence[int], grid_lrs: np.ndarray, epochs_of: Callable[[Task], int],
             args: argparse.Namespace) -> list[dict[str, Any]]:
    """Runs everything for the tasks; one dict per task with the grid, the oracle, and each method's picks and
    scores."""
    def epochs(task: int) -> int:
        return epochs_of(TASKS[task])

    grids = build_grids(task_indices, grid_lrs, epochs, args.seeds, args.max_seeds, args.target_se, args.workers)
    seeds = range(args.range_tests)
    curves = run_jobs([("range", t, s) for t in task_indices for s in seeds], args.workers)
    picks = {(t, s): suggest_all(curves[("range", t, s)], methods_for(TASKS[t])) for t in task_indices for s in seeds}
    verified = verify_picks({key: chosen[DEFAULT_METHOD] for key, chosen in picks.items()}, epochs, args.workers)
    rows = []
    for t in task_indices:
        task, grid = TASKS[t], grids[t]
        oracle = grid.oracle
        label = f"{task.name}, fine_tune({grid.epochs})" if task.fine_tune else f"{task.name}, {grid.epochs} ep"
        row: dict[str, Any] = {
            "task": label, "task_index": t, "epochs": grid.epochs, "fine_tune": task.fine_tune,
            "optimizer": task.optimizer,
            "oracle_lr": grid.lrs[oracle], "oracle_loss": grid.mean(oracle), "oracle_acc": grid.mean_accuracy(oracle),
            "oracle_seeds": grid.seeds, "oracle_se": grid.relative_se(oracle),
            "retrained_loss": statistics.fmean(grid.retrained), "retrained_seed_losses": grid.retrained,
            "oracle_seed_losses": [loss for _seed, (loss, _acc) in sorted(grid.runs[oracle].items())],
            "grid": [[lr, grid.mean(i), grid.mean_accuracy(i), len(grid.runs[i])] for i, lr in enumerate(grid.lrs)],
            "grid_seed_losses": [[grid.runs[i][s][0] for s in range(args.seeds)] for i in range(len(grid.lrs))],
            "curves": [curves[("range", t, s)] for s in seeds], "methods": {}}
        for name in METHOD_NAMES:
            row["methods"][name] = score(grid, [picks[(t, s)][name] for s in seeds])
        row["methods"][VERIFIED] = score(grid, [verified[(t, s)].lr for s in seeds])
        row["methods"][VERIFIED]["trainings"] = [verified[(t, s)].trainings for s in seeds]
        row["verified_best_trial"] = score(grid, [verified[(t, s)].best_trial_lr for s in seeds])
        rows.append(row)
    return rows


def _regret_text(regret: float) -> str:
    return "diverged" if not math.isfinite(regret) else f"{100 * regret:+.0f}%"


def _lr_text(lrs: Sequence[float]) -> str:
    finite = [lr for lr in lrs if math.isfinite(lr) and lr > 0]
    return f"{math.exp(statistics.fmean(math.log(lr) for lr in finite)):.1e}" if finite else "n/a"


def _oracle_text(row: dict[str, Any]) -> str:
    retrained = row["retrained_loss"] / row["oracle_loss"] - 1
    return (f"{row['oracle_lr']:.1e} ({row['oracle_loss']:.4g}, {row['oracle_seeds']} seeds, "
            f"retrained {100 * retrained:+.1f}%)")


def summary_rows(rows: list[dict[str, Any]], methods: Sequence[str]) -> list[list[str]]:
    """Within 10% (tasks, and single range-test picks), median and worst regret, per method."""
    regrets = {name: [row["methods"][name]["regret"] for row in rows] for name in methods}
    picks = {name: [r for row in rows for r in row["methods"][name]["regrets"]] for name in methods}
    return [
        [f"**tasks within {WITHIN:.0%} of the oracle**", "",
         *(f"**{sum(r <= WITHIN for r in regrets[n])}/{len(rows)}**" for n in methods)],
        [f"**range-test picks within {WITHIN:.0%}**", "",
         *(f"**{sum(r <= WITHIN for r in picks[n])}/{len(picks[n])}**" for n in methods)],
        ["**median regret**", "", *(f"**{_regret_text(statistics.median(regrets[n]))}**" for n in methods)],
        ["**worst regret**", "", *(f"**{_regret_text(max(regrets[n]))}**" for n in methods)],
    ]


def _best_trial_text(rows: list[dict[str, Any]]) -> str:
    """How verify would do if hi went to the best trial instead of the fitted bottom (the same trials)."""
    regrets = [row["verified_best_trial"]["regret"] for row in rows]
    picks = [r for row in rows for r in row["verified_best_trial"]["regrets"]]
    return (f"Moving hi to the best trial itself instead of the bottom of the fitted parabola: "
            f"{sum(r <= WITHIN for r in regrets)}/{len(rows)} tasks and {sum(r <= WITHIN for r in picks)}/{len(picks)}"
            f" picks within {WITHIN:.0%}, median {_regret_text(statistics.median(regrets))}, worst "
            f"{_regret_text(max(regrets))}.")


def report(rows: list[dict[str, Any]], methods: Sequence[str]) -> str:
    """The markdown tables: per-task regret (accuracy gap) per method, the summary, and the LRs picked."""
    header = ["task", "oracle LR (loss, seeds, retrained)", *methods]
    body = []
    for row in rows:
        cells = [row["task"], _oracle_text(row)]
        for name in methods:
            result = row["methods"][name]
            gap = f" ({result['acc_gap']:+.1f} pt)" if math.isfinite(result["acc_gap"]) else ""
            cells.append(_regret_text(result["regret"]) + gap)
        body.append(cells)
    body += summary_rows(rows, methods)
    retrained = [abs(row["retrained_loss"] / row["oracle_loss"] - 1) for row in rows]
    trainings = [n for row in rows for n in row["methods"][VERIFIED]["trainings"]]
    lr_table = markdown_table(["task", "oracle LR", *methods], [
        [row["task"], f"{row['oracle_lr']:.1e}", *(_lr_text(row["methods"][name]["lrs"]) for name in methods)]
        for row in rows])
    return (markdown_table(header, body)
            + f"\n\nThe oracle retrained on fresh seeds lands within 5% of its loss on "
            f"{sum(r <= 0.05 for r in retrained)}/{len(rows)} tasks (median {100 * statistics.median(retrained):.1f}%,"
            f" worst {100 * max(retrained):.1f}%). {VERIFIED} costs {statistics.fmean(trainings):.2f} planned trainings"
            f" on average ({min(trainings)} to {max(trainings)}), starting from {DEFAULT_METHOD}'s pick. "
            + _best_trial_text(rows)
            + "\n\nLearning rates picked (geometric mean over the range tests):\n\n" + lr_table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="CI smoke run: 2 tasks, coarse grid; never writes")
    parser.add_argument("--write", action="store_true",
                        help="replace the ## Suggestion quality section of BENCHMARKS.md")
    parser.add_argument("--seeds", type=int, default=4, help="seeds per grid LR (default 4)")
    parser.add_argument("--max-seeds", type=int, default=64, help="most seeds for the oracle's candidates (64)")
    parser.add_argument("--target-se", type=float, default=0.02,
                        help="relative standard error of the oracle's mean loss to reach (default 0.02)")
    parser.add_argument("--range-tests", type=int, default=8, help="range tests (seeds) per task (default 8)")
    parser.add_argument("--grid", type=int, default=25, help="grid points over 1e-5..10 (default 25)")
    parser.add_argument("--tasks", type=str, default=None, help="comma-separated task numbers (default: all)")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1), help="worker processes")
    parser.add_argument("--json", type=Path, default=None, help="save every curve and score to this file")
    args = parser.parse_args()
    task_indices = [int(t) for t in args.tasks.split(",")] if args.tasks else list(range(len(TASKS)))

    def epochs_of(task: Task) -> int:
        return task.epochs

    if args.quick:
        task_indices, args.grid, args.seeds, args.max_seeds, args.range_tests = [0, 2], 7, 2, 4, 2

        def epochs_of(task: Task) -> int:
            return min(task.epochs, 2)

    grid = np.logspace(-5, 1, args.grid)
    started = time.perf_counter()
    rows = evaluate(task_indices, grid, epochs_of, args)
    elapsed = time.perf_counter() - started
    methods = [*METHOD_NAMES, VERIFIED]
    command = "python benchmarks/suggestion_quality.py " + " ".join(sys.argv[1:])
    text = "\n".join([
        f"Measured {datetime.date.today().isoformat()} with `{command.strip()}` on {platform.node() or 'this machine'}"
        f" ({platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, torch"
        f" {torch.__version__}), {args.workers} worker(s) with 1 torch thread each, {elapsed / 60:.1f} min.",
        f"Oracle: the best of {args.grid} log-spaced LRs over 1e-5…10 by mean final valid loss, each LR trained on"
        f" {args.seeds} seeds and the LRs within 25% of the best on more, up to {args.max_seeds}, until the best's"
        f" mean has a standard error of {100 * args.target_se:g}%. Each cell: regret = the grid's mean loss at the"
        f" method's picks ({args.range_tests} range tests) / the oracle's − 1 (accuracy gap in points,"
        f" classification). sweetspot gets `fine_tune=True` on the fine_tune tasks; it was designed on the first 7"
        " tasks and revised on the first 12, so tasks 13-18 are its fairest test; its rule for a curve with no"
        " descent was made for task 19 (see `_quality_tasks.py`). verified: `w.verify()` from sweetspot's pick.",
        "", report(rows, methods),
    ])
    print(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, default=float))
    if args.write and not args.quick:
        replace_section("Suggestion quality", text)


if __name__ == "__main__":
    main()
