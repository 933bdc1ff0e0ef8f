"""Suggestions: learning rates read off a range-test curve, and the markers the view draws for them.

Layer: the bottom one. Pure functions of ``(lrs, losses, num_it)``; imports NumPy and torch, nothing of lrwidget's
other layers.
- :mod:`~lrwidget.suggest.suggested_lrs`: ``SuggestedLRs``, the result, shaped like fastai's namedtuple.
- :mod:`~lrwidget.suggest.fastai_methods`: fastai's valley / steep / minimum / slide, exact; ``suggest_lrs``.
- :mod:`~lrwidget.suggest.sweetspot`: lrwidget's zero-lag suggestion.
- :mod:`~lrwidget.suggest.markers`: the one marker registry (names, order, tips, style, the default).
"""
from lrwidget.suggest.fastai_methods import (
    Suggestion,
    minimum,
    slide,
    steep,
    suggest_lrs,
    suggestion_window,
    valley,
)
from lrwidget.suggest.suggested_lrs import SuggestedLRs
from lrwidget.suggest.sweetspot import sweetspot

__all__ = [
    "SuggestedLRs",
    "Suggestion",
    "minimum",
    "slide",
    "steep",
    "suggest_lrs",
    "suggestion_window",
    "sweetspot",
    "valley",
]
