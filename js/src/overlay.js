// The other runs behind the main curve: a thin line per overlaid run in its colour (no raw losses, no markers), and
// the untested region of a test stopped early (shaded from the last lr it reached to end_lr).
import { decimateLine, linePath } from "./decimate.js";
import { setAttributes, setText, svgElement } from "./dom.js";
import { runColor } from "./runs.js";

/** @typedef {import("./chart.js").Chart} Chart */
/** @typedef {import("./chart.js").Layout} Layout */
/** @typedef {import("./store.js").Series} Series */

/**
 * @typedef {object} OverlaidRun
 * @property {string} id
 * @property {number} colorIndex
 * @property {string} label
 * @property {Series} series
 */

/**
 * Builds the overlay layer in the chart's clipped group, under the main curve and its raw losses.
 * @param {Chart} chart
 */
export function createOverlay(chart) {
  // The band's parent is the clipped group: lines drawn there are cut at the plot's edges like the main curve.
  const layer = svgElement("g", { class: "lrw-overlay" });
  chart.band.after(layer);
  const untested = svgElement("g", { class: "lrw-untested", "data-lrw-untested-region": "", display: "none" }, layer);
  const untestedRect = svgElement("rect", { class: "lrw-untested-area" }, untested);
  // At the region's left edge, under the handle labels: a handle inside the region must not cover it.
  const untestedText = svgElement("text", { class: "lrw-untested-label", "text-anchor": "start" }, untested);
  setText(untestedText, "untested →");
  /** @type {Map<string, { path: SVGElement, key: string }>} */
  const paths = new Map();

  /**
   * Draws exactly these runs (a run no longer listed loses its path).
   * @param {Layout} layout
   * @param {OverlaidRun[]} runs
   */
  function draw(layout, runs) {
    const layoutKey = [layout.width, ...layout.x.domain, ...layout.y.domain].join(",");
    const ids = new Set(runs.map((run) => run.id));
    for (const [id, entry] of paths) {
      if (ids.has(id)) continue;
      entry.path.remove();
      paths.delete(id);
    }
    for (const run of runs) {
      let entry = paths.get(run.id);
      if (!entry) {
        entry = { path: svgElement("path", { class: "lrw-run-line", "data-lrw-run-path": run.id }), key: "" };
        untested.before(entry.path);
        paths.set(run.id, entry);
      }
      entry.path.style.setProperty("--lrw-run", runColor(run.colorIndex));
      setAttributes(entry.path, { "aria-label": run.label });
      const key = `${layoutKey}:${run.series.version}:${run.series.lrs.length}`;
      if (entry.key === key) continue;
      entry.key = key;
      entry.path.setAttribute("d", linePath(decimateLine(...pixels(layout, run.series))));
    }
    // Later runs on top, as the legend lists them.
    const inOrder = runs.every((run, i) => layer.children[i] === paths.get(run.id)?.path);
    if (!inOrder) for (const run of runs) untested.before(/** @type {SVGElement} */ (paths.get(run.id)?.path));
  }

  /**
   * Shades the lrs a stopped-early test never reached, or hides the shading (lastLr null).
   * @param {Layout} layout
   * @param {number | null} lastLr
   */
  function drawUntested(layout, lastLr) {
    const x = lastLr === null ? NaN : Math.max(layout.left, layout.x.toPx(lastLr));
    if (!(x < layout.right)) {
      untested.setAttribute("display", "none");
      return;
    }
    untested.removeAttribute("display");
    setAttributes(untestedRect, { x, y: layout.top, width: layout.right - x, height: layout.bottom - layout.top });
    setAttributes(untestedText, { x: x + 5, y: layout.bottom - 6, visibility: layout.right - x > 70 ? null : "hidden" });
  }

  return {
    draw,
    drawUntested,
    destroy() {
      layer.remove();
      paths.clear();
    },
  };
}

/**
 * A series' points in SVG pixels (NaN for a gap), clamped to one plot height beyond the edges as the main curve is.
 * @param {Layout} layout
 * @param {Series} series
 * @returns {[Float64Array, Float64Array]}
 */
function pixels(layout, series) {
  const count = series.lrs.length;
  const xs = new Float64Array(count);
  const ys = new Float64Array(count);
  const span = layout.bottom - layout.top;
  for (let i = 0; i < count; i++) {
    xs[i] = layout.xFromLog10(series.logLrs[i]);
    const loss = series.losses[i];
    ys[i] = loss === null ? NaN : Math.min(layout.bottom + span, Math.max(layout.top - span, layout.y.toPx(loss)));
  }
  return [xs, ys];
}
