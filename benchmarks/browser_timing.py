"""The widget's speed in a real browser: redraw time of the curve, and the delay from a drag to the kernel.

One JupyterLab page in headless Chromium (the e2e helpers from ``tests/e2e``), one kernel, one run of the script:
1. Redraw: the view's ``data-lrw-last-redraw-ms`` hook (script time of one redraw; layout and paint come after;
   Chromium rounds ``performance.now()`` to 0.1 ms) with a synthetic LR-finder curve of N points (100 and 10,000),
   set from Python as the finished curve. Median and max of redraws caused by:
   - a new curve from Python (the paths are rebuilt from new data, as on every frame of a live run);
   - a 1 px resize of the page (axes and paths rebuilt for the new width, same data);
   - a marker toggle (the view keeps the paths: markers and controls only);
   - a live run: the N points streamed as deltas at the widget's flush interval, as during a range test; every
     redraw once half of the points are in.
2. Drag → kernel: the kernel records ``time.time()`` for every ``lr_hi`` change it receives
   (``w.view.observe``). In the page, ``Date.now()`` is read right before each ``mouse.move`` of a drag.
   Both clocks are this machine's. Each kernel change is matched to the move that produced it (the latest move
   before it whose x, through the axis calibration, is the changed LR); its latency is kernel time − browser time.
   - paced drags: moves 150 ms apart, so each move is synced on its own (the view throttles syncs to one per 50 ms):
     the pipeline's latency, browser → server → kernel;
   - 60 Hz drags: moves every 16 ms, like a real pointer: the latency of each drag's final value (throttling in).

Usage: ``python benchmarks/browser_timing.py [--redraws 10] [--drags 12]``. Needs Chromium at /usr/bin/chromium.
Targets: redraw ≤ ~8 ms at 10,000 points, drag ≤ ~150 ms.
"""
from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.browser import chromium_context
from tests.e2e.notebook_driver import poll
from tests.e2e.widget_notebook import open_widget_notebook, running_server
from tests.e2e.widget_probe import AxisCalibration, WidgetProbe

CURVE_SIZES = (100, 10_000)
PACED_STEP_S = 0.15
POINTER_STEP_S = 0.016
DRAG_STEPS = 5
DRAG_LRS = (1e-3, 1e-2)  # drags go back and forth between these

#: Sets a finished curve that looks like a real range test (flat, falling, then diverging), with noise.
SYNTHETIC_CURVE = """\
_n = {n}
_rng = np.random.default_rng({seed})
_lrs = np.geomspace(w.view.start_lr, w.view.end_lr, _n)
_x = np.log10(_lrs)
_raw = 2.3 - 1.8 / (1 + np.exp(-(_x + 3.5) * 2)) + np.exp((_x - 0.3) * 3) + _rng.normal(0, 0.08, _n)
_smooth = np.copy(_raw)
for _i in range(1, _n):
    _smooth[_i] = 0.98 * _smooth[_i - 1] + 0.02 * _raw[_i]
with w.view.hold_sync():
    w.view.status = "done"
    w.view.curve = {{"lrs": _lrs.tolist(), "losses": _smooth.tolist(), "raw_losses": _raw.tolist()}}
"""

#: Streams a synthetic N-point run to the view as a live run does: status running, then deltas every flush interval.
LIVE_STREAM = SYNTHETIC_CURVE.split("with w.view.hold_sync()")[0] + """\
import threading
from lrwidget.widget.lr_widget import FLUSH_INTERVAL_S
def _stream(chunk=max(1, _n // 20)):
    w.view.status = "running"
    w.view.send({{"type": "reset"}})
    for _start in range(0, _n, chunk):
        _part = slice(_start, _start + chunk)
        w.view.send({{"type": "points", "start": _start, "lrs": _lrs[_part].tolist(),
                     "losses": _smooth[_part].tolist(), "raw_losses": _raw[_part].tolist()}})
        time.sleep(FLUSH_INTERVAL_S)
    w.view.status = "done"
threading.Thread(target=_stream, daemon=True).start()
"""

#: Records every redraw of the view: (data-lrw-last-redraw-ms, data-lrw-point-count), in the page.
RECORD_REDRAWS_JS = """root => {
    root.lrwRedraws = [];
    root.lrwObserver?.disconnect();
    root.lrwObserver = new MutationObserver(() => root.lrwRedraws.push(
        [Number(root.getAttribute('data-lrw-last-redraw-ms')), Number(root.getAttribute('data-lrw-point-count'))]));
    root.lrwObserver.observe(root, { attributes: true, attributeFilter: ['data-lrw-last-redraw-ms'] });
}"""

RECORD_KERNEL_TIMES = """\
kernel_times = []
w.view.observe(lambda change: kernel_times.append((time.time(), change["new"])), names=["lr_hi"])
"""


def summary(values: list[float]) -> str:
    return f"median {statistics.median(values):.2f} ms, max {max(values):.2f} ms (n={len(values)})"


def redraw_after(probe: WidgetProbe, action: Callable[[], object]) -> float:
    """Runs ``action`` and returns the script time (ms) of the redraw it causes."""
    probe.root.evaluate("root => root.removeAttribute('data-lrw-last-redraw-ms')")
    action()
    return poll(probe.last_redraw_ms, 30, 0.01, "the view did not redraw")


def measure_redraws(probe: WidgetProbe, n_points: int, n_redraws: int) -> dict[str, list[float]]:
    """Redraw times (ms) with an ``n_points`` finished curve, by what caused them (see the module doc)."""
    times: dict[str, list[float]] = {"new curve from Python": [], "resize by 1 px": [], "marker toggle": []}
    probe.notebook.execute(SYNTHETIC_CURVE.format(n=n_points, seed=0))  # warm up: the first big message
    for seed in range(n_redraws):
        code = SYNTHETIC_CURVE.format(n=n_points, seed=seed + 1)
        times["new curve from Python"].append(redraw_after(probe, lambda code=code: probe.notebook.execute(code)))
    viewport = dict(probe.page.viewport_size)
    for step in range(n_redraws):
        size = {**viewport, "width": viewport["width"] - 1 - step % 2}
        times["resize by 1 px"].append(redraw_after(probe, lambda size=size: probe.page.set_viewport_size(size)))
    probe.page.set_viewport_size(viewport)
    toggle = probe.root.locator('[data-lrw-toggle="minimum"]')
    for _ in range(n_redraws):
        times["marker toggle"].append(redraw_after(probe, toggle.click))
    times["live run, last half"] = live_redraws(probe, n_points)
    return times


def live_redraws(probe: WidgetProbe, n_points: int) -> list[float]:
    """Redraw times (ms) during a streamed live run of ``n_points``, once at least half of them are drawn."""
    probe.root.evaluate(RECORD_REDRAWS_JS)
    probe.notebook.execute(LIVE_STREAM.format(n=n_points, seed=0))
    probe.wait_for_status("running", timeout_s=10)
    probe.wait_for_status("done", timeout_s=60)
    redraws = probe.root.evaluate("root => { root.lrwObserver.disconnect(); return root.lrwRedraws; }")
    return [redraw_ms for redraw_ms, count in redraws if count >= n_points / 2]


def match_to_moves(kernel_changes: list[tuple[float, float]], moves: list[tuple[float, float]],
                   axis: AxisCalibration) -> list[tuple[int, float]]:
    """For each kernel change ``(time_ms, lr)``: ``(index of the move that produced it, latency in ms)``.

    The producing move is the latest one made before the change whose LR (its x through the calibration) is the
    changed value, to within 0.03 decades (3 px); moves of one drag are 0.2 decades apart.
    """
    matches = []
    for kernel_ms, lr in kernel_changes:
        for index in range(len(moves) - 1, -1, -1):
            browser_ms, x = moves[index]
            if browser_ms <= kernel_ms and abs(math.log10(axis.lr_at(x) / lr)) < 0.03:
                matches.append((index, kernel_ms - browser_ms))
                break
    return matches


def drag_latencies(probe: WidgetProbe, axis: AxisCalibration, n_drags: int, step_pause_s: float,
                   final_only: bool) -> list[float]:
    """Drags hi back and forth ``n_drags`` times; returns kernel − browser times in ms (see the module doc)."""
    probe.notebook.execute("kernel_times.clear()")
    moves: list[tuple[float, float]] = []
    final_moves: set[int] = set()
    for drag in range(n_drags):
        moves += probe.drag_handle("hi", axis.x_of(DRAG_LRS[(drag + 1) % 2]), DRAG_STEPS, step_pause_s)
        final_moves.add(len(moves) - 1)
        time.sleep(0.3)  # the last sync lands before the next drag starts
    kernel_changes = [(time_s * 1000, lr) for time_s, lr in probe.notebook.evaluate("kernel_times")]
    matches = match_to_moves(kernel_changes, moves, axis)
    unmatched = len(kernel_changes) - len(matches)
    if unmatched:
        print(f"  ({unmatched} of {len(kernel_changes)} kernel changes matched no move)")
    return [latency for index, latency in matches if not final_only or index in final_moves]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redraws", type=int, default=10, help="redraws timed per cause and curve size")
    parser.add_argument("--drags", type=int, default=12, help="drags per latency figure (≥ 10)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="lrw-browser-timing-") as tmp:
        base = Path(tmp)
        with running_server(base / "jupyter", "lab") as server, chromium_context(base / "chromium") as context:
            page = context.new_page()
            probe = open_widget_notebook(page, server, "browser_timing.ipynb", num_it=100, autostart=False)
            browser = page.evaluate("navigator.userAgent").split("HeadlessChrome/")[-1].split(" ")[0]
            print(f"Headless Chromium {browser}, JupyterLab {probe.notebook.page_config().get('appVersion', '?')}, "
                  f"viewport {page.viewport_size['width']}×{page.viewport_size['height']}\n")

            print("Redraw (script time of one redraw, data-lrw-last-redraw-ms):")
            for n_points in CURVE_SIZES:
                for cause, times in measure_redraws(probe, n_points, args.redraws).items():
                    print(f"  {n_points:>6} points, {cause:<22} {summary(times)}")

            probe.notebook.execute("w.view.set_handles(1e-5, 1e-3)")
            axis = probe.calibrate()
            probe.notebook.execute(RECORD_KERNEL_TIMES)
            paced = drag_latencies(probe, axis, args.drags, PACED_STEP_S, final_only=False)
            pointer = drag_latencies(probe, axis, args.drags, POINTER_STEP_S, final_only=True)
            final_lr = probe.notebook.evaluate("w.lr_hi")
            expected = DRAG_LRS[args.drags % 2]
            print(f"\nDrag → kernel (kernel time.time() − browser Date.now() before mouse.move), {args.drags} drags"
                  f" of {DRAG_STEPS} moves each:")
            print(f"  paced moves ({PACED_STEP_S * 1000:.0f} ms apart), every move: {summary(paced)}")
            print(f"  60 Hz moves ({POINTER_STEP_S * 1000:.0f} ms apart), final value of each drag: {summary(pointer)}")
            print(f"  last drag: kernel lr_hi {final_lr:.4g} for a target of {expected:g} "
                  f"({abs(math.log(final_lr / expected)):.2%} off; axis {axis.px_per_decade:.1f} px/decade)")
            page.close()


if __name__ == "__main__":
    main()
