"""Serves one notebook with ``voila`` for a browser test: the dashboard a teaching session shows, cells hidden.

Voila runs every cell of the notebook in a fresh kernel when the page is requested and shows only the outputs. The
page talks to that kernel through the same widget front ends as JupyterLab (the federated extensions in the venv's
``share/jupyter/labextensions``), so the widget's DOM test hooks work unchanged. The server inherits everything else
from :class:`~.jupyter_server.JupyterServer`: its own Jupyter directories, the checkout on ``PYTHONPATH``, the log,
the process group that teardown ends.
"""
from __future__ import annotations

import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import ClassVar, Self

import pytest

from .browser import running_in_ci
from .jupyter_server import JupyterServer

INSTALL_HINT = "pip install -e '.[e2e]' -c constraints.txt (it brings voila)"


def require_voila() -> None:
    """Skips the test when voila is not installed; fails it in CI, where a missing server must not pass silently."""
    try:
        import voila  # noqa: F401  (the server runs as `python -m voila`: importable is what it needs)
    except ImportError:
        message = f"voila is not installed in {sys.prefix}; install it with: {INSTALL_HINT}"
        if running_in_ci():
            pytest.fail(f"the Voila browser test cannot run in CI: {message}", pytrace=False)
        pytest.skip(message)


@dataclass
class VoilaServer(JupyterServer):
    """``voila <notebook>`` on a free port, with a token, in the light or dark Voila theme.

    Args (beyond :class:`JupyterServer`'s):
        notebook: the notebook's file name in ``root_dir``; the page at ``/`` runs it.
        theme: ``"light"`` or ``"dark"`` (voila's ``--theme``).
    """

    app: str = "voila"
    theme: str = "light"
    notebook: str = "dashboard.ipynb"
    APPS: ClassVar[tuple[str, ...]] = ("voila",)

    def write_config(self) -> None:
        # Voila has no user settings to write (its theme is a flag), only the directories.
        for directory in (self.root_dir, self.config_dir, self.data_dir, self.runtime_dir, self.ipython_dir,
                          self.settings_dir, self.workspaces_dir):
            directory.mkdir(parents=True, exist_ok=True)

    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "voila", self.notebook,
            "--no-browser", "--Voila.ip=127.0.0.1", f"--port={self.port}", "--Voila.port_retries=0",
            f"--token={self.token}", f"--theme={self.theme}", f"--Voila.root_dir={self.root_dir}",
            "--show_tracebacks=True",
        ]

    def ready(self) -> bool:
        # Voila has no /api/status, and its page starts a kernel: any HTTP answer from its static route (a 403 for
        # a missing file) says it listens.
        try:
            with urllib.request.urlopen(f"{self.url}/voila/static/ready", timeout=5):
                return True
        except urllib.error.HTTPError:
            return True
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def start(self, timeout_s: float = 60.0) -> Self:
        require_voila()
        return super().start(timeout_s)

    def page_url(self, notebook_name: str = "") -> str:
        """The dashboard's URL (voila serves its one notebook at ``/``)."""
        return f"{self.url}/?token={self.token}"
