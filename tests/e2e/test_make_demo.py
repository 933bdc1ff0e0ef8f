"""The README's first command: ``make demo`` starts JupyterLab and the URL it prints opens the quickstart notebook
(not the Launcher), on a machine without a display."""
from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest

from .jupyter_server import JupyterServer
from .widget_notebook import REPO_ROOT

DEMO_NOTEBOOK = "example_notebooks/01_quickstart.ipynb"


class MakeDemo(JupyterServer):
    """``make demo`` itself, in the checkout, with this test's port and token and its own Jupyter directories."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.root_dir = REPO_ROOT  # make -C runs jupyter in the checkout: the notebook paths are the repo's

    def write_config(self) -> None:
        root = self.root_dir
        self.root_dir = self.base_dir / "root"  # the parent creates every directory; never create inside the repo
        super().write_config()
        self.root_dir = root

    def command(self) -> list[str]:
        return ["make", "-C", str(REPO_ROOT), "--no-print-directory", "demo",
                f"DEMO_ARGS=--port {self.port} --ServerApp.token={self.token} --ServerApp.port_retries=0"]


def test_make_demo_prints_and_serves_the_quickstart_notebook(browser_context: Any,
                                                            tmp_path_factory: pytest.TempPathFactory) -> None:
    demo = MakeDemo(tmp_path_factory.mktemp("make-demo"))
    with demo:
        deadline = time.monotonic() + 30
        printed = None
        while printed is None and time.monotonic() < deadline:
            printed = re.search(r"http://127\.0\.0\.1:\d+/lab/tree/\S+", demo.log_tail(20_000))
            time.sleep(0.25)
        assert printed, f"make demo printed no notebook URL:\n{demo.log_tail()}"
        url = printed.group(0)
        assert url.startswith(f"{demo.url}/lab/tree/{DEMO_NOTEBOOK}?token="), url
        page = browser_context.new_page()
        try:
            # A token given on the command line is printed as "token=..." (a generated one in full): use ours.
            page.goto(url.split("?")[0] + f"?token={demo.token}")
            try:
                page.locator(".jp-NotebookPanel").first.wait_for(timeout=60_000)
            finally:
                page.screenshot(path=str(demo.base_dir / "make-demo.png"))
            current_tab = page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current").first
            assert Path(DEMO_NOTEBOOK).name in current_tab.inner_text()
            assert page.locator(".jp-Launcher").count() == 0, "make demo opened the Launcher"
        finally:
            page.close()
