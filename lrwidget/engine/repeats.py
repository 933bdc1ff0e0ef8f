"""Repeated range tests: the same test ``n`` times from the same snapshot, each with its own data order.

One range test's suggestion moves with the order the batches came in (fastai issue 3295; Lightning 1767, 14167;
torch-lr-finder 56, 86, 106). Repeating the test shows by how much. Every repeat starts from the same model,
optimizer and RNG states, because each range test restores them all when it ends; only the data order (and dropout,
augmentation: whatever draws random numbers) differs:

- the first repeat runs on the caller's own RNG states, exactly as a single range test would;
- before repeat ``k >= 1``, every generator the test may draw from (torch's CPU generator, CUDA's if it is started,
  Python's ``random``, NumPy's global state and the loader's own generators) is seeded from a seed for that repeat,
  derived from ``seed`` and ``k``. With ``seed=None`` it is derived from the torch CPU generator's state, read but
  never advanced: the same seeding of the caller's RNGs gives the same repeats;
- after the last repeat (or a Stop, or an error), every one of those generators is put back as it was before the
  call, so the call leaves the caller's RNGs exactly as a single range test does: untouched.

A repeat that diverges ends as a single test would, and the next repeat still runs; a Stop (``cancel``) ends the
whole call. All repeats share the LR schedule, so point ``k`` trained at the same LR in each.
"""
from __future__ import annotations

import hashlib
import math
import random
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from lrwidget.engine import busy
from lrwidget.engine.rangetest import CANCELLED, COMPLETED, RangeTestPoint, RangeTestResult, range_test
from lrwidget.engine.rng import LoaderRngSnapshot, RngSnapshot
from lrwidget.suggest import SuggestedLRs, sweetspot
from lrwidget.suggest.spread import LossBand, PickSpread, loss_band, pick_spread

#: The repeats of one call: at least one, and few enough that a slip of the keyboard cannot start a night's run.
MAX_REPEATS = 100


@dataclass
class RepeatedRangeTest:
    """The results of a repeated range test, in the order they ran.

    Attributes:
        results: one :class:`~lrwidget.engine.rangetest.RangeTestResult` per repeat that ran (fewer than
            ``repeats`` after a Stop; the stopped repeat's partial curve is the last).
        seeds: the seed each repeat's RNGs were given; None for the first, which ran on the caller's own states.
        repeats: how many repeats were asked for.
    """

    results: list[RangeTestResult] = field(default_factory=list)
    seeds: list[int | None] = field(default_factory=list)
    repeats: int = 1

    @property
    def stop_reason(self) -> str:
        """``"cancelled"`` if a Stop ended the call, else ``"completed"`` (each result has its own stop reason)."""
        stopped = len(self.results) < self.repeats or any(r.stop_reason == CANCELLED for r in self.results)
        return CANCELLED if stopped else COMPLETED

    def band(self, quantiles: tuple[float, float] = (0.0, 1.0)) -> LossBand:
        """The band of the repeats' smoothed losses at their shared LRs (see ``lrwidget.suggest.spread.loss_band``)."""
        return loss_band([r.lrs for r in self.results], [r.losses for r in self.results], quantiles)

    def picks(self, func: Callable[..., Any] = sweetspot) -> PickSpread:
        """Each repeat's pick by ``func`` (default: ``sweetspot``), their median in log space and their range.

        Repeats too short for ``func`` to answer are left out; a ValueError if none can.
        """
        picks = []
        for result in self.results:
            try:
                picks.append(result.suggest(func)[0])
            except ValueError:
                continue
        if not picks:
            raise ValueError(f"no repeat has enough points for {getattr(func, '__name__', func)!r} to suggest an LR")
        return pick_spread(picks)

    def suggest(self, *funcs: Callable[..., Any]) -> SuggestedLRs:
        """The median (in log space) of the repeats' suggestions by each of ``funcs`` (default: ``sweetspot``)."""
        funcs = funcs or (sweetspot,)
        medians = [self.picks(func).median for func in funcs]
        return SuggestedLRs.from_suggestions([func.__name__ for func in funcs],
                                             [(lr, (lr, math.nan)) for lr in medians])


def check_repeats(repeats: Any) -> int:
    """``repeats`` if it is an integer from 1 to :data:`MAX_REPEATS`, else a ValueError naming it."""
    if isinstance(repeats, bool) or not isinstance(repeats, (int, np.integer)) or not 1 <= repeats <= MAX_REPEATS:
        raise ValueError(f"repeats must be an integer from 1 to {MAX_REPEATS}, got {repeats!r}")
    return int(repeats)


def run_repeats(run_once: Callable[[int], RangeTestResult], repeats: int, *, loaders: Iterable[Any] = (),
                seed: int | None = None, cancel: threading.Event | None = None) -> RepeatedRangeTest:
    """Calls ``run_once(k)`` (a range test that restores everything it changes) for ``k = 0 … repeats-1``.

    The RNG seeding and restoring around the calls are described in the module's docstring. ``loaders`` are the
    loaders whose own generators the tests draw the data order from; ``cancel`` ends the call after the repeat it
    stops (which returns as cancelled). An exception from a repeat is re-raised after the RNGs are restored.
    """
    count = check_repeats(repeats)
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ValueError(f"seed must be an integer or None, got {seed!r}")
    loaders = list(loaders)
    outer, outer_loaders = RngSnapshot(), LoaderRngSnapshot(loaders)
    base = _seed_from_rng_state() if seed is None else seed
    repeated = RepeatedRangeTest(repeats=count)
    try:
        for k in range(count):
            if cancel is not None and cancel.is_set():
                break
            repeat_seed = None if k == 0 else repeat_seed_for(base, k)
            if repeat_seed is not None:
                seed_generators(repeat_seed, loaders)
            repeated.results.append(run_once(k))
            repeated.seeds.append(repeat_seed)
            if repeated.results[-1].stop_reason == CANCELLED:
                break
    finally:
        outer.restore()
        outer_loaders.restore()
    return repeated


@busy.leases_model_argument("repeated_range_test()")
def repeated_range_test(model: nn.Module, optimizer: torch.optim.Optimizer, loss_func: Any,
                        train_dl: Iterable[Any], *, repeats: int = 3, seed: int | None = None,
                        on_point: Callable[[RangeTestPoint], None] | None = None,
                        cancel: threading.Event | None = None, **range_test_kwargs: Any) -> RepeatedRangeTest:
    """Runs :func:`~lrwidget.engine.rangetest.range_test` ``repeats`` times, each with its own data order.

    Takes ``range_test``'s arguments (``start_lr``, ``end_lr``, ``num_it``, ``stop_div``, ``step``, ``amp``,
    ``accumulation_steps``). ``on_point`` sees every repeat's points (``iteration`` starts at 0 again with each).
    The model is leased for the whole call; the model, optimizer and every RNG are left as they were.

    Examples:
        >>> repeated = repeated_range_test(model, opt, loss_func, train_dl, repeats=3)   # doctest: +SKIP
        >>> repeated.picks().ratio, repeated.suggest().sweetspot                        # doctest: +SKIP
        (2.1, 0.0017)
    """
    check_repeats(repeats)
    return run_repeats(
        lambda _k: range_test(model, optimizer, loss_func, train_dl, on_point=on_point, cancel=cancel,
                              **range_test_kwargs),
        repeats, loaders=[train_dl], seed=seed, cancel=cancel)


def repeat_seed_for(base: int, repeat: int) -> int:
    """The seed of repeat ``repeat`` (from 1) of a call whose base seed is ``base``: a 32-bit integer."""
    return int(np.random.SeedSequence([base & (2**64 - 1), repeat]).generate_state(1, dtype=np.uint32)[0])


def seed_generators(seed: int, loaders: Iterable[Any] = ()) -> None:
    """Seeds every generator a range test may draw from: torch's (CUDA's only if started), ``random``, NumPy's
    global state, and the loaders' own (each from its own seed derived from ``seed``)."""
    torch.default_generator.manual_seed(seed)
    if torch.cuda.is_initialized():  # never start CUDA here; an unstarted CUDA is rewound by RngSnapshot anyway
        torch.cuda.manual_seed_all(seed)
    random.seed(seed)
    np.random.seed(seed)
    for index, saved in enumerate(LoaderRngSnapshot(loaders).saved):
        _seed(saved.generator, repeat_seed_for(seed, index + 1))


def _seed(generator: Any, seed: int) -> None:
    if isinstance(generator, torch.Generator):
        generator.manual_seed(seed)
    elif isinstance(generator, random.Random):
        generator.seed(seed)
    elif isinstance(generator, np.random.Generator):
        generator.bit_generator.state = type(generator.bit_generator)(seed).state
    else:
        generator.seed(seed)


def _seed_from_rng_state() -> int:
    """A seed read off torch's CPU generator state without drawing from it."""
    digest = hashlib.blake2b(torch.get_rng_state().numpy().tobytes(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


__all__: Sequence[str] = ["MAX_REPEATS", "RepeatedRangeTest", "check_repeats", "repeat_seed_for",
                          "repeated_range_test", "run_repeats", "seed_generators"]
