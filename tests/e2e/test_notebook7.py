"""LRWidget in Notebook 7 (``jupyter notebook``): it renders, finishes its run, and a drag reaches the kernel.

Notebook 7 is built from JupyterLab's notebook widgets but is a different app: its own page, URL scheme
(``/notebooks/<path>``) and server extension, which rejects LabApp-only options. The announcements toast is turned
off through ``page_config.json``, which both apps read.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .jupyter_server import DISABLED_EXTENSIONS
from .widget_notebook import running_server, screenshot_widget, widget_page
from .widget_probe import WidgetProbe

DRAG_TARGET_LR = 1e-2
DRAG_TOLERANCE = 0.02


def is_known_notebook7_error(stack: str) -> bool:
    """Notebook 7.6's own settings loader throws this on every page load, with or without a widget."""
    return "reading 'schema'" in stack and "/static/notebook/notebook_core" in stack


@pytest.fixture(scope="module")
def notebook7(browser_context: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WidgetProbe]:
    with running_server(tmp_path_factory.mktemp("jupyter-notebook"), "notebook") as server, \
            widget_page(browser_context, server, "notebook7_widget.ipynb", num_it=100) as probe:
        yield probe


def test_the_page_is_notebook7_without_announcements(notebook7: WidgetProbe) -> None:
    config = notebook7.notebook.page_config()
    assert config["appName"] == "Jupyter Notebook" and "/notebooks/" in notebook7.page.url
    assert set(DISABLED_EXTENSIONS) <= set(config["disabledExtensions"])
    assert notebook7.page.locator("#main-panel .jp-NotebookPanel").count() == 1, "not Notebook 7's single-document page"


def test_widget_renders_and_a_drag_reaches_the_kernel(notebook7: WidgetProbe, screenshot_dir: Path) -> None:
    assert notebook7.wait_for_status("done", timeout_s=120) == "done"
    notebook7.notebook.execute("w.wait(60)")
    assert notebook7.curve_d(), "the finished curve is not drawn"
    screenshot_widget(notebook7, screenshot_dir / "lrwidget-notebook7.png")
    axis = notebook7.calibrate(lrs=(1e-5, 1e-1))
    notebook7.drag_handle("hi", axis.x_of(DRAG_TARGET_LR), steps=10)
    lr_hi = notebook7.wait_for_kernel_lr("hi", DRAG_TARGET_LR, DRAG_TOLERANCE)
    assert lr_hi == pytest.approx(DRAG_TARGET_LR, rel=DRAG_TOLERANCE)
    other_errors = [stack for stack in notebook7.page_errors if not is_known_notebook7_error(stack)]
    assert other_errors == [], "uncaught JavaScript errors in the page"
