// The drawn raw losses: all of them at full strength when sparse, thinned and faded when dense.
import assert from "node:assert/strict";
import { test } from "node:test";
import { doneState, makeCurve, mount } from "./support/view.js";

/** @param {number} points */
function rawOf(points) {
  const curve = makeCurve(points);
  const view = mount(doneState({ curve, num_it: points }));
  const raw = /** @type {SVGPathElement} */ (view.find(".lrw-raw"));
  const result = {
    opacity: Number(raw.style.getPropertyValue("stroke-opacity")),
    moves: (raw.getAttribute("d") ?? "").split("M").length - 1,
  };
  view.unmount();
  return result;
}

test("sparse raw losses are all drawn at full strength; 10,000 are thinned to about one per column and faded", () => {
  const sparse = rawOf(40);
  assert.equal(sparse.moves, 40);
  assert.equal(sparse.opacity, 0.7);
  const dense = rawOf(10000);
  const columns = 800 - 62 - 26;
  assert.ok(dense.moves <= columns, `${dense.moves} raw strokes for ${columns} columns`);
  assert.ok(dense.opacity < 0.3, `opacity ${dense.opacity}`);
});
