"""The second output a displayed widget makes: the picture a notebook reopened without widget state shows."""
from __future__ import annotations

import base64

import pytest
from IPython.core.displaypub import CapturingDisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

from lrwidget import LRWidget
from lrwidget.widget.reopened_picture import PICTURE_CLASS, WIDGET_VIEW_MIME, reopened_bundle

from .test_widget import make_learner


def picture_svg(html: str) -> str:
    start = html.index("data:image/svg+xml;base64,") + len("data:image/svg+xml;base64,")
    return base64.b64decode(html[start:html.index('"', start)]).decode("utf-8")


def test_the_bundle_holds_the_widgets_own_picture_hidden_by_default():
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><title>a &amp; b</title></svg>'
    html = reopened_bundle({WIDGET_VIEW_MIME: {"model_id": "x"}, "image/svg+xml": svg})["text/html"]
    assert picture_svg(html) == svg
    assert html.startswith(f'<div class="{PICTURE_CLASS}"><style>.{PICTURE_CLASS}{{display:none}}')
    assert "jupyter-widgets" in html, "shown only next to a failed widget view"


def test_a_closed_widget_has_no_picture_to_show():
    assert reopened_bundle({"text/plain": "LRWidget(closed)"}) is None


@pytest.fixture
def shell():
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    shell = InteractiveShell.instance(config=config)
    shell.display_pub = CapturingDisplayPublisher()
    yield shell
    InteractiveShell.clear_instance()


def test_a_displayed_widget_makes_a_second_output_that_follows_the_run(shell):
    from IPython.display import display

    w = LRWidget(make_learner(step_delay_s=0.01), num_it=30, preview=None)
    try:
        display(w)
        widget_output, picture_output = shell.display_pub.outputs[:2]
        assert WIDGET_VIEW_MIME in widget_output["data"] and set(picture_output["data"]) == {"text/html"}
        picture_id = picture_output["transient"]["display_id"]
        assert picture_id != widget_output["transient"]["display_id"]
        w.wait(timeout=60)
        updates = [o for o in shell.display_pub.outputs if o["update"]]
        last_picture = [o for o in updates if o["transient"]["display_id"] == picture_id][-1]
        last_widget = updates[-1]
        # The picture in the second output is the widget's own, at the end of the run.
        assert picture_svg(last_picture["data"]["text/html"]) == last_widget["data"]["image/svg+xml"]
        assert 'class="lrw-handle"' in last_widget["data"]["image/svg+xml"]
    finally:
        w.close()
