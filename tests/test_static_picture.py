"""The static SVG picture of the curve: its content, its size, and that a displayed widget's picture follows the run."""
from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from IPython.core.displaypub import CapturingDisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

from lrwidget import LRWidget
from lrwidget.engine.plotting import MARKER_PALETTE
from lrwidget.suggest.markers import MARKERS, MARKERS_BY_NAME, marker_suggestions
from lrwidget.widget.static_picture import (
    BOTTOM,
    HEIGHT,
    LEFT,
    MAX_LINE_POINTS,
    RIGHT,
    TOP,
    WIDTH,
    curve_svg,
    loss_range,
)

from .test_widget import make_learner

SVG = "{http://www.w3.org/2000/svg}"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def synthetic_curve(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A range-test-like curve over 1e-7 … 10: flat, falling, then diverging; noisy raw losses."""
    rng = np.random.default_rng(seed)
    lrs = 1e-7 * 1e8 ** (np.arange(n) / (n - 1))
    x = np.log10(lrs)
    smoothed = 2.3 - 1.5 / (1 + np.exp(-(x + 3) * 2)) + np.exp((x - 0.3) * 3)
    return lrs, smoothed, smoothed + rng.normal(0, 0.15, n)


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def polylines(root: ET.Element) -> list[list[tuple[float, float]]]:
    return [[tuple(map(float, pair.split(","))) for pair in line.get("points", "").split()]  # type: ignore[misc]
            for line in root.iter(f"{SVG}polyline") if line.get("class") == "lrw-curve"]


def by_class(root: ET.Element, cls: str) -> list[ET.Element]:
    return [element for element in root.iter() if element.get("class") == cls]


def x_of(lr: float, lo: float = 1e-7, hi: float = 10.0) -> float:
    return LEFT + (math.log10(lr) - math.log10(lo)) / (math.log10(hi) - math.log10(lo)) * (WIDTH - LEFT - RIGHT)


def test_ten_thousand_points_make_one_decimated_polyline_under_30_kb():
    lrs, losses, raw = synthetic_curve(10_000)
    svg = curve_svg(lrs, losses, raw, markers=marker_suggestions(lrs, losses, 10_000, raw_losses=raw),
                    lr_lo=3e-5, lr_hi=3e-3)
    assert len(svg.encode()) < 30_000
    (line,) = polylines(parse(svg))
    assert 100 <= len(line) <= MAX_LINE_POINTS + 1
    assert line[0][0] == pytest.approx(LEFT, abs=0.1) and line[-1][0] == pytest.approx(WIDTH - RIGHT, abs=0.1)
    (dots,) = by_class(parse(svg), "lrw-raw")
    assert 100 <= dots.get("d", "").count("M") <= 500


def test_nan_and_inf_losses_are_gaps_in_the_line_and_missing_dots():
    lrs = synthetic_curve(200)[0]
    losses = np.linspace(3.0, 1.0, 200)  # falling: every raw loss lies inside the y range
    raw = losses.copy()
    losses[50], losses[120], raw[80] = math.nan, math.inf, -math.inf
    svg = curve_svg(lrs, losses, raw)
    lines = polylines(parse(svg))
    assert [len(line) for line in lines] == [50, 69, 79]
    assert "nan" not in svg.lower() and "inf" not in svg.lower()
    assert by_class(parse(svg), "lrw-raw")[0].get("d", "").count("M") == 199


def test_one_marker_element_per_shown_marker_in_its_palette_colour():
    lrs, losses, raw = synthetic_curve(300)
    suggestions = marker_suggestions(lrs, losses, 300, raw_losses=raw)
    assert set(suggestions) == set(MARKERS_BY_NAME)
    default = by_class(parse(curve_svg(lrs, losses, raw, markers=suggestions)), "lrw-marker")
    assert [g.get("data-name") for g in default] == [m.name for m in MARKERS if m.shown_by_default]
    chosen = by_class(parse(curve_svg(lrs, losses, raw, markers=suggestions, visible=["slide", "minimum"])),
                      "lrw-marker")
    assert [g.get("data-name") for g in chosen] == ["minimum", "slide"]  # registry order
    for g in chosen:
        assert g.get("fill") == MARKER_PALETTE[MARKERS_BY_NAME[g.get("data-name", "")].color_index]
        (circle,) = g.iter(f"{SVG}circle")
        assert float(circle.get("cx", "nan")) == pytest.approx(x_of(suggestions[g.get("data-name", "")]["point"][0],
                                                                    lrs[0], lrs[-1]), abs=0.1)


def test_the_handles_are_dashed_lines_at_their_lrs_with_labels():
    lrs, losses, raw = synthetic_curve(300)
    handles = by_class(parse(curve_svg(lrs, losses, raw, lr_lo=1e-5, lr_hi=1e-3)), "lrw-handle")
    assert [g.get("data-handle") for g in handles] == ["lo", "hi"]
    for g, lr in zip(handles, (1e-5, 1e-3), strict=True):
        (line,) = g.iter(f"{SVG}line")
        assert float(line.get("x1", "nan")) == float(line.get("x2", "nan")) == pytest.approx(x_of(lr), abs=0.1)
        assert line.get("stroke-dasharray")
    assert [t.text for g in handles for t in g.iter(f"{SVG}text")] == ["lo 1.0e-5", "hi 0.001"]
    (single,) = by_class(parse(curve_svg(lrs, losses, raw, lr_lo=1e-3, lr_hi=1e-3)), "lrw-handle")
    assert single.get("data-handle") == "lr"
    assert by_class(parse(curve_svg(lrs, losses, raw)), "lrw-handle") == []


def test_text_is_escaped_and_the_x_axis_has_a_tick_per_decade():
    lrs, losses, raw = synthetic_curve(100)
    root = parse(curve_svg(lrs, losses, raw, caption='<script>alert("&")</script>'))
    assert '<script>alert("&")</script>' in [t.text for t in root.iter(f"{SVG}text")]
    assert [t.text for t in by_class(root, "lrw-xtick")] == [f"1e{k}" for k in range(-7, 2)]


def test_a_divergence_is_clipped_not_squashing_the_curve_as_in_the_live_view():
    lrs, losses, raw = synthetic_curve(300)  # from about 2.3 down to 0.8, then up to 8
    bottom, top = loss_range(losses, raw, 300)
    early = float(np.median(losses[:30]))
    cap = early + (early - losses.min())  # the early level plus the drop seen
    assert cap < top < cap + 0.1 * (cap - bottom)  # plus the 8 % margin
    assert top < 5 < losses.max()
    (line,) = polylines(parse(curve_svg(lrs, losses, raw)))
    assert min(y for _, y in line) >= TOP - (HEIGHT - TOP - BOTTOM) - 0.1  # pulled to one plot height past the top


def test_an_empty_curve_still_draws_axes_and_mismatched_lengths_are_refused():
    assert polylines(parse(curve_svg([], []))) == []
    with pytest.raises(ValueError, match="one value per point"):
        curve_svg([1e-3, 1e-2], [1.0], [])


def test_the_widget_bundle_carries_the_finished_curve_as_svg_and_a_summary():
    w = LRWidget(make_learner(), num_it=40, preview=None)
    try:
        w.wait(timeout=60)
        bundle = w._repr_mimebundle_()
        assert bundle[WIDGET_VIEW]["model_id"] == w.model_id
        assert bundle["text/plain"].startswith(f"LRWidget: range test {w.result.stop_reason}, {len(w.result.lrs)}")
        root = parse(bundle["image/svg+xml"])
        assert sum(len(line) for line in polylines(root)) == len(w.result.lrs)
        hi = [g for g in by_class(root, "lrw-handle") if g.get("data-handle") == "hi"]
        (line,) = hi[0].iter(f"{SVG}line")
        # The x axis spans start_lr … end_lr (1e-7 … 10 by default), as the live view's does.
        assert float(line.get("x1", "nan")) == pytest.approx(x_of(w.lr_hi), abs=0.1)
    finally:
        w.close()


@pytest.fixture
def shell():
    """A real IPython shell whose display publisher records what it publishes (no kernel, no history file)."""
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    shell = InteractiveShell.instance(config=config)
    shell.display_pub = CapturingDisplayPublisher()
    yield shell
    InteractiveShell.clear_instance()


def test_a_widget_displayed_while_running_has_its_output_updated_when_the_test_ends(shell):
    from IPython.display import display

    w = LRWidget(make_learner(step_delay_s=0.03), num_it=40, preview=None)
    try:
        display(w)
        first = shell.display_pub.outputs[0]
        display_id = first["transient"]["display_id"]
        assert {WIDGET_VIEW, "image/svg+xml", "text/plain"} <= set(first["data"]) and not first["update"]
        assert by_class(parse(first["data"]["image/svg+xml"]), "lrw-handle") == []
        w.wait(timeout=60)
        last = shell.display_pub.outputs[-1]
        assert last["update"] and last["transient"]["display_id"] == display_id
        assert last["data"][WIDGET_VIEW] == first["data"][WIDGET_VIEW]
        assert len(by_class(parse(last["data"]["image/svg+xml"]), "lrw-handle")) == 2
        assert len(polylines(parse(last["data"]["image/svg+xml"]))) >= 1
    finally:
        w.close()
