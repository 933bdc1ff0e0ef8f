// Number and duration formatting for labels. Pure.
//
// One style everywhere: magnitudes in [0.01, 1000) are written plainly (0.01, 0.3, 2.5, 10), everything else as
// mantissa·e·exponent without padding or "+" (1e-7, 3e-4, 2.5e-3, 1e4). Trailing zeros are trimmed, so a decade
// reads as "1e-4", never "1.0e-4".

const PLAIN_MIN = 0.01;
const PLAIN_MAX = 1000;

/**
 * @param {string} mantissa
 * @returns {string}
 */
function trimZeros(mantissa) {
  return mantissa.includes(".") ? mantissa.replace(/0+$/, "").replace(/\.$/, "") : mantissa;
}

/**
 * A number with `significant` significant digits in the house style.
 * @param {number | null | undefined} value
 * @param {number} [significant]
 * @returns {string}
 */
export function formatNumber(value, significant = 2) {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  if (!Number.isFinite(value)) return value > 0 ? "∞" : "-∞";
  if (value === 0) return "0";
  // Rounding can carry a value over a boundary (999.7 → "1000"), so decide on the rounded value.
  const rounded = Number(value.toPrecision(significant));
  if (Math.abs(rounded) >= PLAIN_MIN && Math.abs(rounded) < PLAIN_MAX) return String(rounded);
  const [mantissa, exponent] = value.toExponential(significant - 1).split("e");
  return `${trimZeros(mantissa)}e${Number(exponent)}`;
}

/**
 * A learning rate: 2 significant digits for axis ticks and markers (3 for handles, where 1/50-decade steps
 * must show).
 * @param {number | null | undefined} lr
 * @param {number} [significant]
 * @returns {string}
 */
export function formatLr(lr, significant = 2) {
  return formatNumber(lr, significant);
}

/**
 * A loss: 4 significant digits (2.303, 0.01234), scientific only far from 1.
 * @param {number | null | undefined} loss
 * @returns {string}
 */
export function formatLoss(loss) {
  if (loss === null || loss === undefined || !Number.isFinite(loss)) return formatNumber(loss);
  const magnitude = Math.abs(loss);
  if (loss !== 0 && (magnitude < 1e-3 || magnitude >= 1e5)) return formatNumber(loss, 3);
  return String(Number(loss.toPrecision(4)));
}

/**
 * A tick label on a linear axis whose ticks are `step` apart: just enough decimals to tell ticks apart.
 * @param {number} value
 * @param {number} step
 * @returns {string}
 */
export function formatTick(value, step) {
  if (Math.abs(value) < step * 1e-9) return "0";
  const magnitude = Math.max(Math.abs(value), step);
  if (magnitude >= 1e5 || step < 1e-4) return formatNumber(value, 3);
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return value.toFixed(decimals);
}

/**
 * A duration: "3.2 s" under 10 s, "42 s" under a minute, "1 min 05 s" under an hour, then "1 h 02 min".
 * @param {number | null | undefined} seconds
 * @returns {string}
 */
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  const s = Math.max(0, seconds);
  if (s < 9.95) return `${s.toFixed(1)} s`;
  const whole = Math.round(s);
  if (whole < 60) return `${whole} s`;
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, "0")} s`;
  const minutes = Math.round(whole / 60);
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

/**
 * @typedef {object} Progress
 * @property {number} [iteration]
 * @property {number} [num_it]
 * @property {number} [elapsed_s]
 * @property {number | null} [eta_s]
 * @property {string} [stop_reason] completed | diverged | cancelled, once a run has ended
 */

/**
 * The one-line status under the buttons.
 * @param {string} status idle | running | done | stopped | error
 * @param {Progress} progress
 * @param {number} pointCount points drawn, the fallback when progress is empty
 * @returns {string}
 */
export function formatStatusLine(status, progress, pointCount) {
  const iteration = Number.isFinite(progress?.iteration) ? Number(progress.iteration) : pointCount;
  const total = Number.isFinite(progress?.num_it) ? Number(progress.num_it) : undefined;
  const counted = total === undefined ? `${iteration}` : `${iteration}/${total}`;
  const elapsed = formatDuration(progress?.elapsed_s);
  // A saved notebook may hold a curve without progress: then the times are left out rather than shown as "—".
  const timed = Number.isFinite(progress?.elapsed_s);
  switch (status) {
    case "running": {
      const eta = Number.isFinite(progress?.eta_s) ? ` · ETA ${formatDuration(progress.eta_s)}` : "";
      return `iteration ${counted} · elapsed ${elapsed}${eta}`;
    }
    case "done": {
      // A divergence is the stop rule working, not a failure, but it is why the curve ends early: say so.
      const why = progress?.stop_reason === "diverged" ? " · stopped early: the loss diverged" : "";
      return `done · ${counted} iterations${timed ? ` in ${elapsed}` : ""}${why}`;
    }
    case "stopped":
      return `stopped at iteration ${counted}${timed ? ` after ${elapsed}` : ""}`;
    case "error":
      return `failed at iteration ${counted}`;
    default:
      return ""; // idle: the plot itself says what to do
  }
}
