// Repeated range tests (`w.run(repeats=n)`, see lrwidget/widget/repeats.py): the band of the repeats' smoothed losses
// with their median line, a bar under each marker from the lowest to the highest repeat's pick, and the status
// line's word on how much the picks disagree. The band sits under the curves, the bars under the markers. Colours
// come from the theme's variables (styles.css), so light and dark hosts both read.
import { htmlElement, setAttributes, setText, svgElement } from "./dom.js";
import { formatCoordinate } from "./decimate.js";
import { markerColor } from "./registry.js";
import { finiteOrNull, isRecord } from "./store.js";

/** @typedef {import("./chart.js").Layout} Layout */
/** @typedef {import("./registry.js").MarkerSpec} MarkerSpec */

/**
 * The `band` trait: the repeats' smoothed losses at their shared LRs.
 * @typedef {object} Band
 * @property {number[]} lrs
 * @property {(number | null)[]} lo
 * @property {(number | null)[]} hi
 * @property {(number | null)[]} median
 * @property {number} repeats
 * @property {string} summary
 * @property {boolean} live the repeats finished so far of a call still running (drawn under its live curve)
 */

/** Half the height of a spread bar's end caps, in pixels. */
const CAP_PX = 3.5;
/** A bar runs this far below its marker's centre: clear of the dot (radius ≤ 6.5) and of the label beside it. */
const BAR_OFFSET_PX = 10;

/**
 * The `band` trait as a Band, or null when it holds none (a single test, or garbage).
 * @param {unknown} value
 * @returns {Band | null}
 */
export function parseBand(value) {
  if (!isRecord(value) || !Array.isArray(value.lrs) || !Array.isArray(value.lo) || !Array.isArray(value.hi)) return null;
  const count = Math.min(value.lrs.length, value.lo.length, value.hi.length);
  if (count === 0) return null;
  const median = Array.isArray(value.median) ? value.median : [];
  return {
    lrs: value.lrs.slice(0, count).map((lr) => finiteOrNull(lr) ?? NaN),
    lo: value.lo.slice(0, count).map(finiteOrNull),
    hi: value.hi.slice(0, count).map(finiteOrNull),
    median: Array.from({ length: count }, (_, i) => finiteOrNull(median[i])),
    repeats: Number(value.repeats) || 0,
    summary: typeof value.summary === "string" ? value.summary : "",
    live: value.live === true,
  };
}

/**
 * Pixel coordinates, clamped one plot height beyond the edges (the clip hides the rest; SVG numbers stay small).
 * @param {Layout} layout
 * @param {number} lr
 * @param {number} loss
 * @returns {[number, number]}
 */
function toPx(layout, lr, loss) {
  const span = layout.bottom - layout.top;
  const y = Math.min(layout.bottom + span, Math.max(layout.top - span, layout.y.toPx(loss)));
  return [layout.x.toPx(lr), y];
}

/**
 * The band's outline: along `hi` to the right, back along `lo`, closed; one closed piece per run of points that
 * have both edges (a point without a loss breaks it). "" when nothing can be drawn.
 * @param {Layout} layout
 * @param {Band} band
 * @returns {string}
 */
export function bandPath(layout, band) {
  /** @type {string[]} */
  const pieces = [];
  /** @type {number[]} */
  let run = [];
  const close = () => {
    if (run.length >= 2) {
      const top = run.map((i) => toPx(layout, band.lrs[i], /** @type {number} */ (band.hi[i])));
      const bottom = run.map((i) => toPx(layout, band.lrs[i], /** @type {number} */ (band.lo[i]))).reverse();
      pieces.push(`M${[...top, ...bottom].map(([x, y]) => `${formatCoordinate(x)} ${formatCoordinate(y)}`)
        .join("L")}Z`);
    }
    run = [];
  };
  for (let i = 0; i < band.lrs.length; i++) {
    if (band.lo[i] === null || band.hi[i] === null || !(band.lrs[i] > 0)) close();
    else run.push(i);
  }
  close();
  return pieces.join("");
}

/**
 * The median line: a path through the points that have a median, broken at gaps.
 * @param {Layout} layout
 * @param {Band} band
 * @returns {string}
 */
export function medianPath(layout, band) {
  let path = "";
  let pen = false;
  for (let i = 0; i < band.lrs.length; i++) {
    const loss = band.median[i];
    if (loss === null || !(band.lrs[i] > 0)) {
      pen = false;
      continue;
    }
    const [x, y] = toPx(layout, band.lrs[i], loss);
    path += `${pen ? "L" : "M"}${formatCoordinate(x)} ${formatCoordinate(y)}`;
    pen = true;
  }
  return path;
}

/**
 * @typedef {object} SpreadBar
 * @property {string} name
 * @property {number} x1 the lowest repeat's marker position, px
 * @property {number} x2 the highest's
 * @property {number} y px: just below the marker's dot
 * @property {number} colorIndex
 */

/**
 * A bar under each drawn marker from its lowest to its highest repeat's position (`x_lo`, `x_hi` of the
 * `pick_spread` trait), just below the marker's dot.
 * @param {Layout} layout
 * @param {unknown} pickSpread the `pick_spread` trait
 * @param {MarkerSpec[]} specs the markers drawn
 * @returns {SpreadBar[]}
 */
export function spreadBars(layout, pickSpread, specs) {
  if (!isRecord(pickSpread)) return [];
  /** @type {SpreadBar[]} */
  const bars = [];
  for (const spec of specs) {
    const spread = pickSpread[spec.name];
    if (!isRecord(spread)) continue;
    const lo = finiteOrNull(spread.x_lo);
    const hi = finiteOrNull(spread.x_hi);
    if (lo === null || hi === null || lo <= 0 || hi < lo) continue;
    const [x1, y] = toPx(layout, lo, spec.pointLoss);
    bars.push({ name: spec.name, x1, x2: layout.x.toPx(hi), y: y + BAR_OFFSET_PX, colorIndex: spec.colorIndex });
  }
  return bars;
}

/**
 * The status line with the repeats' part: "repeat k/n · …" while they run, "… · <summary>" once they ended.
 * @param {string} statusLine formatStatusLine's line
 * @param {string} status
 * @param {unknown} progress the `progress` trait
 * @param {unknown} band the `band` trait
 * @returns {string}
 */
export function withRepeats(statusLine, status, progress, band) {
  if (status === "running") {
    const repeat = isRecord(progress) ? finiteOrNull(progress.repeat) : null;
    const repeats = isRecord(progress) ? finiteOrNull(progress.repeats) : null;
    return repeat !== null && repeats !== null && repeats > 1 ? `repeat ${repeat}/${repeats} · ${statusLine}` : statusLine;
  }
  const summary = isRecord(band) && typeof band.summary === "string" ? band.summary : "";
  if (!summary || (status !== "done" && status !== "stopped")) return statusLine;
  return statusLine ? `${statusLine} · ${summary}` : summary;
}

/**
 * The key's words for a band: how many repeats it spans, and whether more are still running.
 * @param {Band} band
 * @returns {string}
 */
export function bandKeyText(band) {
  const finished = `${band.repeats} finished repeat${band.repeats === 1 ? "" : "s"}`;
  return `${band.live ? finished : `${band.repeats} repeats`}: lowest–highest, median dashed`;
}

/**
 * Draws the band in `bandLayer` (inside the plot's clip, under the curves) and the spread bars in `spreadLayer`
 * (under the markers), and says what the band is in an item of `key` (the key under the plot).
 * @param {SVGElement} bandLayer
 * @param {SVGElement} spreadLayer
 * @param {HTMLElement} key
 */
export function createRepeatBand(bandLayer, spreadLayer, key) {
  const area = svgElement("path", { class: "lrw-repeat-band", "data-lrw-repeat-band": "" }, bandLayer);
  const median = svgElement("path", { class: "lrw-repeat-median", "data-lrw-repeat-median": "" }, bandLayer);
  const keyItem = htmlElement("span", { class: "lrw-key-item", "data-lrw-key-band": "",
    title: "the smoothed losses of the repeats (w.run(repeats=n)): the band from the lowest to the highest at each "
      + "lr, the dashed line their median" }, key);
  htmlElement("span", { class: "lrw-key-band", "aria-hidden": "true" }, keyItem);
  const keyText = htmlElement("span", {}, keyItem);
  keyItem.hidden = true;
  let barsKey = "";

  /**
   * @param {Layout} layout
   * @param {unknown} bandTrait the `band` trait
   * @param {unknown} pickSpread the `pick_spread` trait
   * @param {MarkerSpec[]} specs the markers drawn
   * @param {"final" | "live" | null} showing which band may be drawn: a finished run's ("final"), the live one of
   *   the repeats still running ("live": the finished ones, under the current one's live points), or none (live
   *   points of a run that is not running, e.g. after an error)
   */
  function update(layout, bandTrait, pickSpread, specs, showing) {
    const parsed = showing ? parseBand(bandTrait) : null;
    // A final band while live points are drawn belongs to the run shown before; a live one, to a call that ended.
    const band = parsed && parsed.live === (showing === "live") ? parsed : null;
    setAttributes(area, { d: band ? bandPath(layout, band) || null : null });
    setAttributes(median, { d: band ? medianPath(layout, band) || null : null });
    keyItem.hidden = !band;
    if (band) setText(keyText, bandKeyText(band));
    const bars = band ? spreadBars(layout, pickSpread, specs) : [];
    const nextKey = JSON.stringify(bars);
    if (nextKey === barsKey) return;
    barsKey = nextKey;
    const fragment = document.createDocumentFragment();
    for (const bar of bars) {
      const group = svgElement("g", { class: "lrw-pick-spread", "data-lrw-pick-spread": bar.name }, fragment);
      group.style.setProperty("--lrw-marker", markerColor(bar.colorIndex));
      const [x1, x2, y] = [bar.x1, bar.x2, bar.y].map(formatCoordinate);
      svgElement("path", { d: `M${x1} ${y}H${x2}M${x1} ${bar.y - CAP_PX}V${bar.y + CAP_PX}M${x2} ${bar.y - CAP_PX}`
        + `V${bar.y + CAP_PX}` }, group);
    }
    spreadLayer.replaceChildren(fragment);
  }

  function destroy() {
    area.remove();
    median.remove();
    keyItem.remove();
    spreadLayer.replaceChildren();
  }

  return { update, destroy };
}
