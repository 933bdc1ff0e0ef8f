"""Static HTML with widget state (issue 12, item 3), in headless Chromium, offline.

A small LRWidget notebook is executed by ``jupyter nbconvert --execute`` with ``store_widget_state=True`` (one
background run waited for in its cell, one foreground run), then exported with ``jupyter nbconvert --to html`` in
the light and dark themes. Each page is opened with every request routed (:mod:`.offline_cdn`): the page itself,
require.js, @jupyter-widgets/html-manager and the anywidget, bqplot and bqscales front ends are answered from local
packages at versions inside the ranges the page asks for, and everything else is aborted. No kernel and no network:
the curve, the markers, the handles and the bqplot preview can only come from the saved widget state.
"""
from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from .browser import require_chromium
from .nbconvert_export import ExportedNotebook, export_notebook
from .offline_cdn import PAGE_ORIGIN, OfflineCdn, require_frontends, satisfies
from .widget_probe import fit_line

THEMES = ("light", "dark")
RENDER_TIMEOUT_MS = 90_000
#: nbconvert's lab template loads MathJax on every page; these notebooks hold no math, so the page needs none of it.
UNNEEDED_URL_PREFIXES = ("https://cdnjs.cloudflare.com/ajax/libs/mathjax/",)
#: What the page must load to render LRWidget: the AMD loader, the widget manager and each widget's front end.
REQUIRED_PACKAGES = ("require.js", "@jupyter-widgets/html-manager@", "anywidget@", "bqplot@", "bqscales@")
#: How far (page pixels) a handle or the curve's first point may sit from where the markers' axis puts its LR.
AXIS_TOLERANCE_PX = 3.0


@dataclass
class StaticPage:
    """An exported page, open in Chromium behind the offline CDN, with what it logged."""

    theme: str
    page: Any
    cdn: OfflineCdn
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def outputs(self) -> Any:
        """The output areas that hold an LRWidget, in page order."""
        return self.page.locator(".jp-OutputArea-output").filter(has=self.page.locator("[data-lrw-root]"))


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> ExportedNotebook:
    """The executed notebook and its HTML exports (built once; the browser and front ends are checked first)."""
    require_chromium()
    require_frontends()
    return export_notebook(tmp_path_factory.mktemp("static-html"), THEMES)


@pytest.fixture(scope="module", params=THEMES)
def static_page(request: pytest.FixtureRequest, exported: ExportedNotebook,
                browser_context: Any) -> Iterator[StaticPage]:
    """One theme's export, opened offline and rendered (every widget done, every preview drawn)."""
    from playwright.sync_api import expect

    theme: str = request.param
    opened = StaticPage(theme, browser_context.new_page(), OfflineCdn(exported.html[theme]))
    page = opened.page
    page.on("console", lambda message: opened.console_errors.append(_console_line(message, opened.cdn))
            if message.type == "error" else None)
    page.on("pageerror", lambda error: opened.page_errors.append(error.stack or str(error)))
    page.route("**/*", opened.cdn.handle)
    try:
        page.goto(opened.cdn.page_url)
        views = len(exported.view_states())
        expect(page.locator('[data-lrw-root][data-lrw-status="done"]')).to_have_count(views, timeout=RENDER_TIMEOUT_MS)
        expect(page.locator(".lrw-preview .bqplot")).to_have_count(views, timeout=RENDER_TIMEOUT_MS)
        page.mouse.move(1, 1)
        page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
        yield opened
    finally:
        page.close()


def _console_line(message: Any, cdn: OfflineCdn) -> str:
    """A console error, or "" for the failed load of a request the offline CDN aborted on purpose."""
    url = (message.location or {}).get("url", "")
    return "" if url in cdn.refused else f"{message.text} (at {url})"


@pytest.mark.parametrize(("version", "semver_range", "inside"), [
    ("0.6.1", "^0.6.1", True), ("0.6.9", "^0.6.1", True), ("0.5.46", "^0.6.1", False), ("0.7.0", "^0.6.1", False),
    ("0.11.0", "~0.11.*", True), ("0.12.0", "~0.11.*", False), ("0.3.7", "^0.3", True), ("1.0.15", "*", True),
    ("1.0.15", "^1.0.1", True), ("2.0.0", "^1.0.1", False), ("2.1.10", "2.1.10", True), ("2.3.7", "2.1.10", False),
])
def test_offline_cdn_checks_versions(version: str, semver_range: str, inside: bool) -> None:
    assert satisfies(version, semver_range) is inside


def test_offline_cdn_refuses_what_it_cannot_match(tmp_path: Path) -> None:
    require_frontends()
    cdn = OfflineCdn(tmp_path / "page.html")
    assert cdn.local_file("https://cdn.jsdelivr.net/npm/bqplot@%5E0.5.0/dist/index.js") is None
    assert cdn.local_file("https://unpkg.com/left-pad@1.3.0/index.js") is None
    assert cdn.local_file("https://example.com/anything.js") is None
    assert len(cdn.mismatches) == 2, cdn.mismatches
    served = cdn.local_file("https://cdn.jsdelivr.net/npm/anywidget@~0.11.*/dist/index.js")
    assert served is not None and served.is_file()


def test_saved_state_is_the_finished_run(exported: ExportedNotebook) -> None:
    states = exported.view_states()
    assert len(states) == 2, f"expected the two LRWidget views in the saved state, found {len(states)}"
    for state in states:
        assert state["status"] == "done", f"the state was saved before the run ended: status {state['status']!r}"
        assert len(state["curve"]["lrs"]) >= 50 and state["curve"]["n_points"] == len(state["curve"]["lrs"])
        assert 0 < state["lr_lo"] < state["lr_hi"]
        assert set(state["visible_markers"]) <= set(state["suggestions"]), state["suggestions"].keys()


def test_widget_code_comes_from_local_packages_only(static_page: StaticPage) -> None:
    cdn = static_page.cdn
    assert cdn.mismatches == []
    for package in REQUIRED_PACKAGES:
        assert any(package in url for url in cdn.served), f"the page never loaded {package}: {cdn.served}"
    # Refused requests to the page's own address are require.js trying a module beside the page before the CDN,
    # and html-manager's icon fonts (the page renders without them): nothing that leaves the machine.
    network = [url for url in cdn.refused if not url.startswith(PAGE_ORIGIN + "/")]
    assert [url for url in network if not url.startswith(UNNEEDED_URL_PREFIXES)] == []


def test_no_console_errors(static_page: StaticPage) -> None:
    assert static_page.page_errors == []
    assert [line for line in static_page.console_errors if line] == []


def test_curve_markers_and_handles_render_from_saved_state(static_page: StaticPage,
                                                           exported: ExportedNotebook) -> None:
    outputs = static_page.outputs()
    states = exported.view_states()
    assert outputs.count() == len(states)
    for index, state in enumerate(states):
        root = outputs.nth(index).locator("[data-lrw-root]")
        curve = state["curve"]
        assert root.get_attribute("data-lrw-point-count") == str(len(curve["lrs"]))
        path_d = root.locator("[data-lrw-curve]").get_attribute("d") or ""
        assert path_d.startswith("M") and path_d.count("L") >= len(curve["lrs"]) // 4, path_d[:120]
        # The markers' centres at their saved LRs define the drawn axis; handles and curve must sit on it.
        centres, lrs = [], []
        for name in state["visible_markers"]:
            dot = root.locator(f'[data-lrw-marker="{name}"]')
            assert dot.is_visible(), f"marker {name} is not drawn ({static_page.theme} page, widget {index})"
            centres.append(_centre_x(dot))
            lrs.append(math.log10(state["suggestions"][name]["point"][0]))
        assert len(set(lrs)) >= 2, f"too few distinct marker LRs to place an axis: {state['suggestions']}"
        offset, px_per_decade, residual = fit_line(lrs, centres)
        assert px_per_decade > 0 and residual <= AXIS_TOLERANCE_PX, (px_per_decade, residual)
        for which in ("lo", "hi"):
            knob = root.locator(f'[data-lrw-handle="{which}"]')
            assert knob.is_visible(), f"handle {which} is not drawn"
            expected_x = offset + px_per_decade * math.log10(state[f"lr_{which}"])
            assert _centre_x(knob) == pytest.approx(expected_x, abs=AXIS_TOLERANCE_PX), which
        first_x = root.locator("[data-lrw-curve]").bounding_box()["x"]
        assert first_x == pytest.approx(offset + px_per_decade * math.log10(curve["lrs"][0]), abs=AXIS_TOLERANCE_PX)


def test_preview_chart_renders(static_page: StaticPage, exported: ExportedNotebook) -> None:
    outputs = static_page.outputs()
    for index, state in enumerate(exported.view_states()):
        preview = outputs.nth(index).locator(".lrw-preview .bqplot")
        lines = [d or "" for d in preview.locator("path.line").evaluate_all("ps => ps.map(p => p.getAttribute('d'))")]
        drawn = [d for d in lines if d.startswith("M")]
        assert len(drawn) >= state["n_groups"], f"expected a schedule line per group, got {lines}"
        assert not [d for d in drawn if any(bad in d for bad in ("NaN", "null", "undefined"))], drawn
        tick_labels = [text.strip() for text in preview.locator(".axis .tick text").all_text_contents() if text.strip()]
        assert len(tick_labels) >= 4, f"the preview's axes have no labels: {tick_labels}"


def test_view_follows_the_page_theme(static_page: StaticPage) -> None:
    page_is_light = static_page.page.locator("body").get_attribute("data-jp-theme-light")
    assert page_is_light == ("false" if static_page.theme == "dark" else "true")
    for root in static_page.outputs().locator("[data-lrw-root]").all():
        classes = (root.get_attribute("class") or "").split()
        assert "lrw-no-host" not in classes, "the exported page's --jp-* theme variables did not reach the view"
        assert ("lrw-dark" in classes) == (static_page.theme == "dark"), classes


def test_screenshot(static_page: StaticPage, screenshot_dir: Path) -> None:
    output = static_page.outputs().first
    output.scroll_into_view_if_needed()
    path = screenshot_dir / f"lrwidget-static-html-{static_page.theme}.png"
    output.screenshot(path=str(path), animations="disabled")
    assert path.stat().st_size > 10_000


def test_handles_still_drag_without_a_kernel(static_page: StaticPage) -> None:
    """Runs after the screenshot: the page answers a drag locally (nothing to reach), and logs no error."""
    page = static_page.page
    knob = static_page.outputs().first.locator('[data-lrw-handle="hi"]')
    label = static_page.outputs().first.locator(".lrw-knob-group--hi .lrw-handle-label")
    before_x, before_label = _centre_x(knob), label.text_content()
    box = knob.bounding_box()
    assert box is not None
    page.mouse.move(before_x, box["y"] + box["height"] / 2)
    page.mouse.down()
    for step in range(1, 9):
        page.mouse.move(before_x - 15 * step, box["y"] + box["height"] / 2)
    page.mouse.up()
    assert _centre_x(knob) == pytest.approx(before_x - 120, abs=AXIS_TOLERANCE_PX)
    assert label.text_content() != before_label
    assert static_page.page_errors == []
    assert [line for line in static_page.console_errors if line] == []


def _centre_x(locator: Any) -> float:
    box = locator.bounding_box()
    assert box is not None, f"{locator} has no bounding box (hidden or detached)"
    return float(box["x"] + box["width"] / 2)
