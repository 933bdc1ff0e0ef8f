"""What the validation loss costs: the range test with and without ``valid_every``, side by side in one run.

Each task runs ``range_test`` without validation, then with the default (``valid_every=True``: every
``DEFAULT_VALID_EVERY`` steps, ``DEFAULT_VALID_BATCHES`` batches) and with denser settings, in a fresh order each round;
the table gives median wall times and their ratio to the run without. The validation loader's batches are twice the
training batch size (a common choice, since evaluation needs no activations kept for backward), so the figures lean
to the expensive side. The last column is what the status line would say (``valid_elapsed_s`` over the rest of the
test's time), from the same runs, to show that the estimate agrees with the measurement.

One torch thread (see benchmarks/speed.py for why). ``--quick`` is a smoke run of a few seconds. ``--clock cpu`` times
this process's CPU time, steadier than the wall clock on a shared machine.
"""
from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
from collections.abc import Callable
from pathlib import Path

import torch
from torch.utils.data import DataLoader, TensorDataset

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "benchmarks"), str(ROOT)]  # runs from a checkout, installed or not
from _common import CLOCKS, ModelSpec, markdown_table  # noqa: E402

from lrwidget.engine.rangetest import RangeTestResult, range_test  # noqa: E402
from lrwidget.engine.validation import DEFAULT_VALID_BATCHES, DEFAULT_VALID_EVERY, cost_fraction  # noqa: E402

SPECS = (
    ModelSpec("tiny MLP 8→16→1, bs 32", (8, 16, 1), 32),
    ModelSpec("mid MLP 256→512→512→10, bs 128", (256, 512, 512, 10), 128),
)
#: (label, range_test keywords); the first is the baseline.
SETTINGS: tuple[tuple[str, dict[str, object]], ...] = (
    ("no validation", {}),
    (f"default (every {DEFAULT_VALID_EVERY}, {DEFAULT_VALID_BATCHES} batches)", {"valid_every": True}),
    ("every 5, 2 batches", {"valid_every": 5}),
    ("every 1, 2 batches", {"valid_every": 1}),
)
TARGET_RATIO = 1.2  # the bound for the default


def make_data(spec: ModelSpec, count: int, seed: int) -> TensorDataset:
    generator = torch.Generator().manual_seed(seed)
    inputs = torch.randn(count, spec.sizes[0], generator=generator)
    if spec.sizes[-1] == 1:
        return TensorDataset(inputs, inputs[:, :1] * 0.5)
    return TensorDataset(inputs, torch.randint(0, spec.sizes[-1], (count,), generator=generator))


def contender(spec: ModelSpec, steps: int, keywords: dict[str, object]) -> Callable[[], RangeTestResult]:
    model = spec.build_model()
    optimizer = torch.optim.AdamW(model.parameters())
    train = DataLoader(make_data(spec, steps * spec.batch_size, 0), batch_size=spec.batch_size)
    valid = DataLoader(make_data(spec, 8 * spec.batch_size, 1), batch_size=2 * spec.batch_size)
    extra = {"valid_dl": valid, **keywords} if keywords else {}
    return lambda: range_test(model, optimizer, spec.loss_func(), train, start_lr=1e-7, end_lr=1e-2, num_it=steps,
                              stop_div=False, **extra)


def measure(spec: ModelSpec, steps: int, rounds: int, clock: Callable[[], float]) -> list[list[str]]:
    calls = {label: contender(spec, steps, keywords) for label, keywords in SETTINGS}
    times: dict[str, list[float]] = {label: [] for label in calls}
    costs: dict[str, list[float]] = {label: [] for label in calls}
    for call in calls.values():
        call()  # warm-up
    order, shuffler = list(calls), random.Random(0)
    for _ in range(rounds):
        shuffler.shuffle(order)
        for label in order:
            started = clock()
            result = calls[label]()
            times[label].append(clock() - started)
            cost = cost_fraction(result)
            if cost is not None:
                costs[label].append(cost)
    baseline = statistics.median(times[SETTINGS[0][0]])
    rows = []
    for label, _ in SETTINGS:
        median = statistics.median(times[label])
        stated = f"+{statistics.median(costs[label]) * 100:.0f}%" if costs[label] else "—"
        rows.append([spec.name, label, f"{median * 1e3:.1f} ms", f"{median / baseline:.3f}×", stated])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a smoke run: few steps and rounds")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="wall")
    args = parser.parse_args()
    steps, rounds = (20, 2) if args.quick else (args.steps, args.rounds)
    torch.set_num_threads(1)
    rows = [row for spec in SPECS for row in measure(spec, steps, rounds, CLOCKS[args.clock])]
    print(f"## Validation cost\n\n{steps} steps, median of {rounds} interleaved rounds ({args.clock} clock), "
          f"torch {torch.__version__}, "
          f"Python {platform.python_version()}, 1 thread. Ratio: its time over the run without validation "
          f"(the default must stay within {TARGET_RATIO}×). Status line: what the widget states for that run.\n")
    print(markdown_table(["task", "validation", "range test", "ratio", "status line says"], rows))


if __name__ == "__main__":
    main()
