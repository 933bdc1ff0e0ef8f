import assert from "node:assert/strict";
import { test } from "node:test";
import { clampHandle, handleBounds, keyTarget, snapHi, throttle } from "../src/drag.js";

const state = { lo: 1e-5, hi: 1e-3, startLr: 1e-7, endLr: 10 };

test("lo can never pass hi, nor hi go below lo", () => {
  assert.equal(clampHandle("lo", 5e-3, state), 1e-3);
  assert.equal(clampHandle("hi", 1e-6, state), 1e-5);
  assert.equal(clampHandle("lo", 1e-4, state), 1e-4);
});

test("both stay inside [start_lr, end_lr], exactly at the ends", () => {
  assert.equal(clampHandle("hi", 1e3, state), 10);
  assert.equal(clampHandle("lo", 1e-12, state), 1e-7);
  assert.equal(clampHandle("hi", NaN, state), 10);
  assert.equal(clampHandle("lo", NaN, state), 1e-7);
  assert.deepEqual(handleBounds("hi", { ...state, lo: null }), [1e-7, 10]);
  assert.deepEqual(handleBounds("lo", { ...state, hi: null }), [1e-7, 10]);
});

test("a marker click snaps hi and pulls lo down with it", () => {
  assert.deepEqual(snapHi(1e-6, state), { lo: 1e-6, hi: 1e-6 });
  assert.deepEqual(snapHi(1e-2, state), { lo: 1e-5, hi: 1e-2 });
  assert.deepEqual(snapHi(1e-9, { ...state, lo: null }), { lo: null, hi: 1e-7 });
});

test("keys step in log space: 1/50 decade, Shift 1/5, Page a decade, Home/End to the bounds", () => {
  const bounds = /** @type {[number, number]} */ ([1e-7, 10]);
  const close = (a, b) => Math.abs(a / b - 1) < 1e-12;
  assert.ok(close(keyTarget("ArrowRight", false, 1e-3, bounds), 1e-3 * 10 ** (1 / 50)));
  assert.ok(close(keyTarget("ArrowLeft", false, 1e-3, bounds), 1e-3 * 10 ** (-1 / 50)));
  assert.ok(close(keyTarget("ArrowUp", true, 1e-3, bounds), 1e-3 * 10 ** (1 / 5)));
  assert.ok(close(keyTarget("PageDown", false, 1e-3, bounds), 1e-4));
  assert.equal(keyTarget("Home", false, 1e-3, bounds), 1e-7);
  assert.equal(keyTarget("End", false, 1e-3, bounds), 10);
  assert.equal(keyTarget("ArrowRight", false, 9.99, bounds), 10);
  assert.equal(keyTarget("a", false, 1e-3, bounds), null);
  // 50 presses are one decade.
  let value = 1e-4;
  for (let i = 0; i < 50; i++) value = /** @type {number} */ (keyTarget("ArrowRight", false, value, bounds));
  assert.ok(close(value, 1e-3));
});

function fakeClock() {
  let now = 0;
  /** @type {{ at: number, fn: () => void, id: number }[]} */
  let timers = [];
  let nextId = 0;
  return {
    now: () => now,
    setTimer: (/** @type {() => void} */ fn, /** @type {number} */ ms) => {
      const timer = { at: now + ms, fn, id: nextId++ };
      timers.push(timer);
      return timer.id;
    },
    clearTimer: (/** @type {unknown} */ id) => {
      timers = timers.filter((timer) => timer.id !== id);
    },
    advance(/** @type {number} */ ms) {
      now += ms;
      for (const timer of timers.filter((t) => t.at <= now)) {
        timers = timers.filter((t) => t !== timer);
        timer.fn();
      }
    },
  };
}

test("throttle: leading call, then at most one per interval, trailing call kept", () => {
  const clock = fakeClock();
  let runs = 0;
  const throttled = throttle(() => runs++, 50, clock);
  throttled.call();
  assert.equal(runs, 1);
  for (let i = 0; i < 10; i++) {
    clock.advance(4);
    throttled.call();
  }
  assert.equal(runs, 1);
  clock.advance(10);
  assert.equal(runs, 2); // the trailing call at 50 ms
  clock.advance(100);
  assert.equal(runs, 2);
});

test("throttle: flush sends a pending call at once (pointerup), and only a pending one", () => {
  const clock = fakeClock();
  let runs = 0;
  const throttled = throttle(() => runs++, 50, clock);
  throttled.call();
  clock.advance(10);
  throttled.call();
  throttled.flush();
  assert.equal(runs, 2);
  throttled.flush();
  assert.equal(runs, 2);
  clock.advance(100);
  assert.equal(runs, 2, "the timer was cleared by the flush");
  throttled.call();
  throttled.cancel();
  clock.advance(100);
  assert.equal(runs, 3);
});
