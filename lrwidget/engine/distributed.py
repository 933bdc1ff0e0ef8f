"""The range test under DDP: every rank of a ``DistributedDataParallel`` model steps, records and stops together.

DDP all-reduces gradients inside ``backward()``, so its ranks must run exactly the same number of steps: a rank that
stops while another steps on leaves that one waiting in the gradient all-reduce for ever (fastai issue 2485). Here,
after every step, the ranks share one all-reduce of a two-element tensor ``[loss, stop]`` over the model's own
process group:

- ``loss`` is summed and divided by the world size, so every rank records the same mean loss, bit for bit. A NaN or
  inf on any rank makes the sum NaN or inf on every rank (IEEE arithmetic), so it needs no flag of its own, and the
  loss is what a single process would compute on the global batch when the shards are of equal size;
- ``stop`` counts the ranks whose ``cancel`` event was set when their step ended. If any was, every rank ends the
  test before its next step; the step that carried the Stop is recorded. (On one process a Stop set between two
  steps ends the test before the second; here that step runs first, to carry it.)

Every decision is then taken from the same reduced numbers on every rank: the smoothed loss and its divergence
check, a NaN, the Stop, and the end of the schedule, which is the same on every rank. A rank whose loader runs out
starts it again (:mod:`lrwidget.engine.loaders`), so shards of unequal length do not stop a rank early. What no
collective can guard against is an exception on one rank (a one-shot iterator that runs dry, a bad batch): that
rank restores its snapshot and raises, as any DDP training would; ``torchrun`` and ``torch.multiprocessing.spawn``
then stop the other ranks.

Every rank must run the same number of steps with the same ``stop_div``; that is checked once, before the first
step, and every rank raises ValueError if not.

To launch the ranks from a notebook and watch rank 0's curve live, see :mod:`lrwidget.engine.spawn`.

The distributed case is recognised, once per test, as a ``DistributedDataParallel`` model under an initialised
process group, rather than asked for with a keyword: a DDP model's backward already all-reduces, so it can only run
in lockstep, and a keyword could only be forgotten. A non-DDP model (each rank testing its own copy) runs the plain
single-process loop on each rank, exactly as without this module, and adds nothing to any step.
"""
from __future__ import annotations

import threading
from typing import Any

import torch
from torch import nn

from lrwidget.engine.step import TrainStep, model_device


def ddp_process_group(model: nn.Module) -> Any | None:
    """The process group of a ``DistributedDataParallel`` model, or None for any other model (or no process group)."""
    if not (torch.distributed.is_available() and torch.distributed.is_initialized()):
        return None
    if not isinstance(model, nn.parallel.DistributedDataParallel):
        return None
    return model.process_group


def in_lockstep(model: nn.Module, train_step: TrainStep, cancel: threading.Event | None, run_steps: int,
                stop_div: bool) -> tuple[TrainStep, threading.Event | None]:
    """``(step, cancel)`` for the range test's loop: unchanged for one process, in lockstep for a DDP model.

    For a DDP model, the step returns the mean loss over the ranks, and the event is set on every rank once a
    ``cancel`` on any rank was set (see the module docstring). First, every rank must run the same number of steps
    with the same ``stop_div``, or one rank would end while another waits for it: otherwise every rank raises
    ValueError (one all-reduce, before the first step).
    """
    group = ddp_process_group(model)
    if group is None:
        return train_step, cancel
    check_same_on_every_rank(group, model_device(model), num_it=run_steps, stop_div=int(stop_div))
    lockstep = LockstepStep(train_step, cancel, group)
    return lockstep, lockstep.stopped


def check_same_on_every_rank(group: Any, device: torch.device, **settings: int) -> None:
    """Raises ValueError on every rank unless each setting has the same value on every rank of ``group``."""
    # One all-reduce (MAX) of each value and of its negation gives every rank the largest and the smallest value.
    values = torch.tensor([sign * value for value in settings.values() for sign in (1, -1)], dtype=torch.float64,
                          device=device)
    torch.distributed.all_reduce(values, op=torch.distributed.ReduceOp.MAX, group=group)
    extremes = values.tolist()
    differing = [f"{name} from {-extremes[2 * index + 1]:g} to {extremes[2 * index]:g}"
                 for index, name in enumerate(settings) if extremes[2 * index] != -extremes[2 * index + 1]]
    if differing:
        raise ValueError(f"range_test on a DDP model needs the same settings on every rank, but the ranks differ "
                         f"in {', '.join(differing)}: one rank would stop while another waits for it")


class LockstepStep:
    """A training step followed by one all-reduce of ``[loss, stop]`` over a process group.

    ``stopped`` is set once any rank's ``cancel`` was set when its step ended; it is set on every rank at the same
    step, because it is read from the reduced tensor.
    """

    def __init__(self, step: TrainStep, cancel: threading.Event | None, group: Any) -> None:
        self.step = step
        self.cancel = cancel
        self.group = group
        self.world_size = torch.distributed.get_world_size(group)
        self.stopped = threading.Event()

    def __call__(self, batch: Any) -> torch.Tensor:
        loss = self.step(batch).detach()
        local_loss = loss if loss.dim() == 0 else loss.float().mean()  # the range test records loss.mean()
        stop = 1.0 if self.cancel is not None and self.cancel.is_set() else 0.0
        # float64, so that summing the ranks' float32 losses adds no rounding of float32 size.
        shared = torch.stack((local_loss.to(torch.float64), torch.tensor(stop, dtype=torch.float64,
                                                                         device=loss.device)))
        torch.distributed.all_reduce(shared, op=torch.distributed.ReduceOp.SUM, group=self.group)
        loss_sum, stops = shared.tolist()
        if stops > 0:
            self.stopped.set()
        return torch.tensor(loss_sum / self.world_size, dtype=torch.float64)


__all__ = ["LockstepStep", "check_same_on_every_rank", "ddp_process_group", "in_lockstep"]
