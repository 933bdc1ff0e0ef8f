"""The scenarios of tests/test_ddp.py, run on each rank of a gloo process group and, for reference, on one process.

Each rank runs ``python -m tests.ddp_scenarios RANK WORLD_SIZE RENDEZVOUS_FILE OUT_FILE`` from the repository root
and writes what it saw as JSON. The data is a linear regression in float64, split so that global batch ``k`` is the
concatenation of every rank's batch ``k`` (rank ``r`` holds rows ``r*b .. (r+1)*b`` of it). With a mean-reduced MSE
and SGD, DDP's averaged gradient is then the single-process gradient on the global batch, up to the order of the
float additions: that is why the reference comparison uses a tolerance of 1e-9, orders of magnitude above float64
rounding and far below any real difference.
"""
from __future__ import annotations

import copy
import datetime
import json
import sys
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn

from lrwidget.engine.distributed import in_lockstep
from lrwidget.engine.rangetest import RangeTestPoint, RangeTestResult, range_test

WORLD_SIZE = 2
SHARD_ROWS = 8  # rows per rank per step
FEATURES = 4
NAN_BATCH = 4  # the global batch whose rank-1 shard holds a NaN in the "nan" scenario
CANCEL_AFTER = 5  # rank 1 sets its Stop in on_point of this iteration in the "cancel" scenario
#: Each scenario's range_test keywords. "completed" never diverges; "diverged" does, part-way.
SCENARIOS: dict[str, dict[str, Any]] = {
    "completed": {"start_lr": 1e-4, "end_lr": 0.1, "num_it": 20},
    "diverged": {"start_lr": 1e-3, "end_lr": 1e3, "num_it": 40},
    "cancel": {"start_lr": 1e-4, "end_lr": 0.1, "num_it": 20},
    "nan": {"start_lr": 1e-4, "end_lr": 0.1, "num_it": 10},
    "uneven": {"start_lr": 1e-4, "end_lr": 0.1, "num_it": 12},
    "own_snapshot": {"start_lr": 1e-4, "end_lr": 0.1, "num_it": 8},
}


def global_batches(count: int, *, nan_batch: int | None = None) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """``count`` batches of ``WORLD_SIZE * SHARD_ROWS`` rows, the same on every process."""
    generator = torch.Generator().manual_seed(1234)
    inputs = torch.randn(count, WORLD_SIZE * SHARD_ROWS, FEATURES, generator=generator, dtype=torch.float64)
    targets = inputs @ torch.tensor([1.5, -2.0, 0.5, 3.0], dtype=torch.float64).unsqueeze(1) + 0.1
    if nan_batch is not None:
        inputs[nan_batch, -1, 0] = float("nan")  # a row of the last rank's shard
    return [(inputs[k], targets[k]) for k in range(count)]


def shard(batches: list[tuple[torch.Tensor, torch.Tensor]], rank: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Rank ``rank``'s rows of every global batch."""
    rows = slice(rank * SHARD_ROWS, (rank + 1) * SHARD_ROWS)
    return [(inputs[rows], targets[rows]) for inputs, targets in batches]


def batches_for(name: str) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """The global batches of a scenario: enough for every step, so no loader is cycled (bar "uneven")."""
    return global_batches(SCENARIOS[name]["num_it"], nan_batch=NAN_BATCH if name == "nan" else None)


def new_model() -> nn.Module:
    """The same freshly initialised float64 linear model on every process."""
    torch.manual_seed(0)
    return nn.Linear(FEATURES, 1).double()


def new_optimizer(model: nn.Module) -> torch.optim.Optimizer:
    return torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)


def curve(result: RangeTestResult) -> dict[str, Any]:
    """What the tests compare of a result (not ``elapsed_s``, which differs between ranks)."""
    return {"lrs": result.lrs, "losses": result.losses, "raw_losses": result.raw_losses,
            "stop_reason": result.stop_reason, "warning": result.warning}


def reference(name: str) -> dict[str, Any]:
    """The scenario on one process without DDP, on the global batches."""
    model = new_model()
    with warnings.catch_warnings():  # its RangeTestWarning is compared as result.warning
        warnings.simplefilter("ignore")
        return curve(range_test(model, new_optimizer(model), nn.functional.mse_loss, batches_for(name),
                                **SCENARIOS[name]))


def _state(model: nn.Module, optimizer: torch.optim.Optimizer) -> dict[str, Any]:
    return {"params": [param.detach().clone() for param in model.parameters()],
            "grads": [None if param.grad is None else param.grad.clone() for param in model.parameters()],
            "optimizer": copy.deepcopy(optimizer.state_dict()), "rng": torch.get_rng_state()}


def _differences(before: Any, after: Any, where: str = "") -> list[str]:
    """Where two nested states differ, bit for bit."""
    if isinstance(before, torch.Tensor):
        same = isinstance(after, torch.Tensor) and before.dtype == after.dtype and torch.equal(before, after)
        return [] if same else [where]
    if isinstance(before, dict):
        if not isinstance(after, dict) or before.keys() != after.keys():
            return [where]
        return [diff for key in before for diff in _differences(before[key], after[key], f"{where}.{key}")]
    if isinstance(before, list):
        if not isinstance(after, list) or len(before) != len(after):
            return [where]
        return [diff for index, item in enumerate(before) for diff in _differences(item, after[index],
                                                                                   f"{where}[{index}]")]
    return [] if before == after else [where]


def _train(model: nn.Module, optimizer: torch.optim.Optimizer, batches: list[Any]) -> list[torch.Tensor]:
    for inputs, targets in batches:
        optimizer.zero_grad(set_to_none=True)
        nn.functional.mse_loss(model(inputs), targets).backward()
        optimizer.step()
    return [param.detach().clone() for param in model.parameters()]


def run_rank(name: str, rank: int) -> dict[str, Any]:
    """Runs one scenario on this rank under DDP; returns its curve, the LRs the optimizer held, and the restore."""
    ddp = nn.parallel.DistributedDataParallel(new_model())
    optimizer = new_optimizer(ddp)
    loader = shard(batches_for(name), rank)
    if name == "uneven":  # rank 0 runs out after 3 batches and rank 1 after 5: both must cycle, not hang
        loader = loader[: 3 + 2 * rank]
    if name == "own_snapshot":  # optimizer state that differs between the ranks: each must get its own back
        for param in ddp.parameters():
            optimizer.state[param] = {"momentum_buffer": torch.full_like(param, 0.25 * (rank + 1))}
    for param in ddp.parameters():  # rank-own grads and RNG too; set_to_none keeps them out of training
        param.grad = torch.full_like(param, float(rank + 1))
    torch.manual_seed(100 + rank)
    before = _state(ddp, optimizer)
    applied_lrs: list[float] = []
    cancel = threading.Event()

    def on_point(point: RangeTestPoint) -> None:
        applied_lrs.append(optimizer.param_groups[0]["lr"])
        if name == "cancel" and rank == 1 and point.iteration == CANCEL_AFTER:
            cancel.set()

    result = range_test(ddp, optimizer, nn.functional.mse_loss, loader, on_point=on_point, cancel=cancel,
                        **SCENARIOS[name])
    seen = curve(result) | {"applied_lrs": applied_lrs,
                            "not_restored": _differences(before, _state(ddp, optimizer))}
    if name == "completed":  # DDP still trains after the restore, exactly as a twin that never ran the test
        seen["json"] = result.to_json()
        twin = nn.parallel.DistributedDataParallel(new_model())
        after_test = _train(ddp, new_optimizer(ddp), loader[:3])
        untouched = _train(twin, new_optimizer(twin), loader[:3])
        seen["trains_as_twin"] = not _differences(untouched, after_test)
    return seen


#: A long run that never diverges, and at least BATCH_DELAY_S per step: a Stop from the caller, however late a loaded
#: machine schedules it, lands long before the end.
SPAWN_SETTINGS: dict[str, Any] = {"start_lr": 1e-4, "end_lr": 0.01, "num_it": 3000}
SPAWN_BATCHES = 20  # cycled
BATCH_DELAY_S = 0.002


class SlowBatches:
    """The batches of a list, each after a short sleep."""

    def __init__(self, batches: list[Any]) -> None:
        self.batches = batches

    def __len__(self) -> int:
        return len(self.batches)

    def __iter__(self) -> Any:
        for batch in self.batches:
            time.sleep(BATCH_DELAY_S)
            yield batch


def spawn_setup(rank: int, world_size: int) -> tuple[nn.Module, torch.optim.Optimizer, Any, SlowBatches]:
    """What each rank of ``spawn_range_test`` builds: the scenarios' model on its shards, served slowly."""
    torch.set_num_threads(1)
    ddp = nn.parallel.DistributedDataParallel(new_model())
    return ddp, new_optimizer(ddp), nn.functional.mse_loss, SlowBatches(shard(global_batches(SPAWN_BATCHES), rank))


def failing_spawn_setup(rank: int, world_size: int) -> tuple[nn.Module, torch.optim.Optimizer, Any, SlowBatches]:
    """Rank 1 raises, while rank 0 waits for it in DDP's first broadcast."""
    if rank == 1:
        raise RuntimeError("rank 1's setup failed on purpose")
    return spawn_setup(rank, world_size)


def spawn_reference() -> dict[str, Any]:
    """The spawned run on one process without DDP, on the global batches."""
    model = new_model()
    return curve(range_test(model, new_optimizer(model), nn.functional.mse_loss, global_batches(SPAWN_BATCHES),
                            **SPAWN_SETTINGS))


def mismatched_settings(rank: int) -> dict[str, Any]:
    """A range test with another num_it on each rank: every rank must raise, none wait, and nothing is changed."""
    ddp = nn.parallel.DistributedDataParallel(new_model())
    optimizer = new_optimizer(ddp)
    before = _state(ddp, optimizer)
    try:
        range_test(ddp, optimizer, nn.functional.mse_loss, shard(global_batches(8), rank), num_it=7 + rank)
    except ValueError as error:
        return {"error": str(error), "not_restored": _differences(before, _state(ddp, optimizer))}
    return {"error": None}


def main(rank: int, world_size: int, rendezvous: str, out_file: str) -> None:
    torch.set_num_threads(1)
    torch.distributed.init_process_group("gloo", init_method=f"file://{rendezvous}", rank=rank,
                                         world_size=world_size, timeout=datetime.timedelta(seconds=60))
    try:
        plain = new_model()
        step: Callable[[Any], torch.Tensor] = lambda batch: torch.tensor(0.0)  # noqa: E731
        seen: dict[str, Any] = {"plain_model_untouched": in_lockstep(plain, step, None, 6, True) == (step, None)}
        seen |= {name: run_rank(name, rank) for name in SCENARIOS}
        seen["mismatch"] = mismatched_settings(rank)
    finally:
        torch.distributed.destroy_process_group()
    Path(out_file).write_text(json.dumps(seen))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4])
