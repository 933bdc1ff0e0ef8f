"""The one marker registry: every list of markers derives from it, and the view receives it as ``marker_registry``."""
from __future__ import annotations

import dataclasses
import functools
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import traitlets

from lrwidget.suggest import markers as registry
from lrwidget.suggest import minimum, slide, steep, suggest_lrs, sweetspot, valley
from lrwidget.suggest.markers import (
    DEFAULT_HANDLE_METHOD,
    MARKERS,
    MARKERS_BY_NAME,
    handle_default_lr,
    marker_registry_state,
    marker_suggestions,
)
from lrwidget.suggest.sweetspot import TIP as SWEETSPOT_TIP
from lrwidget.widget.view import MARKER_NAMES, LRCurveView

from .test_layers import PACKAGE, _imported_modules

NUM_IT = 100
TRAIT_KEYS = {"name", "tip", "color_index", "shown_by_default", "is_handle_default"}


def lr_find_like_curve() -> tuple[np.ndarray, np.ndarray]:
    """A range-test-shaped curve: flat, falling, then diverging, with a little noise."""
    log_lrs = np.linspace(-7, 1, NUM_IT)
    losses = 2.0 - 1.5 / (1 + np.exp(-3 * (log_lrs + 3))) + 0.3 * np.exp(2.5 * (log_lrs + 0.5))
    losses += np.random.default_rng(0).normal(0, 0.01, NUM_IT)
    return 10.0**log_lrs, losses


# ---------------------------------------------------------------- the registry


def test_the_registry_holds_every_marker_in_display_order() -> None:
    assert [marker.name for marker in MARKERS] == ["sweetspot", "valley", "steep", "minimum", "slide"]
    assert [marker.func for marker in MARKERS] == [sweetspot, valley, steep, minimum, slide]
    assert MARKERS_BY_NAME["sweetspot"].tip == SWEETSPOT_TIP


def test_sweetspot_is_the_handle_default_and_valley_is_shown_next_to_it() -> None:
    assert DEFAULT_HANDLE_METHOD == "sweetspot"
    assert [marker.name for marker in MARKERS if marker.is_handle_default] == ["sweetspot"]
    assert [marker.name for marker in MARKERS if marker.shown_by_default] == ["sweetspot", "valley", "steep"]


def test_colors_keep_the_palette_slot_each_marker_was_drawn_in() -> None:
    # steep, valley, minimum, slide: Dark2/Set2 slots 0-3 in the stylesheet; sweetspot was the "other" slot, 4.
    assert {marker.name: marker.color_index for marker in MARKERS} == {
        "steep": 0, "valley": 1, "minimum": 2, "slide": 3, "sweetspot": 4,
    }


def test_entries_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        MARKERS[0].name = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    "changes, message",
    [
        ({1: {"name": "sweetspot"}}, "names must be unique"),
        ({1: {"color_index": 4}}, "color_index values must be distinct"),
        ({1: {"color_index": -1}}, "color_index values must be distinct and >= 0"),
        ({0: {"is_handle_default": False}}, r"exactly one marker must be the hi handle's default, got \[\]"),
        ({1: {"is_handle_default": True}}, r"exactly one .* got \['sweetspot', 'valley'\]"),
    ],
)
def test_a_broken_registry_is_refused_with_what_is_wrong(changes: dict[int, dict[str, object]], message: str) -> None:
    edited = tuple(dataclasses.replace(marker, **changes.get(index, {})) for index, marker in enumerate(MARKERS))
    with pytest.raises(ValueError, match=message):
        registry._checked(edited)


def test_only_sweetspot_hears_the_planned_call() -> None:
    tuned = MARKERS_BY_NAME["sweetspot"].func_for("fine_tune")
    assert isinstance(tuned, functools.partial) and tuned.keywords == {"fine_tune": True}
    assert MARKERS_BY_NAME["sweetspot"].func_for("fit_one_cycle").keywords == {"fine_tune": False}
    assert MARKERS_BY_NAME["sweetspot"].func_for(None).keywords == {"fine_tune": False}
    assert MARKERS_BY_NAME["valley"].func_for("fine_tune") is valley


# ---------------------------------------------------------------- what derives from it


def test_marker_suggestions_run_every_registry_function_with_its_tip() -> None:
    lrs, losses = lr_find_like_curve()
    markers = marker_suggestions(lrs, losses, NUM_IT, raw_losses=losses, planned_call="fine_tune")
    assert list(markers) == list(MARKER_NAMES)
    for marker in MARKERS:
        expected = suggest_lrs(lrs, losses, NUM_IT, (marker.func_for("fine_tune"),), raw_losses=losses)
        assert markers[marker.name] == {
            "lr": expected[0], "point": list(expected.points[marker.name]), "tip": marker.tip,
        }
    plain = marker_suggestions(lrs, losses, NUM_IT, raw_losses=losses)
    assert plain["sweetspot"]["lr"] == pytest.approx(markers["sweetspot"]["lr"] / 2)  # fine_tune: twice the lr


def test_markers_that_cannot_answer_yet_are_left_out() -> None:
    lrs, losses = lr_find_like_curve()
    few = NUM_IT // 10 + 10 + 5  # fastai's window keeps 10 points: enough for all but slide, which needs 16
    markers = marker_suggestions(lrs[:few], losses[:few], NUM_IT)
    assert "slide" not in markers and {"valley", "steep", "minimum"} <= set(markers)


def test_the_hi_handle_starts_at_the_default_else_at_the_first_marker_that_answered() -> None:
    suggestions = {name: {"lr": float(index + 1)} for index, name in enumerate(MARKER_NAMES)}
    assert handle_default_lr(suggestions) == suggestions[DEFAULT_HANDLE_METHOD]["lr"]
    del suggestions[DEFAULT_HANDLE_METHOD]
    assert handle_default_lr(suggestions) == suggestions["valley"]["lr"]
    assert handle_default_lr({"minimum": {"lr": 3e-3}}) == 3e-3
    assert handle_default_lr({}) is None


def test_the_view_knows_the_registry_names_and_shows_its_defaults() -> None:
    view = LRCurveView()
    assert tuple(MARKERS_BY_NAME) == MARKER_NAMES
    assert view.visible_markers == [marker.name for marker in MARKERS if marker.shown_by_default]
    view.visible_markers = ["slide"]
    with pytest.raises(traitlets.TraitError, match=r"unknown marker\(s\) \['nope'\]"):
        view.visible_markers = ["nope"]


def test_the_view_syncs_the_registry_as_json_in_order() -> None:
    state = LRCurveView().get_state()["marker_registry"]
    assert json.loads(json.dumps(state)) == state == marker_registry_state()
    assert [entry["name"] for entry in state] == list(MARKER_NAMES)
    for entry, marker in zip(state, MARKERS, strict=True):
        assert set(entry) == TRAIT_KEYS
        assert entry == {"name": marker.name, "tip": marker.tip, "color_index": marker.color_index,
                         "shown_by_default": marker.shown_by_default, "is_handle_default": marker.is_handle_default}
        assert isinstance(entry["color_index"], int) and isinstance(entry["is_handle_default"], bool)


def test_the_registry_trait_cannot_be_changed_from_either_side(monkeypatch: pytest.MonkeyPatch) -> None:
    view = LRCurveView()
    with pytest.raises(traitlets.TraitError, match=r"marker_registry is fixed by lrwidget\.suggest\.markers\.MARKERS"):
        view.marker_registry = []
    resent: list[object] = []
    monkeypatch.setattr(view, "send_state", lambda keys=None: resent.append(keys))
    view.set_state({"marker_registry": [{"name": "valley"}]})
    assert view.marker_registry == marker_registry_state() and resent == [["marker_registry"]]


def test_each_view_gets_its_own_copy_of_the_registry() -> None:
    first = LRCurveView()
    first.marker_registry[0]["tip"] = "changed in place"
    assert LRCurveView().marker_registry == marker_registry_state()


# ---------------------------------------------------------------- imports


@pytest.mark.parametrize("module", ["lrwidget.suggest.fastai_methods", "lrwidget.suggest.sweetspot",
                                    "lrwidget.suggest.markers", "lrwidget.suggest"])
def test_each_suggest_module_imports_alone(module: str) -> None:
    completed = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True,
                               cwd=Path(__file__).resolve().parents[1], timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr[-2000:]


def test_suggest_modules_import_each_other_without_a_cycle() -> None:
    modules = {f"lrwidget.suggest.{path.stem}": path for path in (PACKAGE / "suggest").glob("*.py")
               if path.stem != "__init__"}
    imports = {name: {module for module in _imported_modules(path) if module.startswith("lrwidget.suggest")}
               for name, path in modules.items()}
    assert all("lrwidget.suggest" not in found for found in imports.values()), imports  # never the package itself
    visiting: set[str] = set()
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in visiting, f"import cycle: {' -> '.join((*path, name))}"
        if name in done:
            return
        visiting.add(name)
        for imported in imports.get(name, ()):
            visit(imported, (*path, name))
        visiting.discard(name)
        done.add(name)

    for name in modules:
        visit(name, ())
