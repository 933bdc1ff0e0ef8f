// The kept runs as the view reads them: the `runs`, `run_curves`, `hidden_runs` and `selected_run` traits (their
// contract is in lrwidget/widget/runs.py) turned into entries, series and the axis ranges that hold them all. Pure.
import { finiteOrNull, isRecord, seriesFromCurve } from "./store.js";
import { lossRange } from "./yrange.js";

/** @typedef {import("./store.js").Series} Series */

/** How many run colours the stylesheet defines (`--lrw-run-0` … in runs.css); a higher index wraps around. */
export const RUN_COLORS = 8;

/**
 * One kept run, as the legend and the overlay use it.
 * @typedef {object} RunEntry
 * @property {string} id
 * @property {string} label
 * @property {number} colorIndex
 * @property {string} stopReason completed, diverged or cancelled ("" when unknown)
 * @property {number} startLr
 * @property {number} endLr
 * @property {number} numIt
 * @property {string} details one line about its settings, for a tooltip
 */

/**
 * @param {number} colorIndex a run's fixed `color_index`
 * @returns {string} a CSS colour that follows the theme (light or dark palette)
 */
export function runColor(colorIndex) {
  const index = Number.isInteger(colorIndex) && colorIndex >= 0 ? colorIndex % RUN_COLORS : 0;
  return `var(--lrw-run-${index})`;
}

/**
 * The `runs` trait as entries, in order; malformed entries (no string id) are skipped.
 * @param {unknown} runs
 * @returns {RunEntry[]}
 */
export function parseRuns(runs) {
  if (!Array.isArray(runs)) return [];
  /** @type {RunEntry[]} */
  const entries = [];
  runs.forEach((run, position) => {
    if (!isRecord(run) || typeof run.id !== "string") return;
    const colorIndex = Number.isInteger(run.color_index) ? Number(run.color_index) : position;
    entries.push({
      id: run.id,
      label: typeof run.label === "string" && run.label !== "" ? run.label : `run ${position + 1}`,
      colorIndex,
      stopReason: typeof run.stop_reason === "string" ? run.stop_reason : "",
      startLr: finiteOrNull(run.start_lr) ?? NaN,
      endLr: finiteOrNull(run.end_lr) ?? NaN,
      numIt: finiteOrNull(run.num_it) ?? 0,
      details: describeRun(run),
    });
  });
  return entries;
}

/**
 * One line about a run's settings: what it tested and how it ended (unknown settings are left out).
 * @param {Record<string, unknown>} run
 * @returns {string}
 */
function describeRun(run) {
  const parts = [];
  const groups = finiteOrNull(run.n_groups);
  const frozen = finiteOrNull(run.frozen_groups);
  if (groups !== null && groups > 1 && frozen !== null) parts.push(frozen > 0 ? `frozen (${frozen} of ${groups} groups)` : "unfrozen");
  const batch = finiteOrNull(run.batch_size);
  if (batch !== null) parts.push(`batch size ${batch}`);
  const points = finiteOrNull(run.n_points);
  if (points !== null) parts.push(`${points} steps`);
  if (typeof run.stop_reason === "string" && run.stop_reason) parts.push(run.stop_reason);
  if (typeof run.ran_at === "string" && run.ran_at) parts.push(run.ran_at.replace("T", " ").slice(0, 19));
  return parts.join(" · ");
}

/**
 * The colour index the run in progress will get when it is kept: Python gives each kept run the next index.
 * @param {RunEntry[]} entries
 * @returns {number}
 */
export function nextColorIndex(entries) {
  return entries.reduce((next, entry) => Math.max(next, entry.colorIndex + 1), 0);
}

/**
 * A cache of the `run_curves` trait as series: the trait is re-sent whole when a run is added, so a run's series
 * (and its loss range) is rebuilt only when its curve object changed.
 */
export function createRunCurves() {
  /** @type {Map<string, { source: unknown, series: Series | null, range: [number, number] | null }>} */
  const cache = new Map();
  return {
    /**
     * @param {unknown} curves the `run_curves` trait
     */
    update(curves) {
      const record = isRecord(curves) ? curves : {};
      for (const id of [...cache.keys()]) if (!(id in record)) cache.delete(id);
      for (const [id, curve] of Object.entries(record)) {
        if (cache.get(id)?.source === curve) continue;
        cache.set(id, { source: curve, series: seriesFromCurve(curve), range: null });
      }
    },
    /**
     * @param {string} id
     * @returns {Series | null}
     */
    series: (id) => cache.get(id)?.series ?? null,
    /**
     * The loss range a run's smoothed line needs (the same rule as the main curve, without its raw losses).
     * @param {string} id
     * @param {number} plannedIterations
     * @returns {[number, number] | null}
     */
    lossRange(id, plannedIterations) {
      const cached = cache.get(id);
      if (!cached?.series) return null;
      cached.range ??= lossRange(cached.series.losses, [], plannedIterations || cached.series.lrs.length);
      return cached.range;
    },
  };
}

/**
 * The ids that `hidden_runs` names.
 * @param {unknown} hiddenRuns
 * @returns {Set<string>}
 */
export function hiddenIds(hiddenRuns) {
  return new Set(Array.isArray(hiddenRuns) ? hiddenRuns.filter((id) => typeof id === "string") : []);
}

/**
 * The runs drawn as thin lines behind the main curve: every run neither hidden nor the one the main curve shows.
 * @param {RunEntry[]} entries
 * @param {Set<string>} hidden
 * @param {string} shownId the selected run's id ("" while a run is in progress: the live run is the main curve)
 * @returns {RunEntry[]}
 */
export function overlaidRuns(entries, hidden, shownId) {
  return entries.filter((entry) => entry.id !== shownId && !hidden.has(entry.id));
}

/**
 * Axis domains that hold the main curve's and every overlaid run's: the widest lr range, the union of loss ranges.
 * @param {[number, number]} lrDomain the shown run's [start_lr, end_lr]
 * @param {[number, number]} lossDomain the main curve's loss range
 * @param {{ lrs: [number, number], loss: [number, number] | null }[]} others
 * @returns {{ lrs: [number, number], loss: [number, number] }}
 */
export function unionDomains(lrDomain, lossDomain, others) {
  let [lrMin, lrMax] = lrDomain;
  let [lossMin, lossMax] = lossDomain;
  for (const other of others) {
    if (other.lrs[0] > 0 && Number.isFinite(other.lrs[0])) lrMin = Math.min(lrMin, other.lrs[0]);
    if (Number.isFinite(other.lrs[1])) lrMax = Math.max(lrMax, other.lrs[1]);
    if (other.loss) {
      lossMin = Math.min(lossMin, other.loss[0]);
      lossMax = Math.max(lossMax, other.loss[1]);
    }
  }
  return { lrs: [lrMin, lrMax], loss: [lossMin, lossMax] };
}

/**
 * The last learning rate a series tested (its last finite lr), or null when it has none.
 * @param {Series} series
 * @returns {number | null}
 */
export function lastTestedLr(series) {
  for (let i = series.lrs.length - 1; i >= 0; i--) {
    if (Number.isFinite(series.lrs[i]) && series.losses[i] !== null) return series.lrs[i];
  }
  return null;
}

/**
 * The handles that sit beyond the last lr a stopped-early test reached, by name ("lo", "hi").
 * @param {{ lo: number | null, hi: number | null, showLo: boolean }} handles
 * @param {number | null} lastLr
 * @returns {string[]}
 */
export function handlesBeyond(handles, lastLr) {
  if (lastLr === null) return [];
  /** @type {string[]} */
  const beyond = [];
  if (handles.showLo && handles.lo !== null && handles.lo > lastLr) beyond.push("lo");
  if (handles.hi !== null && handles.hi > lastLr) beyond.push("hi");
  return beyond;
}
