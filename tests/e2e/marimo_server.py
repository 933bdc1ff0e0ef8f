"""Serves a marimo app with ``marimo run`` for one test module, in its own home and config, and stops it cleanly.

The server gets a fresh ``HOME`` and ``XDG_CONFIG_HOME`` holding only a ``marimo.toml`` with the theme, so nothing from
the machine's marimo setup leaks in. It runs without a token (``--no-token``) on a free port of 127.0.0.1, never
sandboxed (``--no-sandbox``: no uv, no downloads), with the checkout first on ``PYTHONPATH``, so the app imports this
lrwidget. Each page that opens the app starts a session of its own: the app runs afresh for every page.
"""
from __future__ import annotations

import os
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .browser import running_in_ci
from .jupyter_server import free_port
from .server_process import ServerProcess

THEMES = ("light", "dark", "system")


def require_marimo() -> None:
    """Skips the test (fails it in CI) when marimo is not installed."""
    try:
        import marimo  # noqa: F401
    except ImportError:
        message = "marimo is not installed; install it with: pip install -e '.[e2e]' -c constraints.txt"
        if running_in_ci():
            pytest.fail(f"the marimo browser test cannot run in CI: {message}", pytrace=False)
        pytest.skip(message)


@dataclass
class MarimoServer(ServerProcess):
    """One ``marimo run <app>`` process, its files under ``base_dir``.

    Args:
        app: the marimo app (a ``.py`` file).
        base_dir: an empty directory for the server's home, config and log.
        theme: marimo's display theme, ``"light"``, ``"dark"`` or ``"system"``.
        app_args: the app's own command-line arguments (``mo.cli_args()``), after ``--``.
        python_path: directories put first on ``PYTHONPATH`` (the app's kernel inherits it).
    """

    app: Path
    base_dir: Path
    theme: str = "light"
    app_args: tuple[str, ...] = ()
    python_path: tuple[Path, ...] = ()
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    def __post_init__(self) -> None:
        if self.theme not in THEMES:
            raise ValueError(f"theme must be one of {THEMES}, got {self.theme!r}")
        self.home = self.base_dir / "home"
        self.config_home = self.base_dir / "config"
        self.log_path = self.base_dir / "marimo-run.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        env = dict(os.environ, HOME=str(self.home), XDG_CONFIG_HOME=str(self.config_home), PYTHONUNBUFFERED="1")
        if self.python_path:
            inherited = [env["PYTHONPATH"]] if env.get("PYTHONPATH") else []
            env["PYTHONPATH"] = os.pathsep.join([*map(str, self.python_path), *inherited])
        return env

    def command(self) -> list[str]:
        return [sys.executable, "-m", "marimo", "run", str(self.app), "--headless", "--host", "127.0.0.1",
                "--port", str(self.port), "--no-token", "--no-sandbox", "--", *self.app_args]

    @property
    def name(self) -> str:
        return "marimo run"

    def prepare(self) -> Path:
        (self.config_home / "marimo").mkdir(parents=True, exist_ok=True)
        self.home.mkdir(parents=True, exist_ok=True)
        (self.config_home / "marimo" / "marimo.toml").write_text(f'[display]\ntheme = "{self.theme}"\n')
        return self.base_dir

    def ready(self) -> bool:
        return self.answers("/health")

    def answers(self, path: str, timeout_s: float = 5.0) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}{path}", timeout=timeout_s) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False
