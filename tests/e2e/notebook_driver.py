"""Drives a notebook in a real JupyterLab 4 or Notebook 7 page the way a person does: click a cell, Ctrl+Enter.

Both UIs share JupyterLab's notebook widgets, so the same selectors work in each. Things this module is careful about:
- Cells render progressively (the notebook is a windowed list): cells are found by their ``data-windowed-list-index``
  and the driver waits for the last one before it trusts the count.
- A run is finished when the cell's prompt shows a new execution count (``[*]:`` while queued or running).
- Kernel values are read by running a cell that prints one JSON line with a marker prefix, and parsing it.
- Code is put into a cell with ``keyboard.insert_text``, which inserts it verbatim (typing key by key would trigger
  the editor's auto-indent and bracket closing).
Timeouts are generous: on two cores a kernel can take 10–20 s to start while Chromium and the server compete.
"""
from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from typing import Any

import nbformat

from .jupyter_server import JupyterServer

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
JSON_PREFIX = "LRW-JSON:"
EXECUTION_COUNT = re.compile(r"^\[(\d+)\]:$")
ERROR_LINE = re.compile(r"^(Traceback \(most recent call last\)|\w*(Error|Exception)\b)", re.MULTILINE)
PAGE_LOAD_TIMEOUT_S = 90.0
KERNEL_TIMEOUT_S = 90.0
CELL_TIMEOUT_S = 60.0


class CellError(AssertionError):
    """A cell raised in the kernel; the message holds the cell's code and its output."""


def poll(condition: Callable[[], Any], timeout_s: float, interval_s: float = 0.1, message: str = "") -> Any:
    """Calls ``condition`` until it returns something truthy, and returns that; TimeoutError after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(message or f"condition not met within {timeout_s:.0f} s")
        time.sleep(interval_s)


def write_notebook(server: JupyterServer, name: str, cells: Sequence[str]) -> None:
    """Writes ``name`` into the server's root: one code cell per source, on the default ``python3`` kernel."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = dict(KERNELSPEC)
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    nbformat.write(notebook, server.root_dir / name)


class NotebookPage:
    """One notebook open in a Playwright page, with the last cell kept as a scratch cell for :meth:`execute`.

    Use :meth:`open`; then :meth:`run_cell` runs a cell as written, :meth:`execute` runs any code in the scratch cell,
    and :meth:`evaluate` returns a Python expression's value (JSON-able) from the kernel.
    """

    def __init__(self, page: Any, server: JupyterServer, name: str, n_cells: int) -> None:
        self.page = page
        self.server = server
        self.name = name
        self.n_cells = n_cells

    @classmethod
    def open(cls, page: Any, server: JupyterServer, name: str, cells: Sequence[str]) -> NotebookPage:
        """Writes the notebook (plus an empty scratch cell), opens it, and waits for every cell and the kernel."""
        cells = [*cells, ""]
        write_notebook(server, name, cells)
        page.goto(server.page_url(name), timeout=PAGE_LOAD_TIMEOUT_S * 1000)
        notebook = cls(page, server, name, len(cells))
        notebook.cell(len(cells) - 1).wait_for(state="attached", timeout=PAGE_LOAD_TIMEOUT_S * 1000)
        notebook.wait_for_kernel_idle()
        return notebook

    # ----- locating --------------------------------------------------------------------------------------------
    def cell(self, index: int) -> Any:
        """The Playwright locator of cell ``index`` (0-based; negative counts from the end)."""
        if index < 0:
            index += self.n_cells
        return self.page.locator(f'.jp-Notebook .jp-Cell[data-windowed-list-index="{index}"]')

    @property
    def scratch_index(self) -> int:
        return self.n_cells - 1

    def wait_for_kernel_idle(self, timeout_s: float = KERNEL_TIMEOUT_S) -> None:
        """Waits until the server reports this notebook's kernel idle with the page connected to it."""

        def kernel_idle() -> bool:
            sessions = self.server.api_get("/api/sessions") or []
            for session in sessions:
                kernel = session.get("kernel") or {}
                if session.get("path") == self.name and kernel.get("execution_state") == "idle" \
                        and kernel.get("connections", 0) >= 1:
                    return True
            return False

        poll(kernel_idle, timeout_s, 0.25, f"the kernel of {self.name} did not become idle within {timeout_s:.0f} s")
        # The toolbar's indicator lags the server by a moment; both UIs have it.
        if self.page.locator(".jp-Notebook-ExecutionIndicator").count():
            self.page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').first.wait_for(
                timeout=timeout_s * 1000)

    # ----- running ---------------------------------------------------------------------------------------------
    def prompt(self, index: int) -> str:
        return self.cell(index).locator(".jp-InputPrompt").inner_text().strip()

    def run_cell(self, index: int, timeout_s: float = CELL_TIMEOUT_S, check: bool = True) -> str:
        """Runs cell ``index`` (click, Ctrl+Enter), waits for its new execution count, and returns its text output.

        Raises :class:`CellError` if the cell raised (``check=False`` returns the output anyway).
        """
        cell = self.cell(index)
        cell.scroll_into_view_if_needed()
        before = self.prompt(index)
        cell.locator(".cm-content").click()
        self.page.keyboard.press("Control+Enter")

        def finished() -> bool:
            match = EXECUTION_COUNT.match(self.prompt(index))
            return bool(match) and match.group(0) != before

        poll(finished, timeout_s, 0.05, f"cell {index} did not finish within {timeout_s:.0f} s (prompt "
                                        f"{self.prompt(index)!r}); output so far:\n{self.output_text(index)}")
        output = self.output_text(index)
        if check and ERROR_LINE.search(self.stderr_text(index)):
            raise CellError(f"cell {index} raised:\n--- code ---\n{self.source(index)}\n--- output ---\n{output}")
        return output

    def set_source(self, index: int, source: str) -> None:
        """Replaces cell ``index``'s code, as pasting it into the editor would."""
        editor = self.cell(index).locator(".cm-content")
        editor.scroll_into_view_if_needed()
        editor.click()
        self.page.keyboard.press("Control+a")
        if source:
            self.page.keyboard.insert_text(source)
        else:
            self.page.keyboard.press("Delete")
        poll(lambda: self.source(index) == source, 10, 0.05,
             f"cell {index} shows {self.source(index)!r} instead of the code put into it")

    def execute(self, code: str, timeout_s: float = CELL_TIMEOUT_S, check: bool = True) -> str:
        """Runs ``code`` in the scratch (last) cell and returns its text output."""
        self.set_source(self.scratch_index, code)
        return self.run_cell(self.scratch_index, timeout_s, check)

    def evaluate(self, expression: str, setup: str = "", timeout_s: float = CELL_TIMEOUT_S) -> Any:
        """The value of a JSON-able Python ``expression`` in the kernel, after running ``setup`` (optional)."""
        code = f"{setup}\nimport json as _lrw_json\nprint({JSON_PREFIX!r} + _lrw_json.dumps({expression}))".lstrip()
        output = self.execute(code, timeout_s)
        for line in output.splitlines():
            if line.startswith(JSON_PREFIX):
                return json.loads(line[len(JSON_PREFIX):])
        raise CellError(f"no JSON line in the output of:\n{code}\n--- output ---\n{output}")

    # ----- reading ---------------------------------------------------------------------------------------------
    def page_config(self) -> dict[str, Any]:
        """The page's ``#jupyter-config-data`` (app name, disabled extensions, ...)."""
        return json.loads(self.page.locator("#jupyter-config-data").text_content())

    def source(self, index: int) -> str:
        """The code shown in cell ``index``'s editor, one line per ``.cm-line``."""
        lines = self.cell(index).locator(".cm-content .cm-line").all_inner_texts()
        # An empty line is a <br>, whose inner text is "\n"; CodeMirror may also leave zero-width spaces.
        return "\n".join(line.replace("\u200b", "").removesuffix("\n") for line in lines)

    def output_text(self, index: int) -> str:
        """Everything cell ``index`` printed (stdout, stderr and errors), as text."""
        return "".join(self.cell(index).locator(".jp-OutputArea-output").all_inner_texts())

    def stderr_text(self, index: int) -> str:
        selector = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
        return "".join(self.cell(index).locator(selector).all_inner_texts())
