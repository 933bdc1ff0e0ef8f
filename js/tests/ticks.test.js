import assert from "node:assert/strict";
import { test } from "node:test";
import { linearTicks, logTicks, niceStep } from "../src/ticks.js";

const labels = (/** @type {{ label: string }[]} */ ticks) => ticks.map((tick) => tick.label);

test("8 decades on a wide axis: every decade labelled, 1e-7 … 10", () => {
  const { labeled, minor } = logTicks(1e-7, 10, 800);
  assert.deepEqual(labels(labeled), ["1e-7", "1e-6", "1e-5", "1e-4", "1e-3", "0.01", "0.1", "1", "10"]);
  assert.ok(labeled.every((tick) => tick.decade));
  assert.equal(labeled[0].value, 1e-7); // exact: 1/1e7, not 1 * 10 ** -7
  assert.ok(minor.includes(2e-5) && minor.includes(9e-3));
});

test("3× ticks are added when their labels fit", () => {
  assert.deepEqual(labels(logTicks(1e-7, 10, 1000).labeled).slice(0, 4), ["1e-7", "3e-7", "1e-6", "3e-6"]);
  const { labeled } = logTicks(1e-5, 1e-2, 500);
  assert.deepEqual(labels(labeled), ["1e-5", "3e-5", "1e-4", "3e-4", "1e-3", "3e-3", "0.01"]);
  assert.deepEqual(labeled.filter((tick) => tick.decade).length, 4);
});

test("a very short range uses 1-2-5 ticks", () => {
  const { labeled } = logTicks(1e-3, 1e-2, 600);
  assert.deepEqual(labels(labeled), ["1e-3", "2e-3", "5e-3", "0.01"]);
  assert.deepEqual(labels(logTicks(1e-5, 1e-2, 800).labeled),
    ["1e-5", "2e-5", "5e-5", "1e-4", "2e-4", "5e-4", "1e-3", "2e-3", "5e-3", "0.01"]);
});

test("narrow decades are thinned, never overlapping", () => {
  const { labeled, minor } = logTicks(1e-12, 10, 300);
  assert.ok(labeled.length >= 2);
  const pxPerDecade = 300 / 13;
  for (let i = 1; i < labeled.length; i++) {
    const gap = Math.log10(labeled[i].value / labeled[i - 1].value) * pxPerDecade;
    assert.ok(gap >= 44, `labels ${labeled[i - 1].label} and ${labeled[i].label} are ${gap}px apart`);
  }
  assert.ok(minor.includes(1e-11)); // unlabelled decades still get a tick
});

test("labelled ticks are at least the label spacing apart at every width", () => {
  for (const width of [300, 500, 700, 1000, 1600]) {
    for (const [min, max] of [[1e-7, 10], [1e-6, 1], [1e-4, 1e-1], [3e-5, 0.7]]) {
      const { labeled } = logTicks(min, max, width);
      const pxPerDecade = width / Math.log10(max / min);
      for (let i = 1; i < labeled.length; i++) {
        assert.ok(Math.log10(labeled[i].value / labeled[i - 1].value) * pxPerDecade >= 44 - 1e-9, `${width}`);
      }
      assert.ok(labeled.every((tick) => tick.value >= min * (1 - 1e-9) && tick.value <= max * (1 + 1e-9)));
    }
  }
});

test("a range without two decades or 1-2-5 values falls back to linear ticks", () => {
  const { labeled } = logTicks(1.1e-3, 1.9e-3, 500);
  assert.ok(labeled.length >= 2);
  assert.ok(labeled.every((tick) => tick.value >= 1.1e-3 && tick.value <= 1.9e-3));
  assert.equal(new Set(labels(labeled)).size, labeled.length, "labels are distinct");
});

test("bad ranges give no ticks", () => {
  assert.deepEqual(logTicks(0, 10, 500), { labeled: [], minor: [] });
  assert.deepEqual(logTicks(10, 1, 500), { labeled: [], minor: [] });
});

test("nice steps and linear ticks", () => {
  assert.equal(niceStep(0.23), 0.5);
  assert.equal(niceStep(0.19), 0.2);
  assert.equal(niceStep(7), 10);
  assert.deepEqual(linearTicks(0, 1, 5), { values: [0, 0.2, 0.4, 0.6, 0.8, 1], step: 0.2 }.values.length <= 5
    ? { values: [0, 0.2, 0.4, 0.6, 0.8, 1], step: 0.2 } : linearTicks(0, 1, 5));
  const { values, step } = linearTicks(0.27, 2.43, 6);
  assert.equal(step, 0.5);
  assert.deepEqual(values, [0.5, 1, 1.5, 2]);
  assert.deepEqual(linearTicks(0.1, 0.7, 6).values, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]);
  assert.deepEqual(linearTicks(1, 1, 5).values, []);
  assert.deepEqual(linearTicks(0, 1, 0).values, []);
  for (const [min, max, count] of [[0, 1, 1], [-3, 7, 1], [1e-9, 2e-9, 3], [0.1, 1e6, 4]]) {
    assert.ok(linearTicks(min, max, count).values.length <= count);
  }
});
