"""``SuggestedLRs``: the suggestions of one range test by function name, shaped like fastai's ``lr_find`` result.

fastai returns a ``collections.namedtuple`` built at run time for the names of the suggestion functions. This class
offers the same API (access by name and by index, unpacking, ``_fields``, ``_asdict()``, ``_make``, ``_replace``,
tuple equality, so it equals fastai's own result), as one statically declared class that type checkers can read:
every suggestion, read by name, is a ``float``.
"""
from __future__ import annotations

import functools
import keyword
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, ClassVar

__all__ = ["Point", "SuggestedLRs"]

#: ``(lr, loss)``: where a suggestion's marker is drawn.
Point = tuple[float, float]


class SuggestedLRs(tuple[float, ...]):
    """The suggested learning rates of one range test, by function name: a namedtuple, like fastai's result.

    ``points`` maps each name to the ``(lr, loss)`` point where its marker is drawn; pass it as the ``points`` keyword
    or build with ``from_suggestions``. Results with the same names, in the same order, share one type, as instances
    of one namedtuple class do.

    Examples:
        >>> result = SuggestedLRs(valley=1e-3, steep=2e-3)
        >>> result.valley, result[1], result._fields
        (0.001, 0.002, ('valley', 'steep'))
        >>> valley, steep = result
        >>> result == (0.001, 0.002), result._asdict()
        (True, {'valley': 0.001, 'steep': 0.002})
    """

    _fields: ClassVar[tuple[str, ...]] = ()
    # Read-only, for instances made without points; _build gives every result its own mapping.
    points: Mapping[str, Point] = MappingProxyType({})

    def __new__(cls, *args: Any, points: Mapping[str, Sequence[float]] | None = None, **lrs: float) -> SuggestedLRs:
        if args:
            raise TypeError("SuggestedLRs takes its learning rates by name, e.g. SuggestedLRs(valley=1e-3)")
        return _build(tuple(lrs), tuple(lrs.values()), points)

    @classmethod
    def from_suggestions(cls, names: Iterable[str], suggestions: Iterable[Sequence[Any]]) -> SuggestedLRs:
        """Builds the result from suggestion names and the ``(lr, (lr, loss))`` pairs their functions returned."""
        names = tuple(names)
        pairs = list(suggestions)
        if len(names) != len(pairs):
            raise ValueError(f"{len(names)} names but {len(pairs)} suggestions")
        points = {name: point for name, (_, point) in zip(names, pairs, strict=True)}
        return _build(names, tuple(lr for lr, _ in pairs), points)

    @classmethod
    def _make(cls, lrs: Iterable[float]) -> SuggestedLRs:
        """A result with this type's names and the given learning rates (namedtuple's ``_make``), without points."""
        return _build(cls._fields, tuple(lrs), None)

    def _replace(self, **lrs: float) -> SuggestedLRs:
        """A copy with some learning rates replaced (namedtuple's ``_replace``); their points are dropped."""
        unknown = sorted(set(lrs) - set(self._fields))
        if unknown:
            raise ValueError(f"no suggestions named {unknown}; the names are {self._fields}")
        kept = {name: point for name, point in self.points.items() if name not in lrs}
        return _build(self._fields, tuple(lrs.get(name, lr) for name, lr in zip(self._fields, self, strict=True)), kept)

    def _asdict(self) -> dict[str, float]:
        """The learning rates by name, in order."""
        return dict(zip(self._fields, self, strict=True))

    def __getattr__(self, name: str) -> float:
        # Only reached when normal lookup fails, so methods and ``points`` come first; _build refuses names they shadow.
        if name in self._fields:
            return self[self._fields.index(name)]
        raise AttributeError(f"SuggestedLRs has no suggestion named {name!r}; it has {self._fields}")

    def __repr__(self) -> str:
        return f"SuggestedLRs({', '.join(f'{name}={lr!r}' for name, lr in zip(self._fields, self, strict=True))})"

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # The per-names type is not importable by name: unpickling rebuilds the result instead.
        return _build, (self._fields, tuple(self), dict(self.points))


def _check_names(names: tuple[str, ...]) -> None:
    """namedtuple's rules for field names, plus: no name that an attribute of SuggestedLRs would hide."""
    for name in names:
        if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_"):
            raise ValueError(f"suggestion names must be identifiers that do not start with '_', got {name!r}")
        if hasattr(SuggestedLRs, name):
            raise ValueError(f"{name!r} cannot name a suggestion: it is already an attribute of SuggestedLRs")
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"suggestion names must be unique, got {duplicates} more than once in {names}")


@functools.cache
def _type_for(names: tuple[str, ...]) -> type[SuggestedLRs]:
    """The one subclass for these names, in this order, as one namedtuple class per field tuple; it adds no methods."""
    _check_names(names)
    namespace = {"_fields": names, "__slots__": (), "__module__": __name__, "__qualname__": "SuggestedLRs",
                 "__doc__": SuggestedLRs.__doc__}
    return type("SuggestedLRs", (SuggestedLRs,), namespace)


def _build(names: tuple[str, ...], lrs: tuple[Any, ...], points: Mapping[str, Sequence[float]] | None) -> SuggestedLRs:
    if len(lrs) != len(names):
        raise TypeError(f"expected {len(names)} learning rates for {names}, got {len(lrs)}")
    unknown = set(points or ()) - set(names)
    if unknown:
        raise ValueError(f"points for names that have no learning rate: {sorted(unknown)}")
    result = tuple.__new__(_type_for(names), (float(lr) for lr in lrs))
    result.points = {name: (float(point[0]), float(point[1])) for name, point in (points or {}).items()}
    return result
