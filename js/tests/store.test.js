import assert from "node:assert/strict";
import { test } from "node:test";
import { applyPointsMessage, clearSeries, emptySeries, seriesFromCurve, shouldRequestReplay } from "../src/store.js";

const delta = (start, lrs, losses, raw = losses) => ({ type: "points", start, lrs, losses, raw_losses: raw });

test("deltas append in order", () => {
  const series = emptySeries();
  assert.equal(applyPointsMessage(series, delta(0, [1e-7, 2e-7], [2.3, 2.2])), "applied");
  assert.equal(applyPointsMessage(series, delta(2, [4e-7], [2.1])), "applied");
  assert.deepEqual(series.lrs, [1e-7, 2e-7, 4e-7]);
  assert.deepEqual(series.losses, [2.3, 2.2, 2.1]);
  assert.ok(Math.abs(series.logLrs[0] + 7) < 1e-12);
});

test("a delta past the end is a missed delta: nothing changes", () => {
  const series = emptySeries();
  applyPointsMessage(series, delta(0, [1e-7], [2.3]));
  const version = series.version;
  assert.equal(applyPointsMessage(series, delta(5, [1e-6], [2])), "missed");
  assert.equal(series.lrs.length, 1);
  assert.equal(series.version, version);
});

test("a replay from 0 replaces what is held (and so never asks again)", () => {
  const series = emptySeries();
  applyPointsMessage(series, delta(0, [1, 2, 3], [3, 2, 1]));
  assert.equal(applyPointsMessage(series, delta(0, [1, 2, 3, 4], [3, 2, 1, 0.5])), "applied");
  assert.deepEqual(series.losses, [3, 2, 1, 0.5]);
  assert.equal(applyPointsMessage(series, delta(2, [3, 4, 5], [1, 0.5, 0.4])), "applied");
  assert.deepEqual(series.losses, [3, 2, 1, 0.5, 0.4]);
});

test("null, NaN and missing raw losses become gaps", () => {
  const series = emptySeries();
  applyPointsMessage(series, { type: "points", start: 0, lrs: [1, 2, 3], losses: [1, null, "x"], raw_losses: [1] });
  assert.deepEqual(series.losses, [1, null, null]);
  assert.deepEqual(series.rawLosses, [1, null, null]);
  applyPointsMessage(series, { type: "points", start: 3 }); // empty arrays: no crash
  assert.equal(series.lrs.length, 3);
});

test("reset clears", () => {
  const series = emptySeries();
  applyPointsMessage(series, delta(0, [1], [1]));
  clearSeries(series);
  assert.equal(series.lrs.length, 0);
  assert.equal(series.logLrs.length, 0);
  assert.equal(applyPointsMessage(series, delta(0, [1], [1])), "applied");
});

test("the curve trait becomes a series, or null when empty", () => {
  assert.equal(seriesFromCurve({}), null);
  assert.equal(seriesFromCurve(null), null);
  assert.equal(seriesFromCurve({ lrs: [], losses: [] }), null);
  const series = seriesFromCurve({ lrs: [1e-3, 1e-2], losses: [1, null], raw_losses: [1.1, 2] });
  assert.deepEqual(series?.losses, [1, null]);
  assert.deepEqual(series?.rawLosses, [1.1, 2]);
});

test("replay requests are rate limited", () => {
  assert.equal(shouldRequestReplay(0, -Infinity), true);
  assert.equal(shouldRequestReplay(500, 0), false);
  assert.equal(shouldRequestReplay(1000, 0), true);
});
