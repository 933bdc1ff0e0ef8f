import assert from "node:assert/strict";
import { test } from "node:test";
import { lossRange } from "../src/yrange.js";

/** A typical range test: flat at 2.3, falls to 0.4, then explodes. */
function typicalCurve(n = 100) {
  const losses = [];
  for (let i = 0; i < n; i++) {
    const t = i / (n - 1);
    losses.push(t < 0.3 ? 2.3 : t < 0.8 ? 2.3 - (1.9 * (t - 0.3)) / 0.5 : 0.4 * Math.exp((t - 0.8) * 60));
  }
  return losses;
}

test("a divergence spike does not squash the curve", () => {
  const losses = typicalCurve();
  assert.ok(Math.max(...losses) > 1e4);
  const [bottom, top] = lossRange(losses, [], 100);
  assert.ok(bottom <= 0.4 && bottom >= 0.2, `bottom ${bottom}`);
  assert.ok(top >= 2.3 && top < 5, `top ${top}`);
});

test("the range does not jump as points arrive once the early window is in", () => {
  const losses = typicalCurve();
  const [, topAt60] = lossRange(losses.slice(0, 60), [], 100);
  const [, topAt75] = lossRange(losses.slice(0, 75), [], 100);
  assert.ok(Math.abs(topAt60 - topAt75) / topAt60 < 0.05);
});

test("a curve that only rises is shown up to 1.5× its start", () => {
  const losses = Array.from({ length: 50 }, (_, i) => 1 + i * 0.1); // rises to 5.9
  const [bottom, top] = lossRange(losses, [], 50);
  assert.ok(bottom <= 1);
  assert.ok(top >= 1.5 && top < 2, `top ${top}`);
});

test("raw losses below the smoothed curve widen the bottom, by at most half the curve's span", () => {
  const smoothed = [2, 1.8, 1.5, 1.2, 1.0];
  const [bottom] = lossRange(smoothed, [2.1, 1.5, 1.6, 0.7, 1.1], 5);
  assert.ok(bottom <= 0.7);
  const [floor, top] = lossRange(smoothed, [2.1, 1.5, 1.6, 0.01, 1.1], 5);
  assert.ok(floor >= 0.4 && floor < 0.5, `bottom ${floor}`); // 1.0 − (2 − 1) / 2, less the margin
  assert.ok((1.0 - floor) / (top - floor) < 1 / 3 + 0.05, "the smoothed curve keeps two thirds of the height");
});

test("nulls, NaN, empty and flat input never break it", () => {
  assert.deepEqual(lossRange([], [], 100), [0, 1]);
  assert.deepEqual(lossRange([null, null], [null], 100), [0, 1]);
  const [bottom, top] = lossRange([null, 2, NaN, 1.5, null, Infinity], [], 100);
  assert.ok(bottom < 1.5 && top > 2);
  const [flatBottom, flatTop] = lossRange([3, 3, 3], [3, 3, 3], 3);
  assert.ok(flatBottom < 3 && flatTop > 3);
  const [rawBottom, rawTop] = lossRange([null], [1, 2], 10);
  assert.ok(rawBottom <= 1 && rawTop >= 2);
});

test("non-negative losses never get a negative axis", () => {
  const [bottom] = lossRange([0.02, 0.01, 0.001], [0, 0.01], 3);
  assert.ok(bottom >= 0);
});
