// A stand-in for anywidget's model and for the Python side (view.py), enough to drive the view in a plain page
// (dev/harness.js) and in the DOM tests (tests/support/view.js).
import { encodePoints } from "../src/wire.js";

export class FakeModel {
  /** @param {Record<string, any>} state */
  constructor(state) {
    this.state = { ...state };
    /** @type {Map<string, Set<Function>>} */
    this.listeners = new Map();
    /** @type {any[]} messages the view sent */
    this.sent = [];
    /** @type {Record<string, any>[]} what each save_changes carried */
    this.saved = [];
    /** @type {Set<string>} */
    this.dirty = new Set();
    /** @type {(state: Record<string, any>) => void} */
    this.onSave = () => {};
    /** @type {(content: any) => void} */
    this.onSend = () => {};
  }
  get(name) {
    return this.state[name];
  }
  set(name, value) {
    if (Object.is(this.state[name], value)) return;
    this.state[name] = value;
    this.dirty.add(name);
    this.emit(`change:${name}`, this, value);
  }
  /** A change from "Python": no save, just the event. */
  update(values) {
    for (const [name, value] of Object.entries(values)) {
      this.state[name] = value;
      this.emit(`change:${name}`, this, value);
    }
  }
  save_changes() {
    const changes = Object.fromEntries([...this.dirty].map((name) => [name, this.state[name]]));
    this.dirty.clear();
    this.saved.push(changes);
    this.onSave(changes);
  }
  send(content) {
    this.sent.push(content);
    this.onSend(content);
  }
  on(event, callback) {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event).add(callback);
  }
  off(event, callback) {
    this.listeners.get(event)?.delete(callback);
  }
  emit(event, ...args) {
    for (const callback of this.listeners.get(event) ?? []) callback(...args);
  }
  /**
   * A custom message from "Python".
   * @param {any} message
   * @param {unknown[]} [buffers]
   */
  message(message, buffers = []) {
    this.emit("msg:custom", message, buffers);
  }
  /**
   * Points `start, start + 1, …` as Python sends them: a binary `points` message (wire.js).
   * @param {number} start
   * @param {{ lrs: ArrayLike<number | null>, losses: ArrayLike<number | null>, raw_losses: ArrayLike<number | null> }} curve
   * @param {number} [from] first index of `curve` to send (default: start)
   * @param {number} [to] end index, exclusive (default: the curve's end)
   */
  points(start, curve, from = start, to = curve.lrs.length) {
    const slice = (/** @type {ArrayLike<number | null>} */ values) => Array.prototype.slice.call(values, from, to);
    const [content, buffers] = encodePoints(start, slice(curve.lrs), slice(curve.losses), slice(curve.raw_losses));
    this.message(content, buffers);
  }
  listenerCount() {
    let count = 0;
    for (const set of this.listeners.values()) count += set.size;
    return count;
  }
}

/**
 * Python's validation of the handles (view.py): reject and re-send the valid state.
 * @param {FakeModel} model
 */
export function validateLikePython(model) {
  let accepted = { lr_lo: model.state.lr_lo, lr_hi: model.state.lr_hi };
  model.onSave = (changes) => {
    if (!("lr_lo" in changes) && !("lr_hi" in changes)) return;
    const lo = model.state.lr_lo;
    const hi = model.state.lr_hi;
    const inside = (v) => v === null || (Number.isFinite(v) && v >= model.state.start_lr && v <= model.state.end_lr);
    if (inside(lo) && inside(hi) && (lo === null || hi === null || lo <= hi)) {
      accepted = { lr_lo: lo, lr_hi: hi };
    } else {
      model.rejected = (model.rejected ?? 0) + 1;
      setTimeout(() => model.update(accepted), 5);
    }
  };
}
