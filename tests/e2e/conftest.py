"""Fixtures of the browser tests: one headless Chromium for the session, and where screenshots go.

Servers and notebooks are module fixtures in the test files (see :mod:`.widget_notebook`): the suite starts three
servers (Lab, Lab in the dark theme, Notebook 7) and one kernel in each, and stops each when its module is done.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .browser import chromium_context, require_chromium

SCREENSHOTS_ENV = "LRW_SCREENSHOTS"


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One headless Chromium (a persistent context in a fresh profile) for the whole session."""
    require_chromium()
    with chromium_context(tmp_path_factory.mktemp("chromium-profile")) as context:
        yield context


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the screenshots go: ``$LRW_SCREENSHOTS`` if set, else a pytest temporary directory."""
    configured = os.environ.get(SCREENSHOTS_ENV)
    directory = Path(configured) if configured else tmp_path_factory.mktemp("screenshots")
    directory.mkdir(parents=True, exist_ok=True)
    return directory
