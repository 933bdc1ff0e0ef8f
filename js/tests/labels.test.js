// Marker labels stay clear of each other, of every dot and of the plot's edges.
import assert from "node:assert/strict";
import { test } from "node:test";
import { LABEL_HALF_HEIGHT, placeLabels } from "../src/labels.js";

const BOUNDS = { left: 62, right: 874, top: 34, bottom: 274 };

/**
 * @param {import("../src/labels.js").LabelItem[]} items
 * @param {import("../src/labels.js").LabelPlace[]} places
 */
function assertClear(items, places) {
  const boxes = places.map((p, i) => [p.x0, p.x0 + items[i].width, p.y - LABEL_HALF_HEIGHT, p.y + LABEL_HALF_HEIGHT]);
  const hit = (a, b) => a[0] < b[1] && b[0] < a[1] && a[2] < b[3] && b[2] < a[3];
  boxes.forEach((box, i) => {
    boxes.forEach((other, j) => assert.ok(i === j || !hit(box, other), `label ${i} overlaps label ${j}`));
    items.forEach(({ x, y, radius }, j) =>
      assert.ok(!hit(box, [x - radius, x + radius, y - radius, y + radius]), `label ${i} covers dot ${j}`));
    assert.ok(box[0] >= BOUNDS.left && box[1] <= BOUNDS.right && box[2] >= BOUNDS.top && box[3] <= BOUNDS.bottom);
  });
}

test("a lone label sits right of its dot, or left of it at the right edge", () => {
  assert.deepEqual(placeLabels([{ x: 300, y: 100, radius: 5, width: 60 }], BOUNDS), [{ x0: 309, y: 100 }]);
  assert.deepEqual(placeLabels([{ x: 850, y: 100, radius: 5, width: 60 }], BOUNDS), [{ x0: 781, y: 100 }]);
});

test("a dot just right of and below another marker is not hidden under that marker's label", () => {
  // As at 3,000 points: steep's label (right of its dot) ran over valley's dot.
  const items = [
    { x: 400, y: 150, radius: 5, width: 70 }, // steep
    { x: 440, y: 156, radius: 5, width: 77 }, // valley
  ];
  const places = placeLabels(items, BOUNDS);
  assertClear(items, places);
  assert.equal(places[0].y, 150); // steep keeps its row, its label moves to the dot's left
  assert.equal(places[0].x0 + items[0].width, 391);
});

test("a crowd of markers gets labels clear of every label and dot", () => {
  const items = [
    { x: 500, y: 200, radius: 6.5, width: 90 },
    { x: 470, y: 190, radius: 5, width: 70 },
    { x: 530, y: 205, radius: 5, width: 77 },
    { x: 510, y: 215, radius: 5, width: 80 },
  ];
  assertClear(items, placeLabels(items, BOUNDS));
});
