"""A page that renders widgets the way VS Code does: its own ipywidgets 8 renderer against a live Jupyter kernel.

VS Code's notebook renderer for widgets is the npm package ``@vscode/jupyter-ipywidgets8`` (a webpack bundle whose
``activate()`` installs ``window.vscIPyWidgets8``; its ``load()`` defines ``@jupyter-widgets/base``, ``controls``
and ``output`` in require.js and exposes ``window.vscIPyWidgets.WidgetManager``). Inside VS Code that manager is given
a ``ProxyKernel``: a ``@jupyterlab/services`` KernelConnection whose WebSocket is swapped for postMessage to the
extension host (vscode-jupyter ``src/webviews/webview-side/ipywidgets/kernel/kernel.ts``). The page built here
(``vscode_host/host.html`` and ``host.js``) gives the same manager a plain KernelConnection over a real WebSocket to
a local Jupyter server instead, and serves widget front ends (anywidget, bqplot, bqscales) from the kernel's
nbextension files, as VS Code's "local" widget script source does.

The page comes from a small HTTP server of its own on 127.0.0.1 (:class:`HostPageServer`), like VS Code's webview it
is not the Jupyter server's origin, so the Jupyter server lets that one origin in (:class:`CorsJupyterServer`).
(Answering the page through Playwright's request routing instead makes Chromium treat it as a public address, and
its Local Network Access checks then block the WebSocket to 127.0.0.1.)
"""
from __future__ import annotations

import html
import json
import mimetypes
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from string import Template
from typing import Any

from .jupyter_server import JupyterServer, venv_jupyter_path
from .notebook_driver import poll

REPO_ROOT = Path(__file__).resolve().parents[2]
JS_DIR = REPO_ROOT / "js"
ASSETS = Path(__file__).resolve().parent / "vscode_host"
RENDERER_BUNDLE = JS_DIR / "node_modules" / "@vscode" / "jupyter-ipywidgets8" / "dist" / "ipywidgets.js"
ESBUILD = JS_DIR / "node_modules" / ".bin" / "esbuild"
JSON_PREFIX = "LRW-JSON:"
HOST_TIMEOUT_S = 120.0

# VS Code's default themes (microsoft/vscode extensions/theme-defaults/themes/light_modern.json and dark_modern.json;
# colours those files leave out, charts.blue, editorWidget.border and editorWarning.foreground, are the defaults of
# src/vs/platform/theme/common/colors/). The webview sees them as --vscode-* variables on <html>.
VSCODE_THEMES: dict[str, dict[str, str]] = {
    "vscode-light": {
        "--vscode-editor-background": "#ffffff", "--vscode-editor-foreground": "#3b3b3b",
        "--vscode-descriptionForeground": "#3b3b3b", "--vscode-focusBorder": "#005fb8",
        "--vscode-button-background": "#005fb8", "--vscode-button-foreground": "#ffffff",
        "--vscode-button-secondaryBackground": "#e5e5e5", "--vscode-button-secondaryForeground": "#3b3b3b",
        "--vscode-editorWidget-border": "#e5e5e5", "--vscode-charts-blue": "#1a85ff",
        "--vscode-errorForeground": "#f85149", "--vscode-editorWarning-foreground": "#bf8803",
        "--vscode-font-family": "system-ui, sans-serif", "--vscode-font-size": "13px",
    },
    "vscode-dark": {
        "--vscode-editor-background": "#1f1f1f", "--vscode-editor-foreground": "#cccccc",
        "--vscode-descriptionForeground": "#9d9d9d", "--vscode-focusBorder": "#0078d4",
        "--vscode-button-background": "#0078d4", "--vscode-button-foreground": "#ffffff",
        "--vscode-button-secondaryBackground": "#00000000", "--vscode-button-secondaryForeground": "#cccccc",
        "--vscode-editorWidget-border": "#454545", "--vscode-charts-blue": "#3794ff",
        "--vscode-errorForeground": "#f85149", "--vscode-editorWarning-foreground": "#cca700",
        "--vscode-font-family": "system-ui, sans-serif", "--vscode-font-size": "13px",
    },
}


def missing_prerequisites() -> list[str]:
    """What the page needs and this checkout lacks, each with how to get it."""
    problems = []
    for path in (RENDERER_BUNDLE, ESBUILD):
        if not path.exists():
            problems.append(f"{path} is missing; install it with: cd js && npm ci")
    for name in ("anywidget", "bqplot", "bqscales"):
        if not (venv_jupyter_path() / "nbextensions" / name / "index.js").is_file():
            problems.append(f"the {name} nbextension is missing from {venv_jupyter_path()}; pip install {name}")
    return problems


def build_services_bundle(out_dir: Path) -> Path:
    """``@jupyterlab/services`` (KernelManager, ServerConnection) bundled as one browser ES module."""
    out = out_dir / "services.js"
    subprocess.run(
        [str(ESBUILD), "--bundle", "--format=esm", "--platform=browser", "--log-level=warning", f"--outfile={out}"],
        input='export { KernelManager, ServerConnection } from "@jupyterlab/services";', text=True,
        cwd=JS_DIR, check=True, capture_output=True, timeout=120)
    return out


class CorsJupyterServer(JupyterServer):
    """A :class:`JupyterServer` that accepts REST and WebSocket calls from the page's origin as well as its own."""

    allow_origin: str = ""

    def command(self) -> list[str]:
        if not self.allow_origin:
            raise ValueError("CorsJupyterServer.allow_origin is empty: set it to the page's origin before start()")
        return [*super().command(), f"--ServerApp.allow_origin={self.allow_origin}"]


class _PageHandler(BaseHTTPRequestHandler):
    """Answers GETs from ``server.pages`` (path -> bytes) and ``server.files`` (path -> local file)."""

    server: HostPageServer

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0].lstrip("/")
        if path == "favicon.ico":  # the browser asks for one; a 404 would read as a console error
            self.send_response(204)
            self.end_headers()
            return
        body = self.server.pages.get(path)
        if body is None:
            local = self.server.local_file(path)
            body = local.read_bytes() if local is not None else None
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        self.server.served.append(path)
        self.send_response(200)
        self.send_header("Content-Type", mimetypes.guess_type(path)[0] or "text/javascript")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class HostPageServer(ThreadingHTTPServer):
    """Serves the host page, its scripts and the kernel's widget nbextensions on a free port of 127.0.0.1."""

    def __init__(self, services_bundle: Path) -> None:
        super().__init__(("127.0.0.1", 0), _PageHandler)
        self.pages: dict[str, bytes] = {}
        self.files = {"host.js": ASSETS / "host.js", "ipywidgets8.js": RENDERER_BUNDLE, "services.js": services_bundle,
                      "require.js": JS_DIR / "node_modules" / "requirejs" / "require.js"}
        self.served: list[str] = []
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def local_file(self, path: str) -> Path | None:
        """The file for ``path``: a host script, or ``nbextensions/<name>/...`` from the venv's share/jupyter."""
        if path in self.files:
            return self.files[path]
        if path.startswith("nbextensions/"):
            root = (venv_jupyter_path() / "nbextensions").resolve()
            candidate = (root / path.removeprefix("nbextensions/")).resolve()
            if candidate.is_relative_to(root) and candidate.is_file():
                return candidate
        return None

    def __enter__(self) -> HostPageServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown()
        self.server_close()


class VsCodeWebview:
    """One page hosting VS Code's widget renderer on a fresh kernel of ``server``, in a VS Code theme.

    It offers what :class:`~tests.e2e.widget_probe.WidgetProbe` needs of a notebook (``page``, ``cell``,
    ``execute``, ``evaluate``): every widget the kernel displays renders into ``#lrw-outputs``.
    """

    def __init__(self, page: Any, pages: HostPageServer, server: JupyterServer, theme: str, width_px: int = 900
                 ) -> None:
        if theme not in VSCODE_THEMES:
            raise ValueError(f"theme must be one of {sorted(VSCODE_THEMES)}, got {theme!r}")
        self.page = page
        style = "; ".join(f"{name}: {value}" for name, value in VSCODE_THEMES[theme].items())
        config = {"baseUrl": f"{server.url}/", "token": server.token, "nbextensions": "nbextensions"}
        self.name = f"host-{theme}-{width_px}.html"
        pages.pages[self.name] = Template((ASSETS / "host.html").read_text()).substitute(
            THEME_STYLE=html.escape(style), THEME_CLASS=theme, WIDTH=width_px,
            CONFIG=json.dumps(config).replace("</", "<\\/")).encode()
        self.url = f"{pages.origin}/{self.name}"

    def open(self, timeout_s: float = HOST_TIMEOUT_S) -> VsCodeWebview:
        """Opens the page and waits until its kernel is connected and the renderer's manager exists."""
        self.page.goto(self.url)
        self.page.wait_for_function("() => window.lrwHost !== undefined", timeout=timeout_s * 1000)
        return self

    # ----- what WidgetProbe needs of a notebook ----------------------------------------------------------------
    def cell(self, index: int) -> Any:
        """Every output is in one place: the page's outputs element."""
        return self.page.locator("#lrw-outputs")

    def execute(self, code: str, timeout_s: float = HOST_TIMEOUT_S, check: bool = True) -> str:
        """Runs ``code`` on the page's kernel (widgets it displays render in the page); returns its text output."""
        reply: dict[str, str] = self.page.evaluate(
            "([code, ms]) => Promise.race([window.lrwHost.execute(code), new Promise((_, fail) => setTimeout("
            "() => fail(new Error(`no reply from the kernel within ${ms} ms`)), ms))])", [code, timeout_s * 1000])
        if check and reply["status"] != "ok":
            raise AssertionError(f"the kernel failed on:\n{code}\n--- output ---\n{reply['text']}")
        return reply["text"]

    def evaluate(self, expression: str, setup: str = "", timeout_s: float = HOST_TIMEOUT_S) -> Any:
        """The value of a JSON-able Python ``expression`` in the kernel."""
        code = f"{setup}\nimport json as _lrw_json\nprint({JSON_PREFIX!r} + _lrw_json.dumps({expression}))".lstrip()
        output = self.execute(code, timeout_s)
        for line in output.splitlines():
            if line.startswith(JSON_PREFIX):
                return json.loads(line[len(JSON_PREFIX):])
        raise AssertionError(f"no JSON line in the output of:\n{code}\n--- output ---\n{output}")

    def host_errors(self) -> list[str]:
        """What the renderer's script loader or renderWidget reported as failures."""
        errors: list[str] = self.page.evaluate("() => [...window.lrwHost.errors]")
        return errors

    def wait_idle(self, timeout_s: float = 30.0) -> None:
        """Waits until the kernel reports idle (the page's connection sees its status)."""
        poll(lambda: self.page.evaluate("() => window.lrwHost.kernel.status") == "idle", timeout_s, 0.1,
             "the kernel did not go idle")
