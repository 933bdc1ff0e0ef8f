"""How well can any rule that reads a range test do on the suggestion-quality suite? Three measurements.

Reads the JSON that ``suggestion_quality.py --json`` writes (every curve, every grid score per seed) and reports:

1. Seed noise of the target. For each task and each seed, the grid's best LR is chosen on the other seeds and scored
   on the held-out seed against that seed's own best grid LR. A regret above 10% here means the oracle's own LR misses
   the "within 10%" bar on a fresh seed: no suggestion can be held to a tighter standard than that.
2. How much of the oracle LR the range test predicts. log10(oracle LR) is fitted by least squares on what a
   suggestion can read: the zero-lag curve's steepest descent, floor, floor's right edge and divergence (as
   ``lrwidget.suggest.sweetspot.curve_features`` finds them) and its depth (log10 of floor over start level), the
   budget (log10 of the planned epochs, and of the planned optimizer steps), whether the call is ``fine_tune`` (0 or
   1), and with ``--valid`` the same landmarks of the validation loss that the range tests recorded after every step.
   Every subset of up to ``--max-features`` of them is fitted twice: on all tasks (in-sample: it has seen the task it
   is scored on) and leaving the scored task out (an honest estimate for a new task).
3. The best rule in hindsight: for every one or two of those features, an exhaustive search over
   ``log10(lr) = a + b·f1 (+ c·f2)`` (slopes −0.5…1.5, intercepts −3…3) for the most tasks within 10%, then the
   smallest worst case, scored on the very tasks it was searched on. If even that misses some task, no rule of that
   form on that grid, and no simpler one, is within 10% of the oracle on every task of the suite.

Scores interpolate the grid's mean final loss (over seeds) at each seed's predicted LR, in log10(LR), and average over
seeds; ``sweetspot`` is scored the same way for comparison. Usage: ``python benchmarks/suggestion_ceiling.py
RESULTS.json [--valid] [--max-features N] [--write]``.
"""
from __future__ import annotations

import argparse
import itertools
import json
import math
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "benchmarks"), str(ROOT)]  # runs from a checkout, installed or not
from _common import markdown_table, replace_section  # noqa: E402
from _quality_oracle import DIVERGED_LOSS, row_loss_curve, row_regret  # noqa: E402

from lrwidget.suggest import suggestion_window  # noqa: E402
from lrwidget.suggest.sweetspot import curve_features, start_level, zero_lag_curve  # noqa: E402

WITHIN = 0.10
LANDMARKS = ("steepest", "floor", "floor_edge", "divergence", "depth")


def landmarks(lrs: Sequence[float], losses: Sequence[float], raw_losses: Sequence[float], num_it: int) -> list[float]:
    """log10(lr) at the zero-lag curve's landmarks, on the window that the suggestions see, and its depth: log10 of
    the floor over the start level (how far the test could drive the loss down: near 0 where it memorizes)."""
    window_lrs, window_losses = suggestion_window(lrs, losses, num_it)
    start = num_it // 10
    raw = np.asarray(raw_losses, dtype=np.float64)[start : start + len(window_lrs)]
    curve = zero_lag_curve(window_lrs, window_losses, num_it, raw_losses=raw)
    features = curve_features(curve.log_lrs, curve.smoothed)
    if features is None:
        return [float(curve.log_lrs[0])] * (len(LANDMARKS) - 1) + [0.0]
    depth = math.log10(max(float(curve.smoothed[features.floor]) / start_level(curve.smoothed), 1e-6))
    return [float(curve.log_lrs[index]) for index in features] + [depth]


def feature_table(rows: list[dict[str, Any]], with_valid: bool) -> tuple[list[str], list[np.ndarray]]:
    """Names, and per task a (seeds × features) array, of every candidate feature."""
    names = [f"train {name}" for name in LANDMARKS] + ["log10 epochs", "log10 steps", "fine_tune"]
    names += [f"valid {name}" for name in LANDMARKS] if with_valid else []
    table = []
    for row in rows:
        per_seed = []
        for curve in row["curves"]:
            values = landmarks(curve["lrs"], curve["losses"], curve["raw_losses"], curve["num_it"])
            values += [math.log10(row["epochs"]), math.log10(row["epochs"] * curve["steps_per_epoch"]),
                       float("fine_tune(" in row["task"])]
            if with_valid:
                # The range test's validation losses (one per step) are not smoothed: they stand in for both curves.
                valid = curve["valid_losses"]
                values += landmarks(curve["lrs"][: len(valid)], valid, valid, curve["num_it"])
            per_seed.append(values)
        table.append(np.array(per_seed))
    return names, table


def seed_noise(row: dict[str, Any]) -> float:
    """Mean regret, on each held-out seed, of the grid LR that is best on the other seeds (see the module docstring)."""
    losses = np.array(row["grid_seed_losses"], dtype=np.float64)  # grid points × seeds
    losses[~np.isfinite(losses)] = DIVERGED_LOSS
    regrets = []
    for seed in range(losses.shape[1]):
        others = np.delete(losses, seed, axis=1).mean(axis=1)
        regrets.append(losses[int(np.argmin(others)), seed] / losses[:, seed].min() - 1)
    return statistics.fmean(regrets)


def fitted_regrets(rows: list[dict[str, Any]], table: list[np.ndarray], columns: Sequence[int],
                   leave_out: bool) -> list[float]:
    """Each task's regret under the least-squares rule on ``columns`` (fitted without that task when ``leave_out``)."""
    designs = [np.c_[np.ones(len(features)), features[:, list(columns)]] for features in table]
    targets = [np.full(len(features), math.log10(row["oracle_lr"])) for row, features in zip(rows, table, strict=True)]

    def fit(indices: Sequence[int]) -> np.ndarray:
        coefficients, *_ = np.linalg.lstsq(np.vstack([designs[i] for i in indices]),
                                           np.concatenate([targets[i] for i in indices]), rcond=None)
        return coefficients

    everyone = fit(range(len(rows)))
    regrets = []
    for index, row in enumerate(rows):
        coefficients = fit([i for i in range(len(rows)) if i != index]) if leave_out else everyone
        regrets.append(row_regret(row, 10 ** (designs[index] @ coefficients)))
    return regrets


SLOPES = np.arange(-0.5, 1.5001, 0.05)
INTERCEPTS = np.arange(-3.0, 3.0001, 0.05)


def best_rule_in_hindsight(rows: list[dict[str, Any]], table: list[np.ndarray],
                           columns: Sequence[int]) -> tuple[np.ndarray, float, np.ndarray]:
    """The rule ``a + b·f1 (+ c·f2)`` over the grids of slopes and intercepts with the most tasks within 10%, then the
    smallest worst regret, scored on all tasks: its regrets, its intercept and its slopes."""
    slope_sets = np.array(list(itertools.product(SLOPES, repeat=len(columns))))  # rules' slopes × features
    regrets = []
    for row, features in zip(rows, table, strict=True):
        grid = row_loss_curve(row)
        without_intercept = features[:, list(columns)] @ slope_sets.T  # seeds × slope sets
        picks = INTERCEPTS[:, None, None] + without_intercept[None]  # intercepts × seeds × slope sets
        regrets.append(np.interp(picks, grid[:, 0], grid[:, 1]).mean(axis=1) / row["oracle_loss"] - 1)
    regrets_by_rule = np.stack(regrets, axis=-1).reshape(-1, len(rows))  # (intercept, slopes) rules × tasks
    within, worst = (regrets_by_rule <= WITHIN).sum(axis=1), regrets_by_rule.max(axis=1)
    best = int(np.lexsort((worst, -within))[0])
    intercept, slopes = divmod(best, len(slope_sets))
    return regrets_by_rule[best], float(INTERCEPTS[intercept]), slope_sets[slopes]


def summary(regrets: Sequence[float]) -> list[str]:
    return [f"{sum(r <= WITHIN for r in regrets)}/{len(regrets)}", f"{100 * statistics.median(regrets):+.0f}%",
            f"{100 * max(regrets):+.0f}%"]


def seed_noise_text(rows: list[dict[str, Any]]) -> str:
    if len(rows[0]["curves"]) < 2:
        return "Seed noise: needs at least 2 seeds."
    noise = [seed_noise(row) for row in rows]
    noisy = [row["task"] for row, value in zip(rows, noise, strict=True) if value > WITHIN]
    return (f"Seed noise: the grid's best LR chosen on all seeds but one misses the held-out seed's best by more than "
            f"{WITHIN:.0%} on {len(noisy)}/{len(rows)} tasks (median {100 * statistics.median(noise):+.0f}%, worst "
            f"{100 * max(noise):+.0f}%)" + (": " + "; ".join(noisy) if noisy else "") + ".")


def fitted_rules_text(rows: list[dict[str, Any]], names: list[str], table: list[np.ndarray], max_features: int) -> str:
    sweetspot = [row_regret(row, row["methods"]["sweetspot"]["lrs"]) for row in rows]
    fits = []
    for size in range(1, max_features + 1):
        for columns in itertools.combinations(range(len(names)), size):
            in_sample = fitted_regrets(rows, table, columns, leave_out=False)
            held_out = fitted_regrets(rows, table, columns, leave_out=True)
            fits.append((" + ".join(names[c] for c in columns), in_sample, held_out))

    def rank(regrets: Sequence[float]) -> tuple[int, float]:
        return sum(r <= WITHIN for r in regrets), -max(regrets)

    best_name, _, best_held_out = max(fits, key=lambda fit: rank(fit[2]))
    fits.sort(key=lambda fit: rank(fit[1]), reverse=True)
    body = [["sweetspot (as shipped, interpolated)", *summary(sweetspot), "", "", ""]]
    body += [[name, *summary(in_sample), *summary(held_out)] for name, in_sample, held_out in fits[:8]]
    return (f"Of all {len(fits)} feature sets, the best left-one-task-out is {best_name}: "
            f"{', '.join(summary(best_held_out))} (within 10%, median, worst); sweetspot, interpolated the same way: "
            f"{', '.join(summary(sweetspot))}. The eight best in-sample:\n\n"
            + markdown_table(["least-squares rule for log10(oracle LR) on", "in-sample within 10%", "median", "worst",
                              "leave-one-task-out within 10%", "median", "worst"], body))


def hindsight_text(rows: list[dict[str, Any]], names: list[str], table: list[np.ndarray]) -> str:
    searched = []
    for size in (1, 2):
        for columns in itertools.combinations(range(len(names)), size):
            regrets, intercept, slopes = best_rule_in_hindsight(rows, table, columns)
            formula = f"{intercept:+.2f}" + "".join(
                f" {b:+.2f}·({names[c]})" for b, c in zip(slopes, columns, strict=True))
            searched.append((sum(r <= WITHIN for r in regrets), -max(regrets), formula, regrets))
    searched.sort(key=lambda rule: rule[:2], reverse=True)
    return ("The best rules in hindsight (searched and scored on all tasks; log10(lr) =):\n\n"
            + markdown_table(["rule", "within 10%", "median", "worst", "tasks missed"], [
                [formula, *summary(regrets),
                 "; ".join(row["task"] for row, r in zip(rows, regrets, strict=True) if r > WITHIN)]
                for _count, _worst, formula, regrets in searched[:6]]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path, help="the JSON written by suggestion_quality.py --json")
    parser.add_argument("--valid", action="store_true", help="add the validation loss's landmarks")
    parser.add_argument("--max-features", type=int, default=3, help="largest feature subset fitted (default 3)")
    parser.add_argument("--write", action="store_true",
                        help="replace the ## Suggestion ceiling section of BENCHMARKS.md")
    args = parser.parse_args()
    rows = json.loads(args.results.read_text())
    if not rows or any("grid_seed_losses" not in row for row in rows):
        raise SystemExit(f"{args.results} has no per-seed grid losses: rerun suggestion_quality.py --json")
    names, table = feature_table(rows, args.valid)
    command = "python benchmarks/suggestion_ceiling.py " + " ".join(sys.argv[1:])
    text = (f"Measured with `{command.strip()}` on the results of the run above ({len(rows)} tasks, "
            f"{len(rows[0]['curves'])} range tests each). Regrets here interpolate the grid's mean loss at each "
            "range test's pick "
            "(log10 LR), as the run above scores every method.\n\n"
            + "\n\n".join([seed_noise_text(rows), fitted_rules_text(rows, names, table, args.max_features),
                           hindsight_text(rows, names, table)]))
    print(text)
    if args.write:
        replace_section("Suggestion ceiling", text)


if __name__ == "__main__":
    main()
