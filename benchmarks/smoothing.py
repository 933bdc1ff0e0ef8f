"""What fastai's float32 EMA costs per step: torch's lerp on 0-d tensors against a ctypes emulation, side by side.

``LossSmoother`` runs fastai's own expression (``torch.lerp`` on 0-d float32 tensors). Until issue 11 it emulated each
float32 operation in Python floats rounded with ``ctypes.c_float``: the same bits, fewer microseconds. This script
keeps that emulation as the contender, checks that both give identical bits, then times in one run:
1. one ``add`` call of each, best of 7 (CPU time), next to a bare training step of the tiny task;
2. the range test itself on the tiny task with each smoother, interleaved rounds, median µs per step in the loop.

``--quick`` is a smoke run of a few seconds.
"""
from __future__ import annotations

import argparse
import ctypes
import functools
import sys
import time
import timeit
from pathlib import Path
from unittest import mock

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "benchmarks"), str(ROOT)]  # runs from a checkout, installed or not
from _common import BatchClock, ModelSpec, build_loader, interleave, markdown_table  # noqa: E402

from lrwidget.engine import rangetest  # noqa: E402
from lrwidget.engine.smoothing import LossSmoother  # noqa: E402

TINY = ModelSpec("tiny MLP 8→16→1, bs 32", (8, 16, 1), 32)  # speed.py's tiny task: where a fixed cost shows most


def _float32(value: float) -> float:
    return ctypes.c_float(value).value


class CtypesSmoother:
    """The emulation LossSmoother used before: torch's CPU lerp is ``fma(beta - 1, avg - loss, avg)`` in float32."""

    def __init__(self, beta: float = 0.98) -> None:
        self.beta = beta
        self._beta_minus_one = _float32(_float32(beta) - 1.0)
        self._average = 0.0
        self.count = 0

    def add(self, loss: float) -> float:
        self.count += 1
        difference = _float32(self._average - _float32(loss))
        self._average = _float32(self._beta_minus_one * difference + self._average)
        return _float32(self._average / _float32(1.0 - self.beta**self.count))


CONTENDERS = {"torch.lerp (LossSmoother)": LossSmoother, "ctypes emulation (before)": CtypesSmoother}


def check_same_bits(count: int) -> str:
    """Both smoothers on the same random losses, with NaN, inf and float32 overflow mixed in: every value identical."""
    losses = np.random.default_rng(0).lognormal(0.0, 2.0, count).astype(np.float32).tolist()
    losses[count // 3], losses[count // 2], losses[2 * count // 3] = 3e38, float("inf"), float("nan")
    smoothers = [smoother() for smoother in CONTENDERS.values()]
    outputs = [np.array([smoother.add(loss) for loss in losses]) for smoother in smoothers]
    np.testing.assert_array_equal(outputs[0], outputs[1])
    return f"both gave identical bits on {count} losses (NaN, inf and float32 overflow included)"


def per_call_rows(number: int) -> list[list[str]]:
    """µs of CPU time per ``add``, best of 7, and a bare training step of the tiny task for scale."""
    model, loss_func = TINY.build_model(), TINY.loss_func()
    optimizer = torch.optim.AdamW(model.parameters())
    inputs, targets = next(iter(build_loader(TINY, 1, BatchClock())))

    def bare_step() -> float:
        optimizer.zero_grad(set_to_none=True)
        loss = loss_func(model(inputs), targets)
        loss.backward()
        optimizer.step()
        return loss.item()

    pieces = [(f"{name}: add", functools.partial(smoother().add, 0.5), number)
              for name, smoother in CONTENDERS.items()]
    pieces.append(("bare step (zero_grad, fwd, loss, bwd, step, item)", bare_step, number // 100))
    rows = []
    for name, call, calls_per_repeat in pieces:
        best = min(timeit.repeat(call, timer=time.process_time, number=calls_per_repeat, repeat=7)) / calls_per_repeat
        rows.append([name, f"{best * 1e6:.2f}"])
    return rows


def in_loop_rows(steps: int, rounds: int) -> list[list[str]]:
    """The range test on the tiny task with each smoother swapped in: median µs per step, fixed costs left out."""
    clock = BatchClock(time.process_time)
    loader = build_loader(TINY, steps, clock)
    loss_func = TINY.loss_func()

    def run_with(smoother: type) -> None:
        model = TINY.build_model()
        with mock.patch.object(rangetest, "LossSmoother", smoother):
            rangetest.range_test(model, torch.optim.AdamW(model.parameters()), loss_func, loader,
                                 start_lr=1e-7, end_lr=1e-2, num_it=steps, stop_div=False)

    timings = interleave({name: lambda smoother=smoother: run_with(smoother) for name, smoother in CONTENDERS.items()},
                         clock, rounds, steps)
    baseline = timings.median_step(next(iter(CONTENDERS)))
    return [[name, f"{timings.median_step(name) * 1e6:.1f}", f"{timings.median_step(name) / baseline:.3f}"]
            for name in CONTENDERS]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: a few seconds")
    args = parser.parse_args()
    torch.set_num_threads(1)  # as speed.py: one thread, steady on a shared machine
    number, steps, rounds = (2000, 20, 2) if args.quick else (20000, 200, 21)
    print(f"torch {torch.__version__}, 1 thread, CPU time.\n")
    print(check_same_bits(10 * number) + ".\n")
    print("One call, best of 7:\n\n" + markdown_table(["piece", "µs"], per_call_rows(number)) + "\n")
    print(f"Range test, tiny task, {steps} steps, median of {rounds} interleaved rounds:\n\n"
          + markdown_table(["smoother", "µs per step in loop", "vs torch.lerp"], in_loop_rows(steps, rounds)))


if __name__ == "__main__":
    main()
