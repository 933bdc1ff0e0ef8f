// The SVG plot: frame, axes, grid, raw losses (faint) and smoothed loss (line), plus empty layers that the handle
// and marker modules fill.
import { decimateLine, decimateRange, linePath, rangePath, rawDensity, thin } from "./decimate.js";
import { setAttributes, setText, svgElement } from "./dom.js";
import { linearScale, logPxFromLog10, logScale } from "./scale.js";
import { labelLinearTicks, linearTicks, logTicks } from "./ticks.js";
import { lossRange } from "./yrange.js";

/** @typedef {import("./scale.js").Scale} Scale */
/** @typedef {import("./store.js").Series} Series */

export const PLOT_HEIGHT = 320;
/** The least plot width: a 360-px output (the root's padding and border take 22 px) still fits. */
export const MIN_WIDTH = 320;
/** Top margin holds the handle labels, left the loss ticks and title, bottom the lr ticks and title. */
const MARGIN = { top: 34, right: 26, bottom: 46, left: 62 };

/**
 * @typedef {object} Layout
 * @property {number} width
 * @property {number} height
 * @property {number} left plot-area edges in SVG pixels
 * @property {number} right
 * @property {number} top
 * @property {number} bottom
 * @property {Scale} x learning rate ↔ px (log)
 * @property {(log10Lr: number) => number} xFromLog10
 * @property {Scale} y loss ↔ px
 * @property {number} xUnit the x axis's tick labels (and the handles' and markers') read in lr × xUnit: another layer
 *   group's LR after a discriminative range test (see groups.js), else 1
 * @property {string} xTitle the x axis title
 */

/**
 * @param {number} width SVG width
 * @param {number} startLr
 * @param {number} endLr
 * @param {[number, number]} lossDomain
 * @param {{ unit: number, title: string }} [axis] which layer group's LR the x axis is read in
 * @returns {Layout}
 */
export function computeLayout(width, startLr, endLr, lossDomain, axis = { unit: 1, title: "learning rate" }) {
  const left = MARGIN.left;
  const right = Math.max(left + 1, width - MARGIN.right);
  const top = MARGIN.top;
  const bottom = PLOT_HEIGHT - MARGIN.bottom;
  return {
    width, height: PLOT_HEIGHT, left, right, top, bottom,
    x: logScale([startLr, endLr], [left, right]),
    xFromLog10: logPxFromLog10([startLr, endLr], [left, right]),
    y: linearScale(lossDomain, [bottom, top]),
    xUnit: axis.unit,
    xTitle: axis.title,
  };
}

let chartCount = 0;

/**
 * Builds the SVG inside `container` and returns its parts and its draw function.
 * @param {HTMLElement} container
 */
export function createChart(container) {
  const clipId = `lrw-clip-${++chartCount}-${Math.random().toString(36).slice(2, 8)}`;
  const svg = svgElement("svg", {
    class: "lrw-svg", height: PLOT_HEIGHT, role: "img", "aria-label": "Loss against learning rate (log scale)",
  }, container);
  const clipRect = svgElement("rect", {}, svgElement("clipPath", { id: clipId }, svgElement("defs", {}, svg)));
  // The exact plot area: its left edge is start_lr and its right edge end_lr, which tests can use to check positions.
  const plotArea = svgElement("rect", { class: "lrw-plot-area", "data-lrw-plot-area": "" }, svg);
  const grid = svgElement("g", { class: "lrw-grid", "aria-hidden": "true" }, svg);
  const axes = svgElement("g", { class: "lrw-axes", "aria-hidden": "true" }, svg);
  const clipped = svgElement("g", { "clip-path": `url(#${clipId})` }, svg);
  const band = svgElement("rect", { class: "lrw-band", visibility: "hidden" }, clipped);
  const repeatLayer = svgElement("g", { class: "lrw-repeat-layer" }, clipped); // band.js: repeats' band, under the curves
  const rawPath = svgElement("path", { class: "lrw-raw" }, clipped);
  const curvePath = svgElement("path", { class: "lrw-curve", "data-lrw-curve": "" }, clipped);
  // Filled by validation.js: the validation-loss curve of a run with `valid_every`.
  const validLayer = svgElement("g", { class: "lrw-valid-layer" }, clipped);
  const emptyText = svgElement("text", { class: "lrw-empty", "text-anchor": "middle" }, svg);
  const handleLayer = svgElement("g", { class: "lrw-handle-layer" }, svg);
  const spreadLayer = svgElement("g", { class: "lrw-spread-layer" }, svg); // band.js: pick spreads, under the markers
  const markerLayer = svgElement("g", { class: "lrw-marker-layer" }, svg);
  const knobLayer = svgElement("g", { class: "lrw-knob-layer" }, svg);

  let axesKey = "";
  let pathsKey = "";
  /** @type {Series | null} */
  let pathSeries = null;
  /** @type {Float64Array} */
  let xs = new Float64Array(0);
  /** @type {Float64Array} */
  let ys = new Float64Array(0);

  /**
   * Redraws the frame, axes and curves.
   * @param {Layout} layout
   * @param {Series} series
   * @param {string} emptyMessage shown in the plot when there is nothing to draw
   */
  function draw(layout, series, emptyMessage) {
    const { left, right, top, bottom, width } = layout;
    svg.setAttribute("width", String(width));
    const area = { x: left, y: top, width: right - left, height: bottom - top };
    setAttributes(clipRect, area);
    setAttributes(plotArea, area);
    const hasPoints = series.losses.some((loss) => loss !== null);
    const key = [width, ...layout.x.domain, ...layout.y.domain, hasPoints, layout.xUnit, layout.xTitle].join(",");
    if (key !== axesKey) {
      axesKey = key;
      drawAxes(layout, hasPoints);
    }

    // Trait changes that leave the data and the axes alone (markers, handles, status) keep the paths as they are.
    const pathKey = `${key}:${series.version}:${series.lrs.length}`;
    if (series !== pathSeries || pathKey !== pathsKey) {
      pathSeries = series;
      pathsKey = pathKey;
      drawPaths(layout, series);
    }

    setAttributes(emptyText, { x: (left + right) / 2, y: (top + bottom) / 2, visibility: hasPoints ? "hidden" : null });
    setText(emptyText, hasPoints ? "" : emptyMessage);
  }

  /**
   * The raw losses (faint, a span per pixel column) and the smoothed line (≤ 2 points per pixel column).
   * @param {Layout} layout
   * @param {Series} series
   */
  function drawPaths(layout, series) {
    const { top, bottom } = layout;
    const count = series.lrs.length;
    if (xs.length < count) {
      xs = new Float64Array(Math.max(count, xs.length * 2));
      ys = new Float64Array(xs.length);
    }
    // Far-off-scale losses are pulled to one plot height beyond the edge: the clip hides them either way, and
    // SVG coordinates stay small.
    const yLow = top - (bottom - top);
    const yHigh = bottom + (bottom - top);
    // Both scales are affine in what is stored (log10 lr, loss): px = offset + value × slope, inlined in the loops.
    const xOffset = layout.xFromLog10(0);
    const xSlope = layout.xFromLog10(1) - xOffset;
    const yOffset = layout.y.toPx(0);
    const ySlope = layout.y.toPx(1) - yOffset;
    const logLrs = series.logLrs;
    for (let i = 0; i < count; i++) xs[i] = xOffset + logLrs[i] * xSlope;
    const fill = (/** @type {(number | null)[]} */ values) => {
      for (let i = 0; i < count; i++) {
        const value = values[i];
        if (value === null) ys[i] = NaN;
        else {
          const y = yOffset + value * ySlope;
          ys[i] = y < yLow ? yLow : y > yHigh ? yHigh : y;
        }
      }
      return ys.subarray(0, count);
    };
    const xView = xs.subarray(0, count);
    // Dense raw losses are thinned and faded, or they form a solid band that hides the smoothed line.
    // The density is over the columns the points span: mid-run they fill only the left part of the plot.
    const spanned = count > 1 ? Math.min(layout.right - layout.left, Math.abs(xView[count - 1] - xView[0])) : 1;
    const density = rawDensity(count, spanned);
    const [rawXs, rawYs] = thin(xView, fill(series.rawLosses), density.stride);
    rawPath.setAttribute("d", rangePath(decimateRange(rawXs, rawYs)));
    rawPath.classList.toggle("lrw-raw--dense", density.dense);
    rawPath.style.setProperty("stroke-opacity", String(Math.round(density.opacity * 100) / 100));
    curvePath.setAttribute("d", linePath(decimateLine(xView, fill(series.losses))));
  }

  /**
   * @param {Layout} layout
   * @param {boolean} hasPoints without points the loss axis has no meaningful ticks
   */
  function drawAxes(layout, hasPoints) {
    const { left, right, top, bottom } = layout;
    const gridLines = document.createDocumentFragment();
    const axisParts = document.createDocumentFragment();

    // Ticks at round values of the LR shown (lr × xUnit), placed where the recorded lr is value / xUnit.
    const unit = layout.xUnit;
    const xTicks = logTicks(layout.x.domain[0] * unit, layout.x.domain[1] * unit, right - left);
    for (const tick of xTicks.labeled) {
      const x = layout.x.toPx(tick.value / unit);
      if (tick.decade) svgElement("line", { class: "lrw-grid-line", x1: x, x2: x, y1: top, y2: bottom }, gridLines);
      svgElement("line", { class: "lrw-tick", x1: x, x2: x, y1: bottom, y2: bottom + 5 }, axisParts);
      svgElement("text", { class: "lrw-tick-label", x, y: bottom + 18, "text-anchor": "middle" }, axisParts)
        .textContent = tick.label;
    }
    for (const value of xTicks.minor) {
      const x = layout.x.toPx(value / unit);
      svgElement("line", { class: "lrw-tick lrw-tick--minor", x1: x, x2: x, y1: bottom, y2: bottom + 3 }, axisParts);
    }

    const [lossMin, lossMax] = layout.y.domain;
    const maxTicks = hasPoints ? Math.max(2, Math.floor((bottom - top) / 40)) : 0;
    const { values, step } = linearTicks(lossMin, lossMax, maxTicks);
    for (const tick of labelLinearTicks(values, step)) {
      const y = layout.y.toPx(tick.value);
      svgElement("line", { class: "lrw-grid-line", x1: left, x2: right, y1: y, y2: y }, gridLines);
      svgElement("line", { class: "lrw-tick", x1: left - 5, x2: left, y1: y, y2: y }, axisParts);
      svgElement("text", { class: "lrw-tick-label", x: left - 8, y, "text-anchor": "end", "dominant-baseline": "middle" },
        axisParts).textContent = tick.label;
    }

    svgElement("path", { class: "lrw-axis-line", d: `M${left} ${top}V${bottom}H${right}` }, axisParts);
    svgElement("text", { class: "lrw-axis-title", x: (left + right) / 2, y: bottom + 38, "text-anchor": "middle" },
      axisParts).textContent = layout.xTitle;
    svgElement("text", {
      class: "lrw-axis-title", x: 0, y: 0, "text-anchor": "middle",
      transform: `translate(16 ${(top + bottom) / 2}) rotate(-90)`,
    }, axisParts).textContent = "loss";
    grid.replaceChildren(gridLines);
    axes.replaceChildren(axisParts);
  }

  let lossDomainKey = "";
  /** @type {Series | null} */
  let lossDomainSeries = null;
  /** @type {[number, number]} */
  let lossDomain = [0, 1];
  /**
   * The loss range for a series, recomputed only when the data changed.
   * @param {Series} series
   * @param {number} plannedIterations
   * @returns {[number, number]}
   */
  function lossDomainFor(series, plannedIterations) {
    const key = `${series.version}:${series.lrs.length}:${plannedIterations}`;
    if (key !== lossDomainKey || series !== lossDomainSeries) {
      lossDomainKey = key;
      lossDomainSeries = series;
      lossDomain = lossRange(series.losses, series.rawLosses, plannedIterations);
    }
    return lossDomain;
  }

  return { svg, band, repeatLayer, spreadLayer, handleLayer, markerLayer, knobLayer, validLayer, draw, lossDomainFor };
}

/** @typedef {ReturnType<typeof createChart>} Chart */
