"""Speed of lrwidget against a bare torch loop, fastai's ``lr_find`` and torch-lr-finder, as ratios from one run.

1. Range-test overhead on a tiny and a mid-size MLP (AdamW, one pre-built loader, no divergence: every tool runs every
   step). Each contender is warmed up once, then all are timed in a fresh order each round; medians are reported.
   The whole call (snapshot, restore, fastai's weights file included) is the headline; "in loop" is the median step.
   The bare loop does what any LR finder must do per step: set each group's lr on the exponential schedule,
   ``zero_grad(set_to_none=True)``, forward, loss, backward, ``optimizer.step()``, ``loss.item()``. A second, identical
   bare loop is an A/A control that shows the run's noise floor. fastai runs with ``suggest_funcs=None``, so every
   contender does the range test only; progress bars are off (fastai ``no_bar``, torch-lr-finder ``TQDM_DISABLE``).
2. valley: lrwidget's O(n log n) valley against fastai's O(n²) one, checking that both pick the same point.

``--write`` replaces the ``## Speed`` section of BENCHMARKS.md with the printed figures; ``--quick`` is a CI smoke run
(< 20 s) that never writes; ``--breakdown`` times the pieces of lrwidget's step. One torch thread by default: on a
2-core machine that anything else also uses, two OpenMP threads stall at every barrier whenever one is descheduled,
and step times swing 5× between rounds. On a shared machine, ``--clock cpu`` (this process's CPU time) is steadier.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime
import io
import os
import platform
import sys
import tempfile
import time
import timeit
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path

os.environ.setdefault("TQDM_DISABLE", "1")  # torch-lr-finder's progress bar; fastai's is removed with no_bar()

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "benchmarks"), str(ROOT)]  # runs from a checkout, installed or not
import fastai.callback.progress  # noqa: E402,F401  (adds Learner.no_bar)
from _common import (  # noqa: E402
    CLOCKS,
    BatchClock,
    ModelSpec,
    OtherLoad,
    build_loader,
    interleave,
    markdown_table,
    median_seconds,
    replace_section,
    wait_for_quiet,
)
from fastai.basics import DataLoaders, Learner, OptimWrapper  # noqa: E402
from fastai.callback.schedule import valley as fastai_valley  # noqa: E402  (the import also adds Learner.lr_find)
from torch_lr_finder import LRFinder  # noqa: E402

from lrwidget.engine.rangetest import range_test  # noqa: E402
from lrwidget.suggest import valley  # noqa: E402

SPECS = (
    ModelSpec("tiny MLP 8→16→1, bs 32", (8, 16, 1), 32),
    ModelSpec("mid MLP 256→512→512→10, bs 128", (256, 512, 512, 10), 128),
)
START_LR, END_LR = 1e-7, 1e-2  # a range that never diverges, so every tool runs all its steps
# "bare loop again" is an A/A control: a second, identical bare loop, whose ratio shows this run's noise floor.
CONTENDERS = ("bare loop", "lrwidget", "fastai", "torch-lr-finder", "bare loop again")
TARGET_RATIO = 1.03


def bare_loop(
    model: torch.nn.Module, optimizer: torch.optim.Optimizer, loss_func: Callable, loader: Iterable, steps: int
) -> list[float]:
    """The floor: the per-step work any LR finder has to do, and nothing else."""
    model.train()
    losses = []
    for iteration, (inputs, targets) in enumerate(loader):
        lr = START_LR * (END_LR / START_LR) ** (iteration / steps)
        for group in optimizer.param_groups:
            group["lr"] = lr
        optimizer.zero_grad(set_to_none=True)
        loss = loss_func(model(inputs), targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def contenders_for(spec: ModelSpec, steps: int, clock: BatchClock, model_dir: str) -> tuple[dict, dict]:
    """The four timed calls on one task (each with its own model and optimizer) and the untimed resets before them."""
    loader = build_loader(spec, steps, clock)
    loss_func = spec.loss_func()

    def fresh() -> tuple[torch.nn.Module, torch.optim.Optimizer]:
        model = spec.build_model()
        return model, torch.optim.AdamW(model.parameters())

    def bare_contender() -> tuple[Callable[[], object], Callable[[], None]]:
        model, optimizer = fresh()
        weights = {key: value.clone() for key, value in model.state_dict().items()}

        def reset() -> None:  # the other tools restore their start state, so the bare loop starts from it too
            model.load_state_dict(weights)
            optimizer.state.clear()

        return (lambda: bare_loop(model, optimizer, loss_func, loader, steps)), reset

    (bare, reset_bare), (bare_again, reset_bare_again) = bare_contender(), bare_contender()

    ours_model, ours_optimizer = fresh()
    learner = Learner(
        DataLoaders(loader, loader), spec.build_model(), loss_func=loss_func,
        opt_func=partial(OptimWrapper, opt=torch.optim.AdamW), path=model_dir,
    )
    finder_model, finder_optimizer = fresh()

    def run_fastai() -> None:
        with learner.no_bar():
            learner.lr_find(START_LR, END_LR, num_it=steps, stop_div=False, show_plot=False, suggest_funcs=None)

    def run_torch_lr_finder() -> None:
        finder = LRFinder(finder_model, finder_optimizer, loss_func)
        finder.range_test(
            loader, start_lr=START_LR, end_lr=END_LR, num_iter=steps, step_mode="exp", smooth_f=0.02, diverge_th=4
        )
        finder.reset()

    calls = {
        "bare loop": bare,
        "lrwidget": lambda: range_test(
            ours_model, ours_optimizer, loss_func, loader,
            start_lr=START_LR, end_lr=END_LR, num_it=steps, stop_div=False,
        ),
        "fastai": run_fastai,
        "torch-lr-finder": run_torch_lr_finder,
        "bare loop again": bare_again,
    }
    return calls, {"bare loop": reset_bare, "bare loop again": reset_bare_again}


def overhead_rows(steps: int, rounds: Sequence[int], clock_name: str) -> tuple[list[list[str]], list[str]]:
    """Times every contender on every model; returns the table rows and notes on lrwidget's ratios."""
    rows, notes = [], []
    for spec, spec_rounds in zip(SPECS, rounds, strict=True):
        clock = BatchClock(CLOCKS[clock_name])
        with tempfile.TemporaryDirectory() as model_dir:
            calls, resets = contenders_for(spec, steps, clock, model_dir)
            with contextlib.redirect_stdout(io.StringIO()):  # torch-lr-finder prints; everyone pays the redirect
                timings = interleave(calls, clock, spec_rounds, steps, resets)
        bare_whole, bare_step = timings.median_whole("bare loop"), timings.median_step("bare loop")
        for name in CONTENDERS:
            ratios = timings.round_ratios(name, "bare loop")
            rows.append([
                f"{spec.name}, {spec_rounds} rounds" if name == CONTENDERS[0] else "", name,
                f"{timings.median_whole(name) * 1e3:.1f}", f"**{timings.median_whole(name) / bare_whole:.3f}**",
                f"{timings.median_step(name) * 1e6:.0f}", f"{timings.median_step(name) / bare_step:.3f}",
                f"{min(timings.whole[name]) / min(timings.whole['bare loop']):.3f}",
                f"{min(ratios):.3f}–{max(ratios):.3f}",
            ])
        ours, control = (timings.median_whole(name) / bare_whole for name in ("lrwidget", "bare loop again"))
        verdict = "meets" if ours <= TARGET_RATIO else "MISSES"
        resolves = abs(control - 1) <= TARGET_RATIO - 1
        notes.append(
            f"lrwidget, {spec.name}: whole call {ours:.3f}× bare, {verdict} the ≤ {TARGET_RATIO} target; "
            f"the A/A control reads {control:.3f}×" + ("" if resolves else ", so this run cannot resolve 3%")
        )
    return rows, notes


def valley_curve(points: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """A realistic range-test curve: a plateau, a valley, a blow-up, noisy, then smoothed as fastai records it."""
    rng = np.random.default_rng(seed)
    position = np.linspace(0.0, 1.0, points)
    valley_shape = 2.3 - 1.6 / (1 + np.exp(-(position - 0.55) * 14)) + np.exp((position - 0.93) * 40)
    raw = valley_shape + rng.normal(0, 0.05, points)
    smoothed, average = np.empty(points), 0.0
    for index, loss in enumerate(raw):
        average = 0.98 * average + 0.02 * loss
        smoothed[index] = average / (1 - 0.98 ** (index + 1))
    lrs = torch.tensor(np.logspace(-7, 1, points), dtype=torch.float32)
    return lrs, torch.tensor(smoothed, dtype=torch.float32)


def valley_rows(points: int, big_points: int, repeats: int, timer: Callable[[], float]) -> tuple[list[list[str]], str]:
    """Times both valleys and checks that they agree; returns the rows and the sanity line."""
    lrs, losses = valley_curve(points)
    started = timer()
    fastai_lr, (_, fastai_loss) = fastai_valley(lrs, losses, points)
    fastai_seconds = timer() - started
    ours = valley(lrs, losses)
    fastai_index, our_index = int((lrs == fastai_lr).nonzero()[0]), int((lrs == ours.lr).nonzero()[0])
    if (our_index, ours.lr, ours.point[1]) != (fastai_index, fastai_lr, float(fastai_loss)):
        raise AssertionError(f"valley disagrees with fastai: {our_index=} {ours.lr=} vs {fastai_index=} {fastai_lr=}")
    sanity = f"valley sanity check: same point as fastai on {points:,} points (index {our_index}, lr {ours.lr:.4g})"
    ours_seconds = median_seconds(lambda: valley(lrs, losses), repeats, timer)
    big_lrs, big_losses = valley_curve(big_points)
    big_seconds = median_seconds(lambda: valley(big_lrs, big_losses), max(3, repeats // 3), timer)
    rows = [
        ["lrwidget", f"{points:,}", f"{ours_seconds * 1e3:.2f}", f"median of {repeats}",
         f"{fastai_seconds / ours_seconds:,.0f}× faster"],
        ["lrwidget", f"{big_points:,}", f"{big_seconds * 1e3:.2f}", f"median of {max(3, repeats // 3)}", "—"],
        ["fastai", f"{points:,}", f"{fastai_seconds * 1e3:.0f}", "one run", "1×"],
    ]
    return rows, sanity


def lrwidget_breakdown() -> list[list[str]]:
    """Microseconds per call of each piece of lrwidget's per-step path, and of its fixed costs, on the tiny task."""
    from lrwidget.engine import rangetest
    from lrwidget.engine.snapshot import TrainingSnapshot
    from lrwidget.engine.step import SupervisedStep, split_batch, to_device

    spec = SPECS[0]
    model, loss_func = spec.build_model(), spec.loss_func()
    optimizer = torch.optim.AdamW(model.parameters())
    batch = next(iter(build_loader(spec, 2, BatchClock())))
    step = SupervisedStep(model, optimizer, loss_func)
    loss = step(batch)
    smoother, values = rangetest.LossSmoother(), []
    snapshot = TrainingSnapshot(model, optimizer)

    def bare_step() -> float:
        optimizer.zero_grad(set_to_none=True)
        step_loss = loss_func(model(batch[0]), batch[1])
        step_loss.backward()
        optimizer.step()
        return step_loss.item()

    def record() -> None:
        values.append(1.0), values.append(1.0), values.append(1.0)
        min(0.5, 1.0)

    pieces = {
        "bare step (zero_grad, fwd, loss, bwd, step, item)": bare_step,
        "SupervisedStep (same work, via lrwidget)": lambda: step(batch).item(),
        "  to_device + split_batch": lambda: split_batch(to_device(batch, step.device)),
        "exponential_lr": lambda: rangetest.exponential_lr(START_LR, END_LR, 7, 200),
        "_set_lr": lambda: rangetest._set_lr(optimizer, 1e-3),
        "_loss_value (dim check + item)": lambda: rangetest._loss_value(loss),
        "LossSmoother.add": lambda: smoother.add(0.5),
        "3 list appends + min": record,
        "TrainingSnapshot(...) (once per call)": lambda: TrainingSnapshot(model, optimizer),
        "snapshot.restore() (once per call)": snapshot.restore,
    }
    rows = []
    for name, call in pieces.items():
        number = 200 if "once" in name or "step" in name.lower() else 20000
        best = min(timeit.repeat(call, timer=time.process_time, number=number, repeat=7)) / number
        rows.append([name, f"{best * 1e6:.2f}"])
    return rows


def machine_line(threads: int) -> str:
    processor = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        names = [line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                 if line.startswith("model name")]
        processor += f" ({names[0]})" if names else ""
    thread_count = f"{threads} thread" + ("s" if threads != 1 else "")
    return f"machine: {processor}; torch {torch.__version__}; {thread_count}; Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="CI smoke run: few steps and rounds, never writes")
    parser.add_argument("--write", action="store_true", help="replace the ## Speed section of BENCHMARKS.md")
    parser.add_argument("--breakdown", action="store_true", help="also time the pieces of lrwidget's per-step path")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (default 1, see the docstring)")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="wall", help="cpu: this process's CPU time")
    parser.add_argument("--wait-quiet", type=float, default=0.0, metavar="SECONDS",
                        help="first wait up to this long for other processes to use < 0.25 cores")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    # More rounds on the tiny model: its calls are short, and its ratio is the one that noise moves most.
    steps, rounds = (20, (2, 2)) if args.quick else (200, (21, 6))
    points, repeats = (300, 5) if args.quick else (1000, 21)
    if args.wait_quiet > 0:
        waited = time.perf_counter()
        cores = wait_for_quiet(args.wait_quiet)
        print(f"waited {time.perf_counter() - waited:.0f} s for a quiet machine (others at {cores or 0:.2f} cores)")
    started, other_load = time.perf_counter(), OtherLoad()

    rows, notes = overhead_rows(steps, rounds, args.clock)
    load = other_load.cores()
    if load is not None:
        busy = " (busy: read a few % either way as noise, and trust best of rounds more)" if load > 0.25 else ""
        notes.append(f"other processes kept {load:.2f} of {os.cpu_count()} cores busy during the range tests{busy}")
    valley_table_rows, sanity = valley_rows(points, 10 * points, repeats, CLOCKS[args.clock])
    command = "python benchmarks/speed.py" + "".join(f" {arg}" for arg in sys.argv[1:])
    report = "\n\n".join([
        f"{machine_line(torch.get_num_threads())}. {datetime.date.today().isoformat()}, `{command}`.",
        f"Range test, {steps} steps (lr {START_LR:g} → {END_LR:g}, AdamW, no divergence), {args.clock} clock, "
        "interleaved rounds after one warm-up each. Whole call includes snapshot/restore (fastai: its weights file); "
        "in loop is the median time from one batch fetch to the next. "
        "whole / bare is the ratio of the medians (the headline); best of rounds, the ratio of the fastest calls, "
        "is what other processes disturb least.",
        markdown_table(
            ["model", "contender", "whole call (ms)", "whole / bare", "in loop (µs/step)", "in loop / bare",
             "whole / bare, best of rounds", "whole / bare, range over rounds"],
            rows,
        ),
        "\n".join(f"- {note}" for note in notes),
        "valley (the default suggestion):",
        markdown_table(
            ["valley", "points", f"time (ms, {args.clock} clock)", "runs", "vs fastai, same size"], valley_table_rows
        ),
        f"- {sanity}",
    ])
    if args.breakdown:
        report += "\n\nlrwidget's pieces, best of 7 (µs of CPU time per call, tiny task):\n\n" + markdown_table(
            ["piece", "µs"], lrwidget_breakdown()
        )
    print(report)
    print(f"\n(total {time.perf_counter() - started:.0f} s)")
    if args.write and args.quick:
        print("--quick never writes BENCHMARKS.md")
    elif args.write:
        replace_section("Speed", report)


if __name__ == "__main__":
    main()
