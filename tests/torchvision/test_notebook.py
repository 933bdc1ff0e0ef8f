"""Notebook 05 executed for real in the torchvision lane: the notebook that the main venv's test leaves out."""
from __future__ import annotations

from pathlib import Path

import pytest

from ..test_notebooks import TORCHVISION_NOTEBOOKS, execute_notebook
from .resnets import require_torchvision

torchvision = require_torchvision()


def test_the_lane_runs_the_notebook_the_main_suite_leaves_out():
    assert [path.name for path in TORCHVISION_NOTEBOOKS] == ["05_torchvision_resnet.ipynb"]


@pytest.mark.parametrize("path", TORCHVISION_NOTEBOOKS, ids=[p.stem for p in TORCHVISION_NOTEBOOKS])
def test_the_torchvision_notebook_runs_for_real(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CI", "true")  # the kernel inherits it: a torchvision that cannot import is an error there
    outputs = execute_notebook(path, tmp_path)
    assert "Skipping" not in outputs and "Traceback" not in outputs
    assert f"torchvision {torchvision.__version__} on torch" in outputs
    assert "weights and BatchNorm statistics exactly as before the range test: True" in outputs
    assert "fine_tune: 2 epochs" in outputs
