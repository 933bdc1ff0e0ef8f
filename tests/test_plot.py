"""RangeTestResult.plot: fastai's lr_find plot in matplotlib (Agg), with the suggestion markers."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from lrwidget.engine.plotting import MARKER_PALETTE, SKIP_END
from lrwidget.engine.rangetest import RangeTestResult
from lrwidget.suggest import minimum, valley
from lrwidget.suggest.markers import MARKERS, MARKERS_BY_NAME

STYLES = Path(__file__).resolve().parents[1] / "js" / "src" / "view.css"  # the view's colours


def a_result(n: int = 100, num_it: int | None = None) -> RangeTestResult:
    rng = np.random.default_rng(0)
    lrs = (1e-7 * 1e8 ** (np.arange(n) / n)).tolist()
    x = np.log10(lrs)
    smoothed = 2.3 - 1.5 / (1 + np.exp(-(x + 3) * 2)) + np.exp((x - 0.3) * 3)
    return RangeTestResult(lrs=lrs, losses=smoothed.tolist(), raw_losses=(smoothed + rng.normal(0, 0.1, n)).tolist(),
                           num_it=num_it or n, start_lr=1e-7, end_lr=10.0)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_plot_draws_the_curve_as_fastai_does_with_the_default_markers():
    result = a_result()
    ax = result.plot()
    curve, *dots = ax.get_lines()
    assert list(curve.get_xdata()) == result.lrs[:-SKIP_END]
    assert list(curve.get_ydata()) == result.losses[:-SKIP_END]
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "Learning Rate" and ax.get_ylabel() == "Loss"
    shown = [m for m in MARKERS if m.shown_by_default]
    suggested = result.suggest(*(m.func for m in shown))
    assert [dot.get_label() for dot in dots] == [f"{m.name}: {suggested[i]:.2e}" for i, m in enumerate(shown)]
    for dot, marker in zip(dots, shown, strict=True):
        assert (dot.get_xdata()[0], dot.get_ydata()[0]) == pytest.approx(suggested.points[marker.name])
        assert dot.get_color() == MARKER_PALETTE[marker.color_index]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [dot.get_label() for dot in dots]


def test_plot_takes_suggestion_functions_or_none_and_draws_into_a_given_axes():
    result = a_result()
    _, given = plt.subplots()
    ax = result.plot(suggest=[valley, minimum], ax=given)
    assert ax is given
    assert [line.get_label().split(":")[0] for line in ax.get_lines()[1:]] == ["valley", "minimum"]
    assert ax.get_lines()[2].get_color() == MARKER_PALETTE[MARKERS_BY_NAME["minimum"].color_index]
    bare = result.plot(suggest=False)
    assert len(bare.get_lines()) == 1 and bare.get_legend() is None
    with pytest.raises(TypeError, match="suggest must be"):
        result.plot(suggest="valley")  # type: ignore[arg-type]


def test_a_short_run_plots_without_the_markers_that_cannot_answer():
    ax = a_result(12, num_it=100).plot()  # diverged at 12 of 100: fastai's window [10:-5] is empty
    assert len(ax.get_lines()[0].get_xdata()) == 12 - SKIP_END
    assert len(ax.get_lines()) == 1 and ax.get_legend() is None


def test_without_matplotlib_plot_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=re.escape("pip install 'lrwidget[plot]'")):
        a_result().plot()


def test_the_palette_is_the_light_theme_palette_of_the_view():
    css = STYLES.read_text()
    light = css[:css.index("--lrw-marker-fallback")]  # the first block of the file is the light theme's
    assert tuple(re.findall(r"--lrw-marker-\d+:\s*(#[0-9a-f]{6})", light)) == MARKER_PALETTE
