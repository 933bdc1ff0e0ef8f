"""The schedule preview: what ``fine_tune`` or ``fit_one_cycle`` will apply to each layer group, step by step.

A bqplot figure (learning rate on a log scale over every training step, one line per layer group, dashed and grey
where a group is frozen) and a table (each group's modules, size, whether it trains and its peak learning rate in
each phase). The data is the backend's plan (:mod:`lrwidget.train.plan`), the one the learner trains from or, for a
fastai Learner, computed by fastai's own schedule function; this module only draws it.

If bqplot's front end fails to load in some host, only this panel is affected: the LRWidget view is a separate
widget.
"""
from __future__ import annotations

import html
import math
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import bqplot
import ipywidgets
import numpy as np

from lrwidget.train.plan import TRAINING_CALLS, GroupSummary, Phase, Plan, TrainingCall, TrainingCallName
from lrwidget.widget.closing import close_descendants

# Distinct in light and dark themes.
GROUP_COLORS = ["#1f77b4", "#e6550d", "#2ca02c", "#9467bd", "#d62728", "#8c564b", "#e377c2", "#17becf"]
FROZEN_COLOR = "#9e9e9e"
AXIS_LABEL_COLOR = "#8a8a8a"

# planner(call, epochs, freeze_epochs) -> the plan of the call the hand-off would make now
Planner = Callable[[TrainingCallName, int, int], Plan[Any]]


class SchedulePreview(ipywidgets.VBox):
    """The preview panel. ``update()`` redraws it from ``planner(call, epochs, freeze_epochs)``."""

    def __init__(self, planner: Planner, groups: Sequence[GroupSummary], steps_per_epoch: int | None, *,
                 call: str, epochs: int, freeze_epochs: int) -> None:
        self._planner = planner
        self._groups = list(groups)
        self._steps_per_epoch = steps_per_epoch
        self.call_picker = ipywidgets.Dropdown(options=list(TRAINING_CALLS), value=call, description="preview",
                                               layout=ipywidgets.Layout(width="220px"))
        self.epochs_input = ipywidgets.BoundedIntText(value=epochs, min=0, max=1000, description="epochs",
                                                      layout=ipywidgets.Layout(width="150px"))
        self.freeze_epochs_input = ipywidgets.BoundedIntText(value=freeze_epochs, min=0, max=1000,
                                                             description="freeze_epochs",
                                                             style={"description_width": "initial"},
                                                             layout=ipywidgets.Layout(width="160px"))
        self.call_label = ipywidgets.HTML()
        self.table = ipywidgets.HTML(layout=ipywidgets.Layout(min_width="300px", flex="0 1 auto"))
        self._build_figure()
        controls = ipywidgets.HBox([self.call_picker, self.epochs_input, self.freeze_epochs_input, self.call_label],
                                   layout=ipywidgets.Layout(align_items="center", flex_flow="row wrap"))
        body = ipywidgets.HBox([self.figure, self.table], layout=ipywidgets.Layout(flex_flow="row wrap",
                                                                                    align_items="flex-start"))
        super().__init__([controls, body])
        self.add_class("lrw-preview")
        for control in (self.call_picker, self.epochs_input, self.freeze_epochs_input):
            control.observe(lambda _change: self.update(), names="value")
        self.phases: list[Phase[Any]] = []
        self.training_groups: list[int] = []  # the groups drawn by training_lines, frozen_lines (in row order)
        self.frozen_groups: list[int] = []

    def _build_figure(self) -> None:
        self.x_scale, self.y_scale = bqplot.LinearScale(), bqplot.LogScale()
        n = max(len(self._groups), 1)
        colors = [GROUP_COLORS[i % len(GROUP_COLORS)] for i in range(n)]
        labels = [f"group {i}" for i in range(n)]
        scales = {"x": self.x_scale, "y": self.y_scale}
        # Two marks of one line per group: solid where the group trains, dashed grey where it is frozen. NaN makes
        # the gaps (bqplot leaves non-finite points undrawn).
        # No legend: it would sit on the lines; the table's colour swatches name the groups.
        self.training_lines = bqplot.Lines(scales=scales, colors=colors, labels=labels, stroke_width=2)
        self.frozen_lines = bqplot.Lines(scales=scales, colors=[FROZEN_COLOR], line_style="dashed", stroke_width=1.5,
                                         opacities=[0.8] * n)
        self.phase_edges = bqplot.Lines(scales=scales, colors=[FROZEN_COLOR], line_style="dotted", stroke_width=1)
        self.phase_names = bqplot.Label(scales=scales, colors=[FROZEN_COLOR], default_size=11, align="start",
                                        x_offset=12, y_offset=-4)  # clear of the y axis tick labels
        # A mid grey reads in light and dark themes (bqplot's dark default colours axis titles orange).
        self.x_axis = bqplot.Axis(scale=self.x_scale, label="training step", num_ticks=6,
                                  label_color=AXIS_LABEL_COLOR)
        # Explicit ticks (log_tick_values): bqplot's own on a log scale label every 1-2-5 step, ~20 in 240 px.
        self.y_axis = bqplot.Axis(scale=self.y_scale, side="left", label="learning rate", tick_format=".0e",
                                  label_offset="48px", label_color=AXIS_LABEL_COLOR)
        self.figure = bqplot.Figure(
            marks=[],
            axes=[self.x_axis, self.y_axis],
            fig_margin={"top": 28, "bottom": 40, "left": 64, "right": 16},  # room for the top tick label
            layout=ipywidgets.Layout(width="100%", min_width="360px", height="240px", flex="1 1 480px"),
            title="",
        )
        self._clear_figure()

    def _clear_figure(self) -> None:
        """The empty state: no marks, fixed domains and no ticks (an empty scale's default domain shows stray ticks)."""
        with self.figure.hold_sync():
            for mark in (self.training_lines, self.frozen_lines, self.phase_edges):
                mark.x, mark.y = [], []
            self.phase_names.x, self.phase_names.y, self.phase_names.text = [], [], []
            self.figure.marks = []
            # No axes either: bqplot treats empty tick_values as "choose them", which labelled 1e-6 … 1e+0 in
            # 1-2-5 steps on an empty log scale (and a stray "-0.0062" on the x axis before the first layout).
            self.figure.axes = []
            self.x_scale.min, self.x_scale.max = 0.0, 1.0
            self.y_scale.min, self.y_scale.max = 1e-6, 1.0

    def close(self) -> None:
        """Closes the panel and every part of its figure, including the marks and axes not shown right now."""
        for part in (self.training_lines, self.frozen_lines, self.phase_edges, self.phase_names, self.x_axis,
                     self.y_axis):
            close_descendants(part)  # its scales, which it alone may reach while it is off the figure
            part.close()
        super().close()

    @property
    def call(self) -> TrainingCallName:
        """The call the preview shows: ``"fine_tune"`` or ``"fit_one_cycle"``."""
        call: TrainingCallName = self.call_picker.value  # the dropdown offers TRAINING_CALLS only
        return call

    def update(self) -> None:
        """Recomputes the plan (for the current handles) and redraws the figure and the table."""
        self.freeze_epochs_input.layout.display = "" if self.call == "fine_tune" else "none"
        if not self._steps_per_epoch:
            self._show_message("Steps per epoch are unknown (the train loader has no len), so there is no preview.")
            return
        try:
            plan = self._planner(self.call, self.epochs_input.value, self.freeze_epochs_input.value)
        except (RuntimeError, ValueError, TypeError) as problem:
            self._show_message(html.escape(str(problem)))
            return
        self.phases = list(plan.phases)
        self.call_label.value = call_text(plan.call)
        self._draw(self.phases)
        self.table.value = group_table(self._groups, self.phases)

    def _show_message(self, text: str) -> None:
        self.phases = []
        self.call_label.value = ""
        self.table.value = f'<div class="lrw-preview-note">{text}</div>'
        self._clear_figure()

    def _draw(self, phases: Sequence[Phase[Any]]) -> None:
        lrs = np.concatenate([phase.lrs for phase in phases]) if phases else np.empty((0, len(self._groups)))
        trains = np.concatenate([np.tile([phase.trains(g) for g in range(lrs.shape[1])], (phase.steps, 1))
                                 for phase in phases]) if len(lrs) else np.empty_like(lrs, dtype=bool)
        # A long plan is drawn at most MAX_DRAWN_STEPS points per line (the phase edges kept): enough for the eye,
        # and a drag re-sends it.
        edges = np.cumsum([phase.steps for phase in phases])[:-1]
        shown = _drawn_steps(len(lrs), edges)
        steps = shown
        training = np.where(trains, lrs, np.nan)[shown].T
        frozen = np.where(trains, np.nan, lrs)[shown].T
        positive = lrs[lrs > 0]  # a log axis: zero learning rates (if any) are off the scale
        if not positive.size:
            self._clear_figure()
            return
        low, high = float(positive.min()), float(positive.max())
        y_min, y_max = low / 1.5, high * 1.5
        # A line with no finite point is left out: bqplot draws it as d="null", which the browser logs as an error.
        # The training lines keep their group's colour; the frozen ones are all grey.
        self.training_groups = [g for g in range(len(training)) if np.isfinite(training[g]).any()]
        self.frozen_groups = [g for g in range(len(frozen)) if np.isfinite(frozen[g]).any()]
        with self.figure.hold_sync():
            self.training_lines.x, self.training_lines.y = hold_last_point(steps, training[self.training_groups])
            self.training_lines.colors = [GROUP_COLORS[g % len(GROUP_COLORS)] for g in self.training_groups]
            self.training_lines.labels = [f"group {g}" for g in self.training_groups]
            self.frozen_lines.x, self.frozen_lines.y = hold_last_point(steps, frozen[self.frozen_groups])
            self.frozen_lines.opacities = [0.8] * len(self.frozen_groups)
            self.phase_edges.x = [[edge, edge] for edge in edges] or []
            self.phase_edges.y = [[low, high] for _ in edges] or []
            starts = [0, *edges] if phases else []
            self.phase_names.x, self.phase_names.y = starts, [high] * len(starts)
            self.phase_names.text = [f"{phase.name}: {phase.n_epoch} epoch{'s' * (phase.n_epoch != 1)}"
                                     for phase in phases]
            self.x_scale.min, self.x_scale.max = 0.0, float(max(len(lrs) - 1, 1))
            self.y_scale.min, self.y_scale.max = y_min, y_max
            self.y_axis.tick_values = log_tick_values(y_min, y_max)
            self.figure.axes = [self.x_axis, self.y_axis]
            # Only marks with something to draw: bqplot draws an empty or all-NaN line as d="null" and logs an error.
            self.figure.marks = [mark for mark, data in ((self.frozen_lines, frozen[self.frozen_groups]),
                                                         (self.training_lines, training[self.training_groups]),
                                                         (self.phase_edges, edges), (self.phase_names, starts))
                                 if np.isfinite(np.asarray(data, dtype=float)).any()]


def hold_last_point(steps: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-row x and y where each row's trailing NaNs repeat its last finite point (rows need one finite value).

    bqplot places each line's (hidden) label at its last point, and a NaN there gives ``translate(x,undefined)``,
    which the browser logs as an error on every redraw. Repeating the last point draws nothing more.
    """
    xs = np.tile(np.asarray(steps, dtype=float), (len(rows), 1))
    ys = np.array(rows, dtype=float)
    for row in range(len(ys)):
        last = int(np.flatnonzero(np.isfinite(ys[row]))[-1])
        xs[row, last + 1:], ys[row, last + 1:] = xs[row, last], ys[row, last]
    return xs, ys


MAX_LOG_LABELS = 5  # the y axis is ~170 px tall: 5 labels leave ~35 px between them


def log_tick_values(low: float, high: float, max_labels: int = MAX_LOG_LABELS) -> list[float]:
    """The labelled ticks of a log axis over ``[low, high]``: powers of ten, at most one per decade.

    A wide range labels every 2nd, 3rd, ... decade (always the multiples of that step, so a drag does not make the
    labels hop), to keep at most ``max_labels``. A range holding fewer than two powers of ten gets two round values
    instead (a power of ten first, then 5, 2, 3 × 10^k), so the axis always has a scale to read.

    Raises:
        ValueError: ``low`` or ``high`` is not a positive finite number, ``low > high``, or ``max_labels < 1``.
    """
    if not (0 < low <= high < math.inf) or max_labels < 1:
        raise ValueError(f"log_tick_values needs 0 < low <= high < inf and max_labels >= 1; got low={low!r}, "
                         f"high={high!r}, max_labels={max_labels!r}")
    # A whisker of tolerance: 1e-3 computed as 0.0009999999 still counts as in range.
    first, last = math.ceil(math.log10(low) - 1e-9), math.floor(math.log10(high) + 1e-9)
    decades = last - first + 1
    if decades >= 2:
        step = math.ceil(decades / max_labels)
        return [10.0 ** k for k in range(first, last + 1) if k % step == 0]
    # Under two decades: up to two labels from 1, 5, 2, 3 × 10^k in that order of preference (the plotted range is
    # at least 2.25x wide and no gap between those values is wider than 2x, so there is always one).
    inside = [(rank, 10.0 ** k * m) for k in range(first - 1, last + 1) for rank, m in enumerate((1, 5, 2, 3))
              if low * (1 - 1e-9) <= 10.0 ** k * m <= high * (1 + 1e-9)]
    return sorted(value for _, value in sorted(inside)[:min(2, max_labels)])


MAX_DRAWN_STEPS = 1000
DRAG_REDRAW_INTERVAL_S = 0.1  # a drag sends ~20 values/s; the preview redraws at most 10 times a second


def start_daemon_timer(delay_s: float, action: Callable[[], None]) -> None:
    """Runs ``action`` on a daemon timer thread after ``delay_s`` seconds (the default timer of :class:`Throttle`)."""
    timer = threading.Timer(delay_s, action)
    timer.daemon = True
    timer.start()


class Throttle:
    """Calls ``action`` at most once per ``interval_s``: at once when idle, else once more when the interval ends.

    The trailing call always comes, so the last value of a drag is the one drawn. It runs on a timer thread, as the
    range test's updates do: ipywidgets sends from any thread.

    Args:
        action: what to call.
        interval_s: the least time between two calls.
        clock: the time in seconds, as ``time.monotonic`` (tests pass a fake one).
        call_later: ``call_later(delay_s, callback)`` runs ``callback`` once ``delay_s`` seconds have passed on
            ``clock`` (tests pass one that the fake clock fires).
    """

    def __init__(self, action: Callable[[], None], interval_s: float = DRAG_REDRAW_INTERVAL_S, *,
                 clock: Callable[[], float] = time.monotonic,
                 call_later: Callable[[float, Callable[[], None]], None] = start_daemon_timer) -> None:
        self._action = action
        self._interval_s = interval_s
        self._clock = clock
        self._call_later = call_later
        self._lock = threading.Lock()
        self._trailing_call_due = False
        self._last_run = -math.inf

    def __call__(self) -> None:
        with self._lock:
            if self._trailing_call_due:
                return  # the trailing call will draw the latest value
            now = self._clock()
            wait = self._last_run + self._interval_s - now
            run_now = wait <= 0
            if run_now:
                self._last_run = now
            else:
                self._trailing_call_due = True
        # Outside the lock: the action (and a call_later that runs at once) may call back in.
        if run_now:
            self._action()
        else:
            self._call_later(wait, self._run_trailing)

    def _run_trailing(self) -> None:
        with self._lock:
            self._trailing_call_due = False
            self._last_run = self._clock()
        self._action()


def _drawn_steps(total: int, edges: np.ndarray) -> np.ndarray:
    if total <= MAX_DRAWN_STEPS:
        return np.arange(total)
    around_edges = np.concatenate([[edge - 1, edge] for edge in edges]) if len(edges) else np.empty(0)
    picks = np.concatenate([np.linspace(0, total - 1, MAX_DRAWN_STEPS), around_edges])
    return np.unique(picks.astype(int))


def group_table(groups: Sequence[GroupSummary], phases: Sequence[Phase[Any]]) -> str:
    """The per-group table: modules, size, and per phase whether it trains and its peak learning rate."""
    phase_headers = "".join(f"<th>{html.escape(phase.name)}</th>" for phase in phases)
    rows = []
    for index, group in enumerate(groups):
        modules = group.modules
        cells = []
        for phase in phases:
            peak = f"{phase.lrs[:, index].max():.2e}" if phase.steps else "—"
            state = "trains" if phase.trains(index) else "frozen (BN trains)"
            cells.append(f'<td class="{"lrw-trains" if phase.trains(index) else "lrw-frozen"}">{state}<br>'
                         f"peak {peak}</td>")
        color = GROUP_COLORS[index % len(GROUP_COLORS)]
        rows.append(f'<tr><td><span class="lrw-swatch" style="background:{color}"></span>{index}</td>'
                    f"<td><code>{html.escape(modules)}</code></td><td>{group.n_params:,}</td>{''.join(cells)}</tr>")
    return (f'<table class="lrw-preview-table"><thead><tr><th>group</th><th>modules</th><th>params</th>'
            f"{phase_headers}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def preview_default(n_groups: int, frozen_groups: int) -> TrainingCallName:
    """``fine_tune`` for a learner with several groups that is frozen (transfer learning), else ``fit_one_cycle``."""
    return "fine_tune" if n_groups > 1 and frozen_groups > 0 else "fit_one_cycle"


def call_text(call: TrainingCall) -> str:
    """The exact call the preview shows, as the user would type it."""
    arguments = ", ".join([str(call.epochs)] + [f"{key}={_short(value)}" for key, value in call.kwargs.items()])
    return f"<code>learn.{call.name}({arguments})</code>"


def _short(value: Any) -> str:
    if isinstance(value, slice):
        return f"slice({value.start:.2e}, {value.stop:.2e})"
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, list) and all(isinstance(item, float) for item in value):  # one lr per group
        return "[" + ", ".join(f"{item:.2e}" for item in value) + "]"
    return repr(value)
