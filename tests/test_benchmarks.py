"""Smoke runs of the suggestion benchmarks, so CI notices when they break (they are measurements, not tests)."""
from __future__ import annotations

import json
import math
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def run_benchmark(*args: str) -> str:
    completed = subprocess.run([sys.executable, str(BENCHMARKS / args[0]), *args[1:]], capture_output=True,
                               text=True, timeout=600, check=False)
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed.stdout


def test_suggestion_quality_quick_then_ceiling(tmp_path: Path) -> None:
    results = tmp_path / "quality.json"
    quality = run_benchmark("suggestion_quality.py", "--quick", "--workers", "1", "--json", str(results))
    rows = json.loads(results.read_text())
    assert [len(row["curves"]) for row in rows] == [2, 2]
    for row in rows:
        assert len(row["grid_seed_losses"]) == len(row["grid"]) == 7
        assert set(row["methods"]) == {"valley", "steep", "minimum", "slide", "sweetspot", "verified"}
        assert row["oracle_loss"] == min(loss for _lr, loss, _acc, _seeds in row["grid"])
        assert 2 <= row["oracle_seeds"] <= 4 and math.isfinite(row["retrained_loss"])
        # Every pick is scored on the grid's mean curve, which no LR can beat.
        assert all(regret >= 0 for method in row["methods"].values() for regret in method["regrets"])
        assert all(3 <= n <= 4 for n in row["methods"]["verified"]["trainings"])
        assert len(row["verified_best_trial"]["regrets"]) == 2  # the same trials, hi at the best one
        assert all(len(curve["valid_losses"]) == len(curve["lrs"]) for curve in row["curves"])
    assert "**tasks within 10% of the oracle**" in quality
    assert "The oracle retrained on fresh seeds lands within 5% of its loss on" in quality
    assert "Moving hi to the best trial itself instead of the bottom of the fitted parabola" in quality

    ceiling = run_benchmark("suggestion_ceiling.py", str(results), "--valid", "--max-features", "1")
    assert "Seed noise: the grid's best LR chosen on all seeds but one" in ceiling
    assert "sweetspot (as shipped, interpolated)" in ceiling
    assert "The best rules in hindsight" in ceiling

    designs = run_benchmark("verify_designs.py", str(results), "--workers", "1")
    # Its w.verify() row retrains suggestion_quality's verifications (the same jobs) and must score the same.
    regrets = [row["methods"]["verified"]["regret"] for row in rows]
    picks = [regret for row in rows for regret in row["methods"]["verified"]["regrets"]]
    verify_row = next(line for line in designs.splitlines() if line.startswith("| `w.verify()`"))
    assert verify_row.split(" | ")[2:5] == [f"{sum(r <= 0.1 for r in regrets)}/2", f"{sum(r <= 0.1 for r in picks)}/4",
                                            f"{100 * statistics.median(regrets):+.1f}%"]
    for design in ("hi at the best", "4 trials always", "successive halving", "single-seed grid search",
                   "noise-free trials"):
        assert design in designs
    assert "the median of 3 range tests" not in designs  # --quick has 2 range tests per task


def load_ceiling_module():
    import importlib.util
    spec = importlib.util.spec_from_file_location("suggestion_ceiling", BENCHMARKS / "suggestion_ceiling.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def parabola_row(best_log_lr: float) -> dict:
    """A task whose mean final loss is 1 + (log10 lr − best)², on a grid over 1e-5…10."""
    log_lrs = np.linspace(-5, 1, 25)
    losses = 1 + (log_lrs - best_log_lr) ** 2
    best = int(np.argmin(losses))
    return {"task": f"parabola at {best_log_lr}",
            "grid": [[10.0**x, y, 0.0] for x, y in zip(log_lrs, losses, strict=True)],
            "oracle_lr": 10.0 ** log_lrs[best], "oracle_loss": float(losses[best])}


def test_hindsight_search_finds_a_rule_that_fits_every_task() -> None:
    ceiling = load_ceiling_module()
    best_log_lrs = [-3.0, -2.0, -1.25, -0.5]
    rows = [parabola_row(x) for x in best_log_lrs]
    # One feature sits exactly 1.5 decades below each oracle LR, the other is noise: the search must find +1.5·1.
    rng = np.random.default_rng(0)
    table = [np.array([[x - 1.5, rng.uniform(-3, 0)], [x - 1.5, rng.uniform(-3, 0)]]) for x in best_log_lrs]
    regrets, intercept, slopes = ceiling.best_rule_in_hindsight(rows, table, [0])
    assert (regrets <= 0.1).all()
    assert intercept == pytest.approx(1.5) and slopes == pytest.approx([1.0])
    noise_only, _, _ = ceiling.best_rule_in_hindsight(rows, table, [1])
    assert (noise_only > 0.1).any()  # a feature unrelated to the oracle cannot place every task


def test_seed_noise_scores_the_oracle_chosen_without_each_seed() -> None:
    ceiling = load_ceiling_module()
    # Seed 0 is best at grid point 0, seed 1 at point 1; each one's pick from the other costs it 50% and 100%.
    row = {"grid_seed_losses": [[1.0, 2.0], [1.5, 1.0], [3.0, 3.0]]}
    assert ceiling.seed_noise(row) == pytest.approx((0.5 + 1.0) / 2)


def test_amp_accumulation_benchmark_quick() -> None:
    output = run_benchmark("amp_accumulation.py", "--quick")
    assert "bf16" in output and "accumulation" in output


def load_benchmark_module(name: str):
    import importlib
    sys.path[:0] = [str(BENCHMARKS)]
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(BENCHMARKS))


def test_the_oracle_is_the_best_mean_among_the_lrs_trained_on_every_seed() -> None:
    oracle = load_benchmark_module("_quality_oracle")
    grid = oracle.Grid(task=0, epochs=1, lrs=[1e-3, 1e-2, 1e-1], seeds=4,
                       runs=[{0: (1.0, 0.5), 1: (1.2, 0.5)},  # only 2 of the 4 seeds: not a contender
                             {s: (2.0 + 0.1 * s, 0.9) for s in range(4)},
                             {s: (2.4, 0.8) for s in range(4)}])
    assert grid.oracle == 1 and grid.mean(1) == pytest.approx(2.15)
    # Candidates are judged on what each LR has: the first LR's two seeds make it the one to catch up.
    assert grid.candidates() == [0]
    assert grid.relative_se(2) == 0.0 and grid.relative_se(1) > 0
    # Between grid LRs the mean loss is interpolated in log10(lr); outside, clamped; a bad LR counts as diverged.
    curve = grid.mean_curve()
    assert oracle.interpolated_loss(curve, 10**-1.5) == pytest.approx((2.15 + 2.4) / 2)
    assert oracle.interpolated_loss(curve, 1.0) == pytest.approx(2.4)
    assert oracle.interpolated_loss(curve, math.nan) == oracle.DIVERGED_LOSS


def test_the_repeats_row_scores_the_median_pick_of_every_three_range_tests() -> None:
    designs = load_benchmark_module("verify_designs")
    row = parabola_row(-2.0)  # the oracle at 1e-2, loss 1 + (log10 lr + 2)²
    row["methods"] = {"sweetspot": {"lrs": [1e-3, 1e-2, 1e-1, 1e-2]}}
    # Each of the 4 triples holds a 1e-2 between the others or twice: every median is the oracle, though half the
    # picks are a decade off.
    assert designs.median_of_repeats([row]) == ["0", "1/1", "4/4", "+0.0%", "+0%", ""]
    row["methods"]["sweetspot"]["lrs"] = [1e-3, 1e-3, 1e-2]  # one triple, its median a decade low: loss 2, +100%
    assert designs.median_of_repeats([row]) == ["0", "0/1", "0/1", "+100.0%", "+100%", "parabola at -2.0 +100%"]
    row["methods"]["sweetspot"]["lrs"] = [1e-3, 1e-2]
    assert designs.median_of_repeats([row]) is None


def test_a_benchmarks_write_replaces_its_own_section_and_keeps_the_others(tmp_path: Path, capsys) -> None:
    common = load_benchmark_module("_common")
    path = tmp_path / "BENCHMARKS.md"
    path.write_text("# Benchmarks\n\n## Speed\n\nold figures\n\n## Streaming\n\nkept\n")
    common.replace_section("Speed", "new figures", path)
    common.replace_section("Verify designs", "a new section", path)
    assert path.read_text() == ("# Benchmarks\n\n## Speed\n\nnew figures\n\n## Streaming\n\nkept\n\n"
                                "## Verify designs\n\na new section\n")
    assert f"wrote the ## Verify designs section of {path}" in capsys.readouterr().out
