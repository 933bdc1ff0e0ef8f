"""An LR range test on a DistributedDataParallel model, one process per rank.

    torchrun --standalone --nproc_per_node 2 examples/ddp_range_test.py [--out ddp_curve.json] [--num-it 100]

Each rank trains on its own shard of every batch (a ``DistributedSampler``). ``range_test`` sees the DDP model and
all-reduces the loss after every step, so every rank records the same curve at the same learning rates and stops at
the same step; each rank then restores its own model and optimizer. Rank 0 prints the suggestion and writes the
curve as JSON, which ``RangeTestResult.from_json`` reads back (in a notebook, for instance, to plot it or open it in
the widget).

It runs on the CPU with gloo, and on one GPU per rank with NCCL where CUDA has a GPU for every rank.
"""
from __future__ import annotations

import argparse
import os

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

from lrwidget import range_test


def synthetic_dataset(samples: int = 4096, features: int = 20, classes: int = 4) -> TensorDataset:
    """A classification task from a random linear teacher, the same on every rank (fixed seed)."""
    generator = torch.Generator().manual_seed(0)
    inputs = torch.randn(samples, features, generator=generator)
    teacher = torch.randn(features, classes, generator=generator)
    return TensorDataset(inputs, (inputs @ teacher).argmax(dim=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="ddp_curve.json", help="where rank 0 writes the curve as JSON")
    parser.add_argument("--num-it", type=int, default=100)
    args = parser.parse_args()

    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    on_gpu = torch.cuda.is_available() and torch.cuda.device_count() > local_rank
    if on_gpu:
        torch.cuda.set_device(local_rank)
    dist.init_process_group("nccl" if on_gpu else "gloo")  # torchrun sets RANK, WORLD_SIZE and MASTER_ADDR/PORT
    try:
        device = torch.device("cuda", local_rank) if on_gpu else torch.device("cpu")
        torch.manual_seed(0)  # DDP broadcasts rank 0's weights anyway; this makes the run repeatable
        model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 4)).to(device)
        ddp_model = DistributedDataParallel(model, device_ids=[local_rank] if on_gpu else None)
        optimizer = torch.optim.AdamW(ddp_model.parameters(), lr=1e-3)
        dataset = synthetic_dataset()
        loader = DataLoader(dataset, batch_size=32, sampler=DistributedSampler(dataset, shuffle=True, seed=0))

        result = range_test(ddp_model, optimizer, nn.functional.cross_entropy, loader, start_lr=1e-6,
                            end_lr=10, num_it=args.num_it)

        if dist.get_rank() == 0:  # every rank holds the same curve; one writes it
            print(f"{dist.get_world_size()} ranks, {len(result.lrs)} steps, stopped: {result.stop_reason}; "
                  f"suggested lr (valley): {result.suggest().valley:.2e}")
            result.to_json(args.out)
            print(f"curve written to {args.out}")
    finally:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
