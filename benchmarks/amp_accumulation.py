"""Overhead of lrwidget's mixed precision and gradient accumulation against their bare hand-written loops, one run.

Each pair runs side by side, in one interleaved set of rounds (a fresh order each round, after one warm-up each; see
``_common.interleave``), on one MLP on the CPU with one torch thread:

- bfloat16: ``range_test(..., amp=torch.bfloat16)`` against the loop torch's AMP recipe gives (autocast around the
  forward and the loss, backward and step outside);
- float16: ``range_test(..., amp=torch.float16)`` against the same loop with ``torch.amp.GradScaler("cpu")``;
- accumulation: ``range_test(..., accumulation_steps=k)`` against the usual loop (``loss / k`` backward for each
  of ``k`` micro-batches, one step, the mean loss);
- the plain float32 range test against the bare float32 loop, and a second bare float32 loop (an A/A control that
  shows the run's noise floor).

Every call fetches the same number of batches (accumulating calls run ``steps / k`` iterations). The whole call
(snapshot and restore included) is the headline, as the ratio of medians; the ratio of the fastest calls ("best of
rounds") is what other processes disturb least. (No per-fetch "in loop" figure: an accumulating range test fetches
a step's ``k`` batches together, so the gaps between fetches do not measure a step.)
``--write`` replaces the ``## AMP and accumulation`` section of BENCHMARKS.md; ``--quick`` is a smoke run.
"""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "benchmarks"), str(ROOT)]  # runs from a checkout, installed or not
from _common import (  # noqa: E402
    CLOCKS,
    BatchClock,
    ModelSpec,
    OtherLoad,
    build_loader,
    interleave,
    markdown_table,
    replace_section,
)

from lrwidget.engine.rangetest import range_test  # noqa: E402

SPEC = ModelSpec("MLP 64→256→256→10, bs 64", (64, 256, 256, 10), 64)
START_LR, END_LR = 1e-7, 1e-2  # no divergence: every call runs all its steps
ACCUMULATION = 4
# (contender, its bare loop) pairs, in the order of the table
PAIRS = (("lrwidget fp32", "bare fp32 loop"), ("lrwidget bf16", "bare bf16 loop"),
         ("lrwidget fp16 + GradScaler", "bare fp16 + GradScaler loop"),
         (f"lrwidget accumulation_steps={ACCUMULATION}", f"bare accumulation loop (k={ACCUMULATION})"),
         ("bare fp32 loop again", "bare fp32 loop"))


def bare_loop(model: torch.nn.Module, optimizer: torch.optim.Optimizer, loss_func: Callable, loader: Iterable,
              iterations: int, k: int = 1, dtype: torch.dtype | None = None,
              scaler: torch.amp.GradScaler | None = None) -> list[float]:
    """The floor: set the lr, then ``k`` micro-batches under autocast(``dtype``), one (scaled) step, the mean loss."""
    model.train()
    device = next(model.parameters()).device
    losses = []
    batches = iter(loader)
    for iteration in range(iterations):
        lr = START_LR * (END_LR / START_LR) ** (iteration / iterations)
        for group in optimizer.param_groups:
            group["lr"] = lr
        optimizer.zero_grad(set_to_none=True)
        total = 0.0
        for _ in range(k):
            inputs, targets = (tensor.to(device, non_blocking=True) for tensor in next(batches))
            with torch.autocast(device.type, dtype=dtype or torch.bfloat16, enabled=dtype is not None):
                loss = loss_func(model(inputs), targets)
            scaled = loss / k if k > 1 else loss
            (scaled if scaler is None else scaler.scale(scaled)).backward()
            total += loss.item()
        if scaler is None:
            optimizer.step()
        else:
            scaler.step(optimizer)
            scaler.update()
        losses.append(total / k)
    return losses


def contenders(steps: int, clock: BatchClock,
               device: torch.device) -> tuple[dict[str, Callable[[], object]], dict[str, Callable[[], None]]]:
    """The timed calls, each on its own model and optimizer, and the resets that put a bare loop back at its start."""
    loader = build_loader(SPEC, steps, clock)
    loss_func = SPEC.loss_func()
    calls: dict[str, Callable[[], object]] = {}
    resets: dict[str, Callable[[], None]] = {}

    def fresh() -> tuple[torch.nn.Module, torch.optim.Optimizer]:
        model = SPEC.build_model().to(device)
        return model, torch.optim.AdamW(model.parameters())

    def add_bare(name: str, k: int = 1, dtype: torch.dtype | None = None, scaled: bool = False) -> None:
        model, optimizer = fresh()
        weights = {key: value.clone() for key, value in model.state_dict().items()}
        scaler = torch.amp.GradScaler(device.type) if scaled else None

        def reset() -> None:  # lrwidget restores its start state, so the bare loop starts from it too
            model.load_state_dict(weights)
            optimizer.state.clear()
            if scaler is not None:
                scaler.load_state_dict(torch.amp.GradScaler(device.type).state_dict())

        calls[name] = lambda: bare_loop(model, optimizer, loss_func, loader, steps // k, k, dtype, scaler)
        resets[name] = reset

    def add_ours(name: str, **options: object) -> None:
        model, optimizer = fresh()
        iterations = steps // int(options.get("accumulation_steps", 1))  # type: ignore[call-overload]
        calls[name] = lambda: range_test(model, optimizer, loss_func, loader, start_lr=START_LR, end_lr=END_LR,
                                         num_it=iterations, stop_div=False, **options)

    add_bare("bare fp32 loop")
    add_bare("bare fp32 loop again")
    add_bare("bare bf16 loop", dtype=torch.bfloat16)
    add_bare("bare fp16 + GradScaler loop", dtype=torch.float16, scaled=True)
    add_bare(f"bare accumulation loop (k={ACCUMULATION})", k=ACCUMULATION)
    add_ours("lrwidget fp32")
    add_ours("lrwidget bf16", amp=torch.bfloat16)
    add_ours("lrwidget fp16 + GradScaler", amp=torch.float16)
    add_ours(f"lrwidget accumulation_steps={ACCUMULATION}", accumulation_steps=ACCUMULATION)
    return calls, resets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: few steps and rounds, never writes")
    parser.add_argument("--write", action="store_true", help="replace the ## AMP and accumulation section")
    parser.add_argument("--steps", type=int, default=48, help=f"batches per call (a multiple of {ACCUMULATION})")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="cpu",
                        help="cpu (default): this process's CPU time, which other processes on a shared machine "
                             "barely disturb; wall: what a user waits (use it on a GPU)")
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda: on a GPU, pass --clock wall")
    args = parser.parse_args()
    torch.set_num_threads(1)  # see benchmarks/speed.py: one thread is what a shared 2-core machine can time
    steps, rounds = (24, 1) if args.quick else (args.steps, args.rounds)  # 24: 6 steps (the minimum) of 4
    started, other_load = time.perf_counter(), OtherLoad()
    clock = BatchClock(CLOCKS[args.clock])
    calls, resets = contenders(steps, clock, torch.device(args.device))
    timings = interleave(calls, clock, rounds, steps, resets)
    rows = []
    for name, baseline in PAIRS:
        ratios = timings.round_ratios(name, baseline)
        rows.append([name, baseline, f"{timings.median_whole(name) * 1e3:.1f}",
                     f"{timings.median_whole(baseline) * 1e3:.1f}",
                     f"**{timings.median_whole(name) / timings.median_whole(baseline):.3f}**",
                     f"{min(timings.whole[name]) / min(timings.whole[baseline]):.3f}",
                     f"{min(ratios):.3f}–{max(ratios):.3f}"])
    load = other_load.cores()
    command = "python benchmarks/amp_accumulation.py" + "".join(f" {arg}" for arg in sys.argv[1:])
    autocast_cost = timings.median_whole("bare bf16 loop") / timings.median_whole("bare fp32 loop")
    notes = [f"bare bf16 loop / bare fp32 loop: {autocast_cost:.2f} (what autocast itself costs or saves on this CPU, "
             "for scale)"]
    if load is not None:
        busy = ("; the machine was loaded by other jobs: read a ratio inside the A/A control's range over rounds "
                "as no difference") if load > 0.25 else ""
        notes.append(f"other processes kept {load:.2f} of {os.cpu_count()} cores busy during the runs{busy}")
    report = "\n\n".join([
        f"machine: {platform.machine()}, {args.device}; torch {torch.__version__}; 1 thread; "
        f"Python {platform.python_version()}. {datetime.date.today().isoformat()}, `{command}`.",
        f"Range tests of {steps} batches each ({SPEC.name}, AdamW, lr {START_LR:g} → {END_LR:g}, no divergence), "
        f"{args.clock} clock, {rounds} interleaved rounds after one warm-up each; the accumulating calls run "
        f"{steps // ACCUMULATION} steps of {ACCUMULATION} batches. Whole call = snapshot, test and restore; ratios "
        "are of medians; the range is over rounds. fp16 runs slowly on a CPU (no native float16 matmul): there, only "
        "its ratio matters.",
        markdown_table(["contender", "against", "whole call (ms)", "bare (ms)", "whole / bare",
                        "whole / bare, best of rounds", "whole / bare, range over rounds"], rows),
        "\n".join(f"- {note}" for note in notes),
    ])
    print(report)
    print(f"\n(total {time.perf_counter() - started:.0f} s; median of the bare fp32 rounds "
          f"{statistics.median(timings.whole['bare fp32 loop']) * 1e3:.1f} ms)")
    if args.write and not args.quick:
        replace_section("AMP and accumulation", report)


if __name__ == "__main__":
    main()
