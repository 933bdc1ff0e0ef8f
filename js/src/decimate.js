// Decimation to the pixel grid, so a redraw costs O(points) arithmetic but only O(width) SVG path data. Pure.
//
// Inputs are pixel positions; NaN marks a gap (a null or non-finite loss). Points are expected in x order (learning
// rates only grow), and a point whose column differs from the previous one closes the previous column.

/**
 * The smoothed line: per pixel column only its lowest and highest point, in drawing order (≤ 2 per column).
 * Within one pixel a line is drawn as a vertical stroke between its extremes anyway, so the picture is the same.
 * @param {ArrayLike<number>} xs
 * @param {ArrayLike<number>} ys
 * @returns {number[][]} runs of connected points, each flat: [x0, y0, x1, y1, ...]
 */
export function decimateLine(xs, ys) {
  /** @type {number[][]} */
  const runs = [];
  /** @type {number[]} */
  let run = [];
  let column = NaN;
  let minIndex = -1;
  let maxIndex = -1;

  const flushColumn = () => {
    if (minIndex < 0) return;
    const first = Math.min(minIndex, maxIndex);
    const second = Math.max(minIndex, maxIndex);
    run.push(xs[first], ys[first]);
    if (second !== first) run.push(xs[second], ys[second]);
    minIndex = maxIndex = -1;
  };
  const closeRun = () => {
    flushColumn();
    if (run.length) runs.push(run);
    run = [];
    column = NaN;
  };

  const count = Math.min(xs.length, ys.length);
  for (let i = 0; i < count; i++) {
    const x = xs[i];
    const y = ys[i];
    if (Number.isNaN(x) || Number.isNaN(y)) {
      closeRun();
      continue;
    }
    const pointColumn = Math.floor(x);
    if (pointColumn !== column) {
      flushColumn();
      column = pointColumn;
      minIndex = maxIndex = i;
      continue;
    }
    if (y < ys[minIndex]) minIndex = i;
    if (y > ys[maxIndex]) maxIndex = i;
  }
  closeRun();
  return runs;
}

/**
 * The raw losses: per pixel column the span [lowest, highest] of its points, as one vertical stroke (a dot where the
 * column holds a single point). Gaps are simply absent.
 * @param {ArrayLike<number>} xs
 * @param {ArrayLike<number>} ys
 * @returns {number[]} flat triples [x, yMin, yMax, ...]; x is the point's own x for a lone point, else the mean of
 *   the column's first and last x
 */
export function decimateRange(xs, ys) {
  /** @type {number[]} */
  const columns = [];
  let column = NaN;
  let firstX = 0;
  let lastX = 0;
  let yMin = 0;
  let yMax = 0;
  let open = false;
  const flush = () => {
    if (open) columns.push((firstX + lastX) / 2, yMin, yMax);
    open = false;
  };
  const count = Math.min(xs.length, ys.length);
  for (let i = 0; i < count; i++) {
    const x = xs[i];
    const y = ys[i];
    if (Number.isNaN(x) || Number.isNaN(y)) continue;
    const pointColumn = Math.floor(x);
    if (!open || pointColumn !== column) {
      flush();
      column = pointColumn;
      firstX = lastX = x;
      yMin = yMax = y;
      open = true;
      continue;
    }
    lastX = x;
    if (y < yMin) yMin = y;
    if (y > yMax) yMax = y;
  }
  flush();
  return columns;
}

/**
 * A coordinate rounded to 0.1 px, as text: short path strings, and nothing visible is lost. Built from integers
 * because float-to-string conversion dominated the redraw (4× slower than this, same output).
 * @param {number} value
 * @returns {string}
 */
export function formatCoordinate(value) {
  const tenths = Math.round(value * 10);
  const whole = (tenths / 10) | 0;
  const fraction = tenths - whole * 10;
  if (fraction === 0) return `${whole}`;
  const sign = tenths < 0 && whole === 0 ? "-" : "";
  return `${sign}${whole}.${fraction < 0 ? -fraction : fraction}`;
}
const round = formatCoordinate;

/**
 * SVG path data for runs from {@link decimateLine}. A lone point becomes a zero-length segment, which a round line
 * cap draws as a dot.
 * @param {number[][]} runs
 * @returns {string}
 */
export function linePath(runs) {
  let d = "";
  for (const run of runs) {
    d += `M${round(run[0])} ${round(run[1])}`;
    if (run.length === 2) d += "h0";
    for (let i = 2; i < run.length; i += 2) d += "L" + round(run[i]) + " " + round(run[i + 1]);
  }
  return d;
}

/**
 * SVG path data for the column spans from {@link decimateRange}: one vertical stroke per column.
 * @param {number[]} columns
 * @returns {string}
 */
export function rangePath(columns) {
  let d = "";
  for (let i = 0; i < columns.length; i += 3) {
    const top = round(columns[i + 1]);
    const bottom = round(columns[i + 2]);
    d += "M" + round(columns[i]) + " " + top + (bottom === top ? "h0" : "V" + bottom);
  }
  return d;
}

/** Raw losses at or below this many per pixel column are all drawn, at full strength. */
export const SPARSE_POINTS_PER_COLUMN = 1;
const SPARSE_OPACITY = 0.7;
const MIN_OPACITY = 0.14;

/**
 * How to draw the raw per-batch losses so that many of them do not merge into a solid band that hides the smoothed
 * line: above one point per pixel column only every `stride`-th point is drawn (about one per column), and the dots
 * fade as the density grows (opacity ∝ 1/√density), so thousands of points read as a light texture.
 * @param {number} count raw points
 * @param {number} columns pixel columns of the plot area
 * @returns {{ stride: number, opacity: number, dense: boolean }}
 */
export function rawDensity(count, columns) {
  const perColumn = count / Math.max(1, columns);
  if (!(perColumn > SPARSE_POINTS_PER_COLUMN)) return { stride: 1, opacity: SPARSE_OPACITY, dense: false };
  return {
    stride: Math.ceil(perColumn / SPARSE_POINTS_PER_COLUMN),
    opacity: Math.max(MIN_OPACITY, SPARSE_OPACITY / Math.sqrt(perColumn)),
    dense: true,
  };
}

/**
 * Every `stride`-th point (from the first), as new arrays; stride 1 returns the inputs.
 * @param {ArrayLike<number>} xs
 * @param {ArrayLike<number>} ys
 * @param {number} stride
 * @returns {[ArrayLike<number>, ArrayLike<number>]}
 */
export function thin(xs, ys, stride) {
  if (stride <= 1) return [xs, ys];
  const count = Math.ceil(Math.min(xs.length, ys.length) / stride);
  const thinXs = new Float64Array(count);
  const thinYs = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    thinXs[k] = xs[k * stride];
    thinYs[k] = ys[k * stride];
  }
  return [thinXs, thinYs];
}
