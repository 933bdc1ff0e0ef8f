"""The notebook widget: LRWidget, the anywidget view and its protocol, the point stream, the bqplot preview.

Layer: the top one. Imports every layer below (suggest, engine, train, backends). Widget state has one writer: the
kernel-side publisher in :mod:`lrwidget.widget.lr_widget`; the training thread only hands points over.
"""
from lrwidget.widget.lr_widget import LRWidget

__all__ = ["LRWidget"]
