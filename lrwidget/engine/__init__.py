"""The engine: one training step, the CPU snapshot and its restore, fastai's smoothing, the range test itself.

Layer: above :mod:`lrwidget.suggest`. Imports torch, NumPy and ``lrwidget.suggest``; nothing of train, backends or
widget. It knows nothing of notebooks: it hands each point to a callback and stops when an event is set.
"""
