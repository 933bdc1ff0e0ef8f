"""lrwidget: a live, interactive learning-rate finder with fastai-exact suggestions.

Public names:
- :func:`range_test` runs the LR range test on any torch model and restores everything afterwards;
- :class:`Learner` is a torch-only learner with fastai's training API (``lr_find``, ``fit_one_cycle``, ``fine_tune``);
- :class:`LRWidget` runs the range test live in the notebook, with draggable lo/hi handles;
- :class:`ModelBusyError` is raised by a call that would use a model in the middle of a range test;
- :class:`SuggestedLRs` is what suggestions come back as (see :mod:`lrwidget.suggest`);
- :class:`Run` and :class:`RunSettings` are a kept range test and how it ran (``LRWidget.runs``; JSON through
  :mod:`lrwidget.engine.result_io`).
"""
from lrwidget.engine.busy import ModelBusyError
from lrwidget.engine.rangetest import RangeTestPoint, RangeTestResult, range_test
from lrwidget.engine.run_record import Run, RunSettings
from lrwidget.suggest import SuggestedLRs, Suggestion, minimum, slide, steep, sweetspot, valley
from lrwidget.train.learner import Learner
from lrwidget.widget import LRWidget

__all__ = [
    "LRWidget",
    "Learner",
    "ModelBusyError",
    "RangeTestPoint",
    "RangeTestResult",
    "Run",
    "RunSettings",
    "SuggestedLRs",
    "Suggestion",
    "minimum",
    "range_test",
    "slide",
    "steep",
    "sweetspot",
    "valley",
]
__version__ = "0.1.0"  # the one version source: pyproject.toml reads it (hatch dynamic version)
