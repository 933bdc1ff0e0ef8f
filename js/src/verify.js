// The trials of `w.verify()` (lrwidget/widget/verifying.py): each planned training's final validation loss, drawn at
// its learning rate as it finishes. A validation loss after a whole training has no place on the range test's loss
// axis (a different quantity, often far below the curve), so each trial is an annotated point in a strip along the
// top of the plot: a diamond at its LR with its loss written above it, a dotted guide down to the LR axis, the best
// trial filled and labelled "best", a diverged one as a cross. Labels alternate between two rows so that trials a
// factor 3 apart never overlap. The colour is the theme's text colour (`--lrw-verify`, in verify.css). The status line adds the
// Python-side summary ("verify: 2/3 trials · best 3.1e-3 (valid 0.412) · cost 3 trainings").
import { setText, svgElement } from "./dom.js";
import { formatLoss } from "./format.js";
import { isRecord } from "./store.js";

/** @typedef {import("./chart.js").Layout} Layout */

/**
 * @typedef {object} VerifyTrial
 * @property {number} lr the trial's LR (the hi handle's, the last layer group's)
 * @property {number | null} valid_loss its final validation loss (null: not finite)
 * @property {string} status "done" or "diverged"
 */

/** Pixels below the plot's top edge of the lower and upper label rows, and of the diamonds: below the handles' knobs
 * (21 px), since the hi handle ends at or near the best trial (the bottom of the parabola fitted through it). */
const ROWS = [45, 33];
const POINT_DY = 53;
/** The diamonds' half height: the strip of trials ends this far below them. */
const POINT_HALF = 5;

/**
 * How far below the plot's top edge the strip of trials reaches (0 when there is none): the markers' labels stay
 * below it, so that a marker near the top of the plot cannot write over a trial's label.
 * @param {unknown} verify
 */
export function verifyStripBottom(verify) {
  return verifyTrials(verify).length ? POINT_DY + POINT_HALF : 0;
}

/**
 * The trials of the `verify` trait that can be drawn (a finite LR > 0), in order of LR.
 * @param {unknown} verify
 * @returns {VerifyTrial[]}
 */
export function verifyTrials(verify) {
  if (!isRecord(verify) || !Array.isArray(verify.trials)) return [];
  /** @type {VerifyTrial[]} */
  const trials = [];
  for (const trial of verify.trials) {
    if (!isRecord(trial) || typeof trial.lr !== "number" || !(trial.lr > 0) || !Number.isFinite(trial.lr)) continue;
    const loss = typeof trial.valid_loss === "number" && Number.isFinite(trial.valid_loss) ? trial.valid_loss : null;
    trials.push({ lr: trial.lr, valid_loss: loss, status: loss === null ? "diverged" : String(trial.status ?? "done") });
  }
  return trials.sort((a, b) => a.lr - b.lr);
}

/**
 * The index (into `trials`) of the finished trial with the lowest validation loss, or -1.
 * @param {VerifyTrial[]} trials
 */
export function bestTrial(trials) {
  let best = -1;
  trials.forEach((trial, i) => {
    if (trial.status !== "done" || trial.valid_loss === null) return;
    const bestLoss = best < 0 ? Infinity : /** @type {number} */ (trials[best].valid_loss);
    if (trial.valid_loss < bestLoss) best = i;
  });
  return best;
}

/**
 * What the status line adds for a verification: " · verify: 2/3 trials · …" (empty before one).
 * @param {unknown} verify the `verify` trait
 */
export function verifyStatus(verify) {
  return isRecord(verify) && typeof verify.summary === "string" && verify.summary ? ` · ${verify.summary}` : "";
}

/** A generous advance of one character of an 11 px label, for telling whether two labels would overlap. */
const LABEL_CHAR_PX = 6.5;

/**
 * A trial's label: its final validation loss, "best …" for the best once the verification has ended.
 * @param {VerifyTrial} trial
 * @param {boolean} isBest
 * @param {string} state
 */
function labelText(trial, isBest, state) {
  const loss = trial.valid_loss === null ? "diverged" : formatLoss(trial.valid_loss);
  return isBest && state !== "running" ? `best ${loss}` : loss;
}

/**
 * Which labels to write: on each row, a label that would overlap an earlier one is left out (the trial's tooltip
 * still says its loss), unless it is the one to keep (the best), which then displaces the other. Neighbours already
 * sit on different rows; this is for narrow views, where trials 3× apart are a few pixels apart.
 * @param {{ x: number, row: number, text: string, keep: boolean }[]} labels in order of LR
 * @returns {boolean[]}
 */
export function labelsThatFit(labels) {
  const shown = labels.map(() => true);
  const span = (/** @type {{ x: number, text: string }} */ label) => (label.text.length * LABEL_CHAR_PX) / 2;
  const overlap = (/** @type {number} */ a, /** @type {number} */ b) =>
    Math.abs(labels[a].x - labels[b].x) < span(labels[a]) + span(labels[b]) + 2;
  const order = labels.map((_, i) => i).sort((a, b) => Number(labels[b].keep) - Number(labels[a].keep));
  const placed = /** @type {number[]} */ ([]);
  for (const i of order) {
    if (placed.some((j) => labels[j].row === labels[i].row && overlap(i, j))) shown[i] = false;
    else placed.push(i);
  }
  return shown;
}

/**
 * The trials' drawing: a layer appended to the chart's SVG (above the curves, never catching the pointer).
 * @param {SVGSVGElement | SVGElement} svg the chart's SVG
 */
export function createVerify(svg) {
  const layer = svgElement("g", { class: "lrw-verify-layer", "data-lrw-verify": "", "pointer-events": "none" }, svg);
  let drawnKey = "";

  return {
    /**
     * @param {Layout} layout
     * @param {unknown} verify the `verify` trait
     */
    draw(layout, verify) {
      const trials = verifyTrials(verify);
      const state = isRecord(verify) ? String(verify.state ?? "") : "";
      const key = JSON.stringify([trials, state, layout.width, ...layout.x.domain]);
      if (key === drawnKey) return;
      drawnKey = key;
      layer.replaceChildren();
      const best = bestTrial(trials);
      const shown = labelsThatFit(trials.map((trial, i) => ({
        x: layout.x.toPx(trial.lr), row: i % 2, text: labelText(trial, i === best, state), keep: i === best,
      })));
      trials.forEach((trial, i) => {
        const x = layout.x.toPx(trial.lr);
        if (!(x >= layout.left - 0.5 && x <= layout.right + 0.5)) return;
        const isBest = i === best;
        const y = layout.top + POINT_DY;
        const group = svgElement("g", {
          class: `lrw-verify-trial${isBest ? " lrw-verify-best" : ""}${trial.valid_loss === null ? " lrw-verify-diverged" : ""}`,
          "data-lrw-verify-trial": String(i), "data-lr": trial.lr,
        }, layer);
        const h = POINT_HALF;
        svgElement("line", { class: "lrw-verify-guide", x1: x, x2: x, y1: y + h, y2: layout.bottom }, group);
        const d = trial.valid_loss === null
          ? `M${x - h + 1} ${y - h + 1}L${x + h - 1} ${y + h - 1}M${x - h + 1} ${y + h - 1}L${x + h - 1} ${y - h + 1}`
          : `M${x} ${y - h}L${x + h} ${y}L${x} ${y + h}L${x - h} ${y}Z`;
        svgElement("path", { class: "lrw-verify-point", d }, group);
        if (shown[i]) {
          const label = svgElement("text", {
            class: "lrw-verify-label", x, y: layout.top + ROWS[i % 2], "text-anchor": "middle",
          }, group);
          setText(label, labelText(trial, isBest, state));
        }
        const title = svgElement("title", {}, group);
        const loss = trial.valid_loss === null ? "diverged" : formatLoss(trial.valid_loss);
        setText(title, `verify trial at lr ${trial.lr.toPrecision(3)}: final validation loss ${loss}`);
      });
    },
    destroy() {
      layer.remove();
    },
  };
}
