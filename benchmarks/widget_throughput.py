"""LRWidget's throughput against a plain ``range_test`` doing the same steps, at 10k, 60k and 200k points.

    python benchmarks/widget_throughput.py [--sizes 10000 60000 200000] [--repeats 1]

Both run ``nn.Linear(2, 1)`` on one 64-row batch with ``stop_div=False``, so every step is cheap and the widget's own
costs (the point buffer, the publisher's deltas, progress and live markers, and the final markers and saved curve)
show. The widget's comm serialises every message as a kernel's would (a counting comm: JSON plus binary buffers).
Runs alternate widget/plain so that machine noise hits both. Prints steps per second and the ratio
widget ÷ plain; the target (issue 10) is ≥ 0.9 at 60k points.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lrwidget import LRWidget, range_test
from lrwidget.backends import TorchBackend
from tests.counting_comm import counting_comms


def setup() -> tuple[nn.Module, torch.optim.Optimizer, DataLoader]:
    torch.manual_seed(0)
    data = TensorDataset(torch.randn(64, 2), torch.randn(64, 1))
    model = nn.Linear(2, 1)
    return model, torch.optim.SGD(model.parameters(), lr=1e-3), DataLoader(data, batch_size=64)


def plain(num_it: int) -> float:
    model, optimizer, loader = setup()
    started = time.perf_counter()
    range_test(model, optimizer, nn.functional.mse_loss, loader, num_it=num_it, end_lr=1.0, stop_div=False)
    return time.perf_counter() - started


def widget(num_it: int) -> tuple[float, int]:
    model, optimizer, loader = setup()
    with counting_comms() as log:
        w = LRWidget(TorchBackend(model, optimizer, nn.functional.mse_loss, loader), num_it=num_it, end_lr=1.0,
                     stop_div=False, autostart=False)
        started = time.perf_counter()
        w.run()
        w.wait()
        elapsed = time.perf_counter() - started
        w.close()
    return elapsed, len(log.messages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 60_000, 200_000])
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, 1 thread; best of {args.repeats}\n")
    print("| points | plain range_test (steps/s) | LRWidget (steps/s) | widget ÷ plain | messages |")
    print("|---:|---:|---:|---:|---:|")
    for size in args.sizes:
        widget_times, plain_times, messages = [], [], 0
        for _ in range(args.repeats):
            elapsed, messages = widget(size)
            widget_times.append(elapsed)
            plain_times.append(plain(size))
        widget_rate, plain_rate = size / min(widget_times), size / min(plain_times)
        print(f"| {size:,} | {plain_rate:,.0f} | {widget_rate:,.0f} | {widget_rate / plain_rate:.2f} | {messages} |",
              flush=True)


if __name__ == "__main__":
    main()
