// Axis ticks. Pure.
import { formatLr, formatNumber, formatTick } from "./format.js";

/**
 * @typedef {object} Tick
 * @property {number} value
 * @property {string} label
 * @property {boolean} decade whether the tick is a power of ten (those get a grid line)
 */

/** Labelled multipliers per decade, densest last: decades, then 1-3, then 1-2-5. */
const MULTIPLIER_SETS = [[1], [1, 3], [1, 2, 5]];

/**
 * `mantissa × 10^exponent` as the double nearest the decimal (1/1e7 beats 1 * 10 ** -7, which is 1.0000000000000001e-7).
 * @param {number} mantissa
 * @param {number} exponent
 * @returns {number}
 */
function decimal(mantissa, exponent) {
  return exponent >= 0 ? mantissa * 10 ** exponent : mantissa / 10 ** -exponent;
}

/**
 * The smallest gap, in decades, between consecutive labels of a multiplier set.
 * @param {number[]} multipliers
 * @returns {number}
 */
function minGapDecades(multipliers) {
  const logs = [...multipliers.map(Math.log10), 1];
  let gap = Infinity;
  for (let i = 1; i < logs.length; i++) gap = Math.min(gap, logs[i] - logs[i - 1]);
  return gap;
}

/**
 * Ticks for a log axis: labelled decades (1e-7 … 10), with 3× ticks (3e-4) or 1-2-5 ticks added when a decade is
 * comfortably wide enough for their labels, and every other decade (or fewer) labelled when decades are narrow.
 * Unlabelled 2…9× marks come back as `minor`. A range under about half a decade falls back to linear ticks.
 * @param {number} min
 * @param {number} max
 * @param {number} widthPx the axis length
 * @param {number} [minLabelSpacingPx] the least distance between two label centres
 * @returns {{ labeled: Tick[], minor: number[] }}
 */
export function logTicks(min, max, widthPx, minLabelSpacingPx = 44) {
  if (!(min > 0 && max > min && Number.isFinite(max) && widthPx > 0)) return { labeled: [], minor: [] };
  const lo = Math.log10(min);
  const hi = Math.log10(max);
  const pxPerDecade = widthPx / (hi - lo);
  // Labels exactly at the range ends must survive rounding of log10.
  const inRange = (/** @type {number} */ value) => value >= min * (1 - 1e-9) && value <= max * (1 + 1e-9);

  // In-between labels ask for 30% more room than decades: a row of labels every 45 px reads as clutter.
  let multipliers = [1];
  for (const set of MULTIPLIER_SETS.slice(1)) {
    if (minGapDecades(set) * pxPerDecade >= minLabelSpacingPx * 1.3) multipliers = set;
  }
  const decadeStride = Math.max(1, Math.ceil(minLabelSpacingPx / pxPerDecade));

  /** @type {Tick[]} */
  const labeled = [];
  /** @type {number[]} */
  const minor = [];
  for (let exponent = Math.floor(lo); exponent <= Math.ceil(hi); exponent++) {
    for (let mantissa = 1; mantissa <= 9; mantissa++) {
      const value = decimal(mantissa, exponent);
      if (!inRange(value)) continue;
      const isLabeled = mantissa === 1 ? exponent % decadeStride === 0 : multipliers.includes(mantissa);
      if (isLabeled) labeled.push({ value, label: formatLr(value), decade: mantissa === 1 });
      else if (mantissa === 1 || pxPerDecade >= 30) minor.push(value);
    }
  }
  if (labeled.length >= 2) return { labeled, minor };

  // A short range: log and linear are nearly the same there, and linear ticks always find two labels.
  const { values, step } = linearTicks(min, max, Math.max(2, Math.floor(widthPx / (minLabelSpacingPx * 1.5))));
  const digits = Math.max(2, Math.ceil(Math.log10(Math.abs(values.at(-1) ?? max) / step)) + 1);
  return {
    labeled: values.map((value) => ({ value, label: formatNumber(value, digits), decade: false })),
    minor: [],
  };
}

/**
 * The 1-2-5 step nearest to `roughStep`, rounded up.
 * @param {number} roughStep
 * @returns {number}
 */
export function niceStep(roughStep) {
  if (!(roughStep > 0) || !Number.isFinite(roughStep)) return 1;
  const exponent = Math.floor(Math.log10(roughStep));
  const fraction = roughStep / 10 ** exponent;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return decimal(nice, exponent);
}

/**
 * Nice ticks (multiples of a 1-2-5 step) inside [min, max], at most `maxCount` of them.
 * @param {number} min
 * @param {number} max
 * @param {number} maxCount
 * @returns {{ values: number[], step: number }}
 */
export function linearTicks(min, max, maxCount) {
  if (!(Number.isFinite(min) && Number.isFinite(max)) || max <= min || !(maxCount >= 1)) return { values: [], step: 1 };
  let step = niceStep((max - min) / Math.max(1, maxCount));
  while (Math.floor(max / step) - Math.ceil(min / step) + 1 > maxCount) step = niceStep(step * 1.01);
  const values = [];
  for (let k = Math.ceil(min / step - 1e-9); k <= Math.floor(max / step + 1e-9); k++) {
    // toPrecision strips the float noise of k * step (0.30000000000000004 → 0.3).
    values.push(Number((k * step).toPrecision(12)));
  }
  return { values, step };
}

/**
 * Labels for linear ticks `step` apart.
 * @param {number[]} values
 * @param {number} step
 * @returns {Tick[]}
 */
export function labelLinearTicks(values, step) {
  return values.map((value) => ({ value, label: formatTick(value, step), decade: false }));
}
