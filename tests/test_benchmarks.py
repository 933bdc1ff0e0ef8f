"""Smoke runs of the suggestion benchmarks, so CI notices when they break (they are measurements, not tests)."""
from __future__ import annotations

import json
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
    assert [len(row["curves"]) for row in rows] == [1, 1]
    for row in rows:
        assert len(row["grid_seed_losses"]) == len(row["grid"]) == 7
        assert set(row["methods"]) == {"valley", "steep", "minimum", "slide", "sweetspot"}
        assert row["oracle_loss"] == min(loss for _lr, loss, _acc in row["grid"])
    assert "**within 10% of the oracle**" in quality

    ceiling = run_benchmark("suggestion_ceiling.py", str(results), "--max-features", "1")
    assert "Seed noise: needs at least 2 seeds." in ceiling
    assert "sweetspot (as shipped, interpolated)" in ceiling
    assert "The best rules in hindsight" in ceiling


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
