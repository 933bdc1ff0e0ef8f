// Which suggestion markers exist, in what order, in what colour, and which one is the default: all of it comes from
// Python's `marker_registry` trait (the view knows no marker by name). Pure.
import { finiteOrNull, isRecord } from "./store.js";

/** @typedef {import("./store.js").Series} Series */

/**
 * One marker, as the view uses it.
 * @typedef {object} MarkerEntry
 * @property {string} name
 * @property {string} tip one sentence from Python ("" when it sent none)
 * @property {number} colorIndex index into the theme's marker palette (styles.css: --lrw-marker-0, -1, …)
 * @property {boolean} shownByDefault
 * @property {boolean} isDefault the marker the handles start at (drawn with emphasis)
 */

/**
 * A suggestion as the `suggestions` trait carries it: `{lr, point: [lr, loss], tip}`.
 * @typedef {{ lr?: unknown, point?: unknown, tip?: unknown }} Suggestion
 */

/**
 * A marker to draw: where its dot sits and what hi snaps to when it is clicked.
 * @typedef {object} MarkerSpec
 * @property {string} name
 * @property {number} lr the suggested learning rate (what hi snaps to)
 * @property {number} pointLr where the dot sits (a suggestion may be a fraction of its point's lr)
 * @property {number} pointLoss
 * @property {string} tip
 * @property {number} colorIndex
 * @property {boolean} isDefault
 */

/**
 * The `marker_registry` trait, read tolerantly: an entry without a string name is skipped (and said so on the
 * console), a missing field takes its neutral value, and a repeated name keeps its first entry.
 * @param {unknown} registry `[{name, tip, color_index, shown_by_default, is_handle_default}, …]`
 * @returns {MarkerEntry[]}
 */
export function parseRegistry(registry) {
  if (!Array.isArray(registry)) return [];
  /** @type {MarkerEntry[]} */
  const entries = [];
  const seen = new Set();
  registry.forEach((item, position) => {
    if (!isRecord(item) || typeof item.name !== "string" || item.name === "") {
      console.warn(`lrwidget: marker_registry[${position}] has no name, skipped:`, item);
      return;
    }
    if (seen.has(item.name)) return;
    seen.add(item.name);
    const colorIndex = item.color_index;
    const validIndex = typeof colorIndex === "number" && Number.isInteger(colorIndex) && colorIndex >= 0;
    entries.push({
      name: item.name,
      tip: typeof item.tip === "string" ? item.tip : "",
      colorIndex: validIndex ? colorIndex : position,
      shownByDefault: item.shown_by_default === true,
      isDefault: item.is_handle_default === true,
    });
  });
  return entries;
}

/**
 * Every marker the view offers, in display order: the registry's, then any suggestion it does not list (so an empty
 * registry still shows every suggestion, coloured in palette order).
 * @param {unknown} registry the `marker_registry` trait
 * @param {Record<string, Suggestion>} suggestions the `suggestions` trait
 * @returns {MarkerEntry[]}
 */
export function markerEntries(registry, suggestions) {
  const entries = parseRegistry(registry);
  const known = new Set(entries.map((entry) => entry.name));
  for (const name of Object.keys(suggestions)) {
    if (known.has(name)) continue;
    const tip = suggestions[name]?.tip;
    entries.push({
      name, tip: typeof tip === "string" ? tip : "", colorIndex: entries.length, shownByDefault: false, isDefault: false,
    });
  }
  return entries;
}

/**
 * The names drawn: the `visible_markers` trait, or, before Python has set one, the registry's defaults.
 * @param {unknown} visibleMarkers
 * @param {MarkerEntry[]} entries
 * @returns {Set<string>}
 */
export function visibleNames(visibleMarkers, entries) {
  if (Array.isArray(visibleMarkers)) return new Set(visibleMarkers.filter((name) => typeof name === "string"));
  return new Set(entries.filter((entry) => entry.shownByDefault).map((entry) => entry.name));
}

/**
 * The `visible_markers` value for a set of names: in display order, names the view does not offer kept at the end.
 * @param {MarkerEntry[]} entries
 * @param {Set<string>} visible
 * @returns {string[]}
 */
export function orderVisible(entries, visible) {
  return [...new Set([...entries.map((entry) => entry.name), ...visible])].filter((name) => visible.has(name));
}

/**
 * The markers to draw, in display order: visible ones whose suggestion has a finite lr and a point to sit on.
 * @param {MarkerEntry[]} entries
 * @param {Record<string, Suggestion>} suggestions
 * @param {Set<string>} visible
 * @param {Series} series the drawn points: a suggestion sent without its point sits on the nearest one
 * @returns {MarkerSpec[]}
 */
export function markerSpecs(entries, suggestions, visible, series) {
  /** @type {MarkerSpec[]} */
  const specs = [];
  for (const entry of entries) {
    const suggestion = suggestions[entry.name];
    if (!visible.has(entry.name) || !suggestion) continue;
    const lr = finiteOrNull(suggestion.lr);
    if (lr === null) continue;
    const point = Array.isArray(suggestion.point) ? suggestion.point : [];
    const pointLr = finiteOrNull(point[0]) ?? lr;
    const pointLoss = finiteOrNull(point[1]) ?? lossNear(series, pointLr);
    if (pointLoss === null) continue;
    const tip = entry.tip || (typeof suggestion.tip === "string" ? suggestion.tip : "");
    const { name, colorIndex, isDefault } = entry;
    specs.push({ name, lr, pointLr, pointLoss, tip, colorIndex, isDefault });
  }
  return specs;
}

/**
 * The smoothed loss of the point nearest `lr` on the log axis, or null when the series has none.
 * @param {Series} series
 * @param {number} lr
 * @returns {number | null}
 */
export function lossNear(series, lr) {
  const target = Math.log10(lr);
  let best = null;
  let bestDistance = Infinity;
  for (let i = 0; i < series.logLrs.length; i++) {
    const loss = series.losses[i];
    const distance = Math.abs(series.logLrs[i] - target);
    if (loss !== null && distance < bestDistance) [best, bestDistance] = [loss, distance];
  }
  return best;
}

/**
 * The CSS colour of a palette index: the theme's palette entry, or the fallback colour past the palette's end (so
 * the palette's length is written only in styles.css).
 * @param {number} colorIndex
 * @returns {string}
 */
export function markerColor(colorIndex) {
  return `var(--lrw-marker-${colorIndex}, var(--lrw-marker-fallback))`;
}
