// After a discriminative range test the view labels the x axis with the layer group it shows and offers the others
// (a simulated DOM on a fake model: tests/support/view.js).
import assert from "node:assert/strict";
import { test } from "node:test";
import { formatLr } from "../src/format.js";
import { doneState, Event, frame, mount } from "./support/view.js";

const GROUPS = {
  n_groups: 3, group_lr_ratios: [0.01, 0.1, 1], group_labels: ["0 (Linear) … 1 (BatchNorm1d)", "3 (Linear)", "5 (Linear)"],
  lr_lo: 1e-3, lr_hi: 1e-3,
};

/** @param {ReturnType<typeof mount>} view */
const axisTitle = (view) => [...view.el.querySelectorAll(".lrw-axis-title")].map((node) => node.textContent)[0];
/** @param {ReturnType<typeof mount>} view */
const tickLabels = (view) => [...view.el.querySelectorAll(".lrw-tick-label")].map((node) => node.textContent);

test("the x axis names the recorded group, the head, and the lo handle is not drawn", () => {
  const view = mount(doneState(GROUPS));
  assert.equal(axisTitle(view), "LR of group 3 of 3 (head)");
  assert.equal(view.find(".lrw-knob-group--lo").getAttribute("display"), "none");
  assert.match(view.find(".lrw-knob-group--hi .lrw-handle-label").textContent ?? "", /^group 3 1e-3$/);
  const picker = /** @type {HTMLSelectElement} */ (view.find("[data-lrw-group-select]"));
  assert.equal(/** @type {HTMLElement} */ (picker.parentElement).hidden, false);
  assert.deepEqual([...picker.options].map((option) => option.textContent),
    ["group 1 · ×0.01 · 0 (Linear) … 1 (BatchNorm1d)", "group 2 · ×0.1 · 3 (Linear)", "group 3 (head) · 5 (Linear)"]);
  assert.equal(picker.value, "2");
  view.unmount();
});

test("picking another group re-labels the axis, its ticks, the handle and the markers in that group's LR", () => {
  const view = mount(doneState(GROUPS));
  const before = tickLabels(view);
  const hiX = view.find('[data-lrw-handle="hi"]').closest("g")?.getAttribute("transform");
  const picker = /** @type {HTMLSelectElement} */ (view.find("[data-lrw-group-select]"));
  picker.value = "0";
  picker.dispatchEvent(new Event("change", { bubbles: true }));
  frame();
  assert.equal(axisTitle(view), "LR of group 1 of 3");
  // Two decades lower, at the same places: the x axis spans 1e-7..10 for the head, 1e-9..0.1 for group 1.
  assert.ok(before.includes("1e-7") && !before.includes("1e-9"), before.join(" "));
  assert.ok(tickLabels(view).includes("1e-9") && !tickLabels(view).includes("10"), tickLabels(view).join(" "));
  assert.match(view.find(".lrw-knob-group--hi .lrw-handle-label").textContent ?? "", /^group 1 1e-5$/);
  assert.equal(Number(view.find('[data-lrw-handle="hi"]').getAttribute("aria-valuenow")), 1e-3); // still the head's
  assert.equal(view.find('[data-lrw-handle="hi"]').closest("g")?.getAttribute("transform"), hiX); // not moved
  const alpha = view.find('[data-lrw-marker="alpha"]').parentElement?.querySelector(".lrw-marker-label");
  assert.equal(alpha?.textContent, `alpha ${formatLr(doneState().suggestions.alpha.lr * 0.01)}`);
  assert.deepEqual(view.model.sent, []); // a view-only choice: nothing goes to Python
  view.unmount();
});

test("a plain range test over several groups shows no selector, the lo handle, and says all groups share the LR", () => {
  const view = mount(doneState({ n_groups: 3, lr_lo: 1e-5, lr_hi: 1e-3 }));
  assert.equal(axisTitle(view), "learning rate (all 3 layer groups)");
  assert.equal(/** @type {HTMLElement} */ (view.find("[data-lrw-group-select]").parentElement).hidden, true);
  assert.equal(view.find(".lrw-knob-group--lo").getAttribute("display"), "inline");
  view.unmount();
});

test("one layer group: the axis title stays 'learning rate'", () => {
  const view = mount(doneState());
  assert.equal(axisTitle(view), "learning rate");
  view.unmount();
});

test("ratios that arrive after render (a new run) show the selector", () => {
  const view = mount(doneState({ n_groups: 3, lr_lo: 1e-3, lr_hi: 1e-3 }));
  view.model.set("group_lr_ratios", GROUPS.group_lr_ratios);
  frame();
  assert.equal(axisTitle(view), "LR of group 3 of 3 (head)");
  assert.equal(/** @type {HTMLElement} */ (view.find("[data-lrw-group-select]").parentElement).hidden, false);
  view.unmount();
});
