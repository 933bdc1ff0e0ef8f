// The lo/hi handles: clamping and keyboard steps (pure), throttled syncing, and pointer-capture drag wiring.
import { clamp } from "./scale.js";

/** Arrow keys move a handle by 1/50 of a decade (about 4.7%), Shift+arrow by 1/5, PageUp/PageDown by a decade. */
export const ARROW_STEP_DECADES = 1 / 50;
export const SHIFT_ARROW_STEP_DECADES = 1 / 5;
export const PAGE_STEP_DECADES = 1;

/**
 * @typedef {object} HandleState
 * @property {number | null} lo
 * @property {number | null} hi
 * @property {number} startLr
 * @property {number} endLr
 */

/**
 * Where a handle may go: inside [startLr, endLr], and lo never past hi (nor hi below lo).
 * @param {"lo" | "hi"} which
 * @param {HandleState} state
 * @returns {[number, number]}
 */
export function handleBounds(which, { lo, hi, startLr, endLr }) {
  if (which === "lo") return [startLr, hi === null ? endLr : clamp(hi, startLr, endLr)];
  return [lo === null ? startLr : clamp(lo, startLr, endLr), endLr];
}

/**
 * Moves one handle to `value`, clamped (see {@link handleBounds}). Bounds are returned exactly, so a handle dragged
 * past an end lands on start_lr / end_lr bit for bit and Python's range check accepts it.
 * @param {"lo" | "hi"} which
 * @param {number} value
 * @param {HandleState} state
 * @returns {number}
 */
export function clampHandle(which, value, state) {
  const [min, max] = handleBounds(which, state);
  if (!Number.isFinite(value)) return which === "lo" ? min : max;
  return clamp(value, min, max);
}

/**
 * Snaps hi to `value` (a marker click): hi is clamped to the tested range, and lo, if set, follows it down so that
 * lo ≤ hi still holds.
 * @param {number} value
 * @param {HandleState} state
 * @returns {{ lo: number | null, hi: number }}
 */
export function snapHi(value, { lo, startLr, endLr }) {
  const hi = clamp(value, startLr, endLr);
  return { lo: lo === null ? null : Math.min(lo, hi), hi };
}

/**
 * The value a key press moves a handle to, or null for a key the handle ignores.
 * @param {string} key KeyboardEvent.key
 * @param {boolean} shiftKey
 * @param {number} value the handle's current lr
 * @param {[number, number]} bounds from {@link handleBounds}
 * @returns {number | null}
 */
export function keyTarget(key, shiftKey, value, [min, max]) {
  const arrow = shiftKey ? SHIFT_ARROW_STEP_DECADES : ARROW_STEP_DECADES;
  /** @type {Record<string, number>} */
  const steps = {
    ArrowRight: arrow, ArrowUp: arrow, ArrowLeft: -arrow, ArrowDown: -arrow,
    PageUp: PAGE_STEP_DECADES, PageDown: -PAGE_STEP_DECADES,
  };
  if (key === "Home") return min;
  if (key === "End") return max;
  if (!(key in steps)) return null;
  return clamp(value * 10 ** steps[key], min, max);
}

/**
 * @typedef {object} Throttled
 * @property {() => void} call runs `fn` now if `intervalMs` passed since the last run, else once when it has
 * @property {() => void} flush runs `fn` now if a call is pending (pointerup, keyup: the final value always goes out)
 * @property {() => void} cancel drops a pending call
 */

/**
 * Leading and trailing throttle: during a drag the kernel hears about the handle every `intervalMs`, not on every
 * pointermove. Clock and timer are injectable for tests.
 * @param {() => void} fn
 * @param {number} intervalMs
 * @param {{ now?: () => number, setTimer?: (fn: () => void, ms: number) => unknown,
 *           clearTimer?: (timer: unknown) => void }} [clock]
 * @returns {Throttled}
 */
export function throttle(fn, intervalMs, clock = {}) {
  const now = clock.now ?? (() => performance.now());
  const setTimer = clock.setTimer ?? ((callback, ms) => setTimeout(callback, ms));
  const clearTimer = clock.clearTimer ?? ((timer) => clearTimeout(/** @type {number} */ (timer)));
  let lastRun = -Infinity;
  /** @type {unknown} */
  let timer = null;
  let pending = false;

  const run = () => {
    if (timer !== null) clearTimer(timer);
    timer = null;
    pending = false;
    lastRun = now();
    fn();
  };
  return {
    call() {
      pending = true;
      const wait = lastRun + intervalMs - now();
      if (wait <= 0) run();
      else if (timer === null) timer = setTimer(run, wait);
    },
    flush() {
      if (pending) run();
    },
    cancel() {
      if (timer !== null) clearTimer(timer);
      timer = null;
      pending = false;
    },
  };
}

/**
 * @typedef {object} DragCallbacks
 * @property {(event: PointerEvent) => boolean} start on pointerdown; return false to ignore this pointer
 * @property {(event: PointerEvent) => void} move
 * @property {(event: PointerEvent) => void} end pointerup, pointercancel or a lost capture
 */

/**
 * Wires a drag on `element` with pointer capture, so the drag keeps its pointer when it leaves the element (or the
 * widget, or the window). Returns the function that removes every listener.
 * @param {Element} element
 * @param {DragCallbacks} callbacks
 * @returns {() => void}
 */
export function attachPointerDrag(element, { start, move, end }) {
  /** @type {number | null} */
  let activePointer = null;

  /** @param {Event} event */
  const onDown = (event) => {
    const pointer = /** @type {PointerEvent} */ (event);
    if (activePointer !== null || pointer.button !== 0 || !start(pointer)) return;
    activePointer = pointer.pointerId;
    element.setPointerCapture(pointer.pointerId);
    pointer.preventDefault(); // no text selection, no native drag
  };
  /** @param {Event} event */
  const onMove = (event) => {
    const pointer = /** @type {PointerEvent} */ (event);
    if (pointer.pointerId === activePointer) move(pointer);
  };
  /** @param {Event} event */
  const onEnd = (event) => {
    const pointer = /** @type {PointerEvent} */ (event);
    if (pointer.pointerId !== activePointer) return;
    activePointer = null;
    if (element.hasPointerCapture(pointer.pointerId)) element.releasePointerCapture(pointer.pointerId);
    end(pointer);
  };
  const events = /** @type {const} */ ([
    ["pointerdown", onDown], ["pointermove", onMove], ["pointerup", onEnd],
    ["pointercancel", onEnd], ["lostpointercapture", onEnd],
  ]);
  for (const [name, listener] of events) element.addEventListener(name, listener);
  return () => {
    for (const [name, listener] of events) element.removeEventListener(name, listener);
  };
}
