"""The folders are the layers, and imports point down only: suggest ← engine ← train ← backends ← widget."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "lrwidget"
# Lowest first: a module may import its own layer and the layers before it, never one after it.
LAYERS = ["suggest", "engine", "train", "backends", "widget"]


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "lrwidget" and parts[1] in LAYERS else None


def _imported_modules(path: Path) -> list[str]:
    package = ".".join(("lrwidget", *path.relative_to(PACKAGE).with_suffix("").parts[:-1]))
    modules = []
    for node in ast.walk(ast.parse(path.read_text())):  # lazy imports inside functions count too
        if isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                modules.append(".".join(base + ([node.module] if node.module else [])))
            else:
                modules.append(node.module or "")
    return modules


def _layer_files() -> list[Path]:
    return [path for layer in LAYERS for path in sorted((PACKAGE / layer).rglob("*.py"))]


@pytest.mark.parametrize("path", _layer_files(), ids=lambda path: str(path.relative_to(PACKAGE)))
def test_imports_point_down_the_layers(path: Path) -> None:
    own = LAYERS.index(path.relative_to(PACKAGE).parts[0])
    upward = [module for module in _imported_modules(path)
              if (layer := _layer(module)) is not None and LAYERS.index(layer) > own]
    assert not upward, f"{path.relative_to(PACKAGE)} imports from a higher layer: {upward}"


def test_every_module_lives_in_a_layer() -> None:
    loose = sorted(path.name for path in PACKAGE.glob("*.py"))
    assert loose == ["__init__.py", "demo.py"], f"modules outside the layer folders: {loose}"


def test_the_check_catches_an_upward_import(tmp_path: Path) -> None:
    assert _layer("lrwidget.widget.view") == "widget" and _layer("lrwidget.demo") is None
    module = PACKAGE / "engine" / "rangetest.py"
    assert "lrwidget.suggest" in _imported_modules(module)
