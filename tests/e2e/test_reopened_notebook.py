"""A notebook saved with a finished LRWidget and reopened without its kernel, in JupyterLab 4 and Notebook 7 with their
default settings.

JupyterLab does not save widget state by default ("save widget state" is off), so a reopened notebook has no widget
model to render: jupyterlab_widgets shows "Error displaying widget: model not found" and never falls back to another
mime type. The widget therefore displays a second output with the curve's picture, hidden while the widget is live
(:mod:`lrwidget.widget.reopened_picture`). This module runs the widget, saves the notebook from the page (Ctrl+S),
shuts the kernel down, reloads the page, and checks that the picture shows where the widget was, with no error, and
that the saved file holds the picture for GitHub and nbviewer.
"""
from __future__ import annotations

import base64
import json
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest

from lrwidget.widget.reopened_picture import PICTURE_CLASS, WIDGET_VIEW_MIME

from .jupyter_server import JupyterServer
from .notebook_driver import PAGE_LOAD_TIMEOUT_S, poll
from .widget_notebook import WIDGET_CELL_INDEX, running_server, widget_page
from .widget_probe import WidgetProbe

NOTEBOOK = "reopened.ipynb"
SVG = "{http://www.w3.org/2000/svg}"
REOPEN_TIMEOUT_S = 120.0


def api_delete(server: JupyterServer, path: str) -> None:
    request = urllib.request.Request(f"{server.url}{path}?token={server.token}", method="DELETE")
    with urllib.request.urlopen(request, timeout=30):
        pass


def saved_widget_outputs(server: JupyterServer) -> list[dict[str, Any]]:
    """The widget cell's outputs as saved on disk."""
    notebook = nbformat.read(server.root_dir / NOTEBOOK, as_version=4)
    return [dict(output) for output in notebook.cells[WIDGET_CELL_INDEX].outputs]


def svg_of_picture(html: str) -> ET.Element:
    """The SVG document inside the reopened picture's ``<img src="data:image/svg+xml;base64,...">``."""
    start = html.index("data:image/svg+xml;base64,") + len("data:image/svg+xml;base64,")
    return ET.fromstring(base64.b64decode(html[start:html.index('"', start)]))


def finished_curve_drawn(svg: ET.Element) -> bool:
    """The finished test's picture: a curve line and both handles."""
    lines = svg.iter(f"{SVG}polyline")
    handles = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "lrw-handle"]
    return any(True for _ in lines) and len(handles) == 2


@pytest.fixture(scope="module", params=["lab", "notebook"])
def lab(request: pytest.FixtureRequest, browser_context: Any, tmp_path_factory: pytest.TempPathFactory
        ) -> Iterator[tuple[JupyterServer, WidgetProbe]]:
    """JupyterLab 4 or Notebook 7, with default settings, and the widget notebook, its range test finished."""
    with running_server(tmp_path_factory.mktemp(f"jupyter-{request.param}-reopen"), request.param) as server, \
            widget_page(browser_context, server, NOTEBOOK, num_it=100) as probe:
        probe.wait_for_status("done", timeout_s=120)
        probe.notebook.execute("w.wait(60)")
        yield server, probe


@pytest.fixture(scope="module")
def saved(lab: tuple[JupyterServer, WidgetProbe]) -> list[dict[str, Any]]:
    """Saves the notebook from the page (Ctrl+S) and returns the widget cell's outputs as written to disk."""
    server, probe = lab
    probe.notebook.cell(WIDGET_CELL_INDEX).locator(".jp-InputPrompt").click()  # command mode in the notebook
    probe.page.keyboard.press("Control+s")

    def saved_with_final_picture() -> list[dict[str, Any]] | None:
        try:
            outputs = saved_widget_outputs(server)
        except (OSError, ValueError, IndexError):
            return None
        pictures = [o for o in outputs if PICTURE_CLASS in o.get("data", {}).get("text/html", "")]
        return outputs if pictures and finished_curve_drawn(svg_of_picture(pictures[0]["data"]["text/html"])) \
            else None

    return poll(saved_with_final_picture, 60, 0.5, "the saved notebook has no picture of the finished curve")


@pytest.fixture(scope="module")
def reopened(lab: tuple[JupyterServer, WidgetProbe], saved: list[dict[str, Any]]) -> Any:
    """Shuts the kernel down, reloads the page, and returns the widget cell's locator once its outputs are back."""
    server, probe = lab
    for session in server.api_get("/api/sessions") or []:
        if session.get("path") == NOTEBOOK:
            api_delete(server, f"/api/sessions/{session['id']}")
    poll(lambda: not any(s.get("path") == NOTEBOOK for s in server.api_get("/api/sessions") or []), 30, 0.25,
         "the notebook's session did not end")
    probe.page.reload(timeout=PAGE_LOAD_TIMEOUT_S * 1000)
    cell = probe.notebook.cell(WIDGET_CELL_INDEX)
    cell.locator(f".{PICTURE_CLASS}").wait_for(state="attached", timeout=REOPEN_TIMEOUT_S * 1000)
    probe.notebook.wait_for_kernel_idle(REOPEN_TIMEOUT_S)  # a fresh kernel, without the widget's model
    return cell


def test_the_live_widget_shows_no_second_picture(lab: tuple[JupyterServer, WidgetProbe]) -> None:
    _, probe = lab
    cell = probe.notebook.cell(WIDGET_CELL_INDEX)
    assert probe.root.is_visible()
    pictures = cell.locator(f".{PICTURE_CLASS}")
    assert pictures.count() == 1, "the widget displayed no reopened picture beside itself"
    assert not pictures.is_visible(), "the reopened picture shows beside the live widget"
    output = cell.locator(".jp-OutputArea-child").filter(has=pictures)
    assert not output.is_visible(), "the hidden picture's output still takes room"


def test_the_saved_notebook_holds_the_picture(saved: list[dict[str, Any]]) -> None:
    widget_output, picture_output = saved[0], saved[1]
    assert {WIDGET_VIEW_MIME, "image/svg+xml", "text/plain"} <= set(widget_output["data"])
    assert set(picture_output["data"]) == {"text/html"}
    # One picture, twice: what nbviewer and GitHub show (the widget's svg) is what reopened JupyterLab shows.
    in_html = svg_of_picture(picture_output["data"]["text/html"])
    assert ET.tostring(in_html) == ET.tostring(ET.fromstring(widget_output["data"]["image/svg+xml"]))
    assert finished_curve_drawn(in_html)


def test_the_reopened_notebook_shows_the_picture_and_no_error(reopened: Any, lab: tuple[JupyterServer, WidgetProbe],
                                                              screenshot_dir: Path) -> None:
    _, probe = lab
    picture = reopened.locator(f".{PICTURE_CLASS} img")
    picture.wait_for(state="visible", timeout=REOPEN_TIMEOUT_S * 1000)
    assert picture.evaluate("img => img.complete && img.naturalWidth > 0"), "the picture did not load"
    box = picture.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 150, f"the picture is drawn at {box}"
    # The widget view is what JupyterLab rendered in the first output (a trusted notebook), and it found no model:
    widget_output = reopened.locator(".jp-OutputArea-output").first
    poll(lambda: "model not found" in (widget_output.text_content() or ""), 60, 0.25,
         f"the widget view did not fail as expected: {widget_output.text_content()!r}")
    assert not widget_output.is_visible(), "the 'model not found' error shows"
    assert "model not found" not in probe.page.locator(".jp-Notebook").inner_text()
    assert reopened.locator("[data-lrw-root]").count() == 0
    probe.page.mouse.move(1, 1)
    name = "lab" if lab[0].app == "lab" else "notebook7"
    reopened.locator(".jp-Cell-outputWrapper").screenshot(path=str(screenshot_dir / f"lrwidget-reopened-{name}.png"))


def test_default_settings_do_not_save_widget_state(saved: list[dict[str, Any]], lab: tuple[JupyterServer, WidgetProbe]
                                                   ) -> None:
    server, _ = lab
    metadata = json.loads((server.root_dir / NOTEBOOK).read_text())["metadata"]
    assert "widgets" not in metadata, "widget state was saved: this is not the default setting the test is about"
