"""One user of a model at a time: a model in a range test refuses every other range test and training call.

A range test trains at absurd learning rates and then puts everything back from a snapshot. Anything else that
touches the model meanwhile either trains on garbage or is wiped by the restore, and a second range test would
restore a snapshot taken in the middle of the first. So the range test *leases* the model: a lease belongs to one
thread, nests within that thread (``Learner.lr_find`` → ``range_test``), and makes every other thread's claim fail
at once with :class:`ModelBusyError`, which says who holds the model and how to free it.

The lease may be taken on behalf of a thread that has not started yet, so that ``LRWidget.run()`` holds the model
before it returns: a call in the next cell can never slip in before the background thread claims it.
"""
from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from torch import nn

_F = TypeVar("_F", bound=Callable[..., Any])
#: What LRWidget's range test is called in the messages of the calls it refuses.
WIDGET_RANGE_TEST = "a range test (LRWidget)"


class ModelBusyError(RuntimeError):
    """Raised when a model in use by a range test (or training call) in another thread is asked to do more."""


@dataclass
class _Lease:
    owner: threading.Thread
    activity: str
    depth: int = 1


_leases: weakref.WeakKeyDictionary[nn.Module, _Lease] = weakref.WeakKeyDictionary()
_leases_lock = threading.Lock()


def _stale(lease: _Lease) -> bool:
    # A thread that started and ended without releasing cannot hold anything (an unstarted owner still can).
    return lease.owner.ident is not None and not lease.owner.is_alive()


def acquire(model: nn.Module, activity: str, owner: threading.Thread | None = None) -> None:
    """Leases ``model`` to ``owner`` (default: this thread) for ``activity``; nests for the same owner.

    Raises :class:`ModelBusyError` if another live thread holds it. Every ``acquire`` needs one :func:`release`.
    """
    owner = owner or threading.current_thread()
    with _leases_lock:
        lease = _leases.get(model)
        if lease is not None and lease.owner is not owner and not _stale(lease):
            raise ModelBusyError(
                f"{activity} refused: the model ({type(model).__name__}) is in use by {lease.activity} in thread "
                f"'{lease.owner.name}'. Wait for it to end (w.wait()) or stop it (w.stop()) first; everything is "
                "restored when it ends."
            )
        if lease is not None and lease.owner is owner:
            lease.depth += 1
        else:
            _leases[model] = _Lease(owner, activity)


def release(model: nn.Module, owner: threading.Thread | None = None) -> None:
    """Gives back one level of ``owner``'s lease on ``model`` (a no-op if it holds none)."""
    owner = owner or threading.current_thread()
    with _leases_lock:
        lease = _leases.get(model)
        if lease is None or lease.owner is not owner:
            return
        lease.depth -= 1
        if lease.depth == 0:
            del _leases[model]


def holder(model: nn.Module) -> str | None:
    """What holds ``model`` now (its activity), or None when it is free."""
    with _leases_lock:
        lease = _leases.get(model)
        return None if lease is None or _stale(lease) else lease.activity


@contextmanager
def exclusive_use(model: nn.Module, activity: str) -> Iterator[None]:
    """Holds a lease on ``model`` for the ``with`` block (this thread; nests)."""
    acquire(model, activity)
    try:
        yield
    finally:
        release(model)


def uses_model(activity: str) -> Callable[[_F], _F]:
    """Decorates a method of an object with a ``model``: the call leases ``self.model`` while it runs."""

    def decorate(method: _F) -> _F:
        @wraps(method)
        def leased(self: Any, *args: Any, **kwargs: Any) -> Any:
            with exclusive_use(self.model, activity):
                return method(self, *args, **kwargs)

        return leased  # type: ignore[return-value]

    return decorate


def leases_model_argument(activity: str) -> Callable[[_F], _F]:
    """Decorates a function whose first argument is the model: the call leases it while it runs.

    Anything that is not an ``nn.Module`` is passed through untouched, for the function's own check to refuse.
    """

    def decorate(function: _F) -> _F:
        @wraps(function)
        def leased(model: Any, *args: Any, **kwargs: Any) -> Any:
            if not isinstance(model, nn.Module):
                return function(model, *args, **kwargs)
            with exclusive_use(model, activity):
                return function(model, *args, **kwargs)

        return leased  # type: ignore[return-value]

    return decorate


@contextmanager
def guard_methods(obj: Any, model: nn.Module, names: tuple[str, ...], owner: threading.Thread) -> Iterator[None]:
    """While the block runs, ``obj``'s methods ``names`` refuse calls from any thread but ``owner``.

    For objects whose class is not ours (a fastai Learner): the guards are instance attributes that shadow the
    class's methods, removed afterwards.
    """
    shadowed = [name for name in names if callable(getattr(obj, name, None)) and name not in vars(obj)]
    for name in shadowed:
        setattr(obj, name, _guarded(getattr(obj, name), model, f"learn.{name}()", owner))
    try:
        yield
    finally:
        for name in shadowed:
            vars(obj).pop(name, None)


def _guarded(method: Callable[..., Any], model: nn.Module, activity: str,
             owner: threading.Thread) -> Callable[..., Any]:
    @wraps(method)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if threading.current_thread() is not owner:
            with exclusive_use(model, activity):  # raises while the owner holds the model
                return method(*args, **kwargs)
        return method(*args, **kwargs)

    return guarded


@contextmanager
def leased(model: nn.Module, activity: str, owner: threading.Thread,
           guard: tuple[Any, tuple[str, ...]] | None = None) -> Iterator[None]:
    """Leases ``model`` to ``owner`` for the block, which may be entered and left in different threads.

    ``guard=(obj, names)`` also makes ``obj``'s methods ``names`` refuse other threads meanwhile (see
    :func:`guard_methods`), for learners whose methods do not check the lease themselves.
    """
    acquire(model, activity, owner)
    try:
        if guard is None:
            yield
        else:
            with guard_methods(guard[0], model, guard[1], owner):
                yield
    finally:
        release(model, owner)
