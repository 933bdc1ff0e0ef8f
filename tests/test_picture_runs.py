"""The static picture of several runs (``w.to_svg()``, the notebook's ``image/svg+xml``): every visible kept run in
its colour with a legend, the selected run's validation curve and repeats' band, and the same runs as the page's SVG
download (js/tests/view-picture.test.js reads the same fixture, tests/fixtures/picture_runs.json)."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from lrwidget import LRWidget
from lrwidget.widget.picture.layers import ACCENT
from lrwidget.widget.picture.palette import run_color, run_palette, valid_color
from lrwidget.widget.static_picture import state_svg

from .picture_fixture import FIXTURE, picture_widget, synthetic, view_state
from .test_static_picture import shell  # noqa: F401 (a fixture)
from .test_widget import make_learner

SVG = "{http://www.w3.org/2000/svg}"
KEY = ("per-batch loss", "smoothed loss (fastai)")
JS_SRC = Path(__file__).resolve().parents[1] / "js" / "src"


def drawn(svg: str) -> dict[str, Any]:
    """What a picture shows, read as js/tests/view-picture.test.js reads the page's download."""
    root = ET.fromstring(svg)
    (legend,) = [g for g in root.iter(f"{SVG}g") if g.get("class") == "lrw-legend"]
    labels = [text.text or "" for text in legend.iter(f"{SVG}text")]
    return {
        "run_paths": sorted({e.get("data-lrw-run-path", "") for e in root.iter() if e.get("data-lrw-run-path")}),
        "legend": [label for label in labels if not is_key(label)],
        "key": [label for label in labels if is_key(label)],
        "validation": any(e.get("d") for e in root.iter() if e.get("data-lrw-valid-curve") is not None),
        "band": any(e.get("d") for e in root.iter() if e.get("data-lrw-repeat-band") is not None),
    }


def is_key(label: str) -> bool:
    """Whether a label of the picture's legend is the key's (what the dots, lines and band are), not a run's."""
    return label in KEY or label.startswith("validation loss") or "lowest–highest" in label


def strokes(svg: str, run_id: str) -> set[str]:
    return {e.get("stroke", "") for e in ET.fromstring(svg).iter() if e.get("data-lrw-run-path") == run_id}


@pytest.fixture
def four_runs(tmp_path):
    w = picture_widget(tmp_path)
    yield w
    w.close()


def test_three_visible_runs_are_three_curves_in_their_colours_with_a_legend_and_the_hidden_one_is_not_drawn(four_runs):
    w = four_runs
    svg = w.to_svg()
    assert drawn(svg)["run_paths"] == ["run-1", "run-2", "run-3"] and "run-4" not in svg
    assert drawn(svg)["legend"] == ["frozen", "again", "unfrozen"]  # the overlaid runs, then the selected one
    for index, run_id in enumerate(["run-1", "run-2", "run-3"]):
        assert strokes(svg, run_id) == {run_palette()[index]}
    root = ET.fromstring(svg)
    assert [e.get("data-lrw-run-path") for e in root.iter() if e.get("class") == "lrw-curve"] == ["run-2"]
    assert [e.get("data-lrw-legend-run") for e in root.iter() if e.get("class") == "lrw-legend-run"] \
        == ["run-1", "run-3", "run-2"]
    assert len([e for e in root.iter() if e.get("class") == "lrw-marker"]) >= 1
    assert {e.get("data-handle") for e in root.iter() if e.get("class") == "lrw-handle"} <= {"lo", "hi", "lr"}
    assert int(root.get("height", "0")) > 340, "the legend sits below the chart"
    w.set_run_visible("hidden", True)
    w.set_run_visible("frozen", False)
    assert drawn(w.to_svg())["legend"] == ["again", "hidden", "unfrozen"]


def test_the_validation_curve_and_the_band_are_drawn_for_the_run_that_has_them(four_runs):
    w = four_runs
    svg = w.to_svg()
    assert drawn(svg)["validation"] and drawn(svg)["band"]
    root = ET.fromstring(svg)
    (valid,) = [e for e in root.iter() if e.get("data-lrw-valid-curve") is not None]
    assert valid.get("stroke") == valid_color() and valid.get("stroke-dasharray")
    assert valid.get("d", "").count("L") == 120 // 10 - 1  # a point every 10 steps
    assert "validation loss (every 10 steps)" in [t.text for t in root.iter(f"{SVG}text")]
    assert [e for e in root.iter() if e.get("class") == "lrw-pick-spread"], "the repeats' spread under the markers"
    w.selected_run = "frozen"
    assert not drawn(w.to_svg())["validation"] and not drawn(w.to_svg())["band"]
    assert "validation loss" not in w.to_svg()


def test_one_run_has_the_key_but_no_legend_and_keeps_the_accent_colour():
    w = LRWidget(make_learner(), num_it=30, autostart=False, preview=None)
    try:
        w.add_run(synthetic(0.4), label="only")
        svg = w.to_svg()
        assert drawn(svg)["legend"] == [] and drawn(svg)["run_paths"] == ["run-1"]
        assert strokes(svg, "run-1") == {ACCENT}
        assert all(key in svg for key in KEY)
        w.add_run(synthetic(0.6), label="second")
        assert strokes(w.to_svg(), "run-2") == {run_color(1)}  # with two runs drawn the main curve takes its colour
    finally:
        w.close()


def test_the_notebook_picture_is_the_same_drawing(four_runs):
    w = four_runs
    picture = w._repr_mimebundle_()["image/svg+xml"]
    assert drawn(picture) == drawn(w.to_svg())
    assert "4 runs kept" in w._repr_mimebundle_()["text/plain"]


def test_a_run_of_repeats_draws_its_band_after_the_run():
    w = LRWidget(make_learner(), num_it=20, autostart=False, preview=None)
    try:
        w.run(label="three", repeats=3)
        w.wait(timeout=120)
        svg = w.to_svg()
        assert drawn(svg)["band"] and drawn(svg)["run_paths"] == ["run-1"]
        ET.fromstring(svg)
    finally:
        w.close()


def test_the_page_download_and_to_svg_show_the_same_runs_of_the_shared_fixture(tmp_path):
    fixture = json.loads(FIXTURE.read_text(encoding="utf-8"))
    assert drawn(state_svg(fixture["state"])) == fixture["drawn"]
    w = picture_widget(tmp_path)
    try:
        assert drawn(w.to_svg()) == fixture["drawn"]
        # The fixture is this widget's state (regenerate it with `python -m tests.picture_fixture` if not).
        state = view_state(w)
        for name in ("runs", "hidden_runs", "selected_run", "visible_markers"):
            assert fixture["state"][name] == state[name], name
        assert set(fixture["state"]["run_curves"]) == set(state["run_curves"])
        assert bool(fixture["state"]["band"]) and "valid_losses" in fixture["state"]["curve"]
    finally:
        w.close()


def test_the_run_colours_are_the_views_own():
    css = (JS_SRC / "runs.css").read_text(encoding="utf-8")
    light = css[css.index(".lrw-root {"):css.index("}", css.index(".lrw-root {"))]
    assert run_palette() == tuple(re.findall(r"--lrw-run-\d+:\s*(#[0-9a-f]{6})", light))
    assert len(run_palette()) == 8 and run_color(8) == run_color(0)
    assert f"--lrw-valid: {valid_color()}" in (JS_SRC / "validation.css").read_text(encoding="utf-8")


def test_a_displayed_widgets_picture_shows_both_runs_after_the_second_ends(shell):  # noqa: F811 (the fixture)
    from IPython.display import display

    learn = make_learner()
    learn.freeze()
    w = LRWidget(learn, num_it=30, preview=None)
    try:
        w.wait(timeout=60)
        display(w)
        learn.unfreeze()
        w.run()
        w.wait(timeout=60)
        # The update sent when the run ended (the kept run is selected before the status leaves "running").
        last = shell.display_pub.outputs[-1]
        assert last["update"]
        assert drawn(last["data"]["image/svg+xml"])["legend"] == ["frozen", "unfrozen"]
        assert drawn(last["data"]["image/svg+xml"])["run_paths"] == ["run-1", "run-2"]
    finally:
        w.close()


def test_while_a_test_runs_the_live_curve_is_drawn_over_every_visible_kept_run(four_runs):
    state = {**view_state(four_runs), "status": "running", "selected_run": "", "curve": {}}
    svg = state_svg(state)
    assert drawn(svg)["run_paths"] == ["run-1", "run-2", "run-3"]  # every visible kept run is overlaid
    assert drawn(svg)["legend"] == ["frozen", "unfrozen", "again", "running"]
    assert not drawn(svg)["band"], "the band belongs to the run shown before"
