"""The static picture's parts: its axes, its layers (curves, dots, markers, handles, validation, band), the legend,
which runs it draws and the colours it shares with the live view. :mod:`lrwidget.widget.static_picture` puts them
together.
"""
