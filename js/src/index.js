// The anywidget view of lrwidget: wires the model (synced traits and custom messages, see lrwidget/widget/view.py)
// to the chart, the markers, the handles and the controls. Holds no training logic: every value it sends is validated
// in Python, and a rejected one comes back as a model change that the view simply follows.
import { createRepeatBand, withRepeats } from "./band.js";
import { computeLayout, createChart, MIN_WIDTH } from "./chart.js";
import { createControls } from "./controls.js";
import { htmlElement } from "./dom.js";
import { snapHi, throttle } from "./drag.js";
import { formatStatusLine } from "./format.js";
import { groupAxis, groupOptions, groupRatios, shownGroup } from "./groups.js";
import { createHandles } from "./handles.js";
import { createMarkers } from "./markers.js";
import { markerEntries, markerSpecs, orderVisible, visibleNames } from "./registry.js";
import { createRunsView, RUN_TRAITS } from "./runs-view.js";
import {
  applyPointsMessage, clearSeries, emptySeries, finiteOrNull, isRecord, seriesFromCurve, shouldRequestReplay,
} from "./store.js";
import { watchTheme } from "./theme.js";
import { createValidation, validationStatus } from "./validation.js";
import { createVerify, verifyStatus, verifyStripBottom } from "./verify.js";
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
    pickGroup: (group) => {
      pickedGroup = group;
      schedule(true);
    },
  });
  const plot = htmlElement("div", { class: "lrw-plot" }, root);
  const chart = createChart(plot);
  const tooltip = htmlElement("div", { class: "lrw-tooltip", role: "tooltip" }, plot);
  tooltip.hidden = true;
  root.append(controls.legend);
  const validation = createValidation(chart.validLayer, root);
  const verify = createVerify(chart.svg);
  validation.setCurve(model.get("curve"));
  const theme = watchTheme(root);
  const markers = createMarkers(chart, tooltip, snapHiToMarker);
  const handles = createHandles(chart, { current: () => ({ layout, view: handleView() }), input: moveHandle, commit });
  const runs = createRunsView({ model, root, plot, chart, redraw: () => schedule(true) });
  const repeatBand = createRepeatBand(chart.repeatLayer, chart.spreadLayer,
    /** @type {HTMLElement} */ (root.querySelector("[data-lrw-key]")));

  const live = emptySeries();
  let curve = seriesFromCurve(model.get("curve"));
  let width = MIN_WIDTH;
  /** @type {Layout | null} */
  let layout = null;
  let lastReplayAt = -Infinity;
  /** Handle values of a drag or key press in progress; they win over the model until the interaction ends. */
  /** @type {{ lo?: number, hi?: number }} */
  const pending = {};
  /** The layer group whose LR the x axis reads in, picked in the view (null: the last, which the curve records). */
  /** @type {number | null} */
  let pickedGroup = null;

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

  const nGroups = () => Number(model.get("n_groups") ?? 1);
  const ratios = () => groupRatios(model.get("group_lr_ratios"), nGroups());
  const axis = () => groupAxis(ratios(), nGroups(), pickedGroup);

  /** @returns {HandleView} */
  function handleView() {
    return {
      lo: pending.lo ?? numberTrait("lr_lo"),
      hi: pending.hi ?? numberTrait("lr_hi"),
      // After a discriminative test each group's LR is hi × its ratio: there is no lo to pick.
      showLo: nGroups() > 1 && ratios().length === 0,
      name: axis().handleName,
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
    else {
      handles.update(layout, handleView());
      runs.handlesMoved(handleView());
    }
    fullRedraw = false;
  }

  function redraw() {
    const started = performance.now();
    const data = series();
    const view = handleView();
    const xAxis = axis();
    const lossDomain = validation.domain(chart.lossDomainFor(data, Number(model.get("num_it")) || 0), data === live);
    // Kept runs overlaid on the same axes widen them to hold every drawn curve (runs-view.js).
    const domains = runs.domains([view.startLr, view.endLr], lossDomain, data.losses.some((loss) => loss !== null));
    layout = computeLayout(width, domains.lrs[0], domains.lrs[1], domains.loss, xAxis);
    chart.draw(layout, data, emptyMessage());
    runs.draw(layout, data, view);
    validation.draw(layout, data, data === live, model.get("progress"));
    verify.draw(layout, model.get("verify"));
    const entries = markerList();
    const shown = visible();
    const specs = markerSpecs(entries, suggestions(), shown, data);
    repeatBand.update(layout, model.get("band"), model.get("pick_spread"), specs,
      data !== live ? "final" : status() === "running" ? "live" : null);
    markers.update(layout, specs, verifyStripBottom(model.get("verify")));
    handles.update(layout, view);
    const progress = model.get("progress");
    controls.update({
      status: status(),
      statusLine: withRepeats(formatStatusLine(status(), isRecord(progress) ? progress : {}, data.lrs.length),
        status(), progress, model.get("band")) + (status() === "idle" ? "" : validationStatus(progress))
        + verifyStatus(model.get("verify")),
      error: String(model.get("error") ?? ""),
      notice: String(model.get("notice") ?? ""),
      markers: entries,
      visible: shown,
      suggestions: suggestions(),
      lrUnit: xAxis.unit,
      groups: groupOptions(ratios(), model.get("group_labels")),
      shownGroup: String(shownGroup(pickedGroup, ratios().length)),
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
    if (!isRecord(message) || runs.onMessage(message)) return;
    if (message.type === "reset") {
      clearSeries(live);
      validation.reset();
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
      else {
        validation.applyDelta(delta);
        schedule(true);
      }
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
      validation.setCurve(model.get("curve"));
      schedule(true);
    }],
    ...["error", "notice", "progress", "start_lr", "end_lr", "num_it", "suggestions", "visible_markers", "marker_registry",
      "group_lr_ratios", "group_labels", "band", "pick_spread", "verify", ...RUN_TRAITS]
      .map((name) => /** @type {[string, Listener]} */ ([`change:${name}`, () => schedule(true)])),
    ...["lr_lo", "lr_hi"]
      .map((name) => /** @type {[string, Listener]} */ ([`change:${name}`, () => schedule(false)])),
    ["change:n_groups", () => schedule(true)], // the axis title names the groups
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
    runs.destroy();
    repeatBand.destroy();
    controls.destroy();
    validation.destroy();
    verify.destroy();
    theme.dispose();
    root.remove();
  };
}

export default { render };
