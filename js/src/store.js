// The points the view draws: the live deltas of a running range test, or the finished `curve` trait. Pure.

/**
 * @typedef {object} Series
 * @property {number[]} lrs
 * @property {number[]} logLrs log10 of each lr (NaN where the lr cannot sit on a log axis), computed once per point
 * @property {(number | null)[]} losses smoothed losses, null for a gap
 * @property {(number | null)[]} rawLosses raw losses, null for a gap
 * @property {number} version bumped on every change, so a redraw can skip work for unchanged data
 */

/**
 * @param {unknown} value
 * @returns {number | null} a finite number, or null (the view draws a gap)
 */
export function finiteOrNull(value) {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/**
 * A JSON object (not null, not an array): how a trait or message of dict type is recognised.
 * @param {unknown} value
 * @returns {value is Record<string, unknown>}
 */
export const isRecord = (value) => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * @param {unknown} value
 * @returns {value is Float64Array | Float32Array}
 */
const isNumberArray = (value) => value instanceof Float64Array || value instanceof Float32Array;

/**
 * @param {unknown} value
 * @returns {ArrayLike<unknown>} a plain or typed array as is, anything else as an empty array
 */
const asArray = (value) => (Array.isArray(value) || isNumberArray(value) ? value : []);

/** @returns {Series} */
export function emptySeries() {
  return { lrs: [], logLrs: [], losses: [], rawLosses: [], version: 0 };
}

/**
 * Appends points to a series in place.
 * @param {Series} series
 * @param {ArrayLike<unknown>} lrs
 * @param {ArrayLike<unknown>} losses
 * @param {ArrayLike<unknown>} rawLosses may be shorter (or empty): missing raw losses are gaps
 */
function appendPoints(series, lrs, losses, rawLosses) {
  const count = Math.min(lrs.length, losses.length);
  for (let i = 0; i < count; i++) {
    const lr = finiteOrNull(lrs[i]);
    series.lrs.push(lr ?? NaN);
    series.logLrs.push(lr !== null && lr > 0 ? Math.log10(lr) : NaN);
    series.losses.push(finiteOrNull(losses[i]));
    series.rawLosses.push(finiteOrNull(rawLosses[i]));
  }
  series.version++;
}

/**
 * Drops every point (a `reset` message: a new run starts).
 * @param {Series} series
 */
export function clearSeries(series) {
  series.lrs.length = series.logLrs.length = series.losses.length = series.rawLosses.length = 0;
  series.version++;
}

/**
 * Applies decoded points `{start, lrs, losses, raw_losses}` (see wire.js; plain or typed arrays) in place.
 * - `start` equal to the number of points held: the expected delta, appended.
 * - `start` lower (a replay, or an overlap): the points from `start` on are replaced, so a replay answering an
 *   earlier request can never trigger another one.
 * - `start` higher: a delta was missed; nothing changes and the caller should ask for a replay.
 * @param {Series} series
 * @param {{ start?: unknown, lrs?: unknown, losses?: unknown, raw_losses?: unknown }} message
 * @returns {"applied" | "missed"}
 */
export function applyPointsMessage(series, message) {
  const start = typeof message.start === "number" && message.start >= 0 ? Math.floor(message.start) : 0;
  if (start > series.lrs.length) return "missed";
  series.lrs.length = series.logLrs.length = series.losses.length = series.rawLosses.length = start;
  appendPoints(series, asArray(message.lrs), asArray(message.losses), asArray(message.raw_losses));
  return "applied";
}

/**
 * The `curve` trait as a series, or null when it holds no points (a run in progress, or none yet).
 * @param {unknown} curve `{lrs, losses, raw_losses}`
 * @returns {Series | null}
 */
export function seriesFromCurve(curve) {
  if (!curve || typeof curve !== "object") return null;
  const { lrs, losses, raw_losses: rawLosses } = /** @type {Record<string, unknown>} */ (curve);
  if (!Array.isArray(lrs) || !Array.isArray(losses) || Math.min(lrs.length, losses.length) === 0) return null;
  const series = emptySeries();
  appendPoints(series, lrs, losses, asArray(rawLosses));
  return series;
}

/**
 * Decides whether to send a `replay` request: at most one per `minIntervalMs`, so a burst of out-of-order deltas
 * asks once, yet a lost answer is asked for again later.
 * @param {number} now
 * @param {number} lastRequestAt -Infinity when none was sent
 * @param {number} [minIntervalMs]
 * @returns {boolean}
 */
export function shouldRequestReplay(now, lastRequestAt, minIntervalMs = 1000) {
  return now - lastRequestAt >= minIntervalMs;
}
