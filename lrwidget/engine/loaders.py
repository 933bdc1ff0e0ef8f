"""Batches for the range test from any loader: sized or not, re-iterable or one-shot.

fastai runs as many epochs as ``num_it`` needs, so the loader is iterated again whenever it runs out. That works for
a ``DataLoader`` (over a map-style or an ``IterableDataset``), a list, or any other re-iterable. A one-shot iterator
(a generator, ``iter(loader)``) cannot start again: when it runs dry, the error says how many batches it gave.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any


def loader_length(loader: Any) -> int | None:
    """``len(loader)``, or None when it has none (a ``DataLoader`` over an ``IterableDataset`` raises TypeError)."""
    try:
        return len(loader)
    except (TypeError, NotImplementedError):
        return None


def is_one_shot(loader: Iterable[Any]) -> bool:
    """Whether ``loader`` is its own iterator, so a second pass over it yields nothing."""
    return isinstance(loader, Iterator)


def cycle_batches(train_dl: Iterable[Any], num_it: int, run_steps: int, accumulation_steps: int = 1) -> Iterator[Any]:
    """Batches from ``train_dl``, starting a new pass (reshuffled, as a new epoch) whenever one ends.

    With ``accumulation_steps=k > 1``, each item is a list of ``k`` consecutive batches (one optimizer step's
    micro-batches, which may span two passes), so a test of ``run_steps`` steps consumes ``k * run_steps`` batches.

    Raises ValueError when a pass yields nothing: at once for an empty loader, and with the count of batches it gave
    for a one-shot iterator that ran dry (``num_it`` as the user gave it, ``run_steps`` as the test runs it).
    """
    batches = _cycle(train_dl, num_it, run_steps, accumulation_steps)
    return batches if accumulation_steps == 1 else micro_batch_groups(batches, accumulation_steps)


def micro_batch_groups(batches: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Lists of ``size`` consecutive batches: one optimizer step's micro-batches; the last list holds what is left."""
    group: list[Any] = []
    for batch in batches:
        group.append(batch)
        if len(group) == size:
            yield group
            group = []
    if group:
        yield group


def _cycle(train_dl: Iterable[Any], num_it: int, run_steps: int, accumulation_steps: int) -> Iterator[Any]:
    given = 0
    while True:
        before = given
        for batch in train_dl:
            given += 1
            yield batch
        if given == before:
            raise ValueError(_ran_dry_message(train_dl, given, num_it, run_steps, accumulation_steps))


def _ran_dry_message(train_dl: Iterable[Any], given: int, num_it: int, run_steps: int, accumulation_steps: int) -> str:
    if given == 0:
        return "train_dl yielded no batches; the range test needs at least one batch"
    needs = f"num_it={num_it} needs {run_steps}"
    if accumulation_steps > 1:
        needs = f"num_it={num_it} with accumulation_steps={accumulation_steps} needs {run_steps} × " \
                f"{accumulation_steps} = {run_steps * accumulation_steps}"
    if is_one_shot(train_dl):
        return (f"train_dl is a one-shot iterator ({type(train_dl).__name__}) and ran out after {given} batches; "
                f"{needs}: pass a re-iterable loader (a DataLoader, a list of batches) or a smaller num_it")
    return (f"train_dl gave no batches when iterated again after {given} batches; {needs}: pass a loader that can "
            "be iterated again (as a DataLoader can), or a smaller num_it")
