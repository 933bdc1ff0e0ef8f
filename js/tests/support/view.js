// Renders the real view (src/index.js) into a happy-dom document on a fake anywidget model, with animation frames
// and resize observations driven by the test: `frame()` runs the queued frame callbacks, `resize(width)` delivers a
// ResizeObserver entry. Not a test file itself (node --test picks up *.test.js only).
import { Window } from "happy-dom";
import { FakeModel } from "../../dev/fake-model.js";
import widget from "../../src/index.js";

const window = new Window({ url: "http://localhost/" });

/** @type {Map<number, FrameRequestCallback>} */
const frames = new Map();
let nextFrame = 1;

/** @type {Set<FakeResizeObserver>} */
const observers = new Set();

/** Holds its callback until the test says the observed element has a size. */
class FakeResizeObserver {
  /** @param {ResizeObserverCallback} callback */
  constructor(callback) {
    this.callback = callback;
    /** @type {Element[]} */
    this.targets = [];
  }
  /** @param {Element} target */
  observe(target) {
    this.targets.push(target);
    observers.add(this);
  }
  disconnect() {
    this.targets = [];
    observers.delete(this);
  }
}

// The globals the view's modules use at run time.
Object.assign(globalThis, {
  window,
  document: window.document,
  getComputedStyle: window.getComputedStyle.bind(window),
  matchMedia: window.matchMedia.bind(window),
  MutationObserver: window.MutationObserver,
  ResizeObserver: FakeResizeObserver,
  requestAnimationFrame: (/** @type {FrameRequestCallback} */ callback) => {
    frames.set(nextFrame, callback);
    return nextFrame++;
  },
  cancelAnimationFrame: (/** @type {number} */ id) => frames.delete(id),
});

/** A marker registry as Python sends it (the names here are test data: the view knows none of them). */
export const REGISTRY = [
  { name: "alpha", tip: "Alpha's tip.", color_index: 4, shown_by_default: true, is_handle_default: true },
  { name: "beta", tip: "Beta's tip.", color_index: 1, shown_by_default: true, is_handle_default: false },
  { name: "gamma", tip: "Gamma's tip.", color_index: 2, shown_by_default: false, is_handle_default: false },
];

/** A 40-point falling-then-rising curve from 1e-7 to 10 (log-spaced, as a range test). */
export function makeCurve(count = 40) {
  const lrs = Array.from({ length: count }, (_, i) => 1e-7 * 1e8 ** (i / (count - 1)));
  const losses = lrs.map((lr) => 2 - 0.3 * Math.log10(lr / 1e-7) + 0.02 * Math.log10(lr / 1e-7) ** 2 * 3);
  return { lrs, losses, raw_losses: losses.map((loss, i) => loss + (i % 2 ? 0.05 : -0.05)) };
}

/** Suggestions for {@link REGISTRY}'s markers on {@link makeCurve}'s curve. */
export function makeSuggestions(curve = makeCurve()) {
  /** @param {number} i */
  const at = (i) => ({ lr: curve.lrs[i], point: [curve.lrs[i], curve.losses[i]], tip: "" });
  return { alpha: at(12), beta: at(18), gamma: { ...at(25), lr: curve.lrs[25] / 10 } };
}

/**
 * The state of a finished run with handles set, overridden by `state`.
 * @param {Record<string, unknown>} [state]
 */
export function doneState(state = {}) {
  const curve = makeCurve();
  const suggestions = makeSuggestions(curve);
  return {
    status: "done", error: "", start_lr: 1e-7, end_lr: 10, num_it: curve.lrs.length, curve,
    progress: { iteration: curve.lrs.length, num_it: curve.lrs.length, elapsed_s: 1, eta_s: null },
    suggestions, marker_registry: REGISTRY, visible_markers: ["alpha", "beta"], n_groups: 1,
    lr_lo: null, lr_hi: suggestions.alpha.lr, ...state,
  };
}

/** The state before any run, overridden by `state`. */
export function idleState(state = {}) {
  return {
    status: "idle", error: "", start_lr: 1e-7, end_lr: 10, num_it: 40, curve: {}, progress: {}, suggestions: {},
    marker_registry: REGISTRY, visible_markers: ["alpha", "beta"], n_groups: 1, lr_lo: null, lr_hi: null, ...state,
  };
}

/** Runs the animation frames queued so far (the view redraws in one). */
export function frame() {
  const queued = [...frames.entries()];
  frames.clear();
  for (const [, callback] of queued) callback(performance.now());
}

/**
 * Delivers a resize observation of `width` px to every observer of `target`.
 * @param {Element} target
 * @param {number} width
 */
export function resize(target, width) {
  for (const observer of [...observers]) {
    if (!observer.targets.includes(target)) continue;
    const entry = /** @type {ResizeObserverEntry} */ (/** @type {unknown} */ ({ target, contentRect: { width, height: 400 } }));
    observer.callback([entry], /** @type {ResizeObserver} */ (/** @type {unknown} */ (observer)));
  }
}

/**
 * Renders the view on a fake model holding `state`, lays it out at `width` px and draws the first frame.
 * @param {Record<string, unknown>} state
 * @param {{ width?: number | null }} [options] width null: no resize observation at all
 */
export function mount(state, { width = 800 } = {}) {
  const model = new FakeModel(state);
  const el = window.document.createElement("div");
  window.document.body.append(el);
  const cleanup = /** @type {() => void} */ (widget.render({ model, el }));
  const root = /** @type {HTMLElement} */ (el.querySelector("[data-lrw-root]"));
  if (width !== null) resize(root, width);
  frame();
  /** @param {string} selector */
  const find = (selector) => /** @type {HTMLElement} */ (el.querySelector(selector));
  return {
    model, el, root, find, cleanup,
    unmount() {
      cleanup();
      el.remove();
    },
  };
}

/** The happy-dom window's event classes, for dispatching. */
export const { PointerEvent, KeyboardEvent, MouseEvent, Event } = window;
