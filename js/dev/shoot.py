"""Screenshots, redraw timings and interaction checks of the view in headless Chromium (dev tool, not a test).

Serve the repository root first:  python3 -m http.server 8765 --bind 127.0.0.1   (from the checkout)
Then:  .venv/bin/python js/dev/shoot.py /tmp/lrw-shots [port]   (port: the server's, 8765 unless given)
"""
from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE_URL = "http://127.0.0.1:{port}/js/dev/harness.html"
BASE = BASE_URL.format(port=8765)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = {
    "light-100-done": "theme=jp-light&points=100&phase=done",
    "dark-100-done": "theme=jp-dark&points=100&phase=done",
    "light-10000-running": "theme=jp-light&points=10000&phase=running",
    "dark-10000-running": "theme=jp-dark&points=10000&phase=running",
    "light-10000-done": "theme=jp-light&points=10000&phase=done",
    "dark-10000-done": "theme=jp-dark&points=10000&phase=done",
    "vscode-dark-100-done-1group": "theme=vscode-dark&points=100&phase=done&groups=1",
    "vscode-light-100-done-1group": "theme=vscode-light&points=100&phase=done&groups=1",
    "vscode-dark-10000-running": "theme=vscode-dark&points=10000&phase=running",
    "vscode-light-10000-running": "theme=vscode-light&points=10000&phase=running",
    "vscode-light-tooltip": "theme=vscode-light&points=100&phase=done&tip=valley",
    "vscode-dark-100-error": "theme=vscode-dark&points=100&phase=error",
    "light-100-error": "theme=jp-light&points=100&phase=error",
    "light-idle": "theme=jp-light&phase=idle",
    "dark-tooltip": "theme=jp-dark&points=100&phase=done&tip=valley",
    "light-narrow-500": "theme=jp-light&points=100&phase=done&width=520",
    "light-360-done": "theme=jp-light&points=100&phase=done&width=360",
    "dark-360-running": "theme=jp-dark&points=3000&phase=running&width=360",
    "light-3000-done": "theme=jp-light&points=3000&phase=done",
    "dark-3000-done": "theme=jp-dark&points=3000&phase=done",
    "light-360-10000-done": "theme=jp-light&points=10000&phase=done&width=360",
    "dark-360-error": "theme=jp-dark&points=100&phase=error&width=360",
    "nohost-prefers-dark": "theme=none&points=100&phase=done",
    "grid-overview": "grid=1&width=880",
}


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    report: dict = {"console_errors": []}
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            tempfile.mkdtemp(), executable_path="/usr/bin/chromium", args=FLAGS, headless=True,
            viewport={"width": 920, "height": 600})
        page = context.new_page()
        page.on("console", lambda m: m.type == "error" and report["console_errors"].append(m.text))
        page.on("pageerror", lambda e: report["console_errors"].append(str(e)))
        for name, query in SHOTS.items():
            page.emulate_media(color_scheme="dark" if "prefers-dark" in name else "light")
            page.goto(f"{BASE}?{query}")
            page.wait_for_selector("[data-lrw-last-redraw-ms]")
            page.wait_for_timeout(150)
            target = page.locator("#cells") if name.startswith("grid") else page.locator(".cell").first
            target.screenshot(path=str(out / f"{name}.png"))
        page.emulate_media(color_scheme="light")

        page.goto(f"{BASE}?bench=1")
        page.wait_for_function("window.benchResult", timeout=120_000)
        report["bench"] = page.evaluate("window.benchResult")

        report["checks"] = interaction_checks(page)
        context.close()
    print(json.dumps(report, indent=2))


def centre(page, selector: str) -> tuple[float, float]:
    box = page.locator(selector).bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def expected_x(page, lr: float) -> float:
    """Where `lr` sits on the axis, from the plot area's edges (start_lr at the left, end_lr at the right)."""
    return page.evaluate("""(lr) => {
        const area = document.querySelector('[data-lrw-plot-area]').getBoundingClientRect();
        const m = window.harness.model.state;
        return area.left + (Math.log10(lr / m.start_lr) / Math.log10(m.end_lr / m.start_lr)) * area.width;
    }""", lr)


def interaction_checks(page) -> dict:
    checks: dict = {}
    page.goto(f"{BASE}?theme=jp-light&points=100&phase=done&groups=2")
    page.wait_for_selector("[data-lrw-last-redraw-ms]")
    state = lambda: page.evaluate("window.harness.model.state")  # noqa: E731
    counts = page.evaluate("""() => Object.fromEntries(['[data-lrw-handle="lo"]', '[data-lrw-handle="hi"]',
        '[data-lrw-marker="valley"]', '[data-lrw-marker="steep"]', '[data-lrw-curve]', '[data-lrw-status]']
        .map((s) => [s, document.querySelectorAll(s).length]))""")
    checks["hook_counts"] = counts

    # Sub-pixel positions of handles and markers.
    s = state()
    checks["hi_centre_error_px"] = abs(centre(page, '[data-lrw-handle="hi"]')[0] - expected_x(page, s["lr_hi"]))
    checks["lo_centre_error_px"] = abs(centre(page, '[data-lrw-handle="lo"]')[0] - expected_x(page, s["lr_lo"]))
    steep_lr = s["suggestions"]["steep"]["point"][0]
    checks["steep_centre_error_px"] = abs(centre(page, '[data-lrw-marker="steep"]')[0] - expected_x(page, steep_lr))

    # Keyboard: focus lo, ArrowRight ×5 is 1/10 of a decade; Shift+ArrowLeft is 1/5 down.
    before = state()["lr_lo"]
    page.locator('[data-lrw-handle="lo"]').focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    page.wait_for_timeout(80)
    checks["keys_5_right_ratio"] = state()["lr_lo"] / before
    page.keyboard.press("Shift+ArrowLeft")
    page.wait_for_timeout(80)
    checks["shift_left_ratio"] = state()["lr_lo"] / (before * 10 ** 0.1)

    # Drag hi to the right with the mouse, far past the widget: pointer capture keeps it, end_lr clamps it.
    x, y = centre(page, '[data-lrw-handle="hi"]')
    page.mouse.move(x, y)
    page.mouse.down()
    saves_before = len(page.evaluate("window.harness.model.saved"))
    for step in range(1, 31):
        page.mouse.move(x + step * 40, y + step * 3)
        page.wait_for_timeout(5)
    page.mouse.up()
    page.wait_for_timeout(80)
    s = state()
    checks["drag_far_right_hi"] = s["lr_hi"]
    checks["drag_saves"] = len(page.evaluate("window.harness.model.saved")) - saves_before
    checks["hi_label"] = page.locator(".lrw-knob-group--hi .lrw-handle-label").text_content()

    # Drag hi to the far left: it stops at lo (lo never passes hi).
    x, y = centre(page, '[data-lrw-handle="hi"]')
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 2000, y, steps=12)
    page.mouse.up()
    page.wait_for_timeout(80)
    s = state()
    checks["drag_left_hi_equals_lo"] = s["lr_hi"] == s["lr_lo"]

    # The knobs now overlap; dragging left from there moves lo, and its centre follows the pointer.
    x, y = centre(page, '[data-lrw-handle="lo"]')
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 100, y, steps=5)
    page.mouse.up()
    page.wait_for_timeout(80)
    s = state()
    checks["lo_after_drag_error_px"] = abs(expected_x(page, s["lr_lo"]) - (x - 100))
    checks["lo_knob_after_drag_error_px"] = abs(centre(page, '[data-lrw-handle="lo"]')[0] - (x - 100))

    # Marker click snaps hi to the suggestion's lr.
    page.locator('[data-lrw-marker="steep"]').click()
    page.wait_for_timeout(50)
    s = state()
    checks["marker_click_hi"] = [s["lr_hi"], s["suggestions"]["steep"]["lr"]]
    checks["after_marker_lo_le_hi"] = s["lr_lo"] <= s["lr_hi"]

    # Python rejects a value: the handle follows the re-sent model value.
    page.evaluate("window.harness.model.update({ lr_hi: 1e-3 })")
    page.wait_for_timeout(50)
    checks["python_set_hi_error_px"] = abs(centre(page, '[data-lrw-handle="hi"]')[0] - expected_x(page, 1e-3))

    # Toggles write visible_markers back.
    page.locator('[data-lrw-toggle="minimum"]').check()
    page.wait_for_timeout(50)
    checks["visible_after_toggle"] = state()["visible_markers"]
    checks["minimum_marker_drawn"] = page.locator('[data-lrw-marker="minimum"]').count()
    page.locator('[data-lrw-toggle="valley"]').uncheck()
    page.wait_for_timeout(50)
    checks["visible_after_untoggle"] = state()["visible_markers"]
    checks["valley_marker_count"] = page.locator('[data-lrw-marker="valley"]').count()

    # Buttons.
    checks["run_disabled_when_done"] = page.locator('[data-lrw-action="run"]').is_disabled()
    checks["stop_disabled_when_done"] = page.locator('[data-lrw-action="stop"]').is_disabled()
    page.locator('[data-lrw-action="run"]').click()
    page.evaluate("window.harness.model.update({ status: 'running', curve: {} })")
    page.evaluate("window.harness.model.message({ type: 'reset' })")
    page.wait_for_timeout(50)
    checks["status_attr_running"] = page.locator("[data-lrw-root]").get_attribute("data-lrw-status")
    checks["run_disabled_when_running"] = page.locator('[data-lrw-action="run"]').is_disabled()
    page.locator('[data-lrw-action="stop"]').click()
    checks["sent"] = page.evaluate("window.harness.model.sent.map((m) => m.type)")

    # Live deltas; a gap in `start` asks for a replay (once), a replay from 0 repairs.
    page.evaluate("""() => { const h = window.harness; h.slice(0, 10); h.slice(10, 20); }""")
    page.wait_for_timeout(50)
    checks["points_after_deltas"] = page.locator("[data-lrw-root]").get_attribute("data-lrw-point-count")
    page.evaluate("""() => { const h = window.harness; h.model.sent.length = 0;
        h.slice(30, 40); h.slice(40, 50); }""")
    checks["replay_requests_after_missed"] = page.evaluate("window.harness.model.sent.map((m) => m.type)")
    page.evaluate("() => { const h = window.harness; h.slice(0, 50); }")
    page.wait_for_timeout(50)
    checks["points_after_replay"] = page.locator("[data-lrw-root]").get_attribute("data-lrw-point-count")

    # Cleanup removes every listener and the DOM.
    checks["cleanup"] = page.evaluate("""() => { const h = window.harness; h.cleanup();
        return { listeners: h.model.listenerCount(), children: h.el.childElementCount }; }""")
    return checks


if __name__ == "__main__":
    if len(sys.argv) > 2:
        BASE = BASE_URL.format(port=int(sys.argv[2]))
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/lrw-shots"))
