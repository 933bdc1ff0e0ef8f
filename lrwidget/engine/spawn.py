"""A DDP range test launched from a notebook: one process per rank, rank 0's points streamed back as they come.

:func:`spawn_range_test` starts ``world_size`` processes with ``torch.multiprocessing`` (the ``spawn`` start method,
as CUDA needs), joins them in one process group, and has each build its DDP model, optimizer, loss and loader with
``setup(rank, world_size)`` and run :func:`~lrwidget.engine.rangetest.range_test` on it in lockstep (see
:mod:`lrwidget.engine.distributed`). Rank 0 sends every point through a queue; the calling process hands each to
``on_point`` (an ``LRWidget``'s stream, say) and returns rank 0's result. The caller's ``cancel`` is relayed to every
rank, and the ranks stop together.

``setup`` must be importable by the new processes: a function in a ``.py`` module, not one defined in a notebook
cell (a ``spawn``-ed process cannot import the notebook; write it to a file with ``%%writefile``).

Nothing is left running: if a rank fails, the others (which may be waiting for it in a collective) are ended and its
traceback is raised here; so they are if the caller is interrupted or ``timeout_s`` passes.
"""
from __future__ import annotations

import gc
import queue
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from lrwidget.engine.rangetest import RangeTestPoint, RangeTestResult, range_test

#: ``setup(rank, world_size) -> (ddp_model, optimizer, loss_func, train_dl)``, run in each rank's process.
Setup = Callable[[int, int], tuple[Any, Any, Any, Any]]
_POLL_S = 0.05  # how often the caller looks at the ranks and its cancel while no point arrives


class RankFailedError(RuntimeError):
    """A rank of a spawned range test raised or died; the message holds its traceback or exit code."""


def spawn_range_test(
    setup: Setup,
    world_size: int,
    *,
    on_point: Callable[[RangeTestPoint], None] | None = None,
    cancel: threading.Event | None = None,
    backend: str | None = None,
    timeout_s: float | None = None,
    **range_kwargs: Any,
) -> RangeTestResult:
    """Runs a DDP range test in ``world_size`` new processes and returns rank 0's result, streaming its points.

    Args:
        setup: builds ``(ddp_model, optimizer, loss_func, train_dl)`` in each rank, after the process group is up;
            a module-level function of an importable module.
        world_size: the number of ranks (at least 1).
        on_point: called here, in the calling thread, with each of rank 0's points as it arrives.
        cancel: when set, every rank stops after the step that carries it.
        backend: the process group's backend; default ``"nccl"`` when CUDA has a GPU per rank, else ``"gloo"``.
        timeout_s: ends every rank and raises TimeoutError after this many seconds (default: no limit).
        range_kwargs: ``range_test``'s keywords (``start_lr``, ``end_lr``, ``num_it``, ``stop_div``, ...).

    Raises:
        RankFailedError: a rank raised (its traceback is in the message) or died.
    """
    if not callable(setup):
        raise TypeError(f"setup must be a function setup(rank, world_size), got {setup!r}")
    if isinstance(world_size, bool) or not isinstance(world_size, int) or world_size < 1:
        raise ValueError(f"world_size must be an integer >= 1, got {world_size!r}")
    if backend is None:
        backend = "nccl" if torch.cuda.is_available() and torch.cuda.device_count() >= world_size else "gloo"
    context = torch.multiprocessing.get_context("spawn")
    points: Any = context.Queue()
    stop = context.Event()
    with tempfile.TemporaryDirectory(prefix="lrwidget-ddp-") as folder:
        rendezvous = str(Path(folder) / "rendezvous")
        processes = [context.Process(target=_rank_main, name=f"lrwidget-ddp-rank{rank}", daemon=True,
                                     args=(setup, rank, world_size, backend, rendezvous, points, stop, range_kwargs))
                     for rank in range(world_size)]
        try:
            for process in processes:
                process.start()
            return _relay(processes, points, stop, on_point, cancel, timeout_s)
        finally:
            for process in processes:
                if process.is_alive():
                    process.kill()
                    process.join()
            points.close()


def _relay(processes: list[Any], points: Any, stop: Any, on_point: Callable[[RangeTestPoint], None] | None,
           cancel: threading.Event | None, timeout_s: float | None) -> RangeTestResult:
    """Hands rank 0's points to ``on_point`` until every rank has ended; returns rank 0's result."""
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    results: list[RangeTestResult] = []
    while True:
        if cancel is not None and cancel.is_set():
            stop.set()
        exit_codes = [process.exitcode for process in processes]  # before reading: all they sent is queued by now
        _read(points, on_point, results)
        failed = [(process.name, code) for process, code in zip(processes, exit_codes, strict=True)
                  if code not in (None, 0)]
        if failed:
            raise RankFailedError(f"{failed[0][0]} died with exit code {failed[0][1]}")
        if all(code == 0 for code in exit_codes):
            if not results:
                raise RankFailedError("every rank ended, but rank 0 sent no result")
            return results[0]
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError(f"the spawned range test ran past timeout_s={timeout_s}")


def _read(points: Any, on_point: Callable[[RangeTestPoint], None] | None, results: list[RangeTestResult]) -> None:
    """Handles what the ranks have sent, waiting at most ``_POLL_S`` for the first message; raises a rank's error."""
    timeout = _POLL_S
    while True:
        try:
            kind, payload = points.get(timeout=timeout)
        except queue.Empty:
            return
        timeout = 0.0
        if kind == "point":
            if on_point is not None:
                on_point(RangeTestPoint(*payload))
        elif kind == "result":
            results.append(payload)
        else:  # "error": the others may be waiting for this rank in a collective; the caller's finally ends them
            raise RankFailedError(payload)


def _rank_main(setup: Setup, rank: int, world_size: int, backend: str, rendezvous: str, points: Any, stop: Any,
               range_kwargs: dict[str, Any]) -> None:
    """One rank: join the group, build with ``setup``, run the range test; rank 0 sends its points and result."""
    try:
        if backend == "nccl":
            torch.cuda.set_device(rank)
        torch.distributed.init_process_group(backend, init_method=f"file://{rendezvous}", rank=rank,
                                             world_size=world_size)
        try:
            _run_rank(setup, rank, world_size, points, stop, range_kwargs)
        finally:
            # The DDP model is gone by now (it lived in _run_rank's frame) and with it the reducer's hold on the
            # group, so the group really ends here. Ended only at interpreter exit instead, gloo's threads were
            # sometimes still joinable and the rank died with SIGABRT ("terminate called without an active
            # exception") after a Stop.
            gc.collect()
            torch.distributed.destroy_process_group()
    except BaseException:
        points.put(("error", f"rank {rank} of {world_size} raised:\n{traceback.format_exc()}"))
        raise


def _run_rank(setup: Setup, rank: int, world_size: int, points: Any, stop: Any, range_kwargs: dict[str, Any]) -> None:
    """Builds the rank's DDP model with ``setup`` and runs the range test; rank 0 sends its points and result."""
    model, optimizer, loss_func, train_dl = setup(rank, world_size)

    def send(point: RangeTestPoint) -> None:
        points.put(("point", (point.iteration, point.lr, point.raw_loss, point.smoothed_loss)))

    result = range_test(model, optimizer, loss_func, train_dl, on_point=send if rank == 0 else None, cancel=stop,
                        **range_kwargs)
    if rank == 0:
        points.put(("result", result))


__all__ = ["RankFailedError", "Setup", "spawn_range_test"]
