import assert from "node:assert/strict";
import { test } from "node:test";
import { formatDuration, formatLoss, formatLr, formatStatusLine, formatTick } from "../src/format.js";

test("learning rates: scientific below 0.01, plain up to 1000, trailing zeros trimmed", () => {
  assert.equal(formatLr(1e-7), "1e-7");
  assert.equal(formatLr(1e-4), "1e-4");
  assert.equal(formatLr(3e-4), "3e-4");
  assert.equal(formatLr(2.5e-3), "2.5e-3");
  assert.equal(formatLr(0.0012345), "1.2e-3");
  assert.equal(formatLr(0.0012345, 3), "1.23e-3");
  assert.equal(formatLr(0.01), "0.01");
  assert.equal(formatLr(0.03), "0.03");
  assert.equal(formatLr(0.1), "0.1");
  assert.equal(formatLr(1), "1");
  assert.equal(formatLr(10), "10");
  assert.equal(formatLr(3e4), "3e4");
});

test("rounding that carries over a boundary picks the style of the rounded value", () => {
  assert.equal(formatLr(0.00999), "0.01");
  assert.equal(formatLr(9.99e-4), "1e-3");
  assert.equal(formatLr(999.7), "1e3");
});

test("missing and non-finite values", () => {
  assert.equal(formatLr(null), "—");
  assert.equal(formatLr(NaN), "—");
  assert.equal(formatLr(Infinity), "∞");
  assert.equal(formatLoss(undefined), "—");
});

test("losses keep 4 significant digits", () => {
  assert.equal(formatLoss(2.302585), "2.303");
  assert.equal(formatLoss(0.012345), "0.01235");
  assert.equal(formatLoss(0), "0");
  assert.equal(formatLoss(1234567), "1.23e6");
  assert.equal(formatLoss(0.00001234), "1.23e-5");
});

test("linear tick labels show just enough decimals", () => {
  assert.equal(formatTick(0.5, 0.5), "0.5");
  assert.equal(formatTick(2, 0.5), "2.0");
  assert.equal(formatTick(2, 1), "2");
  assert.equal(formatTick(0.25, 0.05), "0.25");
  assert.equal(formatTick(1e-12, 0.2), "0");
});

test("durations", () => {
  assert.equal(formatDuration(3.21), "3.2 s");
  assert.equal(formatDuration(0), "0.0 s");
  assert.equal(formatDuration(9.96), "10 s");
  assert.equal(formatDuration(42.4), "42 s");
  assert.equal(formatDuration(59.6), "1 min 00 s");
  assert.equal(formatDuration(65), "1 min 05 s");
  assert.equal(formatDuration(3725), "1 h 02 min");
  assert.equal(formatDuration(null), "—");
  assert.equal(formatDuration(-1), "0.0 s");
});

test("status lines", () => {
  const progress = { iteration: 37, num_it: 100, elapsed_s: 3.21, eta_s: 5.1 };
  assert.equal(formatStatusLine("running", progress, 37), "iteration 37/100 · elapsed 3.2 s · ETA 5.1 s");
  assert.equal(formatStatusLine("running", { ...progress, eta_s: null }, 37), "iteration 37/100 · elapsed 3.2 s");
  assert.equal(formatStatusLine("done", { iteration: 100, num_it: 100, elapsed_s: 8 }, 100),
    "done · 100/100 iterations in 8.0 s");
  assert.equal(formatStatusLine("stopped", { iteration: 12, num_it: 100, elapsed_s: 1 }, 12),
    "stopped at iteration 12/100 after 1.0 s");
  assert.equal(formatStatusLine("running", {}, 5), "iteration 5 · elapsed —");
  assert.equal(formatStatusLine("idle", {}, 0), "");
  assert.equal(formatStatusLine("done", { iteration: 98, num_it: 100, elapsed_s: 2, stop_reason: "diverged" }, 98),
    "done · 98/100 iterations in 2.0 s · stopped early: the loss diverged");
  assert.equal(formatStatusLine("done", {}, 87), "done · 87 iterations");
  assert.equal(formatStatusLine("idle", {}, 10), "");
});
