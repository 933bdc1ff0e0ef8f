"""Every example notebook executes cleanly, top to bottom, in a real kernel (nbclient; no browser needed)."""
from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="the examples extra installs nbformat/nbclient")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "example_notebooks").glob("*.ipynb"))
# torchvision cannot import beside this venv's CPU torch, so these run in the torchvision lane instead
# (tests/torchvision/test_notebook.py, `make test-torchvision`, .venv-tv): not run here, and not counted as passed.
TORCHVISION_NOTEBOOKS = [path for path in NOTEBOOKS if path.stem == "05_torchvision_resnet"]


def test_there_are_example_notebooks():
    assert len(NOTEBOOKS) >= 5


def execute_notebook(path: Path, working_dir: Path) -> str:
    """Runs ``path`` top to bottom in a fresh kernel of this Python; returns the text its code cells printed."""
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(working_dir)}})
    client.execute()  # raises CellExecutionError, with the failing cell and traceback, on any error
    return "".join(output.get("text", "") for cell in notebook.cells if cell.cell_type == "code"
                   for output in cell.get("outputs", []))


MAIN_VENV_NOTEBOOKS = [path for path in NOTEBOOKS if path not in TORCHVISION_NOTEBOOKS]


@pytest.mark.parametrize("ci", [True, False], ids=["in CI", "outside CI"])
def test_the_torchvision_notebook_fails_in_ci_and_skips_with_its_reason_elsewhere_without_torchvision(
        ci: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # A torchvision that fails to import as PyPI's does beside a CPU torch, whatever this venv holds.
    fake = tmp_path / "fake" / "torchvision"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text('raise RuntimeError("operator torchvision::nms does not exist")\n')
    monkeypatch.setenv("PYTHONPATH", str(fake.parent))  # the kernel inherits the environment
    if ci:
        monkeypatch.setenv("CI", "true")
        with pytest.raises(nbclient.exceptions.CellExecutionError, match="in CI this notebook must run"):
            execute_notebook(TORCHVISION_NOTEBOOKS[0], tmp_path)
    else:
        monkeypatch.delenv("CI", raising=False)
        outputs = execute_notebook(TORCHVISION_NOTEBOOKS[0], tmp_path)
        assert "Skipping this notebook: torchvision cannot be imported here (RuntimeError: operator torchvision::nms"\
            in outputs


@pytest.mark.parametrize("path", MAIN_VENV_NOTEBOOKS, ids=[p.stem for p in MAIN_VENV_NOTEBOOKS])
def test_notebook_executes(path: Path, tmp_path: Path):
    outputs = execute_notebook(path, tmp_path)
    assert "Traceback" not in outputs
    if path.stem == "03_fastai":
        assert "identical curve: True" in outputs
    if path.stem == "01_quickstart":
        assert "model exactly as before the range test: True" in outputs
