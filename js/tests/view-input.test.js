// What the user does in the view reaches the model: handle drags and keys, marker clicks, Run and Stop.
import assert from "node:assert/strict";
import { test } from "node:test";
import { computeLayout } from "../src/chart.js";
import { ARROW_STEP_DECADES } from "../src/drag.js";
import { doneState, frame, idleState, KeyboardEvent, mount, MouseEvent, PointerEvent } from "./support/view.js";

const WIDTH = 800;
/** lr ↔ px of the plot at the test width (happy-dom puts the SVG at client x 0). */
const xScale = computeLayout(WIDTH, 1e-7, 10, [0, 1]).x;

/**
 * @param {Element} target
 * @param {string} type
 * @param {number} clientX
 */
function pointer(target, type, clientX) {
  target.dispatchEvent(new PointerEvent(type, { pointerId: 7, button: 0, clientX, bubbles: true, cancelable: true }));
}

test("dragging the hi knob writes lr_hi through model.set and save_changes", () => {
  const view = mount(doneState());
  const knob = view.find('[data-lrw-handle="hi"]');
  const startX = xScale.toPx(/** @type {number} */ (view.model.get("lr_hi")));
  pointer(knob, "pointerdown", startX);
  pointer(knob, "pointermove", startX + 120);
  pointer(knob, "pointerup", startX + 120);
  const expected = xScale.fromPx(startX + 120);
  assert.ok(view.model.saved.length >= 1);
  const last = view.model.saved.at(-1);
  assert.ok(Math.abs(Math.log10(last.lr_hi / expected)) < 1e-9, `saved ${last.lr_hi}, expected ${expected}`);
  assert.equal(view.model.get("lr_hi"), last.lr_hi);
  view.unmount();
});

test("dragging lo (two layer groups) past hi stops at hi", () => {
  const state = doneState({ n_groups: 2 });
  const view = mount({ ...state, lr_lo: /** @type {number} */ (state.lr_hi) / 100 });
  const knob = view.find('[data-lrw-handle="lo"]');
  const startX = xScale.toPx(/** @type {number} */ (view.model.get("lr_lo")));
  pointer(knob, "pointerdown", startX);
  pointer(knob, "pointermove", startX + 400);
  pointer(knob, "pointerup", startX + 400);
  assert.equal(view.model.get("lr_lo"), state.lr_hi);
  assert.equal(view.model.saved.at(-1)?.lr_lo, state.lr_hi);
  view.unmount();
});

test("an arrow key on the hi knob moves lr_hi by a step and saves it when the key is released", () => {
  const state = doneState();
  const view = mount(state);
  const knob = view.find('[data-lrw-handle="hi"]');
  knob.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight", bubbles: true, cancelable: true }));
  knob.dispatchEvent(new KeyboardEvent("keyup", { key: "ArrowRight", bubbles: true }));
  const expected = /** @type {number} */ (state.lr_hi) * 10 ** ARROW_STEP_DECADES;
  assert.ok(Math.abs(view.model.saved.at(-1)?.lr_hi / expected - 1) < 1e-12);
  frame();
  assert.ok(Math.abs(Number(knob.getAttribute("aria-valuenow")) / expected - 1) < 1e-12);
  view.unmount();
});

test("clicking a marker snaps hi to its suggestion's lr", () => {
  const state = doneState();
  const view = mount(state);
  const dot = view.find('[data-lrw-marker="beta"]');
  dot.dispatchEvent(new MouseEvent("click", { bubbles: true }));
  const beta = /** @type {Record<string, { lr: number }>} */ (state.suggestions).beta;
  assert.deepEqual(view.model.saved, [{ lr_hi: beta.lr }]);
  view.unmount();
});

test("Run sends {type: run}", () => {
  const view = mount(idleState());
  view.find('[data-lrw-action="run"]').click();
  assert.deepEqual(view.model.sent, [{ type: "run" }]);
  view.unmount();
});

test("Stop sends {type: stop}", () => {
  const view = mount(idleState());
  view.model.update({ status: "running" });
  frame();
  view.find('[data-lrw-action="stop"]').click();
  assert.deepEqual(view.model.sent, [{ type: "stop" }]);
  view.unmount();
});
