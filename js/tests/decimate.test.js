import assert from "node:assert/strict";
import { test } from "node:test";
import { decimateLine, decimateRange, formatCoordinate, linePath, rangePath } from "../src/decimate.js";

test("sparse points pass through unchanged", () => {
  const runs = decimateLine([0.5, 10.2, 20.7], [5, 6, 7]);
  assert.deepEqual(runs, [[0.5, 5, 10.2, 6, 20.7, 7]]);
  assert.equal(linePath(runs), "M0.5 5L10.2 6L20.7 7");
});

test("a line keeps at most 2 points per pixel column, its extremes in drawing order", () => {
  const n = 10000;
  const xs = Float64Array.from({ length: n }, (_, i) => (i / n) * 500);
  const ys = Float64Array.from({ length: n }, (_, i) => 100 + 50 * Math.sin(i / 7));
  const runs = decimateLine(xs, ys);
  assert.equal(runs.length, 1);
  const points = runs[0].length / 2;
  assert.ok(points <= 2 * 500, `${points} points for 500 columns`);
  const perColumn = new Map();
  for (let i = 0; i < runs[0].length; i += 2) {
    const column = Math.floor(runs[0][i]);
    perColumn.set(column, [...(perColumn.get(column) ?? []), runs[0][i + 1]]);
  }
  for (let column = 0; column < 500; column++) {
    const inColumn = [];
    for (let i = 0; i < n; i++) if (Math.floor(xs[i]) === column) inColumn.push(ys[i]);
    const kept = perColumn.get(column);
    assert.equal(Math.min(...kept), Math.min(...inColumn));
    assert.equal(Math.max(...kept), Math.max(...inColumn));
  }
});

test("gaps split the line into runs; a lone point becomes a dot", () => {
  const runs = decimateLine([1, 2, 3, 4, 5, 6], [1, 2, NaN, 4, NaN, 6]);
  assert.deepEqual(runs, [[1, 1, 2, 2], [4, 4], [6, 6]]);
  assert.equal(linePath(runs), "M1 1L2 2M4 4h0M6 6h0");
  assert.deepEqual(decimateLine([NaN, NaN], [1, 2]), []);
  assert.equal(linePath([]), "");
});

test("raw losses: one vertical span per column, gaps skipped", () => {
  const columns = decimateRange([0.1, 0.5, 0.9, 1.5, 2.2, 2.4], [5, 9, 7, NaN, 3, 3]);
  assert.deepEqual(columns, [0.5, 5, 9, 2.3, 3, 3]);
  assert.equal(rangePath(columns), "M0.5 5V9M2.3 3h0");
});

test("raw decimation of 10,000 points is bounded by the width", () => {
  const n = 10000;
  const xs = Float64Array.from({ length: n }, (_, i) => 60 + (i / n) * 800);
  const ys = Float64Array.from({ length: n }, (_, i) => (i % 13 === 0 ? NaN : 100 + (i % 17)));
  const columns = decimateRange(xs, ys);
  assert.ok(columns.length / 3 <= 801);
  assert.ok(columns.every(Number.isFinite));
});

test("coordinates print as the value rounded to 0.1", () => {
  for (const value of [0, 0.04, 0.05, 0.96, 1, 12.34, 12.35, 499.99, -0.04, -0.4, -3.45, -5, -206.3, 1e5 + 0.25]) {
    assert.equal(Number(formatCoordinate(value)), Math.round(value * 10) / 10 + 0, `${value}`);
  }
  for (let i = 0; i < 1000; i++) {
    const value = (Math.random() - 0.3) * 2000;
    assert.equal(formatCoordinate(value), String(Math.round(value * 10) / 10).replace(/^-0$/, "0"));
  }
});
