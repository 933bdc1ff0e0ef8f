// Which layer group's learning rate the x axis is read in. A discriminative range test sweeps every group at a fixed
// ratio to the last one, and the curve records the last group's LR (as fastai's Recorder does): the axis can be read
// in any group's LR by multiplying by that group's ratio. Pure functions: the view keeps which group is shown.
import { formatLr } from "./format.js";

/**
 * @typedef {object} GroupAxis
 * @property {string} title the x axis title
 * @property {number} unit shown LR = recorded (last group's) LR × unit
 * @property {string} handleName the hi handle's label prefix
 */

/**
 * The ratios Python sent (`group_lr_ratios`), or [] unless they are one finite number > 0 per group, the last 1.
 * @param {unknown} value
 * @param {number} nGroups
 * @returns {number[]}
 */
export function groupRatios(value, nGroups) {
  if (!Array.isArray(value) || value.length < 2 || value.length !== nGroups) return [];
  const valid = value.every((ratio) => typeof ratio === "number" && Number.isFinite(ratio) && ratio > 0);
  return valid ? /** @type {number[]} */ (value) : [];
}

/**
 * The group a selector index names, clamped to the groups there are (default: the last one, what is recorded).
 * @param {number | null} shown
 * @param {number} nGroups
 */
export function shownGroup(shown, nGroups) {
  return shown === null || !Number.isInteger(shown) || shown < 0 || shown >= nGroups ? nGroups - 1 : shown;
}

/**
 * The axis for `ratios` (from {@link groupRatios}) read in group `shown` of `nGroups`.
 * @param {number[]} ratios [] for a test that gave every group the same LR
 * @param {number} nGroups
 * @param {number | null} shown null: the last group
 * @returns {GroupAxis}
 */
export function groupAxis(ratios, nGroups, shown) {
  if (ratios.length === 0) {
    return { title: nGroups > 1 ? `learning rate (all ${nGroups} layer groups)` : "learning rate", unit: 1,
      handleName: "lr" };
  }
  const group = shownGroup(shown, ratios.length);
  const head = group === ratios.length - 1 ? " (head)" : "";
  return { title: `LR of group ${group + 1} of ${ratios.length}${head}`, unit: ratios[group],
    handleName: `group ${group + 1}` };
}

/**
 * The selector's options: each group, its modules and its LR as a multiple of the last group's.
 * @param {number[]} ratios
 * @param {unknown} labels `group_labels` from Python: each group's modules
 * @returns {{ value: string, text: string }[]}
 */
export function groupOptions(ratios, labels) {
  const names = Array.isArray(labels) ? labels : [];
  return ratios.map((ratio, group) => {
    const modules = typeof names[group] === "string" && names[group] ? ` · ${names[group]}` : "";
    const head = group === ratios.length - 1 ? " (head)" : ` · ×${formatLr(ratio, 3)}`;
    return { value: String(group), text: `group ${group + 1}${head}${modules}` };
  });
}
