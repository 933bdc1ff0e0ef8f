import assert from "node:assert/strict";
import { test } from "node:test";
import { asDataView, decodePoints, encodePoints } from "../src/wire.js";

test("points round-trip: lrs as float64, losses as float32, NaN and inf as themselves", () => {
  const [content, buffers] = encodePoints(3, [1e-7, 2.5e-3], [2.5, NaN], [Infinity, 1.25]);
  assert.deepEqual(content, { type: "points", start: 3, count: 2 });
  assert.deepEqual(buffers.map((buffer) => buffer.byteLength), [16, 8, 8]);
  const delta = decodePoints(content, buffers);
  assert.equal(delta.start, 3);
  assert.deepEqual([...delta.lrs], [1e-7, 2.5e-3]);
  assert.deepEqual([...delta.losses], [2.5, NaN]);
  assert.deepEqual([...delta.raw_losses], [Infinity, 1.25]);
});

test("buffers are read little-endian, at any byte offset", () => {
  const bytes = new Uint8Array(1 + 8);
  new DataView(bytes.buffer).setFloat64(1, 0.1, true);
  const lossBytes = new Uint8Array(4);
  new DataView(lossBytes.buffer).setFloat32(0, 2, true);
  const unaligned = new Uint8Array(bytes.buffer, 1, 8); // a typed array at offset 1: no Float64Array could view it
  const delta = decodePoints({ start: 0, count: 1 }, [unaligned, lossBytes.buffer, new DataView(lossBytes.buffer)]);
  assert.equal(delta.lrs[0], 0.1);
  assert.equal(delta.losses[0], 2);
  assert.equal(delta.raw_losses[0], 2);
});

test("anything but an ArrayBuffer or a view of one is not a buffer", () => {
  assert.equal(asDataView([1, 2]), null);
  assert.equal(asDataView(undefined), null);
  assert.equal(asDataView(new ArrayBuffer(4))?.byteLength, 4);
});

test("a bad start, a bad count or a missing buffer is an error that names it", () => {
  const [, buffers] = encodePoints(0, [1], [1], [1]);
  assert.throws(() => decodePoints({ start: -1, count: 1 }, buffers), /start must be an integer ≥ 0, got -1/);
  assert.throws(() => decodePoints({ start: 0, count: 1.5 }, buffers), /count must be an integer ≥ 0, got 1.5/);
  assert.throws(() => decodePoints({ start: 0, count: 1 }, buffers.slice(0, 2)),
    /buffer 2, raw_losses \(float32\), is missing \(got 2 buffers\)/);
});

test("validation losses travel as an optional fourth float32 buffer, NaN where not evaluated", () => {
  const [content, buffers] = encodePoints(4, [1e-6, 1e-5, 1e-4], [2, 1.5, 1], [2.1, 1.4, 1.1], [1.75, null, NaN]);
  assert.deepEqual(content, { type: "points", start: 4, count: 3 });
  assert.deepEqual(buffers.map((buffer) => buffer.byteLength), [24, 12, 12, 12]);
  const delta = decodePoints(content, buffers);
  assert.deepEqual([...(delta.valid_losses ?? [])], [1.75, NaN, NaN]);
  assert.deepEqual([...delta.losses], [2, 1.5, 1]);
});

test("a message without the fourth buffer decodes as before, with no validation losses", () => {
  const [content, buffers] = encodePoints(0, [1e-6], [2], [2.1]);
  assert.equal(buffers.length, 3);
  assert.equal(decodePoints(content, buffers).valid_losses, undefined);
});

test("a short validation buffer is an error that names it", () => {
  const [content, buffers] = encodePoints(0, [1e-6, 1e-5], [2, 1], [2, 1], [1, 1]);
  assert.throws(() => decodePoints(content, [...buffers.slice(0, 3), new ArrayBuffer(4)]),
    /buffer 3, valid_losses \(float32\), holds 4 bytes, expected 8 for 2 points/);
});
