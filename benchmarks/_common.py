"""What the benchmarks share: synthetic models and loaders, fair interleaved timing, and the BENCHMARKS.md writer.

Loaders fetch each batch as one tensor index (a ``BatchSampler`` as the sampler, ``batch_size=None``), so the data
pipeline costs every contender the same few microseconds and does not dilute the overhead being measured. A
``collate_fn`` stamps the time of every batch fetch: the span from the first fetch to the last is the training loop
alone, whoever runs it, which isolates the per-step cost from fixed costs such as snapshots and file writes.
"""
from __future__ import annotations

import gc
import itertools
import os
import random
import re
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import BatchSampler, DataLoader, SequentialSampler, TensorDataset


@dataclass(frozen=True)
class ModelSpec:
    """A synthetic task: an MLP with ReLUs, its batch size, and its loss (MSE for one output, else cross-entropy)."""

    name: str
    sizes: tuple[int, ...]
    batch_size: int

    def build_model(self, seed: int = 0) -> nn.Module:
        torch.manual_seed(seed)
        layers: list[nn.Module] = []
        for index, (width_in, width_out) in enumerate(itertools.pairwise(self.sizes)):
            if index:
                layers.append(nn.ReLU())
            layers.append(nn.Linear(width_in, width_out))
        return nn.Sequential(*layers)

    def loss_func(self) -> nn.Module:
        return nn.MSELoss() if self.sizes[-1] == 1 else nn.CrossEntropyLoss()


# wall: what a user waits. cpu: this process's CPU time, which other processes on a shared machine barely disturb
# (all threads summed, so use it with one thread).
CLOCKS: dict[str, Callable[[], float]] = {"wall": time.perf_counter, "cpu": time.process_time}


class BatchClock:
    """A ``collate_fn`` that records when each batch is fetched, on the benchmark's clock."""

    def __init__(self, timer: Callable[[], float] = time.perf_counter) -> None:
        self.timer = timer
        self.stamps: list[float] = []

    def __call__(self, batch: object) -> object:
        self.stamps.append(self.timer())
        return batch

    def reset(self) -> None:
        self.stamps = []

    def median_step_seconds(self) -> float:
        """The median time from one batch fetch to the next: a step with all its bookkeeping, fixed costs left out.

        A median rather than a mean, so that the moments another process takes the core away do not count.
        """
        return statistics.median(later - earlier for earlier, later in itertools.pairwise(self.stamps))


def build_loader(spec: ModelSpec, num_batches: int, clock: BatchClock, seed: int = 0) -> DataLoader:
    """A pre-built, unshuffled, single-process loader over ``num_batches`` synthetic batches."""
    generator = torch.Generator().manual_seed(seed)
    count = num_batches * spec.batch_size
    inputs = torch.randn(count, spec.sizes[0], generator=generator)
    if spec.sizes[-1] == 1:
        targets = inputs[:, :1] * 0.5 + 0.1 * torch.randn(count, 1, generator=generator)
    else:
        targets = torch.randint(0, spec.sizes[-1], (count,), generator=generator)
    dataset = TensorDataset(inputs, targets)
    sampler = BatchSampler(SequentialSampler(dataset), spec.batch_size, drop_last=True)
    return DataLoader(dataset, sampler=sampler, batch_size=None, num_workers=0, collate_fn=clock)


@dataclass
class Timings:
    """Per contender: whole-call seconds and in-loop seconds per step, one of each per round."""

    whole: dict[str, list[float]] = field(default_factory=dict)
    per_step: dict[str, list[float]] = field(default_factory=dict)

    def median_whole(self, name: str) -> float:
        return statistics.median(self.whole[name])

    def median_step(self, name: str) -> float:
        return statistics.median(self.per_step[name])

    def round_ratios(self, name: str, baseline: str) -> list[float]:
        return [mine / base for mine, base in zip(self.whole[name], self.whole[baseline], strict=True)]


def interleave(
    contenders: dict[str, Callable[[], object]],
    clock: BatchClock,
    rounds: int,
    steps: int,
    resets: dict[str, Callable[[], None]] | None = None,
) -> Timings:
    """Warms every contender up once, then times them in turn, in a new order each round, for ``rounds`` rounds.

    Each call must fetch exactly ``steps`` batches; that is checked, so a tool that stopped early cannot look fast.
    The garbage collector and ``resets[name]`` (if any) run before each call, outside the timing, so no contender
    pays for another's garbage.
    """
    resets = resets or {}
    for name, call in contenders.items():
        if name in resets:
            resets[name]()
        clock.reset()
        call()
        if len(clock.stamps) != steps:
            raise RuntimeError(f"{name} fetched {len(clock.stamps)} batches, expected {steps}")
    timings = Timings({name: [] for name in contenders}, {name: [] for name in contenders})
    order, shuffler = list(contenders), random.Random(0)
    for _ in range(rounds):
        shuffler.shuffle(order)  # a fresh order each round: no contender always follows the same other one
        for name in order:
            call = contenders[name]
            if name in resets:
                resets[name]()
            gc.collect()
            clock.reset()
            started = clock.timer()
            call()
            timings.whole[name].append(clock.timer() - started)
            timings.per_step[name].append(clock.median_step_seconds())
    return timings


def median_seconds(call: Callable[[], object], repeats: int, timer: Callable[[], float] = time.perf_counter) -> float:
    """Median time of ``repeats`` calls on ``timer``."""
    samples = []
    for _ in range(repeats):
        started = timer()
        call()
        samples.append(timer() - started)
    return statistics.median(samples)


class OtherLoad:
    """How many CPU cores other processes kept busy meanwhile: timings on a shared machine are only as good as that.

    It reads /proc/stat (Linux); elsewhere it reports nothing.
    """

    def __init__(self) -> None:
        self.started = (self._busy_seconds(), self._own_seconds(), time.perf_counter())

    @staticmethod
    def _busy_seconds() -> float | None:
        try:
            with open("/proc/stat") as stat:
                fields = [int(value) for value in stat.readline().split()[1:]]
        except (OSError, ValueError):
            return None
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
        return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")

    @staticmethod
    def _own_seconds() -> float:
        times = os.times()
        return times.user + times.system

    def cores(self) -> float | None:
        """Average number of cores other processes used since this object was made."""
        busy, own, wall = self._busy_seconds(), self._own_seconds(), time.perf_counter()
        if busy is None or self.started[0] is None:
            return None
        return max(0.0, (busy - self.started[0]) - (own - self.started[1])) / (wall - self.started[2])


def wait_for_quiet(max_seconds: float, threshold: float = 0.25, window: float = 3.0) -> float | None:
    """Waits (up to ``max_seconds``) until other processes use under ``threshold`` cores; returns the last reading."""
    deadline = time.perf_counter() + max_seconds
    while True:
        load = OtherLoad()
        time.sleep(window)
        cores = load.cores()
        if cores is None or cores < threshold or time.perf_counter() >= deadline:
            return cores


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


#: The file every benchmark's ``--write`` writes its section into.
BENCHMARKS_MD = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"


def replace_section(heading: str, body: str, path: Path = BENCHMARKS_MD) -> None:
    """Writes ``## heading`` with ``body`` into a markdown file (BENCHMARKS.md), replacing that section if it is
    already there, and says so."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    section = f"## {heading}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(heading)}[ \t]*\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text, count=1).rstrip() + "\n"
    else:
        text = text.rstrip() + "\n\n" + section
    path.write_text(text)
    print(f"wrote the ## {heading} section of {path}")
