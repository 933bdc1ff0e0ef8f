// The anywidget view of lrwidget: wires the model (synced traits and custom messages, see lrwidget/view.py) to the
// chart, the markers, the handles and the controls. Holds no training logic: every value it sends is validated in
// Python, and a rejected one comes back as a model change that the view simply follows.
import { computeLayout, createChart, MIN_WIDTH } from "./chart.js";
import { createControls } from "./controls.js";
import { htmlElement } from "./dom.js";
import { snapHi, throttle } from "./drag.js";
import { formatStatusLine } from "./format.js";
import { createHandles } from "./handles.js";
import { createMarkers } from "./markers.js";
import { applyPointsMessage, clearSeries, emptySeries, finiteOrNull, seriesFromCurve, shouldRequestReplay } from "./store.js";
import { watchTheme } from "./theme.js";

/**
 * The part of anywidget's model this view uses.
 * @typedef {object} Model
 * @property {(name: string) => any} get
 * @property {(name: string, value: unknown) => void} set
 * @property {() => void} save_changes
 * @property {(content: Record<string, unknown>) => void} send
 * @property {(event: string, callback: (...args: any[]) => void) => void} on
 * @property {(event: string, callback: (...args: any[]) => void) => void} off
 */
/** @typedef {import("./chart.js").Layout} Layout */
/** @typedef {import("./handles.js").Which} Which */
/** @typedef {import("./handles.js").HandleView} HandleView */
/** @typedef {import("./markers.js").MarkerSpec} MarkerSpec */

/** During a drag the kernel hears the handle's value at most this often; the view itself follows every move. */
const SYNC_INTERVAL_MS = 50;
/** Markers that always get a toggle; other names in `suggestions` get one too. */
const DEFAULT_MARKERS = ["valley", "steep", "minimum", "slide"];

/**
 * @param {{ model: Model, el: HTMLElement }} context
 * @returns {() => void} cleanup: removes every listener (model, DOM, observers) and the view's DOM
 */
function render({ model, el }) {
  // data-lm-suppress-shortcuts: JupyterLab's command-mode keys (arrows, Enter, d d…) must not act on a focused
  // handle, marker, button or checkbox; Lumino stops looking for shortcuts at an element carrying it.
  const root = htmlElement("div", {
    class: "lrw-root", "data-lrw-root": "", "data-lrw-status": model.get("status"), "data-lm-suppress-shortcuts": "true",
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
  const status = () => String(model.get("status") ?? "idle");
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
    markers.update(layout, markerSpecs());
    handles.update(layout, view);
    const suggestions = model.get("suggestions") ?? {};
    controls.update({
      status: status(),
      statusLine: formatStatusLine(status(), model.get("progress") ?? {}, data.lrs.length),
      error: String(model.get("error") ?? ""),
      names: [...new Set([...DEFAULT_MARKERS, ...Object.keys(suggestions)])],
      visible: new Set(model.get("visible_markers") ?? []),
      suggestions,
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

  /** @returns {MarkerSpec[]} */
  function markerSpecs() {
    const suggestions = model.get("suggestions") ?? {};
    /** @type {MarkerSpec[]} */
    const specs = [];
    for (const name of model.get("visible_markers") ?? []) {
      const suggestion = suggestions[name];
      const lr = finiteOrNull(suggestion?.lr);
      if (lr === null) continue;
      const point = Array.isArray(suggestion.point) ? suggestion.point : [];
      const pointLr = finiteOrNull(point[0]) ?? lr;
      const pointLoss = finiteOrNull(point[1]) ?? lossNear(pointLr);
      if (pointLoss === null) continue;
      specs.push({ name, lr, pointLr, pointLoss, tip: String(suggestion.tip ?? "") });
    }
    return specs;
  }

  /**
   * The smoothed loss of the point nearest `lr` (for a suggestion sent without its point).
   * @param {number} lr
   * @returns {number | null}
   */
  function lossNear(lr) {
    const data = series();
    const target = Math.log10(lr);
    let best = null;
    let bestDistance = Infinity;
    for (let i = 0; i < data.logLrs.length; i++) {
      const distance = Math.abs(data.logLrs[i] - target);
      if (data.losses[i] !== null && distance < bestDistance) [best, bestDistance] = [data.losses[i], distance];
    }
    return best;
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
    const lr = finiteOrNull(model.get("suggestions")?.[name]?.lr);
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
   * @param {boolean} visible
   */
  function setMarkerVisible(name, visible) {
    const current = new Set(model.get("visible_markers") ?? []);
    if (visible) current.add(name);
    else current.delete(name);
    const order = [...new Set([...DEFAULT_MARKERS, ...Object.keys(model.get("suggestions") ?? {}), ...current])];
    model.set("visible_markers", order.filter((marker) => current.has(marker)));
    model.save_changes();
    schedule(true);
  }

  function requestReplay() {
    const now = performance.now();
    if (!shouldRequestReplay(now, lastReplayAt)) return;
    lastReplayAt = now;
    model.send({ type: "replay" });
  }

  /** @param {any} message */
  function onMessage(message) {
    if (!message || typeof message !== "object") return;
    if (message.type === "reset") {
      clearSeries(live);
      lastReplayAt = -Infinity;
      schedule(true);
    } else if (message.type === "points") {
      if (applyPointsMessage(live, message) === "missed") requestReplay();
      else schedule(true);
    }
  }

  /** @type {[string, (...args: any[]) => void][]} */
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
    ...["error", "progress", "start_lr", "end_lr", "num_it", "suggestions", "visible_markers"]
      .map((name) => /** @type {[string, () => void]} */ ([`change:${name}`, () => schedule(true)])),
    ...["lr_lo", "lr_hi", "n_groups"]
      .map((name) => /** @type {[string, () => void]} */ ([`change:${name}`, () => schedule(false)])),
  ];
  for (const [event, callback] of subscriptions) model.on(event, callback);

  const resizeObserver = new ResizeObserver((entries) => {
    const next = Math.max(MIN_WIDTH, Math.floor(entries[0].contentRect.width));
    theme.refresh(); // the first observation is also the first time the root is surely in the document
    if (next === width && layout) return;
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
    controls.destroy();
    theme.dispose();
    root.remove();
  };
}

export default { render };
