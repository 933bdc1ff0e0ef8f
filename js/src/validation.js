// The validation-loss curve of a run made with `valid_every=k`: its values, aligned with the drawn points (null where
// the subset was not evaluated), and its drawing: a dashed line through the evaluated points with a dot on each, in
// its own colour (`--lrw-valid`, one for light and one for dark backgrounds, in validation.css), a legend entry under
// the plot, and what it cost on the status line. The values come from the fourth buffer of the `points` messages
// (wire.js) while a run streams, and from `curve.valid_losses` once it has ended (also what a saved notebook holds).
import { htmlElement, setAttributes, setText, svgElement } from "./dom.js";
import { finiteOrNull, isRecord } from "./store.js";

/** @typedef {import("./chart.js").Layout} Layout */
/** @typedef {import("./store.js").Series} Series */
/** @typedef {import("./wire.js").PointsDelta} PointsDelta */

/** The room left beyond a validation loss that widens the loss range, as a fraction of the range. */
const MARGIN = 0.04;
/** With more evaluated points than this, the dots would hide the line: only the line is drawn. */
export const MAX_DOTS = 200;

/**
 * @typedef {object} ValidationValues
 * @property {(number | null)[]} values one per point of the series, null where not evaluated
 * @property {number} version bumped on every change
 */

/** @returns {ValidationValues} */
export function emptyValidation() {
  return { values: [], version: 0 };
}

/**
 * Applies a decoded points delta that the series itself took (see store.js's applyPointsMessage): the values from
 * its start on are replaced by the delta's, null where it carries none.
 * @param {ValidationValues} validation
 * @param {Pick<PointsDelta, "start" | "lrs" | "valid_losses">} delta
 */
export function applyValidationDelta(validation, delta) {
  const { values } = validation;
  values.length = Math.min(values.length, delta.start);
  while (values.length < delta.start) values.push(null);
  for (let i = 0; i < delta.lrs.length; i++) values.push(delta.valid_losses ? finiteOrNull(delta.valid_losses[i]) : null);
  validation.version++;
}

/**
 * The `curve` trait's validation losses (`curve.valid_losses`, null where not evaluated); empty when it has none.
 * @param {unknown} curve
 * @returns {ValidationValues}
 */
export function validationFromCurve(curve) {
  const validation = emptyValidation();
  const values = isRecord(curve) ? curve.valid_losses : undefined;
  if (Array.isArray(values)) validation.values = values.map(finiteOrNull);
  return validation;
}

/**
 * The evaluated points in pixels, in order.
 * @param {Layout} layout
 * @param {Series} series
 * @param {ValidationValues} validation
 * @returns {[number, number][]}
 */
export function validationPixels(layout, series, validation) {
  const { top, bottom } = layout;
  // Off-scale values are pulled to one plot height beyond the edge, as the chart does: the clip hides them, and the
  // line still heads the right way.
  const yLow = top - (bottom - top);
  const yHigh = bottom + (bottom - top);
  /** @type {[number, number][]} */
  const points = [];
  const count = Math.min(series.logLrs.length, validation.values.length);
  for (let i = 0; i < count; i++) {
    const value = validation.values[i];
    const logLr = series.logLrs[i];
    if (value === null || !Number.isFinite(logLr)) continue;
    const y = layout.y.toPx(value);
    points.push([layout.xFromLog10(logLr), y < yLow ? yLow : y > yHigh ? yHigh : y]);
  }
  return points;
}

/**
 * The loss range widened to show the validation losses too, but by at most half its span on each side: a validation
 * loss that blows up at high LRs must not squash the training curve (yrange.js caps that curve the same way).
 * @param {[number, number]} domain the training curve's range
 * @param {ValidationValues} validation
 * @returns {[number, number]}
 */
export function widenDomain([bottom, top], validation) {
  let low = Infinity;
  let high = -Infinity;
  for (const value of validation.values) {
    if (value === null) continue;
    if (value < low) low = value;
    if (value > high) high = value;
  }
  if (low > high) return [bottom, top];
  const span = top - bottom;
  const margin = span * MARGIN; // a dot on the edge would be cut in half
  const newBottom = low < bottom ? Math.max(low - margin, bottom - span / 2) : bottom;
  const newTop = high > top ? Math.min(high + margin, top + span / 2) : top;
  return [newBottom, newTop];
}

/**
 * What the status line adds for a run with validation: " · validation every 10 steps", and once it has ended,
 * ": +8% time" (the time evaluating, over the time of the test without it). Empty without validation.
 * @param {unknown} progress the `progress` trait (`valid_every`, `valid_cost`)
 * @returns {string}
 */
export function validationStatus(progress) {
  if (!isRecord(progress)) return "";
  const every = progress.valid_every;
  if (typeof every !== "number" || !Number.isInteger(every) || every < 1) return "";
  const cost = progress.valid_cost;
  const costText = typeof cost === "number" && Number.isFinite(cost) ? `: +${Math.round(cost * 100)}% time` : "";
  return ` · validation every ${every === 1 ? "step" : `${every} steps`}${costText}`;
}

/**
 * The validation curve's drawing inside the chart's clipped layer, and its legend entry (appended to `root`).
 * @param {SVGElement} layer the chart's `validLayer`
 * @param {HTMLElement} root
 */
export function createValidation(layer, root) {
  const line = svgElement("path", { class: "lrw-valid-line", "data-lrw-valid-curve": "" }, layer);
  const dots = svgElement("g", { class: "lrw-valid-dots" }, layer);
  const legend = htmlElement("div", { class: "lrw-valid-legend", "data-lrw-valid-legend": "" }, root);
  const swatch = svgElement("svg", { class: "lrw-valid-swatch", width: 28, height: 10, "aria-hidden": "true" }, legend);
  svgElement("path", { class: "lrw-valid-line", d: "M1 5H27" }, swatch);
  svgElement("circle", { class: "lrw-valid-dot", cx: 14, cy: 5, r: 3 }, swatch);
  const label = htmlElement("span", {}, legend);
  legend.hidden = true;

  let live = emptyValidation();
  let saved = emptyValidation();
  let drawnKey = "";

  return {
    /** A `reset` message: a new run starts. */
    reset() {
      live = emptyValidation();
    },
    /** @param {PointsDelta} delta a points delta the live series took */
    applyDelta(delta) {
      applyValidationDelta(live, delta);
    },
    /** @param {unknown} curve the `curve` trait */
    setCurve(curve) {
      saved = validationFromCurve(curve);
    },
    /**
     * The loss range to draw with: the training curve's, widened for the validation losses shown.
     * @param {[number, number]} domain
     * @param {boolean} isLive
     * @returns {[number, number]}
     */
    domain(domain, isLive) {
      return widenDomain(domain, isLive ? live : saved);
    },
    /**
     * Draws the validation curve of the series shown (`isLive`: the streamed points, else the saved curve).
     * @param {Layout} layout
     * @param {Series} series
     * @param {boolean} isLive
     * @param {unknown} progress the `progress` trait (its `valid_every` labels the legend)
     */
    draw(layout, series, isLive, progress) {
      const validation = isLive ? live : saved;
      const key = [isLive, validation.version, validation.values.length, series.version, series.lrs.length,
        layout.width, ...layout.x.domain, ...layout.y.domain].join(",");
      if (key !== drawnKey) {
        drawnKey = key;
        const points = validationPixels(layout, series, validation);
        line.setAttribute("d", points.map(([x, y], i) => `${i ? "L" : "M"}${x.toFixed(1)} ${y.toFixed(1)}`).join(""));
        const circles = document.createDocumentFragment();
        if (points.length <= MAX_DOTS) {
          for (const [x, y] of points) svgElement("circle", { class: "lrw-valid-dot", cx: x, cy: y, r: 2.5 }, circles);
        }
        dots.replaceChildren(circles);
        legend.hidden = points.length === 0;
      }
      const every = isRecord(progress) ? progress.valid_every : undefined;
      setText(label, typeof every === "number" ? `validation loss (every ${every === 1 ? "step" : `${every} steps`})`
        : "validation loss");
      setAttributes(legend, { title: "The loss on a fixed validation subset, evaluated in eval mode during the test" });
    },
    destroy() {
      legend.remove();
    },
  };
}
