"""The range test under DDP: two gloo processes on the CPU step, record, stop and restore together.

Both ranks run every scenario of :mod:`tests.ddp_scenarios` in one pair of processes (torch is imported once per
rank); the tests below read what each rank wrote. A hang fails the fixture after ``TIMEOUT_S`` instead of hanging CI.
"""
from __future__ import annotations

import json
import math
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from lrwidget.engine.rangetest import RangeTestPoint, RangeTestResult
from lrwidget.engine.spawn import RankFailedError, _relay, spawn_range_test
from tests import ddp_scenarios
from tests.ddp_scenarios import CANCEL_AFTER, NAN_BATCH, SCENARIOS, WORLD_SIZE

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_S = 120  # a whole run takes a few seconds; a rank left waiting in a collective would wait for ever
CURVE = ("lrs", "losses", "raw_losses", "stop_reason")


@pytest.fixture(scope="module")
def ranks(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """What each rank saw, from two processes in one gloo group."""
    folder = tmp_path_factory.mktemp("ddp")
    outputs = [folder / f"rank{rank}.json" for rank in range(WORLD_SIZE)]
    processes = [
        subprocess.Popen([sys.executable, "-m", "tests.ddp_scenarios", str(rank), str(WORLD_SIZE),
                          str(folder / "rendezvous"), str(outputs[rank])],
                         cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for rank in range(WORLD_SIZE)
    ]
    deadline = time.monotonic() + TIMEOUT_S
    try:
        while any(process.poll() is None for process in processes):
            failed = [process for process in processes if process.returncode not in (None, 0)]
            if failed or time.monotonic() > deadline:
                break  # one rank failed (the other may wait on it for ever) or both hang
            time.sleep(0.05)
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    logs = [process.communicate()[0] for process in processes]
    report = "\n".join(f"--- rank {rank} (exit {process.returncode}):\n{log[-3000:]}"
                       for rank, (process, log) in enumerate(zip(processes, logs, strict=True)))
    if any(process.returncode != 0 for process in processes):
        pytest.fail(f"the DDP ranks did not all finish within {TIMEOUT_S} s:\n{report}")
    return [json.loads(output.read_text()) for output in outputs]


def _same(first: Any, second: Any) -> bool:
    """Exact equality, with NaN equal to NaN."""
    if isinstance(first, list) and isinstance(second, list):
        return len(first) == len(second) and all(_same(a, b) for a, b in zip(first, second, strict=True))
    if isinstance(first, float) and isinstance(second, float) and math.isnan(first) and math.isnan(second):
        return True
    return bool(first == second)


def _close(expected: list[float], actual: list[float]) -> bool:
    return len(expected) == len(actual) and all(
        (math.isnan(e) and math.isnan(a)) or math.isclose(e, a, rel_tol=1e-9, abs_tol=1e-12)
        for e, a in zip(expected, actual, strict=True))


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_rank_records_one_curve_at_the_same_lrs(ranks: list[dict[str, Any]], name: str) -> None:
    first, second = (rank[name] for rank in ranks)
    for key in (*CURVE, "applied_lrs", "warning"):
        assert _same(first[key], second[key]), (key, first[key], second[key])
    assert first["applied_lrs"] == first["lrs"]  # the LR the optimizer held at each step is the recorded one


@pytest.mark.parametrize("name", ["completed", "diverged", "nan"])
def test_the_curve_is_the_single_process_curve_on_the_global_batches(ranks: list[dict[str, Any]],
                                                                     name: str) -> None:
    expected, seen = ddp_scenarios.reference(name), ranks[0][name]
    assert seen["stop_reason"] == expected["stop_reason"]
    assert seen["lrs"] == expected["lrs"]
    assert seen["warning"] == expected["warning"]
    assert _close(expected["raw_losses"], seen["raw_losses"]), (expected["raw_losses"], seen["raw_losses"])
    assert _close(expected["losses"], seen["losses"])


def test_the_json_of_a_rank_reads_back_as_the_curve_of_every_rank(ranks: list[dict[str, Any]]) -> None:
    read_back = RangeTestResult.from_json(ranks[0]["completed"]["json"])
    assert all(getattr(read_back, key) == ranks[1]["completed"][key] for key in CURVE)


def test_a_divergence_stops_every_rank_at_the_same_step(ranks: list[dict[str, Any]]) -> None:
    runs = [rank["diverged"] for rank in ranks]
    assert [run["stop_reason"] for run in runs] == ["diverged"] * WORLD_SIZE
    assert len({len(run["lrs"]) for run in runs}) == 1
    assert len(runs[0]["lrs"]) < SCENARIOS["diverged"]["num_it"]


def test_a_stop_on_one_rank_stops_every_rank_after_the_step_that_carries_it(ranks: list[dict[str, Any]]) -> None:
    completed = ranks[0]["completed"]
    for rank in ranks:  # rank 1 set its Stop in on_point of CANCEL_AFTER; the next step carries it to rank 0
        run = rank["cancel"]
        assert run["stop_reason"] == "cancelled"
        assert len(run["lrs"]) == CANCEL_AFTER + 2
        assert all(run[key] == completed[key][: CANCEL_AFTER + 2] for key in ("lrs", "losses", "raw_losses"))


def test_a_nan_on_one_rank_is_the_reduced_loss_of_every_rank(ranks: list[dict[str, Any]]) -> None:
    for rank in ranks:
        raw_losses = rank["nan"]["raw_losses"]
        assert not any(math.isnan(loss) for loss in raw_losses[:NAN_BATCH])
        assert math.isnan(raw_losses[NAN_BATCH])
        assert rank["nan"]["stop_reason"] == "completed"  # as fastai: a NaN does not stop the test


def test_a_rank_whose_loader_runs_out_cycles_it(ranks: list[dict[str, Any]]) -> None:
    for rank in ranks:
        assert rank["uneven"]["stop_reason"] == "completed"
        assert len(rank["uneven"]["lrs"]) == SCENARIOS["uneven"]["num_it"]


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_rank_is_restored_bit_for_bit_from_its_own_snapshot(ranks: list[dict[str, Any]], name: str) -> None:
    assert [rank[name]["not_restored"] for rank in ranks] == [[]] * WORLD_SIZE


def test_ddp_trains_after_the_test_exactly_as_without_it(ranks: list[dict[str, Any]]) -> None:
    assert [rank["completed"]["trains_as_twin"] for rank in ranks] == [True] * WORLD_SIZE


def test_a_model_without_ddp_runs_the_plain_loop_under_a_process_group(ranks: list[dict[str, Any]]) -> None:
    assert [rank["plain_model_untouched"] for rank in ranks] == [True] * WORLD_SIZE


def test_ranks_with_different_settings_all_raise_instead_of_waiting(ranks: list[dict[str, Any]]) -> None:
    for rank in ranks:
        assert "num_it from 7 to 8" in rank["mismatch"]["error"]
        assert rank["mismatch"]["not_restored"] == []


def test_spawned_from_the_caller_it_streams_rank_0s_points_and_stops_every_rank_on_the_callers_stop() -> None:
    streamed: list[RangeTestPoint] = []
    cancel = threading.Event()

    def on_point(point: RangeTestPoint) -> None:
        streamed.append(point)
        if point.iteration == 3:
            cancel.set()

    result = spawn_range_test(ddp_scenarios.spawn_setup, WORLD_SIZE, on_point=on_point, cancel=cancel,
                              backend="gloo", timeout_s=TIMEOUT_S, **ddp_scenarios.SPAWN_SETTINGS)
    assert result.stop_reason == "cancelled", (result.stop_reason, len(result.lrs))
    assert 4 <= len(result.lrs) < ddp_scenarios.SPAWN_SETTINGS["num_it"]
    assert streamed == result.points, (len(streamed), len(result.points))
    expected = ddp_scenarios.spawn_reference()
    assert result.lrs == expected["lrs"][: len(result.lrs)]
    assert _close(expected["raw_losses"][: len(result.lrs)], result.raw_losses)


def test_a_spawned_rank_that_fails_raises_its_traceback_and_ends_the_rank_waiting_for_it() -> None:
    started = time.monotonic()
    with pytest.raises(RankFailedError, match=r"(?s)rank 1 of 2 raised.*failed on purpose"):
        spawn_range_test(ddp_scenarios.failing_spawn_setup, WORLD_SIZE, backend="gloo", timeout_s=TIMEOUT_S,
                         **ddp_scenarios.SPAWN_SETTINGS)
    assert time.monotonic() - started < TIMEOUT_S  # rank 0 was ended, not waited for until the timeout


def test_lrwidget_draws_a_spawned_ddp_test_as_rank_0_streams_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """The widget's wiring only (the processes are tested above): its stream, settings and Stop reach the launcher."""
    from lrwidget import LRWidget
    from lrwidget.backends import Backend
    from lrwidget.backends.spawned import SpawnedDDPBackend
    from lrwidget.engine.rangetest import exponential_lr

    calls: list[dict[str, Any]] = []

    def fake_spawn(setup: Any, world_size: int, **kwargs: Any) -> RangeTestResult:
        calls.append({"setup": setup, "world_size": world_size} | kwargs)
        result = RangeTestResult(num_it=kwargs["num_it"], start_lr=kwargs["start_lr"], end_lr=kwargs["end_lr"])
        for iteration in range(kwargs["num_it"]):
            lr = exponential_lr(kwargs["start_lr"], kwargs["end_lr"], iteration, kwargs["num_it"])
            loss = 1.0 / (1 + iteration)
            result.lrs.append(lr)
            result.raw_losses.append(loss)
            result.losses.append(loss)
            kwargs["on_point"](RangeTestPoint(iteration, lr, loss, loss))
        return result

    monkeypatch.setattr("lrwidget.backends.spawned.spawn_range_test", fake_spawn)
    backend = SpawnedDDPBackend(ddp_scenarios.spawn_setup, WORLD_SIZE, backend="gloo", timeout_s=30)
    assert isinstance(backend, Backend)
    widget = LRWidget(backend, start_lr=1e-4, end_lr=0.1, num_it=20)
    result = widget.wait(timeout=60)
    assert widget.status == "done" and result is not None
    assert widget.view.curve["lrs"] == result.lrs and len(result.lrs) == 20
    (call,) = calls
    assert call["setup"] is ddp_scenarios.spawn_setup and call["world_size"] == WORLD_SIZE
    assert call["backend"] == "gloo" and call["timeout_s"] == 30 and callable(call["cancel"].is_set)
    with pytest.raises(TypeError, match="spawned processes"):
        widget.fine_tune(1)
    widget.close()


class _Sent:
    """The queue of what the ranks sent."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, Any]] = []

    def get(self, timeout: float) -> tuple[str, Any]:
        if not self.messages:
            raise queue.Empty
        return self.messages.pop(0)


class _RankEndingNow:
    """A rank that sends its last messages and ends just as the caller first looks at it."""

    def __init__(self, name: str, exitcode: int, sent: _Sent, last_messages: list[tuple[str, Any]]) -> None:
        self.name, self._exitcode, self._sent, self._last_messages = name, exitcode, sent, last_messages

    @property
    def exitcode(self) -> int:
        self._sent.messages += self._last_messages
        self._last_messages = []
        return self._exitcode


@pytest.mark.parametrize(("sender", "messages", "exit_codes", "expected"), [
    (0, [("point", (0, 1e-4, 2.0, 2.0)), ("result", "the result")], (0, 0), "the result"),
    (1, [("error", "rank 1 of 2 raised: boom")], (0, 1), "rank 1 of 2 raised: boom"),
])
def test_the_caller_reads_what_an_ended_rank_sent_before_judging_its_exit(
        sender: int, messages: list[tuple[str, Any]], exit_codes: tuple[int, int], expected: str) -> None:
    """Seeing a rank ended must not hide what it sent just before: its result, or its traceback."""
    sent = _Sent()
    ranks = [_RankEndingNow(f"rank{rank}", code, sent, messages if rank == sender else [])
             for rank, code in enumerate(exit_codes)]
    streamed: list[RangeTestPoint] = []
    try:
        outcome: Any = _relay(ranks, sent, threading.Event(), streamed.append, None, timeout_s=5)
    except RankFailedError as error:
        outcome = str(error)
    assert outcome == expected
    assert streamed == [RangeTestPoint(*payload) for kind, payload in messages if kind == "point"]
