// The anywidget view of lrwidget: wires the model (synced traits and custom messages, see lrwidget/widget/view.py)
// to the chart, the markers, the handles and the controls. Holds no training logic: every value it sends is validated
// in Python, and a rejected one comes back as a model change that the view simply follows.
import { createRepeatBand, withRepeats } from "./band.js";
import { computeLayout, createChart, MIN_WIDTH } from "./chart.js";
import { createControls } from "./controls.js";
import { htmlElement } from "./dom.js";
import { snapHi, throttle } from "./drag.js";
import { formatStatusLine } from "./format.js";
import { createHandles } from "./handles.js";
import { createMarkers } from "./markers.js";
import { markerEntries, markerSpecs, orderVisible, visibleNames } from "./registry.js";
import {
  applyPointsMessage, clearSeries, emptySeries, finiteOrNull, isRecord, seriesFromCurve, shouldRequestReplay,
} from "./store.js";
import { watchTheme } from "./theme.js";
import { decodePoints } from "./wire.js";

/**
 * The part of anywidget's model this view uses.
 * @typedef {object} Model
 * @property {(name: string) => unknown} get
 * @property {(name: string, value: unknown) => void} set
 * @property {() => void} save_changes
 * @property {(content: Record<string, unknown>) => void} send
 * @property {(event: string, callback: Listener) => void} on
 * @property {(event: string, callback: Listener) => void} off
 */
/**
 * A model event listener: `change:*` gets (model, value), `msg:custom` gets (content, buffers).
 * @typedef {(first: unknown, second: unknown) => void} Listener
 */
/** @typedef {import("./chart.js").Layout} Layout */
/** @typedef {import("./handles.js").Which} Which */
/** @typedef {import("./handles.js").HandleView} HandleView */
/** @typedef {import("./registry.js").Suggestion} Suggestion */

/** During a drag the kernel hears the handle's value at most this often; the view itself follows every move. */
const SYNC_INTERVAL_MS = 50;

/**
 * @param {{ model: Model, el: HTMLElement }} context
 * @returns {() => void} cleanup: removes every listener (model, DOM, observers) and the view's DOM
 */
function render({ model, el }) {
  const status = () => String(model.get("status") ?? "idle");
  // data-lm-suppress-shortcuts: JupyterLab's command-mode keys (arrows, Enter, d d…) must not act on a focused
  // handle, marker, button or checkbox; Lumino stops looking for shortcuts at an element carrying it.
  const root = htmlElement("div", {
    class: "lrw-root", "data-lrw-root": "", "data-lrw-status": status(), "data-lm-suppress-shortcuts": "true",
  }, el);
  const controls = createControls(root, {
    run: () => model.send({ type: "run" }),
    stop: () => model.send({ type: "stop" }),
    toggle: setMarkerVisible,
  });
  const plot = htmlElement("div", { class: "lrw-plot" }, root);
  const chart = createChart(plot);
  const tooltip = htmlElement("div", { class: "lrw-tooltip", role: "tooltip" }, plot);
  tooltip.hidden = true;
  root.append(controls.legend);
  const theme = watchTheme(root);
  const markers = createMarkers(chart, tooltip, snapHiToMarker);
  const repeatBand = createRepeatBand(chart.repeatLayer, chart.spreadLayer);
  const handles = createHandles(chart, { current: () => ({ layout, view: handleView() }), input: moveHandle, commit });

  const live = emptySeries();
  let curve = seriesFromCurve(model.get("curve"));
  let width = MIN_WIDTH;
  /** @type {Layout | null} */
  let layout = null;
  let lastReplayAt = -Infinity;
  /** Handle values of a drag or key press in progress; they win over the model until the interaction ends. */
  /** @type {{ lo?: number, hi?: number }} */
  const pending = {};

  /** @param {string} name */
  const numberTrait = (name) => finiteOrNull(model.get(name));
  /** @returns {Record<string, Suggestion>} */
  const suggestions = () => {
    const value = model.get("suggestions");
    return isRecord(value) ? /** @type {Record<string, Suggestion>} */ (value) : {};
  };
  const markerList = () => markerEntries(model.get("marker_registry"), suggestions());
  const visible = () => visibleNames(model.get("visible_markers"), markerList());
  // A run in progress draws its live points; otherwise the finished `curve` (also what a saved notebook holds).
  const series = () => (status() === "running" && live.lrs.length > 0 ? live : curve ?? live);

  /** @returns {HandleView} */
  function handleView() {
    return {
      lo: pending.lo ?? numberTrait("lr_lo"),
      hi: pending.hi ?? numberTrait("lr_hi"),
      showLo: Number(model.get("n_groups") ?? 1) > 1,
      startLr: numberTrait("start_lr") ?? 1e-7,
      endLr: numberTrait("end_lr") ?? 10,
    };
  }

  // Redraws are batched: any number of messages and trait changes within a frame cost one redraw.
  let frame = 0;
  let fullRedraw = false;
  /** @param {boolean} full false: only the handles moved */
  function schedule(full) {
    fullRedraw ||= full;
    if (!frame) frame = requestAnimationFrame(onFrame);
  }
  function onFrame() {
    frame = 0;
    if (fullRedraw || !layout) redraw();
    else handles.update(layout, handleView());
    fullRedraw = false;
  }

  function redraw() {
    const started = performance.now();
    const data = series();
    const view = handleView();
    layout = computeLayout(width, view.startLr, view.endLr, chart.lossDomainFor(data, Number(model.get("num_it")) || 0));
    chart.draw(layout, data, emptyMessage());
    const entries = markerList();
    const shown = visible();
    const specs = markerSpecs(entries, suggestions(), shown, data);
    repeatBand.update(layout, model.get("band"), model.get("pick_spread"), specs, data !== live);
    markers.update(layout, specs);
    handles.update(layout, view);
    const progress = model.get("progress");
    controls.update({
      status: status(),
      statusLine: withRepeats(formatStatusLine(status(), isRecord(progress) ? progress : {}, data.lrs.length),
        status(), progress, model.get("band")),
      error: String(model.get("error") ?? ""),
      notice: String(model.get("notice") ?? ""),
      markers: entries,
      visible: shown,
      suggestions: suggestions(),
    });
    // A benchmark hook: what the last redraw cost in script time (layout and paint come after).
    root.setAttribute("data-lrw-last-redraw-ms", (performance.now() - started).toFixed(3));
    root.setAttribute("data-lrw-point-count", String(data.lrs.length));
  }

  function emptyMessage() {
    if (status() === "running") return "Waiting for the first losses…";
    if (status() === "error") return "No losses to show.";
    return "Press Run to start the learning-rate range test.";
  }

  // The kernel hears about handle moves at most every SYNC_INTERVAL_MS, and always at the end of an interaction.
  const sync = throttle(() => {
    let changed = false;
    for (const which of /** @type {Which[]} */ (["lo", "hi"])) {
      const value = pending[which];
      if (value !== undefined && value !== model.get(`lr_${which}`)) {
        model.set(`lr_${which}`, value);
        changed = true;
      }
    }
    // One message for both: Python validates lo ≤ hi on the pair, not on a half-updated state.
    if (changed) model.save_changes();
  }, SYNC_INTERVAL_MS);

  /**
   * @param {Which} which
   * @param {number} value already clamped by the handle
   */
  function moveHandle(which, value) {
    const view = handleView();
    pending[which] = value;
    // With one layer group lo is hidden; if Python still holds one, it follows hi down rather than block it.
    if (which === "hi" && !view.showLo && view.lo !== null && view.lo > value) pending.lo = value;
    schedule(false);
    sync.call();
  }

  function commit() {
    sync.call();
    sync.flush();
    delete pending.lo;
    delete pending.hi;
    schedule(false);
  }

  /** @param {string} name */
  function snapHiToMarker(name) {
    const lr = finiteOrNull(suggestions()[name]?.lr);
    if (lr === null) return;
    const view = handleView();
    const snapped = snapHi(lr, view);
    model.set("lr_hi", snapped.hi);
    if (snapped.lo !== view.lo) model.set("lr_lo", snapped.lo);
    model.save_changes();
    schedule(false);
  }

  /**
   * @param {string} name
   * @param {boolean} show
   */
  function setMarkerVisible(name, show) {
    const current = visible();
    if (show) current.add(name);
    else current.delete(name);
    model.set("visible_markers", orderVisible(markerList(), current));
    model.save_changes();
    schedule(true);
  }

  function requestReplay() {
    const now = performance.now();
    if (!shouldRequestReplay(now, lastReplayAt)) return;
    lastReplayAt = now;
    model.send({ type: "replay" });
  }

  /**
   * @param {unknown} message the JSON part of a custom message
   * @param {unknown} buffers its binary part (DataView[] in JupyterLab)
   */
  function onMessage(message, buffers) {
    if (!isRecord(message)) return;
    if (message.type === "reset") {
      clearSeries(live);
      lastReplayAt = -Infinity;
      schedule(true);
    } else if (message.type === "points") {
      let delta;
      try {
        delta = decodePoints(message, Array.isArray(buffers) ? buffers : []);
      } catch (error) {
        console.error("lrwidget:", error); // a malformed message is dropped; the next replay repairs the curve
        return;
      }
      if (applyPointsMessage(live, delta) === "missed") requestReplay();
      else schedule(true);
    }
  }

  /** @type {[string, Listener][]} */
  const subscriptions = [
    ["msg:custom", onMessage],
    ["change:status", () => {
      root.setAttribute("data-lrw-status", status());
      schedule(true);
    }],
    ["change:curve", () => {
      curve = seriesFromCurve(model.get("curve"));
      schedule(true);
    }],
    ...["error", "notice", "progress", "start_lr", "end_lr", "num_it", "suggestions", "visible_markers", "marker_registry",
      "band", "pick_spread"]
      .map((name) => /** @type {[string, Listener]} */ ([`change:${name}`, () => schedule(true)])),
    ...["lr_lo", "lr_hi", "n_groups"]
      .map((name) => /** @type {[string, Listener]} */ ([`change:${name}`, () => schedule(false)])),
  ];
  for (const [event, callback] of subscriptions) model.on(event, callback);

  // A root of zero width is hidden (`display: none`, not yet attached, or a collapsed output: VS Code may render
  // there). It keeps its last layout rather than redraw at a width nobody sees, and when it has a width again it
  // redraws in full even at the same width: the theme may have changed, and hidden text measures as nothing.
  let hidden = false;
  const resizeObserver = new ResizeObserver((entries) => {
    const measured = Math.floor(entries[0].contentRect.width);
    if (measured <= 0) {
      hidden = true;
      return;
    }
    const next = Math.max(MIN_WIDTH, measured);
    theme.refresh(); // the first observation with a size is also the first time the root is surely shown
    if (next === width && layout && !hidden) return;
    hidden = false;
    width = next;
    schedule(true);
  });
  resizeObserver.observe(root);

  if (status() === "running") requestReplay(); // rendered mid-run: fetch the points so far
  schedule(true);

  return () => {
    sync.flush(); // a drag cut short still lands
    sync.cancel();
    if (frame) cancelAnimationFrame(frame);
    resizeObserver.disconnect();
    for (const [event, callback] of subscriptions) model.off(event, callback);
    handles.destroy();
    markers.destroy();
    repeatBand.destroy();
    controls.destroy();
    theme.dispose();
    root.remove();
  };
}

export default { render };
