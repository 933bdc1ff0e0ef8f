// Markers and their toggles follow Python's marker_registry: order, palette index, tips, the default's emphasis.
import assert from "node:assert/strict";
import { test } from "node:test";
import { doneState, Event, frame, mount, REGISTRY } from "./support/view.js";

/** @param {ReturnType<typeof mount>} view */
const toggleNames = (view) =>
  [...view.el.querySelectorAll("[data-lrw-toggle]")].map((input) => input.getAttribute("data-lrw-toggle"));

test("the toggles list the registry's markers in its order", () => {
  const view = mount(doneState({ marker_registry: [REGISTRY[2], REGISTRY[0], REGISTRY[1]] }));
  assert.deepEqual(toggleNames(view), ["gamma", "alpha", "beta"]);
  view.unmount();
});

test("a marker's colour is the palette entry of its color_index", () => {
  const view = mount(doneState());
  const group = view.find('[data-lrw-marker="beta"]').parentElement;
  assert.equal(group?.style.getPropertyValue("--lrw-marker"), "var(--lrw-marker-1, var(--lrw-marker-fallback))");
  const toggle = view.find('[data-lrw-toggle="alpha"]').parentElement;
  assert.equal(toggle?.style.getPropertyValue("--lrw-marker"), "var(--lrw-marker-4, var(--lrw-marker-fallback))");
  view.unmount();
});

test("only the registry's default marker is drawn with emphasis", () => {
  const view = mount(doneState());
  const emphasised = [...view.el.querySelectorAll(".lrw-marker--default [data-lrw-marker]")]
    .map((dot) => dot.getAttribute("data-lrw-marker"));
  assert.deepEqual(emphasised, ["alpha"]);
  view.unmount();
});

test("the registry's tip is the marker's tooltip and accessible description", () => {
  const view = mount(doneState());
  const group = view.find('[data-lrw-marker="beta"]').parentElement;
  assert.match(group?.getAttribute("aria-label") ?? "", /Beta's tip\./);
  group?.dispatchEvent(new Event("focus"));
  assert.match(view.find(".lrw-tooltip").textContent ?? "", /Beta's tip\./);
  view.unmount();
});

test("markers restack when the registry's order changes (the last one on top)", () => {
  const view = mount(doneState());
  view.model.update({ marker_registry: [REGISTRY[1], REGISTRY[0], REGISTRY[2]] });
  frame();
  const stacked = [...view.el.querySelectorAll(".lrw-marker-layer [data-lrw-marker]")]
    .map((dot) => dot.getAttribute("data-lrw-marker"));
  assert.deepEqual(stacked, ["beta", "alpha"]);
  view.unmount();
});

test("ticking a toggle writes visible_markers in registry order", () => {
  const view = mount(doneState({ visible_markers: ["beta"] }));
  const input = /** @type {HTMLInputElement} */ (view.find('[data-lrw-toggle="gamma"]'));
  input.checked = true;
  input.dispatchEvent(new Event("change", { bubbles: true }));
  assert.deepEqual(view.model.saved, [{ visible_markers: ["beta", "gamma"] }]);
  frame();
  assert.ok(view.find('[data-lrw-marker="gamma"]'));
  view.unmount();
});

test("without visible_markers the registry's shown_by_default markers are drawn", () => {
  const view = mount(doneState({ visible_markers: undefined }));
  const drawn = [...view.el.querySelectorAll("[data-lrw-marker]")].map((dot) => dot.getAttribute("data-lrw-marker"));
  assert.deepEqual(drawn.sort(), ["alpha", "beta"]);
  view.unmount();
});

test("an empty registry still offers every suggestion, coloured in palette order", () => {
  const view = mount(doneState({ marker_registry: [], visible_markers: ["alpha", "beta", "gamma"] }));
  assert.deepEqual(toggleNames(view), ["alpha", "beta", "gamma"]);
  const colors = ["alpha", "beta", "gamma"].map((name) =>
    view.find(`[data-lrw-marker="${name}"]`).parentElement?.style.getPropertyValue("--lrw-marker"));
  assert.deepEqual(colors, [0, 1, 2].map((i) => `var(--lrw-marker-${i}, var(--lrw-marker-fallback))`));
  view.unmount();
});

test("a registry change from Python rebuilds the toggles", () => {
  const view = mount(doneState());
  view.model.update({ marker_registry: [REGISTRY[1]] });
  frame();
  assert.deepEqual(toggleNames(view), ["beta", "alpha", "gamma"]);
  view.unmount();
});
