"""A notebook with an LRWidget in it, in a fresh server and page: what the tests and the browser benchmark share.

The notebook has a setup cell (kernel check, the digits learner, a copy of its weights), a widget cell
(``w = LRWidget(learn, ...)`` then ``w``), and the driver's scratch cell.
"""
from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .jupyter_server import JupyterServer
from .notebook_driver import NotebookPage
from .widget_probe import WidgetProbe

REPO_ROOT = Path(__file__).resolve().parents[2]
WIDGET_CELL_INDEX = 1

#: The first cell of every test notebook: checks the kernel's Python, builds the digits learner, saves its weights.
SETUP_CELL = """\
import json, sys, time
import numpy as np
import torch
import lrwidget
from lrwidget import LRWidget
from lrwidget.demo import digits_learner

learn = digits_learner()
learn.show_progress = False
orig = [t.detach().clone() for t in learn.model.state_dict().values()]
STEP_DELAY_S = {step_delay_s!r}
if STEP_DELAY_S:
    # A little sleep per step stretches the run to several seconds, so the test can watch it grow.
    _fast_loss = learn.loss_func
    def _slowed_loss(prediction, target):
        time.sleep(STEP_DELAY_S)
        return _fast_loss(prediction, target)
    learn.loss_func = _slowed_loss
print("LRW-KERNEL:" + json.dumps({{"prefix": sys.prefix, "lrwidget": lrwidget.__file__}}))
"""


def setup_cell(step_delay_s: float = 0.0) -> str:
    """The setup cell's code, with an optional sleep per training step."""
    return SETUP_CELL.format(step_delay_s=step_delay_s)


def widget_cell(**settings: Any) -> str:
    """``w = LRWidget(learn, ...)`` followed by ``w``, so the cell displays it."""
    arguments = "".join(f", {name}={value!r}" for name, value in settings.items())
    return f"w = LRWidget(learn{arguments})\nw"


def check_kernel_python(setup_output: str) -> None:
    """The kernel must be this venv's Python, importing lrwidget from this checkout."""
    line = next((line for line in setup_output.splitlines() if line.startswith("LRW-KERNEL:")), None)
    assert line is not None, f"the setup cell printed no kernel info:\n{setup_output}"
    info = json.loads(line.removeprefix("LRW-KERNEL:"))
    assert Path(info["prefix"]).resolve() == Path(sys.prefix).resolve(), f"the kernel runs another Python: {info}"
    assert Path(info["lrwidget"]).resolve().is_relative_to(REPO_ROOT), f"the kernel imports another lrwidget: {info}"


@contextmanager
def running_server(base_dir: Path, app: str = "lab", **options: Any) -> Iterator[JupyterServer]:
    """An isolated ``jupyter lab`` / ``jupyter notebook`` in ``base_dir`` (see :class:`JupyterServer`), stopped on exit.

    The checkout goes first on the kernel's ``PYTHONPATH``, so the kernel imports this lrwidget even where the venv
    has no (editable) install of it.
    """
    options.setdefault("python_path", (REPO_ROOT,))
    with JupyterServer(base_dir, app=app, **options) as server:
        yield server


def open_widget_notebook(page: Any, server: JupyterServer, name: str, step_delay_s: float = 0.0,
                         **settings: Any) -> WidgetProbe:
    """Opens a notebook with the setup cell and a widget cell, runs both, and waits until the widget renders."""
    notebook = NotebookPage.open(page, server, name, [setup_cell(step_delay_s), widget_cell(**settings)])
    check_kernel_python(notebook.run_cell(0, timeout_s=120))
    notebook.run_cell(WIDGET_CELL_INDEX)
    probe = WidgetProbe(notebook, cell_index=WIDGET_CELL_INDEX)
    probe.wait_rendered()
    return probe


@contextmanager
def widget_page(context: Any, server: JupyterServer, name: str, step_delay_s: float = 0.0,
                **settings: Any) -> Iterator[WidgetProbe]:
    """A new browser page with the widget notebook open and rendered (see :func:`open_widget_notebook`).

    The probe's ``page_errors`` collects the page's uncaught JavaScript exceptions (with their stacks).
    """
    page = context.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(error.stack or str(error)))
    try:
        probe = open_widget_notebook(page, server, name, step_delay_s, **settings)
        probe.page_errors = page_errors
        yield probe
    finally:
        page.close()


def screenshot_widget(probe: WidgetProbe, path: Path) -> Path:
    """A PNG of the widget's output area, with the mouse parked away from it (no hover tooltip)."""
    probe.page.mouse.move(1, 1)
    output_area = probe.notebook.cell(WIDGET_CELL_INDEX).locator(".jp-OutputArea-output").filter(
        has=probe.page.locator("[data-lrw-root]"))
    output_area.scroll_into_view_if_needed()
    probe.next_frames()
    output_area.screenshot(path=str(path), animations="disabled")
    return path
