"""Training: the torch-only Learner with fastai's API, THE plan of a training call, and the progress table.

Layer: above :mod:`lrwidget.engine`. Imports ``lrwidget.suggest`` and ``lrwidget.engine``; nothing of backends or
widget.
"""
from lrwidget.train.learner import Learner, accuracy

__all__ = ["Learner", "accuracy"]
