"""The GPU checks of issue 14 (item 6): one short script to run whenever a machine with a CUDA GPU is lent.

    make gpu-check                                             # in .venv-tv, on the GPU
    .venv-tv/bin/python benchmarks/gpu_check.py --device cpu   # a dry run of the same checks on the CPU

On a machine without CUDA, and without ``--device cpu``, it says so and exits 0 without doing anything. It needs
torchvision, so it runs in the torchvision venv (``make tv-venv``). Each check prints PASS, FAIL or n/a with its
figures; the exit status is 1 when any check fails. The checks, on a torchvision ResNet (randomly initialised,
nothing downloaded) with AdamW, on synthetic batches that live on the device:

1. ``snapshot``: the range test keeps its snapshot in CPU RAM, with no second copy on the GPU. Its peak GPU memory
   (``torch.cuda.max_memory_allocated``) exceeds a bare loop's on the same batches by less than half of what a copy
   of the model, its grads and the optimizer state would take, and ``memory_allocated`` is back where it was after
   the test. (CUDA only.)
2. ``restore``: after a range test that diverges, every parameter, grad, buffer (BatchNorm running statistics
   included) and optimizer state tensor is bit-identical to before, in the same tensor object, on the same device.
3. ``cuda-rng``: the CUDA generator, which the head's dropout draws from during the test, is back where it was; so
   is the CPU one. (The CUDA part on CUDA only.)
4. ``amp``: ``range_test(..., amp=torch.float16)`` (a GradScaler; bfloat16 autocast in the CPU dry run) gives finite
   losses, records the unscaled loss (its first point within 2% of a float32 run's, where a scaled loss would be
   thousands of times larger), restores everything bit for bit, and the same holds with ``accumulation_steps=2``.
5. ``overhead``: the range test against a bare hand-written loop over the same batches at the same learning rates
   (set the LR, zero_grad, forward, loss, backward, step, read the loss, as any range test must to decide when to
   stop), run alternately after a warm-up of each, several times: the ratio of the medians, snapshot and restore
   included, is at most 1.03 on CUDA. In the CPU dry run it is printed, not checked.

Put the figures of a GPU run in BENCHMARKS.md, marked as GPU figures.
"""
from __future__ import annotations

import argparse
import copy
import dataclasses
import inspect
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from lrwidget import range_test
from lrwidget.engine.rangetest import exponential_lr

MAX_OVERHEAD = 1.03
SNAPSHOT_ON_GPU_FRACTION = 0.5  # a GPU copy of the state would add all of it to the peak; half is the line
Batches = list[tuple[torch.Tensor, torch.Tensor]]


@dataclass(frozen=True)
class Sizes:
    """The workload of a run: the model, its batches, and how long and how often the overhead is timed."""

    arch: str
    image_size: int
    batch_size: int
    n_batches: int
    steps: int
    repeats: int


GPU_SIZES = Sizes("resnet34", 224, 128, 8, 100, 5)   # seed 002's resnet34, fastai's num_it=100
CPU_SIZES = Sizes("resnet18", 32, 8, 4, 8, 2)         # the dry run: the code paths, in seconds


@dataclass(frozen=True)
class Check:
    """One line of the report: ``status`` is ``"PASS"``, ``"FAIL"`` or ``"n/a"``."""

    name: str
    status: str
    detail: str


def verdict(name: str, passed: bool, detail: str) -> Check:
    return Check(name, "PASS" if passed else "FAIL", detail)


def build_model(torchvision: Any, sizes: Sizes, device: torch.device, seed: int = 0) -> nn.Module:
    """The ResNet with a dropout before its head, so that a training step draws from the device's generator."""
    torch.manual_seed(seed)
    model = getattr(torchvision.models, sizes.arch)(weights=None, num_classes=10)
    model.fc = nn.Sequential(nn.Dropout(0.2), model.fc)
    return model.to(device)


def make_batches(sizes: Sizes, device: torch.device) -> Batches:
    generator = torch.Generator().manual_seed(1)
    shape = (sizes.batch_size, 3, sizes.image_size, sizes.image_size)
    return [(torch.randn(shape, generator=generator).to(device),
             torch.randint(0, 10, (sizes.batch_size,), generator=generator).to(device)) for _ in range(sizes.n_batches)]


def warmed_up(model: nn.Module, batches: Batches) -> torch.optim.Optimizer:
    """An AdamW that has stepped twice: it holds state, the grads exist and BatchNorm's statistics have moved."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    bare_loop(model, optimizer, batches, [1e-4, 1e-4])
    return optimizer


def bare_loop(model: nn.Module, optimizer: torch.optim.Optimizer, batches: Batches,
              lrs: Sequence[float]) -> list[float]:
    """The hand-written loop a range test replaces."""
    model.train()
    losses = []
    for step, lr in enumerate(lrs):
        for group in optimizer.param_groups:
            group["lr"] = lr
        images, labels = batches[step % len(batches)]
        optimizer.zero_grad(set_to_none=True)
        loss = nn.functional.cross_entropy(model(images), labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def state_tensors(model: nn.Module, optimizer: torch.optim.Optimizer) -> dict[str, torch.Tensor]:
    """Every tensor a range test may change, by a readable name."""
    tensors = {f"parameter {name}": param for name, param in model.named_parameters()}
    tensors |= {f"grad {name}": param.grad for name, param in model.named_parameters() if param.grad is not None}
    tensors |= {f"buffer {name}": buffer for name, buffer in model.named_buffers()}
    names = {id(param): name for name, param in model.named_parameters()}
    for param, state in optimizer.state.items():
        tensors |= {f"optimizer {key} of {names[id(param)]}": value for key, value in state.items()
                    if isinstance(value, torch.Tensor)}
    return tensors


def restore_problems(before: dict[str, tuple[torch.Tensor, torch.Tensor]], model: nn.Module,
                     optimizer: torch.optim.Optimizer) -> list[str]:
    """What is not as it was: a tensor gone, new, rebound to another object, or with other contents."""
    after = state_tensors(model, optimizer)
    problems = [f"{name} appeared" for name in after.keys() - before.keys()]
    problems += [f"{name} is gone" for name in before.keys() - after.keys()]
    for name, (original, contents) in before.items():
        if name not in after:
            continue
        if after[name] is not original:
            problems.append(f"{name} is another tensor object")
        elif not torch.equal(original.cpu(), contents):
            problems.append(f"{name} changed")
    return problems


def snapshot_of(model: nn.Module, optimizer: torch.optim.Optimizer) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    return {name: (tensor, tensor.detach().to("cpu", copy=True))
            for name, tensor in state_tensors(model, optimizer).items()}


def check_restore_and_rng(model: nn.Module, optimizer: torch.optim.Optimizer, batches: Batches,
                          device: torch.device) -> list[Check]:
    """Checks 2 and 3 on one range test that diverges."""
    before = snapshot_of(model, optimizer)
    cuda = device.type == "cuda"
    rng_before = (torch.get_rng_state(), torch.cuda.get_rng_state(device) if cuda else None)
    seen: list[torch.Tensor] = []

    def watch(point: Any) -> None:
        if point.iteration == 1 and cuda:
            seen.append(torch.cuda.get_rng_state(device))

    result = range_test(model, optimizer, nn.CrossEntropyLoss(), batches, end_lr=1e4, num_it=40, on_point=watch)
    problems = restore_problems(before, model, optimizer)  # the same objects, so on the same device too
    checks = [verdict("restore", result.stop_reason == "diverged" and not problems,
                      f"{len(before)} tensors after a range test that {result.stop_reason} at step "
                      f"{len(result.lrs)}: " + ("; ".join(problems[:3]) or "all bit-identical, same objects"))]
    cpu_rng_ok = torch.equal(torch.get_rng_state(), rng_before[0])
    if cuda:
        moved = bool(seen) and not torch.equal(seen[0], rng_before[1])
        cuda_ok = torch.equal(torch.cuda.get_rng_state(device), rng_before[1])
        checks.append(verdict("cuda-rng", moved and cuda_ok and cpu_rng_ok,
                              f"CUDA generator moved during the test: {moved}; restored: {cuda_ok}; "
                              f"CPU generator restored: {cpu_rng_ok}"))
    else:
        checks.append(Check("cuda-rng", "n/a", f"CPU only (the CPU generator restored: {cpu_rng_ok})"))
    return checks


def check_snapshot_memory(model: nn.Module, optimizer: torch.optim.Optimizer, batches: Batches,
                          device: torch.device, steps: int) -> Check:
    """Check 1: the range test's peak GPU memory against a bare loop's, and against a copy of the state."""
    if device.type != "cuda":
        return Check("snapshot", "n/a", "CUDA only")
    state_bytes = sum(t.numel() * t.element_size() for t in state_tensors(model, optimizer).values())
    lrs = [exponential_lr(1e-7, 1e-3, step, steps) for step in range(steps)]

    def peak_above_base(run: Callable[[], object]) -> tuple[int, int]:
        torch.cuda.synchronize(device)
        base = torch.cuda.memory_allocated(device)
        torch.cuda.reset_peak_memory_stats(device)
        run()
        torch.cuda.synchronize(device)
        return torch.cuda.max_memory_allocated(device) - base, torch.cuda.memory_allocated(device) - base

    saved = copy.deepcopy((model.state_dict(), optimizer.state_dict()))
    tested_peak, tested_left = peak_above_base(lambda: range_test(
        model, optimizer, nn.CrossEntropyLoss(), batches, end_lr=1e-3, num_it=steps, stop_div=False))
    bare_peak, _ = peak_above_base(lambda: bare_loop(model, optimizer, batches, lrs))
    model.load_state_dict(saved[0])
    optimizer.load_state_dict(saved[1])
    extra = tested_peak - bare_peak
    mib = 2 ** 20
    return verdict("snapshot", extra < SNAPSHOT_ON_GPU_FRACTION * state_bytes and tested_left == 0,
                   f"peak above the resident state: range test {tested_peak / mib:.0f} MiB, bare loop "
                   f"{bare_peak / mib:.0f} MiB (difference {extra / mib:+.1f} MiB; a GPU copy of the model, grads "
                   f"and optimizer state would add {state_bytes / mib:.0f} MiB); left allocated after the test: "
                   f"{tested_left} bytes")


def check_amp(model: nn.Module, optimizer: torch.optim.Optimizer, batches: Batches, device: torch.device) -> Check:
    """Check 4: mixed precision (and with gradient accumulation) on the range test."""
    keywords = inspect.signature(range_test).parameters
    if "amp" not in keywords or "accumulation_steps" not in keywords:
        return Check("amp", "FAIL", "range_test has no amp= / accumulation_steps= keyword here: issue 14 item 1 "
                                    "(mixed precision, accumulation) is not in this checkout")
    dtype = torch.float16 if device.type == "cuda" else torch.bfloat16
    settings = dict(end_lr=1e-3, num_it=12, stop_div=False)
    before = snapshot_of(model, optimizer)
    reference = range_test(model, optimizer, nn.CrossEntropyLoss(), batches, **settings)
    results = {k: range_test(model, optimizer, nn.CrossEntropyLoss(), batches, amp=dtype, accumulation_steps=k,
                             **settings) for k in (1, 2)}
    problems = restore_problems(before, model, optimizer)
    finite = all(torch.isfinite(torch.tensor(result.raw_losses)).all() for result in results.values())
    first, reference_first = results[1].raw_losses[0], reference.raw_losses[0]
    # "Unscaled": a loss recorded before unscaling would be off by the GradScaler's factor (2**16 at the start), so
    # 10% separates the two by far. bfloat16 keeps 8 bits of mantissa: on the CPU dry run a ResNet's first loss
    # has come out 3.5% off float32's, which a 2% bound failed now and then.
    unscaled = abs(first - reference_first) <= 0.1 * abs(reference_first)
    scaler = "with a GradScaler" if dtype == torch.float16 else "no scaler"
    return verdict("amp", finite and unscaled and not problems,
                   f"{str(dtype).removeprefix('torch.')} autocast ({scaler}): finite losses {finite}; first loss "
                   f"{first:.4f} vs float32 {reference_first:.4f}; accumulation_steps=2 ran "
                   f"{len(results[2].lrs)} steps; restore: {'; '.join(problems[:3]) or 'bit-identical'}")


def check_overhead(torchvision: Any, sizes: Sizes, batches: Batches, device: torch.device) -> Check:
    """Check 5: the range test against the bare loop, side by side."""
    model = build_model(torchvision, sizes, device, seed=2)
    optimizer = warmed_up(model, batches)
    saved = copy.deepcopy((model.state_dict(), optimizer.state_dict()))
    lrs = [exponential_lr(1e-7, 1e-3, step, sizes.steps) for step in range(sizes.steps)]

    def timed(run: Callable[[], object]) -> float:
        model.load_state_dict(saved[0])  # both start from the same weights (not timed)
        optimizer.load_state_dict(saved[1])
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        started = time.perf_counter()
        run()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        return time.perf_counter() - started

    loop_times: list[float] = []  # the range test's loop alone (result.elapsed_s: no snapshot, no restore)

    def tested() -> None:
        result = range_test(model, optimizer, nn.CrossEntropyLoss(), batches, end_lr=1e-3, num_it=sizes.steps,
                            stop_div=False)
        loop_times.append(result.elapsed_s)

    contenders: dict[str, Callable[[], object]] = {
        "bare": lambda: bare_loop(model, optimizer, batches, lrs),
        "range_test": tested,
    }
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for repeat in range(sizes.repeats + 1):  # the first round warms up (cuDNN's algorithm search, caches)
        for name, run in contenders.items():
            elapsed = timed(run)
            if repeat:
                times[name].append(elapsed)
    tested_s, bare_s = statistics.median(times["range_test"]), statistics.median(times["bare"])
    ratio = tested_s / bare_s
    fixed_s = tested_s - statistics.median(loop_times[1:])
    detail = (f"{sizes.arch} {sizes.image_size}px, batch {sizes.batch_size}, {sizes.steps} steps, median of "
              f"{sizes.repeats}: range test {tested_s:.3f} s (of which snapshot and restore {fixed_s:.3f} s), "
              f"bare loop {bare_s:.3f} s, ratio {ratio:.3f} (limit {MAX_OVERHEAD})")
    if device.type != "cuda":
        return Check("overhead", "n/a", detail + "; measured, not checked on the CPU")
    return verdict("overhead", ratio <= MAX_OVERHEAD, detail)


def run_checks(torchvision: Any, device: torch.device, sizes: Sizes) -> list[Check]:
    batches = make_batches(sizes, device)
    model = build_model(torchvision, sizes, device)
    optimizer = warmed_up(model, batches)
    checks = [check_snapshot_memory(model, optimizer, batches, device, sizes.steps)]
    checks += check_restore_and_rng(model, optimizer, batches, device)
    checks.append(check_amp(model, optimizer, batches, device))
    checks.append(check_overhead(torchvision, sizes, batches, device))
    return checks


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=["cuda", "cpu"], default="cuda",
                        help="cuda (default; without CUDA the script exits 0 doing nothing) or cpu (a dry run)")
    for field in ("arch", "image_size", "batch_size", "steps", "repeats"):
        parser.add_argument(f"--{field.replace('_', '-')}", type=str if field == "arch" else int,
                            help=f"override the {field} (GPU: {getattr(GPU_SIZES, field)}, CPU: "
                                 f"{getattr(CPU_SIZES, field)})")
    args = parser.parse_args(argv)
    if args.device == "cuda" and not torch.cuda.is_available():
        print("gpu_check: no CUDA device here (torch.cuda.is_available() is False): nothing to check. "
              "Run it on a GPU machine, or pass --device cpu for a dry run on the CPU.")
        return 0
    try:
        import torchvision
    except Exception as error:  # ImportError, or a torch/torchvision mismatch
        print(f"gpu_check: torchvision cannot be imported ({type(error).__name__}: {error}); "
              "run it in .venv-tv (make tv-venv, then make gpu-check)", file=sys.stderr)
        return 2
    device = torch.device(args.device)
    overrides = {name: value for name in ("arch", "image_size", "batch_size", "steps", "repeats")
                 if (value := getattr(args, name)) is not None}
    sizes = dataclasses.replace(GPU_SIZES if device.type == "cuda" else CPU_SIZES, **overrides)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True  # as a user would; the same for both contenders
        where = f"{torch.cuda.get_device_name(device)}, CUDA {torch.version.cuda}"
    else:
        where = "CPU dry run (the CUDA-only checks say n/a)"
    print(f"gpu_check: torch {torch.__version__}, torchvision {torchvision.__version__}; {where}")
    checks = run_checks(torchvision, device, sizes)
    for check in checks:
        print(f"  {check.status:<4} {check.name:<9} {check.detail}")
    failed = [check.name for check in checks if check.status == "FAIL"]
    print(f"gpu_check: {'FAILED: ' + ', '.join(failed) if failed else 'all checks passed'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
