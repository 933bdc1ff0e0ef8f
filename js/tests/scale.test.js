import assert from "node:assert/strict";
import { test } from "node:test";
import { clamp, linearScale, logPxFromLog10, logScale } from "../src/scale.js";

test("log scale maps the range ends and decades evenly", () => {
  const x = logScale([1e-7, 10], [60, 860]);
  assert.equal(x.toPx(1e-7), 60);
  assert.equal(x.toPx(10), 860);
  assert.ok(Math.abs(x.toPx(1e-3) - (60 + 800 * (4 / 8))) < 1e-9);
});

test("log scale round-trips lr → px → lr", () => {
  const x = logScale([1e-7, 10], [62.5, 874.25]);
  for (const lr of [1e-7, 3.3e-6, 1e-4, 2.5e-3, 0.731, 10]) {
    const back = x.fromPx(x.toPx(lr));
    assert.ok(Math.abs(back - lr) / lr < 1e-12, `${lr} came back as ${back}`);
  }
  for (const px of [62.5, 100, 433.3, 874.25]) assert.ok(Math.abs(x.toPx(x.fromPx(px)) - px) < 1e-9);
});

test("log scale never throws on bad input", () => {
  assert.ok(Number.isNaN(logScale([1e-7, 10], [0, 100]).toPx(0)));
  assert.ok(Number.isNaN(logScale([1e-7, 10], [0, 100]).toPx(-1)));
  assert.equal(logScale([1e-3, 1e-3], [0, 100]).toPx(1e-3), 50);
  assert.equal(logScale([0, 10], [0, 100]).toPx(1), 50);
});

test("logPxFromLog10 agrees with logScale", () => {
  const x = logScale([1e-6, 1], [10, 510]);
  const fromLog = logPxFromLog10([1e-6, 1], [10, 510]);
  for (const lr of [1e-6, 4e-5, 0.3, 1]) assert.ok(Math.abs(fromLog(Math.log10(lr)) - x.toPx(lr)) < 1e-9);
});

test("linear scale flips for pixel y and round-trips", () => {
  const y = linearScale([0, 4], [280, 30]);
  assert.equal(y.toPx(0), 280);
  assert.equal(y.toPx(4), 30);
  assert.equal(y.fromPx(y.toPx(2.5)), 2.5);
  assert.equal(linearScale([1, 1], [0, 10]).toPx(1), 5);
});

test("clamp", () => {
  assert.equal(clamp(5, 0, 1), 1);
  assert.equal(clamp(-5, 0, 1), 0);
  assert.equal(clamp(0.5, 0, 1), 0.5);
});
