// The validation-loss curve (src/validation.js) in the view: drawn from the streamed fourth buffer and from the saved
// curve, at the evaluated points only, with a legend entry and the cost on the status line.
import assert from "node:assert/strict";
import { test } from "node:test";
import { applyValidationDelta, emptyValidation, validationFromCurve, validationStatus } from "../src/validation.js";
import { encodePoints } from "../src/wire.js";
import { doneState, frame, idleState, makeCurve, mount } from "./support/view.js";

/** Every 5th point evaluated, as a run with valid_every=5. */
function validLosses(count = 40, every = 5) {
  return Array.from({ length: count }, (_, i) => (i % every === 0 ? 1.5 + 0.01 * i : null));
}

/** @param {string} d an SVG path's d attribute */
const pathPoints = (d) => [...d.matchAll(/[ML]([-\d.]+) ([-\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);

test("a saved curve with valid_losses draws a dashed curve through the evaluated points, with a dot on each", () => {
  const curve = { ...makeCurve(), valid_losses: validLosses() };
  const view = mount(doneState({ curve, progress: { iteration: 40, num_it: 40, elapsed_s: 1, valid_every: 5 } }));
  const line = view.find("[data-lrw-valid-curve]");
  const points = pathPoints(line.getAttribute("d") ?? "");
  assert.equal(points.length, 8);
  assert.equal(view.el.querySelectorAll(".lrw-valid-layer .lrw-valid-dot").length, 8);
  // x follows the lr of the evaluated points: increasing, and the first one at start_lr (the plot's left edge)
  const area = view.find("[data-lrw-plot-area]");
  assert.ok(Math.abs(points[0][0] - Number(area.getAttribute("x"))) < 0.1);
  assert.ok(points.every(([x], i) => i === 0 || x > points[i - 1][0]));
  // y grows downward: higher validation losses sit higher (smaller y)
  assert.ok(points.every(([, y], i) => i === 0 || y < points[i - 1][1]));
  const legend = view.find("[data-lrw-valid-legend]");
  assert.equal(legend.hidden, false);
  assert.match(legend.textContent ?? "", /validation loss \(every 5 steps\)/);
  view.unmount();
});

test("a curve without validation draws no second curve and no legend entry", () => {
  const view = mount(doneState());
  assert.equal(view.find("[data-lrw-valid-curve]").getAttribute("d"), "");
  assert.equal(view.find("[data-lrw-valid-legend]").hidden, true);
  assert.doesNotMatch(view.find("[data-lrw-progress]").textContent ?? "", /validation/);
  view.unmount();
});

test("streamed points with a fourth buffer draw the validation curve live; a reset clears it", () => {
  const view = mount(idleState());
  view.model.update({ status: "running", progress: { iteration: 0, num_it: 40, elapsed_s: 0, valid_every: 5 } });
  const curve = makeCurve();
  const valid = validLosses();
  view.model.message(...encodePoints(0, curve.lrs.slice(0, 20), curve.losses.slice(0, 20),
    curve.raw_losses.slice(0, 20), valid.slice(0, 20)));
  frame();
  assert.equal(pathPoints(view.find("[data-lrw-valid-curve]").getAttribute("d") ?? "").length, 4);
  // a delta without the fourth buffer (none of its points evaluated) keeps the earlier points
  view.model.message(...encodePoints(20, curve.lrs.slice(20, 24), curve.losses.slice(20, 24),
    curve.raw_losses.slice(20, 24)));
  view.model.message(...encodePoints(24, curve.lrs.slice(24), curve.losses.slice(24), curve.raw_losses.slice(24),
    valid.slice(24)));
  frame();
  assert.equal(pathPoints(view.find("[data-lrw-valid-curve]").getAttribute("d") ?? "").length, 7);
  assert.match(view.find("[data-lrw-progress]").textContent ?? "", /· validation every 5 steps$/);
  view.model.message({ type: "reset" });
  frame();
  assert.equal(view.find("[data-lrw-valid-curve]").getAttribute("d"), "");
  view.unmount();
});

test("the status line states the cost once the run has ended", () => {
  const curve = { ...makeCurve(), valid_losses: validLosses() };
  const view = mount(doneState({
    curve, progress: { iteration: 40, num_it: 40, elapsed_s: 1, eta_s: null, valid_every: 5, valid_cost: 0.084 },
  }));
  assert.match(view.find("[data-lrw-progress]").textContent ?? "", /validation every 5 steps: \+8% time/);
  view.unmount();
});

test("validationStatus says nothing without a period, and 'every step' for k = 1", () => {
  assert.equal(validationStatus({}), "");
  assert.equal(validationStatus(null), "");
  assert.equal(validationStatus({ valid_every: 1, valid_cost: 0.5 }), " · validation every step: +50% time");
});

test("deltas replace the values from their start, padding with nulls; the saved curve maps non-finite to null", () => {
  const validation = emptyValidation();
  applyValidationDelta(validation, { start: 0, lrs: new Float64Array(3), valid_losses: new Float32Array([1, NaN, 2]) });
  applyValidationDelta(validation, { start: 1, lrs: new Float64Array(2) });
  assert.deepEqual(validation.values, [1, null, null]);
  applyValidationDelta(validation, { start: 5, lrs: new Float64Array(1), valid_losses: new Float32Array([3]) });
  assert.deepEqual(validation.values, [1, null, null, null, null, 3]);
  assert.deepEqual(validationFromCurve({ valid_losses: [1, null, "x"] }).values, [1, null, null]);
  assert.deepEqual(validationFromCurve({ lrs: [1] }).values, []);
});

test("the loss range widens for the validation losses, by at most half its span on each side", async () => {
  const { widenDomain } = await import("../src/validation.js");
  const values = (/** @type {(number | null)[]} */ list) => ({ values: list, version: 1 });
  assert.deepEqual(widenDomain([1, 3], values([null, 2])), [1, 3]);
  const [low, high] = widenDomain([1, 3], values([3.5, null, 0.8]));
  assert.ok(Math.abs(low - 0.72) < 1e-12 && Math.abs(high - 3.58) < 1e-12, `${low}, ${high}`);
  assert.deepEqual(widenDomain([1, 3], values([100, -50])), [0, 4]);
  assert.deepEqual(widenDomain([1, 3], values([])), [1, 3]);
});

test("a validation point above the training curve's range is drawn inside the plot", () => {
  const curve = makeCurve();
  // The training curve's range tops out near 3 (yrange.js caps the late rise); 3.3 lies above it.
  const valid = curve.losses.map((_, i) => (i === 0 ? 3.3 : null));
  const view = mount(doneState({ curve: { ...curve, valid_losses: valid } }));
  const [[, y]] = pathPoints(view.find("[data-lrw-valid-curve]").getAttribute("d") ?? "");
  const area = view.find("[data-lrw-plot-area]");
  assert.ok(y >= Number(area.getAttribute("y")), `${y} is above the plot area`);
  view.unmount();
});
