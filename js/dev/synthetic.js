// A synthetic range test for the harness: fastai's schedule and debiased EMA over a made-up loss landscape.

/** A tiny seeded PRNG (mulberry32), so screenshots are reproducible. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * @param {number} numIt
 * @param {{ startLr?: number, endLr?: number, seed?: number, gaps?: boolean }} [options]
 */
export function rangeTest(numIt, { startLr = 1e-7, endLr = 10, seed = 1, gaps = false } = {}) {
  const rand = random(seed);
  const lrs = [];
  const losses = [];
  const rawLosses = [];
  let average = 0;
  let best = Infinity;
  for (let k = 0; k < numIt; k++) {
    const lr = startLr * (endLr / startLr) ** (k / numIt);
    const x = Math.log10(lr);
    const base = 2.3 - 1.85 / (1 + Math.exp(-(x + 3.6) * 2.2)) + 0.08 * Math.exp((x + 0.6) * 3.2);
    const raw = base * (1 + (rand() - 0.5) * 0.35);
    average = 0.98 * average + 0.02 * raw;
    const smooth = average / (1 - 0.98 ** (k + 1));
    best = Math.min(best, smooth);
    const gap = gaps && k > numIt * 0.45 && k < numIt * 0.47;
    lrs.push(lr);
    losses.push(gap ? null : smooth);
    rawLosses.push(gap ? null : raw);
    if (smooth > 4 * best) break; // fastai's stop rule
  }
  return { lrs, losses, raw_losses: rawLosses };
}

/**
 * Rough stand-ins for Python's suggestions (the harness only needs them to look plausible).
 * @param {{ lrs: number[], losses: (number | null)[] }} curve
 */
export function suggestions({ lrs, losses }) {
  const skip = Math.floor(lrs.length / 10);
  const end = lrs.length - 5;
  let minIndex = skip;
  let steepIndex = skip;
  let steepest = Infinity;
  for (let i = skip; i < end; i++) {
    if ((losses[i] ?? Infinity) < (losses[minIndex] ?? Infinity)) minIndex = i;
    const slope = ((losses[i + 1] ?? NaN) - (losses[i] ?? NaN)) / Math.log(lrs[i + 1] / lrs[i]);
    if (slope < steepest) [steepest, steepIndex] = [slope, i];
  }
  const valleyIndex = Math.round(steepIndex + (minIndex - steepIndex) * 0.45);
  const slideIndex = Math.round(minIndex - (minIndex - steepIndex) * 0.15);
  const sweetIndex = Math.round(steepIndex + (minIndex - steepIndex) * 0.3);
  const at = (/** @type {number} */ i) => [lrs[i], losses[i]];
  return {
    sweetspot: { lr: lrs[sweetIndex], point: at(sweetIndex), tip: "" },
    valley: { lr: lrs[valleyIndex], point: at(valleyIndex), tip: "Inside the longest stretch where the loss keeps falling: fastai's default, usually the safest." },
    steep: { lr: lrs[steepIndex], point: at(steepIndex), tip: "Where the loss falls fastest per step of log(lr)." },
    minimum: { lr: lrs[minIndex] / 10, point: at(minIndex), tip: "A tenth of the lr with the lowest loss." },
    slide: { lr: lrs[slideIndex], point: at(slideIndex), tip: "Where the slope starts to change sharply, just before the loss turns up." },
  };
}

/** A stand-in for Python's `marker_registry` trait (the order, palette indices and default Python sends). */
export const markerRegistry = [
  { name: "sweetspot", tip: "Where the smoothed loss falls fastest before its minimum, backed off a little.",
    color_index: 4, shown_by_default: true, is_handle_default: true },
  { name: "valley", tip: "Inside the longest stretch where the loss keeps falling: fastai's default.",
    color_index: 1, shown_by_default: true, is_handle_default: false },
  { name: "steep", tip: "Where the loss falls fastest per step of log(lr).",
    color_index: 0, shown_by_default: true, is_handle_default: false },
  { name: "minimum", tip: "A tenth of the lr with the lowest loss.",
    color_index: 2, shown_by_default: false, is_handle_default: false },
  { name: "slide", tip: "Where the slope starts to change sharply, just before the loss turns up.",
    color_index: 3, shown_by_default: false, is_handle_default: false },
];
