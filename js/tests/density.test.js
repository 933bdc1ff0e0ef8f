// Dense raw losses are thinned and faded by points per pixel column, so they cannot form a solid band.
import assert from "node:assert/strict";
import { test } from "node:test";
import { decimateRange, rawDensity, thin } from "../src/decimate.js";

test("up to one point per column every raw loss is drawn at full strength", () => {
  assert.deepEqual(rawDensity(100, 700), { stride: 1, opacity: 0.7, dense: false });
  assert.deepEqual(rawDensity(700, 700), { stride: 1, opacity: 0.7, dense: false });
  assert.deepEqual(rawDensity(0, 0), { stride: 1, opacity: 0.7, dense: false });
});

test("denser raw losses are thinned to about one per column and fade as the density grows", () => {
  const at3000 = rawDensity(3000, 770);
  const at10000 = rawDensity(10000, 770);
  const at10000narrow = rawDensity(10000, 250);
  assert.equal(at3000.stride, 4);
  assert.equal(at10000.stride, 13);
  assert.ok(at3000.dense && at10000.dense);
  assert.ok(0.7 > at3000.opacity && at3000.opacity > at10000.opacity && at10000.opacity > at10000narrow.opacity);
  assert.ok(at10000narrow.opacity >= 0.14); // never invisible
  assert.ok(Math.ceil(10000 / at10000.stride) <= 770); // about one drawn point per column
});

test("thinning keeps every stride-th point from the first, and the drawn columns stay single dots", () => {
  const xs = Float64Array.from({ length: 10 }, (_, i) => i * 0.25);
  const ys = Float64Array.from({ length: 10 }, (_, i) => 100 + (i % 2) * 50);
  const [thinXs, thinYs] = thin(xs, ys, 4);
  assert.deepEqual([...thinXs], [0, 1, 2]);
  assert.deepEqual([...thinYs], [100, 100, 100]);
  assert.deepEqual(thin(xs, ys, 1), [xs, ys]);
  // Without thinning a column holds a 100–150 span (the "wall"); thinned, each column is one point.
  assert.deepEqual(decimateRange(xs, ys).slice(0, 3), [0.375, 100, 150]);
  assert.deepEqual(decimateRange(thinXs, thinYs), [0, 100, 100, 1, 100, 100, 2, 100, 100]);
});
