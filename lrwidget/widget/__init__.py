"""The notebook widget: LRWidget, the anywidget view and its protocol, the point stream, the bqplot preview.

Layer: the top one. Imports every layer below (suggest, engine, train, backends). Widget state has one writer: the
publisher thread of :mod:`lrwidget.widget.publisher`; the training thread only hands points over
(:mod:`lrwidget.widget.stream`), and :mod:`lrwidget.widget.run` ties the two threads together.
"""
from lrwidget.widget.lr_widget import LRWidget

__all__ = ["LRWidget"]
