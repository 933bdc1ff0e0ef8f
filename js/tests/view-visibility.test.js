// A view rendered out of sight (display: none, detached, a collapsed output; VS Code's renderer does this) keeps its
// layout while hidden and redraws in full when it is shown again (tests/support/view.js drives the observer).
import assert from "node:assert/strict";
import { test } from "node:test";
import { MIN_WIDTH } from "../src/chart.js";
import { doneState, frame, mount, resize } from "./support/view.js";

test("hidden, the view keeps its last width instead of redrawing at the minimum", () => {
  const view = mount(doneState(), { width: 900 });
  const svg = view.find(".lrw-svg");
  assert.equal(svg.getAttribute("width"), "900");
  view.root.removeAttribute("data-lrw-last-redraw-ms");
  resize(view.root, 0);
  frame();
  assert.equal(svg.getAttribute("width"), "900");
  assert.equal(view.root.getAttribute("data-lrw-last-redraw-ms"), null, "a hidden view should not redraw");
  view.unmount();
});

test("shown again at the same width, the view redraws in full", () => {
  // At the minimum width hiding and showing change no width at all: only the visibility says to redraw.
  const view = mount(doneState(), { width: MIN_WIDTH });
  resize(view.root, 0);
  frame();
  view.root.removeAttribute("data-lrw-last-redraw-ms");
  resize(view.root, MIN_WIDTH);
  frame();
  assert.notEqual(view.root.getAttribute("data-lrw-last-redraw-ms"), null, "shown again, the view should redraw");
  assert.equal(view.find(".lrw-svg").getAttribute("width"), String(MIN_WIDTH));
  view.unmount();
});

test("rendered hidden, the view draws at its real width once shown", () => {
  const view = mount(doneState(), { width: 0 });
  resize(view.root, 880);
  frame();
  assert.equal(view.find(".lrw-svg").getAttribute("width"), "880");
  assert.notEqual(view.find("[data-lrw-curve]").getAttribute("d") ?? "", "");
  view.unmount();
});

test("a resize to the width it already has, while visible, costs no redraw", () => {
  const view = mount(doneState(), { width: 800 });
  view.root.removeAttribute("data-lrw-last-redraw-ms");
  resize(view.root, 800);
  frame();
  assert.equal(view.root.getAttribute("data-lrw-last-redraw-ms"), null);
  view.unmount();
});
