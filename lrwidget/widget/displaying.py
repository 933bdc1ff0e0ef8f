"""How LRWidget shows itself in a notebook: with a display id and a static picture, before a foreground run, once."""
from __future__ import annotations

from typing import Any

from IPython import get_ipython

from lrwidget.widget.static_picture import PictureDisplays, with_picture
from lrwidget.widget.stream import Curve, PointStream
from lrwidget.widget.view import LRCurveView


class NotebookDisplay:
    """The display side of LRWidget.

    Every display goes through :class:`PictureDisplays`, with a display id, so that the static picture in each output
    (what a page without the widget's JavaScript shows) is redrawn when a test ends. A widget whose constructor
    blocks (a foreground run) shows itself first, and the cell's display of its own last value shows no second copy.
    """

    _shown_in_execution: int | None = None
    # The widget's own (LRWidget sets them).
    _pictures: PictureDisplays
    _stream: PointStream
    view: LRCurveView

    def _show_before_foreground_run(self) -> None:
        """Displays the widget now, when a kernel is there to show it."""
        # The constructor blocks until the run ends, so the widget must be on the page before it starts.
        shell = get_ipython()
        if shell is None:
            return
        self._pictures.display()
        self._shown_in_execution = shell.execution_count

    def _ipython_display_(self) -> None:
        # A cell ending in LRWidget(learn) would show a second copy of a widget that showed itself for its run.
        shell = get_ipython()
        if shell is not None and self._shown_in_execution == shell.execution_count:
            self._shown_in_execution = None
            return
        self._pictures.display()

    def _display_(self) -> LRCurveView:
        """What marimo shows for the widget: the live curve view (its display protocol, which only marimo calls).

        marimo draws anywidgets but not classic ipywidgets such as the bqplot preview (marimo issue 5099); the whole
        widget would show only its static picture there, frozen at the moment the cell ran.
        """
        return self.view

    def _bundle_now(self) -> dict[str, Any]:
        # A closed widget: ipywidgets sets _repr_mimebundle_ to None, and only its repr is left to show.
        bundle = self._repr_mimebundle_() if callable(self._repr_mimebundle_) else None
        return bundle or {"text/plain": repr(self)}

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        """The widget view, plus an ``image/svg+xml`` picture of the curve and a ``text/plain`` summary."""
        # ipywidgets.Widget, next in the MRO of the widget this is mixed into, makes the bundle.
        bundle: dict[str, Any] | None = super()._repr_mimebundle_(**kwargs)  # type: ignore[misc]
        return None if bundle is None else with_picture(bundle, self._picture_curve(), self.view)

    def _picture_curve(self) -> Curve:
        """The curve the static picture draws (the widget's runs may pick another than the stream's)."""
        return self._stream.curve()
