// The binary `points` message (Python → view), decoded into typed arrays. Pure.
//
// Wire format: content `{"type": "points", "start": k, "count": n}` with three buffers, n values each, little-endian:
//   buffers[0] lrs (float64), buffers[1] smoothed losses (float32), buffers[2] raw losses (float32).
// NaN and ±inf travel as themselves (the view draws a gap). 16 B per point plus a constant header.
// A run with a validation loss adds buffers[3], the validation losses (float32, NaN where not evaluated), to the deltas
// that hold one; a message without it has none (old Python, or no validation), and an older view ignores it.
//
// Buffers reach `msg:custom` as DataView[] in JupyterLab (jupyterlab/services deserialises them so), but other hosts
// hand over ArrayBuffers or typed arrays: every ArrayBufferView and ArrayBuffer is accepted. Values are read through
// a DataView with an explicit byte order, so a buffer at an unaligned offset, or a big-endian machine, reads right.

/**
 * @typedef {object} PointsDelta
 * @property {number} start index of the first point
 * @property {Float64Array} lrs
 * @property {Float32Array} losses
 * @property {Float32Array} raw_losses
 * @property {Float32Array} [valid_losses] present when the message carries the fourth buffer
 */

/** Bytes per value of each buffer, in buffer order. */
const LR_BYTES = 8;
const LOSS_BYTES = 4;

/**
 * A DataView over a buffer as anywidget may deliver it, or null for anything else.
 * @param {unknown} buffer
 * @returns {DataView | null}
 */
export function asDataView(buffer) {
  if (buffer instanceof DataView) return buffer;
  if (ArrayBuffer.isView(buffer)) return new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  if (buffer instanceof ArrayBuffer) return new DataView(buffer);
  return null;
}

/**
 * @param {DataView} view
 * @param {number} count
 * @returns {Float64Array}
 */
function readFloat64(view, count) {
  const values = new Float64Array(count);
  for (let i = 0; i < count; i++) values[i] = view.getFloat64(i * LR_BYTES, true);
  return values;
}

/**
 * @param {DataView} view
 * @param {number} count
 * @returns {Float32Array}
 */
function readFloat32(view, count) {
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = view.getFloat32(i * LOSS_BYTES, true);
  return values;
}

/**
 * Decodes a `points` message. Throws an Error naming what is wrong (a bad start or count, a missing or short buffer),
 * so a malformed message is reported instead of drawn as garbage.
 * @param {Record<string, unknown>} content the message's JSON part
 * @param {readonly unknown[] | undefined} buffers the message's binary part
 * @returns {PointsDelta}
 */
export function decodePoints(content, buffers) {
  const { start, count } = content;
  if (typeof start !== "number" || !Number.isInteger(start) || start < 0) {
    throw new Error(`points message: start must be an integer ≥ 0, got ${JSON.stringify(start)}`);
  }
  if (typeof count !== "number" || !Number.isInteger(count) || count < 0) {
    throw new Error(`points message: count must be an integer ≥ 0, got ${JSON.stringify(count)}`);
  }
  const parts = ["lrs (float64)", "losses (float32)", "raw_losses (float32)"];
  const views = parts.map((name, i) => {
    const view = asDataView(buffers?.[i]);
    const needed = count * (i === 0 ? LR_BYTES : LOSS_BYTES);
    const what = `points message: buffer ${i}, ${name},`;
    if (view === null) throw new Error(`${what} is missing (got ${buffers?.length ?? 0} buffers)`);
    if (view.byteLength < needed) {
      throw new Error(`${what} holds ${view.byteLength} bytes, expected ${needed} for ${count} points`);
    }
    return view;
  });
  /** @type {PointsDelta} */
  const delta = {
    start,
    lrs: readFloat64(views[0], count),
    losses: readFloat32(views[1], count),
    raw_losses: readFloat32(views[2], count),
  };
  if (buffers !== undefined && buffers.length > 3) {
    const view = asDataView(buffers[3]);
    const needed = count * LOSS_BYTES;
    if (view === null || view.byteLength < needed) {
      throw new Error(`points message: buffer 3, valid_losses (float32), holds ${view?.byteLength ?? "no"} bytes, `
        + `expected ${needed} for ${count} points`);
    }
    delta.valid_losses = readFloat32(view, count);
  }
  return delta;
}

/**
 * Encodes points as Python does (the fake kernel of the tests and the harness use it).
 * @param {number} start
 * @param {ArrayLike<number | null>} lrs
 * @param {ArrayLike<number | null>} losses
 * @param {ArrayLike<number | null>} rawLosses
 * @param {ArrayLike<number | null>} [validLosses] the fourth buffer, sent only when given
 * @returns {[{ type: "points", start: number, count: number }, DataView[]]} content and buffers; null becomes NaN
 */
export function encodePoints(start, lrs, losses, rawLosses, validLosses) {
  const count = lrs.length;
  const lrView = new DataView(new ArrayBuffer(count * LR_BYTES));
  const lossView = new DataView(new ArrayBuffer(count * LOSS_BYTES));
  const rawView = new DataView(new ArrayBuffer(count * LOSS_BYTES));
  for (let i = 0; i < count; i++) {
    lrView.setFloat64(i * LR_BYTES, lrs[i] ?? NaN, true);
    lossView.setFloat32(i * LOSS_BYTES, losses[i] ?? NaN, true);
    rawView.setFloat32(i * LOSS_BYTES, rawLosses[i] ?? NaN, true);
  }
  const buffers = [lrView, lossView, rawView];
  if (validLosses !== undefined) {
    const validView = new DataView(new ArrayBuffer(count * LOSS_BYTES));
    for (let i = 0; i < count; i++) validView.setFloat32(i * LOSS_BYTES, validLosses[i] ?? NaN, true);
    buffers.push(validView);
  }
  return [{ type: "points", start, count }, buffers];
}
