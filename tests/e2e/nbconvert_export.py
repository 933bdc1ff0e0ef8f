"""A small LRWidget notebook, executed by nbconvert with its widget state saved, and exported to HTML.

``jupyter nbconvert --execute`` runs the notebook through nbclient's ExecutePreprocessor, which with
``store_widget_state=True`` records every widget state message it sees during a cell and writes the result into the
notebook's metadata (``application/vnd.jupyter.widget-state+json``), as JupyterLab's "save widget state" does. nbclient
only reads the messages of the cell being run, so each widget cell waits for its run to end: the state it saves is
the finished one (status, curve, markers and handles).
"""
from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from .jupyter_server import JupyterServer
from .widget_notebook import REPO_ROOT, check_kernel_python, setup_cell

WIDGET_STATE_MIME = "application/vnd.jupyter.widget-state+json"
#: The ``_anywidget_id`` of LRWidget's curve view in saved widget state.
VIEW_ID = "lrwidget.widget.view.LRCurveView"
EXECUTE_TIMEOUT_S = 600

#: Both ways a notebook can finish a run before its state is saved: a background run waited for in its own cell (the
#: quickstart's run, then ``w.wait()``), and a foreground run, whose constructor returns when the test has ended.
WIDGET_CELLS = (
    "w = LRWidget(learn)\ndisplay(w)\nresult = w.wait()",
    "foreground = LRWidget(learn, mode='foreground')\nforeground",
)


@dataclass(frozen=True)
class ExportedNotebook:
    """An executed notebook with saved widget state, and its HTML exports by theme."""

    executed: Path
    html: dict[str, Path]

    def notebook(self) -> Any:
        """The executed notebook (nbformat)."""
        return nbformat.read(self.executed, as_version=4)

    def view_states(self) -> list[dict[str, Any]]:
        """The saved state of every LRWidget curve view, in the order the notebook displays them."""
        notebook = self.notebook()
        saved = notebook.metadata.get("widgets", {}).get(WIDGET_STATE_MIME)
        if saved is None:
            raise AssertionError(f"{self.executed} has no saved widget state ({WIDGET_STATE_MIME} in its metadata)")
        models = saved["state"]
        views = {model_id: model["state"] for model_id, model in models.items()
                 if model["state"].get("_anywidget_id") == VIEW_ID}
        shown = [_displayed_model(output) for cell in notebook.cells for output in cell.get("outputs", [])]
        containers = [models[model_id]["state"] for model_id in shown if model_id in models]
        ordered = [views[_child(container)] for container in containers if _child(container) in views]
        if len(ordered) != len(views):
            raise AssertionError(f"cannot tell the display order of the saved views: {len(views)} views, "
                                 f"{len(ordered)} found through the displayed containers")
        return ordered


def _displayed_model(output: Any) -> str | None:
    view = output.get("data", {}).get("application/vnd.jupyter.widget-view+json")
    return None if view is None else str(view["model_id"])


def _child(container: dict[str, Any]) -> str | None:
    """The curve view's model id in LRWidget's container state (its first child), if any."""
    children = container.get("children") or []
    return children[0].removeprefix("IPY_MODEL_") if children else None


def export_notebook(base_dir: Path, themes: tuple[str, ...] = ("light", "dark")) -> ExportedNotebook:
    """Writes the notebook, executes it with ``store_widget_state``, and exports it to HTML in each theme."""
    base_dir.mkdir(parents=True, exist_ok=True)
    source = base_dir / "static_export.ipynb"
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(setup_cell()), *map(nbformat.v4.new_code_cell, WIDGET_CELLS)]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, source)
    # The directories a test server would get (nothing from this machine's Jupyter setup), and this checkout first
    # on the kernel's path; no server is started.
    env = JupyterServer(base_dir / "jupyter", python_path=(REPO_ROOT,)).environment()
    executed = base_dir / "static_export.executed.ipynb"
    _nbconvert(env, source, "--to", "notebook", "--execute", "--ExecutePreprocessor.store_widget_state=True",
               f"--ExecutePreprocessor.timeout={EXECUTE_TIMEOUT_S}", f"--output={executed.name}")
    check_kernel_python(_stream_text(nbformat.read(executed, as_version=4).cells[0]))
    html = {}
    for theme in themes:
        html[theme] = base_dir / f"static_export.{theme}.html"
        _nbconvert(env, executed, "--to", "html", f"--theme={theme}", f"--output={html[theme].name}")
    return ExportedNotebook(executed, html)


def _nbconvert(env: dict[str, str], notebook: Path, *arguments: str) -> None:
    command = [sys.executable, "-m", "jupyter", "nbconvert", *arguments, str(notebook)]
    done = subprocess.run(command, cwd=notebook.parent, env=env, capture_output=True, text=True,
                          timeout=EXECUTE_TIMEOUT_S + 60)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


def _stream_text(cell: Any) -> str:
    return "".join(output.get("text", "") for output in cell.get("outputs", []) if output.output_type == "stream")

