"""Kept runs in a real JupyterLab page (issue 13): three runs overlaid with a legend, hiding and picking runs from the
legend, the SVG/PNG/JSON download buttons (the files are read back), and screenshots light, dark and 360 px wide.

The light server's notebook runs three range tests with ``w.run(label=...)`` (fresh weights, frozen, unfrozen after
training the head); its JSON download is then loaded with ``LRWidget.load`` in a second server, in the dark theme,
as a read-only widget (no Run or Stop).
"""
from __future__ import annotations

import json
import struct
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .jupyter_server import DARK_THEME
from .notebook_driver import NotebookPage, poll
from .widget_notebook import (
    WIDGET_CELL_INDEX,
    check_kernel_python,
    running_server,
    screenshot_widget,
    setup_cell,
    widget_page,
)
from .widget_probe import WidgetProbe

NUM_IT = 80
LABELS = ["fresh", "frozen", "unfrozen"]
THREE_RUNS = """\
w.run(label="fresh"); w.wait(120)
learn.freeze()
w.run(label="frozen"); w.wait(120)
w.fit_one_cycle(1)
learn.unfreeze()
w.run(label="unfrozen"); w.wait(120)
print([run.label for run in w.runs])
"""
SVG_NS = "{http://www.w3.org/2000/svg}"
DOWNLOAD_TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def three_runs(browser_context: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WidgetProbe]:
    """The widget in JupyterLab (light) once it holds three kept runs."""
    with running_server(tmp_path_factory.mktemp("jupyter-lab"), "lab") as server, \
            widget_page(browser_context, server, "runs_widget.ipynb", num_it=NUM_IT, autostart=False,
                        preview=None) as probe:
        output = probe.notebook.execute(THREE_RUNS, timeout_s=300)
        assert str(LABELS) in output, output
        poll(lambda: len(drawn_run_paths(probe)) == 3, 30, 0.1,
             f"the view did not draw three runs: {drawn_run_paths(probe)}")
        yield probe


def drawn_run_paths(probe: WidgetProbe) -> list[str]:
    """The run ids of the drawn run paths (the thin overlay lines and the main curve), in document order."""
    return probe.root.locator("[data-lrw-run-path]").evaluate_all(
        "els => els.filter(el => (el.getAttribute('d') || '') !== '').map(el => el.getAttribute('data-lrw-run-path'))")


def run_ids(probe: WidgetProbe) -> list[str]:
    return probe.notebook.evaluate("[run['id'] for run in w.view.runs]")


def download(probe: WidgetProbe, format_: str, directory: Path) -> Path:
    """Clicks a download button and returns the file the browser saved."""
    with probe.page.expect_download(timeout=DOWNLOAD_TIMEOUT_MS) as info:
        probe.root.locator(f'[data-lrw-download="{format_}"]').click()
    saved = directory / info.value.suggested_filename
    info.value.save_as(saved)
    return saved


def test_the_legend_lists_the_three_runs_and_each_is_drawn(three_runs: WidgetProbe) -> None:
    legend = three_runs.root.locator("[data-lrw-runs]")
    assert legend.is_visible()
    assert legend.locator("[data-lrw-run-pick]").all_inner_texts() == LABELS
    ids = run_ids(three_runs)
    assert sorted(drawn_run_paths(three_runs)) == sorted(ids)
    # The last run is selected: the main curve, in its own colour, with the markers and handles.
    assert three_runs.root.locator("[data-lrw-curve]").get_attribute("data-lrw-run-path") == ids[-1]
    colours = three_runs.root.locator("[data-lrw-run-path]").evaluate_all(
        "els => els.map(el => getComputedStyle(el).stroke)")
    assert len(set(colours)) == 3, f"three runs, three colours: {colours}"


def test_hiding_a_run_removes_its_path_and_tells_python(three_runs: WidgetProbe) -> None:
    ids = run_ids(three_runs)
    box = three_runs.root.locator(f'[data-lrw-run-visible="{ids[0]}"]')
    box.uncheck()
    poll(lambda: ids[0] not in drawn_run_paths(three_runs), 10, 0.05, "the hidden run's path is still drawn")
    assert sorted(drawn_run_paths(three_runs)) == sorted(ids[1:])
    assert three_runs.notebook.evaluate("w.view.hidden_runs") == [ids[0]]
    box.check()
    poll(lambda: sorted(drawn_run_paths(three_runs)) == sorted(ids), 10, 0.05, "the run did not come back")
    assert three_runs.notebook.evaluate("w.view.hidden_runs") == []


def test_picking_a_run_in_the_legend_selects_it_in_python(three_runs: WidgetProbe) -> None:
    ids = run_ids(three_runs)
    three_runs.root.locator(f'[data-lrw-run-pick="{ids[0]}"]').click()
    poll(lambda: three_runs.notebook.evaluate("w.selected_run.label") == LABELS[0], 30, 0.2,
         "w.selected_run did not follow the legend")
    poll(lambda: three_runs.root.locator("[data-lrw-curve]").get_attribute("data-lrw-run-path") == ids[0], 10, 0.05,
         "the picked run is not the main curve")
    three_runs.root.locator(f'[data-lrw-run-pick="{ids[-1]}"]').click()
    poll(lambda: three_runs.notebook.evaluate("w.selected_run.label") == LABELS[-1], 30, 0.2,
         "w.selected_run did not come back to the last run")


def test_the_svg_download_is_a_standalone_svg_with_the_three_runs(three_runs: WidgetProbe,
                                                                  screenshot_dir: Path) -> None:
    saved = download(three_runs, "svg", screenshot_dir)  # beside the screenshots, to be looked at
    assert saved.name.endswith(".svg")
    root = ElementTree.parse(saved).getroot()
    assert root.tag == f"{SVG_NS}svg"
    paths = {path.get("data-lrw-run-path"): path
             for path in root.iter(f"{SVG_NS}path") if path.get("data-lrw-run-path")}
    assert sorted(paths) == sorted(run_ids(three_runs))
    for path in paths.values():
        assert path.get("d"), "a run path without data"
        assert "stroke: rgb" in (path.get("style") or ""), f"the colour is not inlined: {path.get('style')}"
    texts = " ".join(text.text or "" for text in root.iter(f"{SVG_NS}text"))
    for label in LABELS:
        assert label in texts, f"the legend lacks {label!r}: {texts}"
    assert "per-batch loss" in texts and "smoothed loss" in texts


def test_the_png_download_is_a_png_of_the_chart(three_runs: WidgetProbe, screenshot_dir: Path) -> None:
    saved = download(three_runs, "png", screenshot_dir)
    data = saved.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", data[:8]
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    chart_width = float(three_runs.root.locator(".lrw-svg").get_attribute("width") or 0)
    scale = three_runs.page.evaluate("Math.min(2, Math.max(1, devicePixelRatio || 1))")
    assert width == round(chart_width * scale), (width, chart_width, scale)
    assert height > 320 * scale  # the chart and the legend below it
    assert len(data) > 5_000, "an almost empty PNG"


@pytest.fixture(scope="module")
def runs_json(three_runs: WidgetProbe, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return download(three_runs, "json", tmp_path_factory.mktemp("downloads"))


def test_the_json_download_loads_with_lrwidget_load_bit_for_bit(three_runs: WidgetProbe, runs_json: Path) -> None:
    document = json.loads(runs_json.read_text(encoding="utf-8"))
    assert document["format"] == "lrwidget-runs" and len(document["runs"]) == 3
    same = three_runs.notebook.evaluate(
        "dict(labels=[run.label for run in loaded.runs], read_only=loaded.read_only,"
        " same=all(a.result.lrs == b.result.lrs and a.result.losses == b.result.losses"
        " for a, b in zip(loaded.runs, w.runs)))",
        setup=f"loaded = LRWidget.load({str(runs_json)!r})")
    assert same == {"labels": LABELS, "read_only": True, "same": True}


def test_screenshots_light_and_narrow(three_runs: WidgetProbe, screenshot_dir: Path) -> None:
    path = screenshot_widget(three_runs, screenshot_dir / "lrwidget-runs-light.png")
    assert path.stat().st_size > 5_000
    # About 360 px wide, as on a phone or a narrow side panel: the output is squeezed, the view redraws to fit.
    output = three_runs.cell.locator(".jp-OutputArea-output").filter(has=three_runs.page.locator("[data-lrw-root]"))
    output.evaluate("el => { el.style.maxWidth = '360px'; }")
    try:
        poll(lambda: float(three_runs.root.locator(".lrw-svg").get_attribute("width") or 0) <= 340, 10, 0.05,
             "the view did not redraw at the narrow width")
        path = screenshot_widget(three_runs, screenshot_dir / "lrwidget-runs-360px.png")
        assert path.stat().st_size > 5_000
    finally:
        output.evaluate("el => { el.style.maxWidth = ''; }")


def test_no_uncaught_javascript_errors(three_runs: WidgetProbe) -> None:
    assert three_runs.page_errors == []


@pytest.fixture(scope="module")
def dark_loaded(browser_context: Any, tmp_path_factory: pytest.TempPathFactory, runs_json: Path
                ) -> Iterator[WidgetProbe]:
    """The downloaded JSON loaded with ``LRWidget.load`` in a second JupyterLab, in the dark theme."""
    with running_server(tmp_path_factory.mktemp("jupyter-lab"), "lab", theme=DARK_THEME) as server:
        page = browser_context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(error.stack or str(error)))
        try:
            notebook = NotebookPage.open(page, server, "loaded_runs.ipynb",
                                         [setup_cell(), f"w = LRWidget.load({str(runs_json)!r})\nw"])
            check_kernel_python(notebook.run_cell(0, timeout_s=120))
            notebook.run_cell(WIDGET_CELL_INDEX)
            probe = WidgetProbe(notebook, cell_index=WIDGET_CELL_INDEX)
            probe.wait_rendered()
            probe.page_errors = errors
            yield probe
        finally:
            page.close()


def test_a_loaded_widget_in_the_dark_theme_shows_the_runs_without_run_or_stop(
        dark_loaded: WidgetProbe, screenshot_dir: Path) -> None:
    dark_loaded.page.locator('body[data-jp-theme-light="false"]').wait_for(state="attached", timeout=30_000)
    poll(lambda: len(drawn_run_paths(dark_loaded)) == 3, 30, 0.1, "the loaded widget does not draw three runs")
    assert dark_loaded.root.locator("[data-lrw-run-pick]").all_inner_texts() == LABELS
    assert not dark_loaded.button("run").is_visible() and not dark_loaded.button("stop").is_visible()
    assert "lrw-dark" in (dark_loaded.root.get_attribute("class") or "")
    path = screenshot_widget(dark_loaded, screenshot_dir / "lrwidget-runs-dark.png")
    assert path.stat().st_size > 5_000
    assert dark_loaded.page_errors == []


STOPPED_EARLY = """\
first = w.runs[0].result
half = len(first.lrs) // 2
w.add_run(lrwidget.RangeTestResult(lrs=first.lrs[:half], losses=first.losses[:half], raw_losses=first.raw_losses[:half],
                                   stop_reason="cancelled", num_it=first.num_it, start_lr=first.start_lr,
                                   end_lr=first.end_lr), label="stopped")
w.lr_hi = min(first.end_lr, first.lrs[half - 1] * 100)
"""


def test_a_test_stopped_early_shades_the_untested_region_and_says_so(three_runs: WidgetProbe,
                                                                    screenshot_dir: Path) -> None:
    # Last in the light module: it adds a fourth run.
    three_runs.notebook.execute(STOPPED_EARLY)
    note = three_runs.root.locator("[data-lrw-untested]")
    note.wait_for(state="visible", timeout=10_000)
    assert "beyond the last learning rate tested" in note.inner_text()
    assert three_runs.root.locator("[data-lrw-untested-region]").get_attribute("display") is None
    path = screenshot_widget(three_runs, screenshot_dir / "lrwidget-runs-stopped-early.png")
    assert path.stat().st_size > 5_000
