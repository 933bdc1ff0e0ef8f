"""How good are the suggested learning rates? Each method's pick, trained, against the best LR of a grid.

For every task of ``_quality_tasks.TASKS`` (small MLPs and CNNs on scikit-learn data, Adam and SGD, BatchNorm, a
frozen-body ``fine_tune``, 2 to 24 epochs, classification and regression):

1. oracle: train with ``fit_one_cycle`` (or ``fine_tune``) at every LR of a log grid over 1e-5…10, once per seed;
   the oracle LR is the grid LR with the lowest final validation loss averaged over the seeds;
2. suggestions: per seed, a range test on a fresh learner (``lrwidget.range_test`` with ``Learner.lr_find``'s
   defaults: 1e-7…10, 100 iterations, stop on divergence), then each method's suggestion, trained with the same
   seed exactly as the grid trains;
3. regret = (mean final valid loss at the suggestions) / (oracle loss) − 1; the accuracy gap is the method's mean
   final accuracy minus the oracle LR's, in points. A run that ends in NaN counts as diverged (infinite regret).

Usage: ``python benchmarks/suggestion_quality.py [--quick] [--write] [--seeds N] [--grid N] [--workers N]
[--json PATH]``. ``--quick`` is a CI smoke run (2 tasks, coarse grid, 1 seed, short budgets; under a minute) that
never writes; ``--write`` replaces the ``## Suggestion quality`` section of BENCHMARKS.md; ``--json`` saves every
curve and score for inspection (nothing is cached between runs).
"""
from __future__ import annotations

import argparse
import datetime
import functools
import json
import math
import multiprocessing
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
from _quality_tasks import TASKS, Task  # noqa: E402

from lrwidget.engine.rangetest import RangeTestResult, range_test  # noqa: E402
from lrwidget.suggest import minimum, slide, steep, sweetspot, valley  # noqa: E402

METHOD_NAMES = ("valley", "steep", "minimum", "slide", "sweetspot")


def methods_for(task: Task) -> dict[str, Callable[..., Any]]:
    """The suggestion functions, as a user planning this task's training call would pass them to ``lr_find``."""
    return {"valley": valley, "steep": steep, "minimum": minimum, "slide": slide,
            "sweetspot": functools.partial(sweetspot, fine_tune=task.fine_tune)}


WITHIN = 0.10  # "near the oracle": final loss within 10% of the oracle's


def _init_worker() -> None:
    torch.set_num_threads(1)  # two workers on two cores; more threads only fight at OpenMP barriers


def run_range_test(task_index: int, seed: int) -> dict[str, Any]:
    """A range test with ``lr_find``'s defaults on a fresh learner of the task."""
    learner = TASKS[task_index].learner(seed)
    result = range_test(learner.model, learner.opt, learner.loss_func, learner.train_dl)
    return {"lrs": result.lrs, "losses": result.losses, "raw_losses": result.raw_losses,
            "stop_reason": result.stop_reason, "num_it": result.num_it}


def run_training(task_index: int, seed: int, lr: float, epochs: int) -> tuple[float, float]:
    """Final (valid loss, accuracy) after training a fresh learner at ``lr``; NaN accuracy for regression."""
    task = TASKS[task_index]
    learner = task.learner(seed)
    task.train(learner, lr, epochs)
    values = learner.validate()
    valid_loss = values[0] if math.isfinite(values[0]) else math.inf
    return valid_loss, values[1] if task.classification else math.nan


def _job(job: tuple[Any, ...]) -> tuple[tuple[Any, ...], Any]:
    kind, *args = job
    return job, (run_range_test(*args) if kind == "range" else run_training(*args))


def _run_jobs(jobs: Sequence[tuple[Any, ...]], workers: int) -> dict[tuple[Any, ...], Any]:
    if workers <= 1:
        _init_worker()
        return dict(map(_job, jobs))
    # Longest jobs first (many epochs), so the pool does not end on one straggler.
    ordered = sorted(jobs, key=lambda job: -(job[-1] if job[0] == "train" else 0))
    with multiprocessing.get_context("fork").Pool(workers, initializer=_init_worker) as pool:
        return dict(pool.imap_unordered(_job, ordered))


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


def evaluate(task_indices: Sequence[int], seeds: Sequence[int], grid: np.ndarray, epochs_of: Callable[[Task], int],
             workers: int) -> list[dict[str, Any]]:
    """Runs everything for the tasks; one dict per task with the grid, the oracle, and each method's picks and
    scores."""
    curves = _run_jobs([("range", t, s) for t in task_indices for s in seeds], workers)
    picks = {(t, s): suggest_all(curves[("range", t, s)], methods_for(TASKS[t])) for t in task_indices for s in seeds}
    jobs = {("train", t, s, float(lr), epochs_of(TASKS[t])) for t in task_indices for s in seeds for lr in grid}
    jobs |= {("train", t, s, lr, epochs_of(TASKS[t])) for (t, s), chosen in picks.items()
             for lr in chosen.values() if math.isfinite(lr)}
    scores = _run_jobs(sorted(jobs), workers)
    rows = []
    for t in task_indices:
        task, epochs = TASKS[t], epochs_of(TASKS[t])

        def seed_runs(lr_of_seed: Callable[[int], float], t: int = t,
                      epochs: int = epochs) -> list[tuple[float, float]]:
            return [scores.get(("train", t, s, lr_of_seed(s), epochs), (math.inf, math.nan)) for s in seeds]

        def mean_scores(lr_of_seed: Callable[[int], float]) -> tuple[float, float]:
            runs = seed_runs(lr_of_seed)
            return statistics.fmean(run[0] for run in runs), statistics.fmean(run[1] for run in runs)

        grid_scores = [mean_scores(lambda s, lr=float(lr): lr) for lr in grid]
        best = min(range(len(grid)), key=lambda i: grid_scores[i][0])
        oracle_loss, oracle_acc = grid_scores[best]
        oracle_runs = [run[0] for run in seed_runs(lambda s, best=best: float(grid[best]))]
        # How much the oracle's mean loss would move with other seeds: the scale below which regrets are noise.
        noise = statistics.stdev(oracle_runs) / math.sqrt(len(seeds)) / oracle_loss if len(seeds) > 1 else math.nan
        label = f"{task.name}, fine_tune({epochs})" if task.fine_tune else f"{task.name}, {epochs} ep"
        row: dict[str, Any] = {"task": label, "epochs": epochs, "oracle_lr": float(grid[best]),
                               "oracle_loss": oracle_loss, "oracle_acc": oracle_acc, "oracle_noise": noise,
                               "grid": [[float(lr), *score] for lr, score in zip(grid, grid_scores, strict=True)],
                               "grid_seed_losses": [[run[0] for run in seed_runs(lambda s, lr=float(lr): lr)]
                                                    for lr in grid],
                               "curves": [curves[("range", t, s)] for s in seeds], "methods": {}}
        for name in METHOD_NAMES:
            loss, acc = mean_scores(lambda s, t=t, name=name: picks[(t, s)][name])
            row["methods"][name] = {"lrs": [picks[(t, s)][name] for s in seeds], "loss": loss, "acc": acc,
                                    "regret": loss / oracle_loss - 1, "acc_gap": 100 * (acc - oracle_acc)}
        rows.append(row)
    return rows


def _regret_text(regret: float) -> str:
    return "diverged" if not math.isfinite(regret) else f"{100 * regret:+.0f}%"


def _lr_text(lrs: Sequence[float]) -> str:
    finite = [lr for lr in lrs if math.isfinite(lr) and lr > 0]
    return f"{math.exp(statistics.fmean(math.log(lr) for lr in finite)):.1e}" if finite else "n/a"


def report(rows: list[dict[str, Any]], methods: Sequence[str]) -> str:
    """The markdown tables: per-task regret (accuracy gap) per method, the summary, and the LRs picked."""
    header = ["task", "oracle LR (loss ± seed SE)", *methods]
    body = []
    for row in rows:
        noise = f" ± {100 * row['oracle_noise']:.0f}%" if math.isfinite(row["oracle_noise"]) else ""
        cells = [row["task"], f"{row['oracle_lr']:.1e} ({row['oracle_loss']:.4g}{noise})"]
        for name in methods:
            result = row["methods"][name]
            gap = f" ({result['acc_gap']:+.1f} pt)" if math.isfinite(result["acc_gap"]) else ""
            cells.append(_regret_text(result["regret"]) + gap)
        body.append(cells)
    regrets = {name: [row["methods"][name]["regret"] for row in rows] for name in methods}
    body.append([f"**within {WITHIN:.0%} of the oracle**", "", *(
        f"**{sum(r <= WITHIN for r in regrets[name])}/{len(rows)}**" for name in methods)])
    body.append(["**median regret**", "", *(f"**{_regret_text(statistics.median(regrets[n]))}**" for n in methods)])
    body.append(["**worst regret**", "", *(f"**{_regret_text(max(regrets[name]))}**" for name in methods)])
    lr_table = markdown_table(["task", "oracle LR", *methods], [
        [row["task"], f"{row['oracle_lr']:.1e}", *(_lr_text(row["methods"][name]["lrs"]) for name in methods)]
        for row in rows])
    return (markdown_table(header, body)
            + "\n\nLearning rates picked (geometric mean over the seeds' range tests):\n\n" + lr_table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="CI smoke run: 2 tasks, coarse grid, 1 seed; never writes")
    parser.add_argument("--write", action="store_true",
                        help="replace the ## Suggestion quality section of BENCHMARKS.md")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per LR (default 3)")
    parser.add_argument("--grid", type=int, default=25, help="grid points over 1e-5..10 (default 25)")
    parser.add_argument("--tasks", type=str, default=None, help="comma-separated task numbers (default: all)")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1), help="worker processes")
    parser.add_argument("--json", type=Path, default=None, help="save every curve and score to this file")
    args = parser.parse_args()
    task_indices = [int(t) for t in args.tasks.split(",")] if args.tasks else list(range(len(TASKS)))
    seeds, grid_points = range(args.seeds), args.grid

    def epochs_of(task: Task) -> int:
        return task.epochs

    if args.quick:
        task_indices, seeds, grid_points = [0, 2], range(1), 7

        def epochs_of(task: Task) -> int:
            return min(task.epochs, 2)

    grid = np.logspace(-5, 1, grid_points)
    started = time.perf_counter()
    rows = evaluate(task_indices, list(seeds), grid, epochs_of, args.workers)
    elapsed = time.perf_counter() - started
    command = "python benchmarks/suggestion_quality.py " + " ".join(sys.argv[1:])
    text = "\n".join([
        f"Measured {datetime.date.today().isoformat()} with `{command.strip()}` on {platform.node() or 'this machine'}"
        f" ({platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, torch"
        f" {torch.__version__}), {args.workers} worker(s) with 1 torch thread each, {elapsed / 60:.1f} min.",
        f"Oracle: the best of {grid_points} log-spaced LRs over 1e-5…10, mean final valid loss over {len(seeds)}"
        " seed(s). Each cell: regret = loss at the method's pick / oracle loss − 1 (accuracy gap vs the oracle LR"
        " in points, classification). sweetspot gets `fine_tune=True` on the fine_tune tasks; it was designed on the"
        " first 7 tasks and revised on the first 12 (see `_quality_tasks.py`), so the last 6 are its fairest test.",
        "", report(rows, list(METHOD_NAMES)),
    ])
    print(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, default=float))
    if args.write and not args.quick:
        replace_section(ROOT / "BENCHMARKS.md", "Suggestion quality", text)
        print(f"wrote the ## Suggestion quality section of {ROOT / 'BENCHMARKS.md'}")


if __name__ == "__main__":
    main()
