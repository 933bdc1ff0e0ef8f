"""The preview's log axis: explicit ticks, at most one label per decade, and a clean figure with nothing to draw."""
from __future__ import annotations

import math

import numpy as np
import pytest

from lrwidget import LRWidget
from lrwidget.widget.preview import MAX_LOG_LABELS, hold_last_point, log_tick_values

from .test_preview import learner


def decades(values: list[float]) -> list[float]:
    return [math.log10(value) for value in values]


@pytest.mark.parametrize("low, high", [(2e-9, 5e-3), (1e-7, 10.0), (1e-4, 1e-2), (3e-6, 3e-4), (1e-12, 1.0)])
def test_ticks_are_powers_of_ten_at_most_one_per_decade_and_few(low, high):
    ticks = log_tick_values(low / 1.5, high * 1.5)
    exponents = decades(ticks)
    assert 2 <= len(ticks) <= MAX_LOG_LABELS
    assert all(low / 1.5 <= tick <= high * 1.5 for tick in ticks)
    assert all(abs(e - round(e)) < 1e-9 for e in exponents)  # powers of ten only
    gaps = np.diff(exponents)
    assert (gaps >= 1 - 1e-9).all() and len(set(np.round(gaps, 6))) == 1  # evenly spaced, ≥ a decade apart


def test_a_wide_range_labels_every_few_decades_on_fixed_decades():
    assert log_tick_values(2e-9 / 1.5, 5e-3 * 1.5) == [1e-8, 1e-6, 1e-4]  # the 20 labels, now 3
    # A drag that widens the range keeps the labels on the same decades (multiples of the step): no hopping.
    assert set(log_tick_values(1e-9, 1e-3)) <= {10.0 ** k for k in range(-10, 0, 2)}


def test_a_range_under_two_decades_still_gets_a_round_label():
    assert log_tick_values(2e-3 / 1.5, 5e-3 * 1.5) == [2e-3, 5e-3]
    assert log_tick_values(3e-4, 3e-3) == [5e-4, 1e-3]  # the power of ten is kept first
    assert log_tick_values(2.1e-3, 4.8e-3) == pytest.approx([3e-3])


@pytest.mark.parametrize("low, high, max_labels", [(0.0, 1.0, 5), (1e-3, 1e-4, 5), (1e-3, math.inf, 5),
                                                    (1e-4, 1e-3, 0), (math.nan, 1.0, 5)])
def test_bad_ranges_are_named(low, high, max_labels):
    with pytest.raises(ValueError, match="log_tick_values needs 0 < low <= high"):
        log_tick_values(low, high, max_labels)


def test_the_drawn_preview_uses_the_explicit_ticks_and_only_marks_with_data():
    w = LRWidget(learner(2), autostart=False, preview="fit_one_cycle")
    preview = w.schedule_preview
    # Before a pick: no marks, no ticks (an empty scale's default domain drew a stray "-0.0062" on the x axis).
    assert preview.figure.marks == [] and preview.figure.axes == []
    w.view.set_handles(1e-4, 1e-2)
    assert list(preview.y_axis.tick_values) == log_tick_values(preview.y_scale.min, preview.y_scale.max)
    # One cycle trains every group and has no phase edge: the frozen lines and the edges would be all-NaN / empty,
    # which bqplot draws as d="null" (a console error), so they are left out.
    assert preview.figure.marks == [preview.training_lines, preview.phase_names]
    w.preview = "fine_tune"
    assert preview.figure.marks == [preview.frozen_lines, preview.training_lines, preview.phase_edges,
                                    preview.phase_names]


def test_lines_without_a_finite_point_are_left_out_and_colours_stay_with_their_group():
    learn = learner(3)
    learn.freeze()
    w = LRWidget(learn, autostart=False, preview="fine_tune", preview_epochs=0, preview_freeze_epochs=1)
    w.view.set_handles(1e-4, 1e-2)
    preview = w.schedule_preview
    # Only the frozen phase: groups 0 and 1 never train, so only group 2 has a training line, in group 2's colour.
    assert preview.training_groups == [2] and list(preview.training_lines.colors) == ["#2ca02c"]
    assert all(np.isfinite(np.asarray(row)).any() for row in preview.training_lines.y)
    assert all(np.isfinite(np.asarray(row)).any() for row in preview.frozen_lines.y)


def test_trailing_gaps_repeat_the_last_point_so_no_line_ends_on_nan():
    steps = np.arange(5)
    rows = np.array([[1.0, 2.0, np.nan, np.nan, np.nan], [np.nan, np.nan, 3.0, 4.0, 5.0],
                     [1.0, np.nan, 2.0, np.nan, np.nan]])
    xs, ys = hold_last_point(steps, rows)
    np.testing.assert_array_equal(xs, [[0, 1, 1, 1, 1], [0, 1, 2, 3, 4], [0, 1, 2, 2, 2]])
    np.testing.assert_array_equal(ys, [[1, 2, 2, 2, 2], [np.nan, np.nan, 3, 4, 5], [1, np.nan, 2, 2, 2]])
    np.testing.assert_array_equal(rows[0, 2:], [np.nan] * 3)  # the input is left alone


def test_drawn_lines_end_on_a_finite_point_and_the_empty_figure_has_no_axes():
    learn = learner(3)
    learn.freeze()
    w = LRWidget(learn, autostart=False, preview="fine_tune", preview_epochs=2, preview_freeze_epochs=1)
    assert w.schedule_preview.figure.axes == []
    w.view.set_handles(1e-4, 1e-2)
    preview = w.schedule_preview
    assert len(preview.figure.axes) == 2
    for mark in (preview.training_lines, preview.frozen_lines):
        assert np.isfinite(np.asarray(mark.y)[:, -1]).all() and np.asarray(mark.x).shape == np.asarray(mark.y).shape


def test_any_handle_position_gives_few_labels_at_least_a_decade_apart():
    for low in np.geomspace(1e-14, 1.0, 57):
        for high in np.geomspace(low, 100.0, 23):
            ticks = log_tick_values(low / 1.5, high * 1.5)
            assert 1 <= len(ticks) <= MAX_LOG_LABELS, (low, high, ticks)
            if all(abs(e - round(e)) < 1e-9 for e in decades(ticks)):
                assert (np.diff(decades(ticks)) >= 1 - 1e-9).all(), (low, high, ticks)
            else:  # a range under two decades: at most two labels
                assert len(ticks) <= 2, (low, high, ticks)
