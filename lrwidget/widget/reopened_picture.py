"""The curve's picture that a notebook reopened without widget state shows in JupyterLab and Notebook 7.

JupyterLab does not save widget state by default. Reopened, the widget's output still holds its mime bundle (the
widget view, the ``image/svg+xml`` picture, ``text/plain``), but JupyterLab always renders the widget view in a
trusted notebook: the widget manager registers it with rank -10, ahead of every other mime type, and when the model
is gone its renderer (jupyterlab_widgets 3.0, ``renderer.ts``) writes "Error displaying widget: model not found" and
gives the class ``jupyter-widgets`` to the output. It never falls back to another mime type of the bundle, and no
JavaScript of ours runs there (the widget's code lived in the lost model).

So the widget displays a second output right after its own: HTML with the picture, and a style sheet that
- hides it everywhere by default (a live widget, VS Code, Colab, nbconvert and nbviewer, which show the widget or its
  own ``image/svg+xml``), and
- in a JupyterLab or Notebook 7 output area, shows it, and hides the error, only when the output just before it is a
  widget view that failed to render.
Where the style sheet is stripped (an untrusted notebook, GitHub), the picture shows plainly; JupyterLab then shows
the widget's output as text, because the widget view is not a safe mime type.
"""
from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import quoteattr

__all__ = ["PICTURE_CLASS", "reopened_bundle"]

WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"
#: The class of the element holding the picture (the browser test looks for it).
PICTURE_CLASS = "lrw-reopened-picture"

# An output-area child whose widget view failed. jupyterlab_widgets' renderer is a Lumino panel that holds the view;
# it gives its own node the class `jupyter-widgets` only when it writes an error instead (a live view carries that
# class one level down). The renderer's node has no data-mime-type, and nested :has() is invalid CSS.
_FAILED_WIDGET = ".jp-OutputArea-child:has(> .jp-OutputArea-output.lm-Panel.jupyter-widgets)"
_STYLE = (
    f".{PICTURE_CLASS}{{display:none}}"
    f"{_FAILED_WIDGET} + .jp-OutputArea-child .{PICTURE_CLASS}{{display:block}}"
    # The error text, in the output right before this picture only.
    f"{_FAILED_WIDGET}:has(+ .jp-OutputArea-child .{PICTURE_CLASS}){{display:none}}"
    # Hidden, the picture's own output takes no room either (an empty prompt and padding otherwise).
    f".jp-OutputArea-child:has(.{PICTURE_CLASS}):not({_FAILED_WIDGET} + .jp-OutputArea-child){{display:none}}"
)
_ALT = "LR range test: loss against learning rate (a picture of the finished curve; run the cell for the live widget)"


def reopened_bundle(widget_bundle: Mapping[str, Any]) -> dict[str, str] | None:
    """The second output's mime bundle (``text/html``) for a widget bundle; None when it has no picture (closed)."""
    svg = widget_bundle.get("image/svg+xml")
    if not isinstance(svg, str):
        return None
    # An <img> keeps the picture's own classes and sizes away from the page's style sheets (a live LRWidget's CSS).
    source = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
    html = (f'<div class="{PICTURE_CLASS}"><style>{_STYLE}</style>'
            f'<img src={quoteattr(source)} alt={quoteattr(_ALT)} style="max-width:100%;height:auto"></div>')
    return {"text/html": html}
