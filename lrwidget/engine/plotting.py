"""``RangeTestResult.plot``: the range test drawn with matplotlib, as fastai's ``lr_find`` draws it.

matplotlib is an optional dependency (``pip install lrwidget[plot]``), imported only when a plot is drawn.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from lrwidget.suggest.markers import MARKERS, MARKERS_BY_NAME, marker_suggestions

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from lrwidget.engine.rangetest import RangeTestResult

__all__ = ["MARKER_PALETTE", "plot_range_test"]

#: The marker colours on a light background, indexed by ``MarkerSpec.color_index``: js/src/styles.css's
#: ``--lrw-marker-N`` (ColorBrewer Dark2). The matplotlib plot and the widget's static picture both use it.
MARKER_PALETTE: tuple[str, ...] = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02")
#: fastai leaves out the last 5 points, where the loss has usually blown up and would squash the rest.
SKIP_END = 5


def marker_color(color_index: int, fallback: str = "#6e7781") -> str:
    """The palette colour of a marker's ``color_index`` (``fallback`` past the end of the palette)."""
    return MARKER_PALETTE[color_index] if 0 <= color_index < len(MARKER_PALETTE) else fallback


def plot_range_test(result: RangeTestResult, suggest: bool | Sequence[Callable[..., Any]] = True,
                    ax: Axes | None = None, skip_end: int = SKIP_END) -> Axes:
    """Draws the smoothed loss against the learning rate (log scale), with a dot and legend entry per suggestion.

    Args:
        result: the range test.
        suggest: True for the markers the widget shows by default, False for none, or suggestion functions
            (``valley``, ``steep``, …) as fastai's ``suggest_funcs``.
        ax: the Axes to draw in; a new figure's when None.
        skip_end: the last points left out, as fastai's ``plot_lr_find`` (5).

    Returns the Axes. Raises ImportError naming ``pip install lrwidget[plot]`` when matplotlib is missing.
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as missing:
        raise ImportError("RangeTestResult.plot() needs matplotlib: pip install 'lrwidget[plot]' "
                          f"(or pip install matplotlib); importing it failed with: {missing}") from missing
    if not isinstance(skip_end, int) or skip_end < 0:
        raise ValueError(f"skip_end must be an int >= 0, got {skip_end!r}")
    if ax is None:
        _, ax = plt.subplots(1, 1)
    end = max(len(result.lrs) - skip_end, 0)
    ax.plot(result.lrs[:end], result.losses[:end])
    ax.set_ylabel("Loss")
    ax.set_xlabel("Learning Rate")
    ax.set_xscale("log")
    fallback_colors = plt.rcParams["axes.prop_cycle"].by_key()["color"][1:]  # fastai's: the cycle after the line
    drawn = False
    for index, (name, lr, point) in enumerate(_suggestions(result, suggest)):
        spec = MARKERS_BY_NAME.get(name)
        fallback = fallback_colors[index % len(fallback_colors)]
        color = marker_color(spec.color_index, fallback) if spec is not None else fallback
        ax.plot(point[0], point[1], "o", label=f"{name}: {lr:.2e}", color=color)
        drawn = True
    if drawn:
        ax.legend(loc="best")
    return ax


def _suggestions(result: RangeTestResult,
                 suggest: bool | Sequence[Callable[..., Any]]) -> list[tuple[str, float, Sequence[float]]]:
    """``(name, lr, (lr, loss) point)`` of each suggestion to draw."""
    if suggest is False:
        return []
    if suggest is True:
        # The methods that cannot answer (too few points after a divergence) are left out, as in the widget.
        found = marker_suggestions(result.lrs, result.losses, result.num_it, raw_losses=result.raw_losses)
        return [(m.name, float(found[m.name]["lr"]), found[m.name]["point"])
                for m in MARKERS if m.shown_by_default and m.name in found]
    if isinstance(suggest, (str, bytes)) or not all(callable(func) for func in suggest):
        raise TypeError(f"suggest must be True, False or a sequence of suggestion functions, got {suggest!r}")
    suggested = result.suggest(*suggest)
    return [(name, float(lr), suggested.points[name]) for name, lr in zip(suggested._fields, suggested, strict=True)]
