// The repeats' band, median line, pick-spread bars and status words (band.js), as pure functions.
import assert from "node:assert/strict";
import { test } from "node:test";
import { bandPath, medianPath, parseBand, spreadBars, withRepeats } from "../src/band.js";
import { computeLayout } from "../src/chart.js";

const layout = computeLayout(800, 1e-7, 10, [0, 4]);
const trait = {
  lrs: [1e-6, 1e-5, 1e-4, 1e-3], lo: [1, 1.5, null, 2], hi: [2, 2.5, 3, 3], median: [1.5, 2, null, 2.5],
  n_points: 4, repeats: 3, summary: "3 repeats: sweetspot picks span 2.1× (1.2e-3 – 2.5e-3)",
};

/** @param {string} path */
const moves = (path) => path.split(/[MLZ]/).filter(Boolean).map((pair) => pair.split(" ").map(Number));

test("an empty or malformed band trait is no band", () => {
  assert.equal(parseBand({}), null);
  assert.equal(parseBand(null), null);
  assert.equal(parseBand({ lrs: [], lo: [], hi: [] }), null);
  assert.equal(parseBand({ lrs: [1e-3], lo: "x", hi: [1] }), null);
});

test("the band goes along hi and back along lo, broken where an edge is missing", () => {
  const band = /** @type {NonNullable<ReturnType<typeof parseBand>>} */ (parseBand(trait));
  const path = bandPath(layout, band);
  assert.equal(path.split("M").length - 1, 1, "the lone last point after the gap makes no piece of its own");
  const points = moves(path);
  const x = (/** @type {number} */ lr) => Math.round(layout.x.toPx(lr) * 10) / 10;
  const y = (/** @type {number} */ loss) => Math.round(layout.y.toPx(loss) * 10) / 10;
  assert.deepEqual(points, [[x(1e-6), y(2)], [x(1e-5), y(2.5)], [x(1e-5), y(1.5)], [x(1e-6), y(1)]]);
});

test("the median line is a polyline with a gap where the median is missing", () => {
  const band = /** @type {NonNullable<ReturnType<typeof parseBand>>} */ (parseBand(trait));
  const path = medianPath(layout, band);
  assert.equal((path.match(/M/g) ?? []).length, 2);
  assert.equal((path.match(/L/g) ?? []).length, 1);
});

test("a spread bar runs from the lowest to the highest repeat's marker position, just under the marker", () => {
  const specs = [{ name: "sweetspot", lr: 2e-3, pointLr: 2e-3, pointLoss: 2, tip: "", colorIndex: 4, isDefault: true },
    { name: "valley", lr: 1e-4, pointLr: 1e-4, pointLoss: 2, tip: "", colorIndex: 0, isDefault: false }];
  const spread = { sweetspot: { lo: 1.2e-3, hi: 2.5e-3, x_lo: 1.2e-3, x_hi: 2.5e-3, median: 2e-3, picks: [] },
    minimum: { x_lo: 1e-3, x_hi: 2e-3 } };
  const bars = spreadBars(layout, spread, specs);
  assert.deepEqual(bars.map((bar) => bar.name), ["sweetspot"], "only drawn markers with a spread get a bar");
  const [bar] = bars;
  assert.ok(Math.abs(bar.x1 - layout.x.toPx(1.2e-3)) < 1e-9 && Math.abs(bar.x2 - layout.x.toPx(2.5e-3)) < 1e-9);
  assert.ok(bar.y - layout.y.toPx(2) >= 7 && bar.y - layout.y.toPx(2) <= 12, "below the dot, not through it");
  assert.equal(bar.colorIndex, 4);
  assert.deepEqual(spreadBars(layout, { sweetspot: { x_lo: 3e-3, x_hi: 1e-3 } }, specs), [], "hi below lo is refused");
});

test("the status line says which repeat runs, then how far the picks disagree", () => {
  assert.equal(withRepeats("iteration 3/30", "running", { repeat: 2, repeats: 3 }, {}), "repeat 2/3 · iteration 3/30");
  assert.equal(withRepeats("iteration 3/30", "running", { iteration: 3 }, {}), "iteration 3/30");
  assert.equal(withRepeats("done · 30 iterations", "done", {}, trait), `done · 30 iterations · ${trait.summary}`);
  assert.equal(withRepeats("stopped at iteration 4", "stopped", {}, trait), `stopped at iteration 4 · ${trait.summary}`);
  assert.equal(withRepeats("done · 30 iterations", "done", {}, {}), "done · 30 iterations");
  assert.equal(withRepeats("failed at iteration 4", "error", {}, trait), "failed at iteration 4");
});
