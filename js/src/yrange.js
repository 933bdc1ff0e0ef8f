// The y range of the loss plot. Pure.
//
// The rule, and why: a range test ends in divergence, and a single exploded loss (1e4 after a curve around 2)
// would squash the interesting part into a flat line at the bottom. So the top is not the data maximum:
//   1. Like fastai's plot, ignore the last 5 points (the batches that tripped the divergence stop) for the top.
//   2. Cap the top at the early level plus the drop seen so far (at least half the early level):
//        early = median smoothed loss over the first 10% of the planned iterations (the loss before the model
//                learns; the planned count, not the points so far, keeps the axis steady during a run),
//        cap   = early + max(early − lowest smoothed loss, |early| / 2).
//      A falling curve keeps its whole descent in view and shows the upturn up to the same height again; a curve
//      that only rises is shown up to 1.5× its starting level. Anything above is clipped, not squashed.
// The bottom is the lowest smoothed loss, lowered to take in the raw losses (which the EMA lags behind, often far
// below it on a short run) by at most half the smoothed curve's span, so that raw points never squash the curve either:
// it keeps at least two thirds of the height. A small margin is added on both sides; a range that would dip below 0
// for non-negative losses stops at 0.

const FASTAI_SKIP_END = 5;

/**
 * @param {ArrayLike<number | null>} values
 * @param {number} start
 * @param {number} end exclusive
 * @param {boolean} [collect] also return the finite values (only the short early window needs them)
 * @returns {{ min: number, max: number, count: number, finite: number[] }}
 */
function finiteStats(values, start, end, collect = false) {
  let min = Infinity;
  let max = -Infinity;
  let count = 0;
  /** @type {number[]} */
  const finite = [];
  for (let i = start; i < end; i++) {
    const value = values[i];
    if (value === null || value === undefined || !Number.isFinite(value)) continue;
    if (value < min) min = value;
    if (value > max) max = value;
    count++;
    if (collect) finite.push(value);
  }
  return { min, max, count, finite };
}

/**
 * @param {number[]} values non-empty
 * @returns {number}
 */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * The loss range to show (see the rule at the top of this file).
 * @param {ArrayLike<number | null>} smoothed smoothed losses (null = gap)
 * @param {ArrayLike<number | null>} raw raw losses (null = gap); may be empty
 * @param {number} plannedIterations num_it
 * @returns {[number, number]} [bottom, top], bottom < top
 */
export function lossRange(smoothed, raw, plannedIterations) {
  const count = smoothed.length;
  const all = finiteStats(smoothed, 0, count);
  const rawAll = finiteStats(raw, 0, raw.length);
  if (all.count === 0 && rawAll.count === 0) return [0, 1];
  if (all.count === 0) return pad(rawAll.min, rawAll.max);

  const earlyCount = Math.max(1, Math.ceil(Math.max(plannedIterations, 1) / 10));
  const early = finiteStats(smoothed, 0, Math.min(count, earlyCount), true);
  // No finite loss in the early window (all gaps): fall back to the first finite one.
  const earlyLevel = early.count ? median(early.finite) : finiteStats(smoothed, 0, count, true).finite[0];
  const bodyEnd = count > 2 * FASTAI_SKIP_END ? count - FASTAI_SKIP_END : count;
  const body = finiteStats(smoothed, 0, bodyEnd);
  const bodyMax = body.count ? body.max : all.max;
  const cap = earlyLevel + Math.max(earlyLevel - all.min, Math.abs(earlyLevel) / 2);
  const top = Math.max(Math.min(bodyMax, cap), earlyLevel);
  const rawFloor = all.min - (top - all.min) / 2;
  const bottom = Math.min(all.min, Math.max(rawAll.min, rawFloor));
  return pad(bottom, top);
}

/**
 * @param {number} bottom
 * @param {number} top
 * @returns {[number, number]}
 */
function pad(bottom, top) {
  const span = top - bottom;
  if (!(span > 0) || !Number.isFinite(span)) {
    // A flat curve: centre it rather than blowing its float noise up to full height.
    const half = (Math.abs(top) * 0.1 || 1) / 2;
    return [bottom - half, top + half];
  }
  const low = bottom - span * 0.05;
  return [bottom >= 0 && low < 0 ? 0 : low, top + span * 0.08];
}
