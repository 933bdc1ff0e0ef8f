"""A kept range test: its result, a label, how it was run and what made it (see :mod:`lrwidget.engine.result_io`).

The LR range and ``num_it`` live in the result (:class:`~lrwidget.engine.rangetest.RangeTestResult`), once;
:class:`RunSettings` holds what the result does not know: the stop rule, the learner's frozen state, its layer groups
and batch size, and what kind of learner it was.
"""
from __future__ import annotations

import platform
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from lrwidget.engine.rangetest import RangeTestResult


@dataclass(frozen=True)
class RunSettings:
    """How a range test was run, beyond what its result records. ``None`` where it is not known.

    Attributes:
        stop_div: whether the test stopped at a divergence (fastai's ``stop_div``).
        frozen_groups: the learner's frozen layer groups when it ran (0: unfrozen).
        n_groups: the learner's layer groups (the lo handle applies when there are several).
        batch_size: the training loader's batch size.
        learner: what drove the test ("fastai Learner", "lrwidget.Learner", "PyTorch", ...).
    """

    stop_div: bool | None = None
    frozen_groups: int | None = None
    n_groups: int | None = None
    batch_size: int | None = None
    learner: str | None = None


@dataclass(frozen=True)
class Run:
    """One range test kept with its label and settings (what ``LRWidget.runs`` lists and ``w.save`` writes).

    Attributes:
        result: the recorded curve, as ``range_test`` returns it.
        label: a name for the run, e.g. ``"frozen"`` or ``"unfrozen"``.
        settings: how it was run (:class:`RunSettings`).
        ran_at: when it ended, timezone-aware (UTC), or None when not known.
        versions: the library versions that made it (``{"lrwidget": ..., "python": ..., "torch": ..., ...}``).
    """

    result: RangeTestResult
    label: str = ""
    settings: RunSettings = field(default_factory=RunSettings)
    ran_at: datetime | None = None
    versions: Mapping[str, str] = field(default_factory=dict)

    @property
    def start_lr(self) -> float:
        """The first learning rate of the tested range."""
        return self.result.start_lr

    @property
    def end_lr(self) -> float:
        """The end of the tested range."""
        return self.result.end_lr

    @property
    def num_it(self) -> int:
        """The planned number of steps."""
        return self.result.num_it

    @property
    def stop_reason(self) -> str:
        """``"completed"``, ``"diverged"`` or ``"cancelled"``."""
        return self.result.stop_reason


def library_versions() -> dict[str, str]:
    """The versions of lrwidget, Python, torch and, if it is imported, fastai (never imported for this)."""
    import torch

    from lrwidget import __version__

    versions = {"lrwidget": __version__, "python": platform.python_version(), "torch": str(torch.__version__)}
    fastai = sys.modules.get("fastai")
    if fastai is not None:
        versions["fastai"] = str(getattr(fastai, "__version__", "unknown"))
    return versions


def now_utc() -> datetime:
    """The current time, timezone-aware, in UTC, to the second (what ``Run.ran_at`` holds)."""
    return datetime.now(UTC).replace(microsecond=0)


__all__ = ["Run", "RunSettings", "library_versions", "now_utc"]
