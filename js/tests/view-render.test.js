// The view's states, drawn into a simulated DOM on a fake model (tests/support/view.js).
import { MIN_WIDTH } from "../src/chart.js";
import assert from "node:assert/strict";
import { test } from "node:test";
import { doneState, frame, idleState, mount, resize } from "./support/view.js";

test("idle: Run enabled, Stop disabled, no handle, and the invitation to press Run", () => {
  const view = mount(idleState());
  assert.equal(view.root.getAttribute("data-lrw-status"), "idle");
  assert.equal(/** @type {HTMLButtonElement} */ (view.find('[data-lrw-action="run"]')).disabled, false);
  assert.equal(/** @type {HTMLButtonElement} */ (view.find('[data-lrw-action="stop"]')).disabled, true);
  assert.equal(view.find('.lrw-knob-group--hi').getAttribute("display"), "none");
  assert.match(view.find(".lrw-empty").textContent ?? "", /Press Run/);
  assert.equal(view.root.getAttribute("data-lrw-point-count"), "0");
  view.unmount();
});

test("running: rendered mid-run, the view asks for a replay and offers Stop", () => {
  const view = mount(idleState({ status: "running" }));
  assert.deepEqual(view.model.sent, [{ type: "replay" }]);
  assert.equal(/** @type {HTMLButtonElement} */ (view.find('[data-lrw-action="run"]')).disabled, true);
  assert.equal(/** @type {HTMLButtonElement} */ (view.find('[data-lrw-action="stop"]')).disabled, false);
  assert.match(view.find(".lrw-empty").textContent ?? "", /Waiting for the first losses/);
  view.unmount();
});

test("done: the curve trait is drawn, with the hi handle at lr_hi", () => {
  const state = doneState();
  const view = mount(state);
  assert.equal(view.root.getAttribute("data-lrw-point-count"), "40");
  assert.match(view.find("[data-lrw-curve]").getAttribute("d") ?? "", /^M[\d.]+ [\d.]+L/);
  assert.equal(view.find('.lrw-knob-group--hi').getAttribute("display"), "inline");
  assert.equal(Number(view.find('[data-lrw-handle="hi"]').getAttribute("aria-valuenow")), state.lr_hi);
  assert.equal(view.find(".lrw-empty").getAttribute("visibility"), "hidden");
  view.unmount();
});

test("error: the message is shown in the error box", () => {
  const view = mount(idleState({ status: "error", error: "RuntimeError: boom" }));
  const box = view.find("[data-lrw-error]");
  assert.equal(box.hidden, false);
  assert.match(box.textContent ?? "", /RuntimeError: boom/);
  view.unmount();
});

test("done with a notice: the notice is shown as a status, not an alert", () => {
  const view = mount(doneState({ notice: "The loss went below 0: pass stop_div=False." }));
  const box = view.find("[data-lrw-error]");
  assert.equal(box.hidden, false);
  assert.equal(box.getAttribute("role"), "status");
  assert.ok(box.classList.contains("lrw-error--notice"));
  assert.match(box.textContent ?? "", /stop_div=False/);
  view.model.update({ status: "running", notice: "" });
  frame();
  assert.equal(box.hidden, true);
  view.unmount();
});

test("a status change from Python redraws the buttons and the status hook", () => {
  const view = mount(idleState());
  view.model.update({ status: "running" });
  frame();
  assert.equal(view.root.getAttribute("data-lrw-status"), "running");
  assert.equal(/** @type {HTMLButtonElement} */ (view.find('[data-lrw-action="stop"]')).disabled, false);
  view.unmount();
});

test("rendered at zero size the plot keeps its minimum width, and a later resize redraws it wider", () => {
  const view = mount(doneState(), { width: null });
  resize(view.root, 0);
  frame();
  const svg = view.find(".lrw-svg");
  assert.equal(svg.getAttribute("width"), String(MIN_WIDTH)); // 320: a 360-px output still fits
  resize(view.root, 900);
  frame();
  assert.equal(svg.getAttribute("width"), "900");
  assert.equal(view.find("[data-lrw-plot-area]").getAttribute("width"), String(900 - 26 - 62));
  view.unmount();
});

test("cleanup calls model.off for every model.on, and leaves no DOM and no working button behind", () => {
  const view = mount(idleState());
  /** @type {[string, Function][]} */
  const added = [];
  for (const [event, set] of view.model.listeners) for (const callback of set) added.push([event, callback]);
  /** @type {[string, Function][]} */
  const removed = [];
  const off = view.model.off.bind(view.model);
  view.model.off = (event, callback) => {
    removed.push([event, callback]);
    off(event, callback);
  };
  const run = view.find('[data-lrw-action="run"]');
  view.cleanup();
  assert.ok(added.length >= 10);
  const matched = added.filter(([event, callback]) => removed.some(([e, c]) => e === event && c === callback));
  assert.equal(matched.length, added.length);
  assert.equal(removed.length, added.length);
  assert.equal(view.model.listenerCount(), 0);
  assert.equal(view.el.childElementCount, 0);
  run.click();
  assert.deepEqual(view.model.sent, []);
  view.el.remove();
});
