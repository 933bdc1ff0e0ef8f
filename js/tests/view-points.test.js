// Binary `points` messages (src/wire.js) reaching the view: append, replace, missed deltas, gaps, bad buffers.
import assert from "node:assert/strict";
import { test } from "node:test";
import { encodePoints } from "../src/wire.js";
import { frame, idleState, makeCurve, mount } from "./support/view.js";

/** A view that was idle when rendered and now shows a run (so it has sent no replay request yet). */
function runningView() {
  const view = mount(idleState());
  view.model.update({ status: "running" });
  frame();
  return view;
}
/** @param {ReturnType<typeof mount>} view */
const pointCount = (view) => Number(view.root.getAttribute("data-lrw-point-count"));

test("a delta starting at the held length is appended", () => {
  const view = runningView();
  const curve = makeCurve();
  view.model.points(0, curve, 0, 10);
  view.model.points(10, curve, 10, 15);
  frame();
  assert.equal(pointCount(view), 15);
  assert.deepEqual(view.model.sent, []);
  view.unmount();
});

test("a delta starting below the held length replaces the points from its start", () => {
  const view = runningView();
  const curve = makeCurve();
  view.model.points(0, curve, 0, 20);
  view.model.points(5, curve, 5, 8);
  frame();
  assert.equal(pointCount(view), 8);
  view.unmount();
});

test("a delta starting past the held length is not drawn and asks for a replay", () => {
  const view = runningView();
  const curve = makeCurve();
  view.model.points(0, curve, 0, 10);
  view.model.points(12, curve, 12, 20);
  frame();
  assert.equal(pointCount(view), 10);
  assert.deepEqual(view.model.sent, [{ type: "replay" }]);
  view.unmount();
});

test("a reset drops the drawn points", () => {
  const view = runningView();
  view.model.points(0, makeCurve(), 0, 10);
  view.model.message({ type: "reset" });
  frame();
  assert.equal(pointCount(view), 0);
  view.unmount();
});

test("non-finite losses arrive as floats and split the curve into runs (a gap)", () => {
  const view = runningView();
  const curve = makeCurve();
  const losses = curve.losses.map((loss, i) => (i === 20 ? NaN : i === 21 ? Infinity : loss));
  view.model.points(0, { ...curve, losses });
  frame();
  assert.equal(pointCount(view), 40);
  assert.equal((view.find("[data-lrw-curve]").getAttribute("d") ?? "").split("M").length - 1, 2);
  view.unmount();
});

test("buffers delivered as ArrayBuffers (not DataViews) are read the same", () => {
  const view = runningView();
  const curve = makeCurve();
  const [content, buffers] = encodePoints(0, curve.lrs, curve.losses, curve.raw_losses);
  view.model.message(content, buffers.map((buffer) => buffer.buffer));
  frame();
  assert.equal(pointCount(view), 40);
  view.unmount();
});

test("a points message with a short buffer is dropped and reported, not drawn", (t) => {
  const errors = t.mock.method(console, "error", () => {});
  const view = runningView();
  const curve = makeCurve();
  const [content, buffers] = encodePoints(0, curve.lrs, curve.losses, curve.raw_losses);
  view.model.message({ ...content, count: 41 }, buffers);
  frame();
  assert.equal(pointCount(view), 0);
  assert.equal(errors.mock.callCount(), 1);
  assert.match(String(errors.mock.calls[0].arguments[1]), /buffer 0, lrs \(float64\), holds 320 bytes, expected 328/);
  view.unmount();
});
