// Scales between data values and pixels. Pure: no DOM.

/**
 * @typedef {object} Scale
 * @property {(value: number) => number} toPx   data value → pixel (NaN for values a log scale cannot place)
 * @property {(px: number) => number} fromPx     pixel → data value (not clamped)
 * @property {[number, number]} domain
 * @property {[number, number]} range
 */

/**
 * A log10 scale: the x axis of the loss curve, learning rate ↔ px.
 * A degenerate domain (min == max, or not both > 0) maps everything to the middle of the range, so a bad
 * trait never throws in a redraw.
 * @param {[number, number]} domain positive values, min first
 * @param {[number, number]} range pixels
 * @returns {Scale}
 */
export function logScale([min, max], [pxMin, pxMax]) {
  const valid = min > 0 && max > 0 && Number.isFinite(min) && Number.isFinite(max) && min !== max;
  const logMin = valid ? Math.log10(min) : 0;
  const logSpan = valid ? Math.log10(max) - logMin : 1;
  const pxSpan = pxMax - pxMin;
  const pxMid = (pxMin + pxMax) / 2;
  return {
    toPx: (value) => {
      if (!(value > 0)) return NaN;
      return valid ? pxMin + ((Math.log10(value) - logMin) / logSpan) * pxSpan : pxMid;
    },
    fromPx: (px) => (valid ? 10 ** (logMin + ((px - pxMin) / pxSpan) * logSpan) : min),
    domain: [min, max],
    range: [pxMin, pxMax],
  };
}

/**
 * Like {@link logScale}, but takes log10 of the value directly: the redraw precomputes log10 once per point.
 * @param {[number, number]} domain positive values, min first
 * @param {[number, number]} range pixels
 * @returns {(log10Value: number) => number}
 */
export function logPxFromLog10([min, max], [pxMin, pxMax]) {
  const valid = min > 0 && max > 0 && Number.isFinite(min) && Number.isFinite(max) && min !== max;
  if (!valid) return () => (pxMin + pxMax) / 2;
  const logMin = Math.log10(min);
  const pxPerDecade = (pxMax - pxMin) / (Math.log10(max) - logMin);
  return (log10Value) => pxMin + (log10Value - logMin) * pxPerDecade;
}

/**
 * A linear scale: the y axis (loss ↔ px). Pixel y grows downwards, so pass the range as [bottom, top].
 * @param {[number, number]} domain
 * @param {[number, number]} range
 * @returns {Scale}
 */
export function linearScale([min, max], [pxMin, pxMax]) {
  const span = max - min;
  const valid = Number.isFinite(span) && span !== 0;
  const pxSpan = pxMax - pxMin;
  return {
    toPx: (value) => (valid ? pxMin + ((value - min) / span) * pxSpan : (pxMin + pxMax) / 2),
    fromPx: (px) => (valid ? min + ((px - pxMin) / pxSpan) * span : min),
    domain: [min, max],
    range: [pxMin, pxMax],
  };
}

/**
 * @param {number} value
 * @param {number} min
 * @param {number} max
 * @returns {number}
 */
export function clamp(value, min, max) {
  return value < min ? min : value > max ? max : value;
}
