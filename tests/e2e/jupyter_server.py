"""Starts an isolated JupyterLab 4 or Notebook 7 server for one test session, and stops it cleanly.

Every server gets its own config, data, runtime, IPython and settings directories, so nothing from the machine's
own Jupyter setup (themes, workspaces, open tabs, extensions) leaks into a test, and the tests leave nothing behind.
``JUPYTER_PATH`` still points at the venv's ``share/jupyter``, where the widget front ends (ipywidgets, anywidget)
and the default ``python3`` kernel spec live. That spec's ``argv[0]`` is ``"python"``, which jupyter_client
replaces with the server's own interpreter: the kernel runs this venv's Python, which has lrwidget installed
editable (the notebook driver checks ``sys.executable`` in the kernel).
"""
from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from .server_process import ServerProcess

#: The announcements plugin fetches news and shows a toast that covers the page; it has nothing to test.
DISABLED_EXTENSIONS = {"@jupyterlab/apputils-extension:announcements": True}
DARK_THEME = "JupyterLab Dark"
LIGHT_THEME = "JupyterLab Light"


def free_port() -> int:
    """A TCP port that nothing listens on right now (the OS picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def venv_jupyter_path() -> Path:
    """The ``share/jupyter`` of the interpreter running the tests (the venv's)."""
    return Path(sys.prefix) / "share" / "jupyter"


@dataclass
class JupyterServer(ServerProcess):
    """One ``jupyter lab`` or ``jupyter notebook`` process in its own directories under ``base_dir``.

    Args:
        base_dir: an empty directory; the server's root (where notebooks go) is ``base_dir / "root"``.
        app: ``"lab"`` (JupyterLab 4) or ``"notebook"`` (Notebook 7).
        theme: the theme the page starts in, written as a user setting before the server starts.
        python_path: directories put first on ``PYTHONPATH`` (the kernel inherits it), e.g. the checkout, so the
            kernel imports this lrwidget whether or not it is installed in the venv.
    """

    base_dir: Path
    app: str = "lab"
    theme: str = LIGHT_THEME
    python_path: tuple[Path, ...] = ()
    port: int = field(default_factory=free_port)
    token: str = field(default_factory=lambda: secrets.token_hex(16))
    process: subprocess.Popen | None = None
    #: The values ``app`` may take (a subclass serving another app names its own).
    APPS: ClassVar[tuple[str, ...]] = ("lab", "notebook")

    def __post_init__(self) -> None:
        if self.app not in self.APPS:
            raise ValueError(f"app must be one of {self.APPS}, got {self.app!r}")
        self.root_dir = self.base_dir / "root"
        self.config_dir = self.base_dir / "config"
        self.data_dir = self.base_dir / "data"
        self.runtime_dir = self.base_dir / "runtime"
        self.ipython_dir = self.base_dir / "ipython"
        self.settings_dir = self.base_dir / "lab-user-settings"
        self.workspaces_dir = self.base_dir / "lab-workspaces"
        self.log_path = self.base_dir / f"jupyter-{self.app}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def page_url(self, notebook_name: str) -> str:
        """The URL that opens ``notebook_name`` (relative to the root dir) in this server's UI."""
        path = f"lab/tree/{notebook_name}" if self.app == "lab" else f"notebooks/{notebook_name}"
        return f"{self.url}/{path}?token={self.token}"

    # ----- setup -----------------------------------------------------------------------------------------------
    def environment(self) -> dict[str, str]:
        """The process environment: the caller's, with every Jupyter directory pointed into ``base_dir``."""
        env = dict(os.environ)
        env.update(
            JUPYTER_CONFIG_DIR=str(self.config_dir),
            JUPYTER_DATA_DIR=str(self.data_dir),
            JUPYTER_RUNTIME_DIR=str(self.runtime_dir),
            IPYTHONDIR=str(self.ipython_dir),
            JUPYTERLAB_SETTINGS_DIR=str(self.settings_dir),
            JUPYTERLAB_WORKSPACES_DIR=str(self.workspaces_dir),
            JUPYTER_PATH=str(venv_jupyter_path()),
            PYTHONUNBUFFERED="1",
        )
        env.pop("JUPYTER_PREFER_ENV_PATH", None)
        if self.python_path:
            inherited = [env["PYTHONPATH"]] if env.get("PYTHONPATH") else []
            env["PYTHONPATH"] = os.pathsep.join([*map(str, self.python_path), *inherited])
        return env

    def write_config(self) -> None:
        """page_config.json (disabled extensions) and the theme user setting."""
        for directory in (self.root_dir, self.config_dir, self.data_dir, self.runtime_dir, self.ipython_dir,
                          self.settings_dir, self.workspaces_dir):
            directory.mkdir(parents=True, exist_ok=True)
        labconfig = self.config_dir / "labconfig"
        labconfig.mkdir(parents=True, exist_ok=True)
        # Read by jupyterlab_server for both Lab and Notebook 7, unlike the LabApp-only --LabApp.news_url option,
        # which `jupyter notebook` does not know.
        (labconfig / "page_config.json").write_text(json.dumps({"disabledExtensions": DISABLED_EXTENSIONS}))
        self.write_user_setting("@jupyterlab/apputils-extension", "themes", {"theme": self.theme})

    def write_user_setting(self, package: str, plugin: str, values: dict) -> None:
        """Writes ``<settings dir>/<package>/<plugin>.jupyterlab-settings``, as Lab's settings editor would."""
        path = self.settings_dir / package / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values, indent=2))

    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "jupyter", self.app,
            "--no-browser", "--ip", "127.0.0.1", "--port", str(self.port),
            f"--ServerApp.token={self.token}", "--allow-root", f"--ServerApp.root_dir={self.root_dir}",
            "--ServerApp.port_retries=0",
        ]

    # ----- life cycle ------------------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return f"jupyter {self.app}"

    def prepare(self) -> Path:
        self.write_config()
        return self.root_dir

    def ready(self) -> bool:
        """Whether the server answers requests yet."""
        return self.api_get("/api/status") is not None

    # ----- REST ------------------------------------------------------------------------------------------------
    def api_get(self, path: str, timeout_s: float = 5.0) -> dict | list | None:
        """GETs a REST endpoint with the token; None if the server does not answer (yet)."""
        try:
            with urllib.request.urlopen(f"{self.url}{path}?token={self.token}", timeout=timeout_s) as response:
                return json.loads(response.read() or b"{}")
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return None
