"""Headless Chromium for the browser tests: Debian's build, driven by Playwright's sync API.

Playwright cannot download its own browsers on these machines, so it launches the system Chromium through
``executable_path``, with a fresh profile directory and flags that keep it off the network and the GPU.
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM_PATH = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # the machines run as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 1000}
INSTALL_HINT = ("apt-get update && apt-get install -y chromium "
                "(Debian's package; `playwright install` cannot download here)")


def running_in_ci() -> bool:
    """CI sets ``CI`` to a non-empty value; a missing browser there is a failure, not a skip."""
    return bool(os.environ.get("CI"))


def require_chromium() -> Path:
    """The Chromium binary; skips the test (fails it in CI) when Chromium or Playwright is missing."""
    problems = []
    if not (CHROMIUM_PATH.exists() and os.access(CHROMIUM_PATH, os.X_OK)):
        problems.append(f"Chromium is not installed at {CHROMIUM_PATH}; install it with: {INSTALL_HINT}")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problems.append("Playwright is not installed; install it with: pip install -e '.[e2e]' -c constraints.txt")
    if problems:
        message = "; ".join(problems)
        if running_in_ci():
            pytest.fail(f"browser tests cannot run in CI: {message}", pytrace=False)
        pytest.skip(message)
    return CHROMIUM_PATH


@contextmanager
def chromium_context(profile_dir: Path) -> Iterator[object]:
    """A persistent Chromium context (Playwright ``BrowserContext``) in ``profile_dir``; closed on exit."""
    from playwright.sync_api import sync_playwright

    executable = require_chromium()
    profile_dir.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            user_data_dir=str(profile_dir),
            executable_path=str(executable),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport=VIEWPORT,
        )
        try:
            yield context
        finally:
            context.close()
            shutil.rmtree(profile_dir, ignore_errors=True)
