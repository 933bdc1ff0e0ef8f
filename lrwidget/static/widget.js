// src/dom.js
var SVG_NS = "http://www.w3.org/2000/svg";
function setAttributes(element, attributes) {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === void 0) element.removeAttribute(name);
    else element.setAttribute(name, String(value));
  }
}
function svgElement(tag, attributes = {}, parent) {
  const element = (
    /** @type {SVGElement} */
    document.createElementNS(SVG_NS, tag)
  );
  setAttributes(element, attributes);
  parent?.appendChild(element);
  return element;
}
function htmlElement(tag, attributes = {}, parent) {
  const element = document.createElement(tag);
  setAttributes(element, attributes);
  parent?.appendChild(element);
  return element;
}
function setText(element, text) {
  if (element.textContent !== text) element.textContent = text;
}

// src/decimate.js
function decimateLine(xs, ys) {
  const runs = [];
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
function decimateRange(xs, ys) {
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
function formatCoordinate(value) {
  const tenths = Math.round(value * 10);
  const whole = tenths / 10 | 0;
  const fraction = tenths - whole * 10;
  if (fraction === 0) return `${whole}`;
  const sign = tenths < 0 && whole === 0 ? "-" : "";
  return `${sign}${whole}.${fraction < 0 ? -fraction : fraction}`;
}
var round = formatCoordinate;
function linePath(runs) {
  let d = "";
  for (const run of runs) {
    d += `M${round(run[0])} ${round(run[1])}`;
    if (run.length === 2) d += "h0";
    for (let i = 2; i < run.length; i += 2) d += "L" + round(run[i]) + " " + round(run[i + 1]);
  }
  return d;
}
function rangePath(columns) {
  let d = "";
  for (let i = 0; i < columns.length; i += 3) {
    const top = round(columns[i + 1]);
    const bottom = round(columns[i + 2]);
    d += "M" + round(columns[i]) + " " + top + (bottom === top ? "h0" : "V" + bottom);
  }
  return d;
}
var SPARSE_POINTS_PER_COLUMN = 1;
var SPARSE_OPACITY = 0.7;
var MIN_OPACITY = 0.14;
function rawDensity(count, columns) {
  const perColumn = count / Math.max(1, columns);
  if (!(perColumn > SPARSE_POINTS_PER_COLUMN)) return { stride: 1, opacity: SPARSE_OPACITY, dense: false };
  return {
    stride: Math.ceil(perColumn / SPARSE_POINTS_PER_COLUMN),
    opacity: Math.max(MIN_OPACITY, SPARSE_OPACITY / Math.sqrt(perColumn)),
    dense: true
  };
}
function thin(xs, ys, stride) {
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

// src/store.js
function finiteOrNull(value) {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}
var isRecord = (value) => typeof value === "object" && value !== null && !Array.isArray(value);
var isNumberArray = (value) => value instanceof Float64Array || value instanceof Float32Array;
var asArray = (value) => Array.isArray(value) || isNumberArray(value) ? value : [];
function emptySeries() {
  return { lrs: [], logLrs: [], losses: [], rawLosses: [], version: 0 };
}
function appendPoints(series, lrs, losses, rawLosses) {
  const count = Math.min(lrs.length, losses.length);
  for (let i = 0; i < count; i++) {
    const lr = finiteOrNull(lrs[i]);
    series.lrs.push(lr ?? NaN);
    series.logLrs.push(lr !== null && lr > 0 ? Math.log10(lr) : NaN);
    series.losses.push(finiteOrNull(losses[i]));
    series.rawLosses.push(finiteOrNull(rawLosses[i]));
  }
  series.version++;
}
function clearSeries(series) {
  series.lrs.length = series.logLrs.length = series.losses.length = series.rawLosses.length = 0;
  series.version++;
}
function applyPointsMessage(series, message) {
  const start = typeof message.start === "number" && message.start >= 0 ? Math.floor(message.start) : 0;
  if (start > series.lrs.length) return "missed";
  series.lrs.length = series.logLrs.length = series.losses.length = series.rawLosses.length = start;
  appendPoints(series, asArray(message.lrs), asArray(message.losses), asArray(message.raw_losses));
  return "applied";
}
function seriesFromCurve(curve) {
  if (!curve || typeof curve !== "object") return null;
  const { lrs, losses, raw_losses: rawLosses } = (
    /** @type {Record<string, unknown>} */
    curve
  );
  if (!Array.isArray(lrs) || !Array.isArray(losses) || Math.min(lrs.length, losses.length) === 0) return null;
  const series = emptySeries();
  appendPoints(series, lrs, losses, asArray(rawLosses));
  return series;
}
function shouldRequestReplay(now, lastRequestAt, minIntervalMs = 1e3) {
  return now - lastRequestAt >= minIntervalMs;
}

// src/registry.js
function parseRegistry(registry) {
  if (!Array.isArray(registry)) return [];
  const entries = [];
  const seen = /* @__PURE__ */ new Set();
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
      isDefault: item.is_handle_default === true
    });
  });
  return entries;
}
function markerEntries(registry, suggestions) {
  const entries = parseRegistry(registry);
  const known = new Set(entries.map((entry) => entry.name));
  for (const name of Object.keys(suggestions)) {
    if (known.has(name)) continue;
    const tip = suggestions[name]?.tip;
    entries.push({
      name,
      tip: typeof tip === "string" ? tip : "",
      colorIndex: entries.length,
      shownByDefault: false,
      isDefault: false
    });
  }
  return entries;
}
function visibleNames(visibleMarkers, entries) {
  if (Array.isArray(visibleMarkers)) return new Set(visibleMarkers.filter((name) => typeof name === "string"));
  return new Set(entries.filter((entry) => entry.shownByDefault).map((entry) => entry.name));
}
function orderVisible(entries, visible) {
  return [.../* @__PURE__ */ new Set([...entries.map((entry) => entry.name), ...visible])].filter((name) => visible.has(name));
}
function markerSpecs(entries, suggestions, visible, series) {
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
function lossNear(series, lr) {
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
function markerColor(colorIndex) {
  return `var(--lrw-marker-${colorIndex}, var(--lrw-marker-fallback))`;
}

// src/band.js
var CAP_PX = 3.5;
var BAR_OFFSET_PX = 10;
function parseBand(value) {
  if (!isRecord(value) || !Array.isArray(value.lrs) || !Array.isArray(value.lo) || !Array.isArray(value.hi)) return null;
  const count = Math.min(value.lrs.length, value.lo.length, value.hi.length);
  if (count === 0) return null;
  const median2 = Array.isArray(value.median) ? value.median : [];
  return {
    lrs: value.lrs.slice(0, count).map((lr) => finiteOrNull(lr) ?? NaN),
    lo: value.lo.slice(0, count).map(finiteOrNull),
    hi: value.hi.slice(0, count).map(finiteOrNull),
    median: Array.from({ length: count }, (_, i) => finiteOrNull(median2[i])),
    repeats: Number(value.repeats) || 0,
    summary: typeof value.summary === "string" ? value.summary : "",
    live: value.live === true
  };
}
function toPx(layout, lr, loss) {
  const span = layout.bottom - layout.top;
  const y = Math.min(layout.bottom + span, Math.max(layout.top - span, layout.y.toPx(loss)));
  return [layout.x.toPx(lr), y];
}
function bandPath(layout, band) {
  const pieces = [];
  let run = [];
  const close = () => {
    if (run.length >= 2) {
      const top = run.map((i) => toPx(
        layout,
        band.lrs[i],
        /** @type {number} */
        band.hi[i]
      ));
      const bottom = run.map((i) => toPx(
        layout,
        band.lrs[i],
        /** @type {number} */
        band.lo[i]
      )).reverse();
      pieces.push(`M${[...top, ...bottom].map(([x, y]) => `${formatCoordinate(x)} ${formatCoordinate(y)}`).join("L")}Z`);
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
function medianPath(layout, band) {
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
function spreadBars(layout, pickSpread, specs) {
  if (!isRecord(pickSpread)) return [];
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
function withRepeats(statusLine, status, progress, band) {
  if (status === "running") {
    const repeat = isRecord(progress) ? finiteOrNull(progress.repeat) : null;
    const repeats = isRecord(progress) ? finiteOrNull(progress.repeats) : null;
    return repeat !== null && repeats !== null && repeats > 1 ? `repeat ${repeat}/${repeats} \xB7 ${statusLine}` : statusLine;
  }
  const summary = isRecord(band) && typeof band.summary === "string" ? band.summary : "";
  if (!summary || status !== "done" && status !== "stopped") return statusLine;
  return statusLine ? `${statusLine} \xB7 ${summary}` : summary;
}
function bandKeyText(band) {
  const finished = `${band.repeats} finished repeat${band.repeats === 1 ? "" : "s"}`;
  return `${band.live ? finished : `${band.repeats} repeats`}: lowest\u2013highest, median dashed`;
}
function createRepeatBand(bandLayer, spreadLayer, key) {
  const area = svgElement("path", { class: "lrw-repeat-band", "data-lrw-repeat-band": "" }, bandLayer);
  const median2 = svgElement("path", { class: "lrw-repeat-median", "data-lrw-repeat-median": "" }, bandLayer);
  const keyItem = htmlElement("span", {
    class: "lrw-key-item",
    "data-lrw-key-band": "",
    title: "the smoothed losses of the repeats (w.run(repeats=n)): the band from the lowest to the highest at each lr, the dashed line their median"
  }, key);
  htmlElement("span", { class: "lrw-key-band", "aria-hidden": "true" }, keyItem);
  const keyText = htmlElement("span", {}, keyItem);
  keyItem.hidden = true;
  let barsKey = "";
  function update(layout, bandTrait, pickSpread, specs, showing) {
    const parsed = showing ? parseBand(bandTrait) : null;
    const band = parsed && parsed.live === (showing === "live") ? parsed : null;
    setAttributes(area, { d: band ? bandPath(layout, band) || null : null });
    setAttributes(median2, { d: band ? medianPath(layout, band) || null : null });
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
      svgElement("path", { d: `M${x1} ${y}H${x2}M${x1} ${bar.y - CAP_PX}V${bar.y + CAP_PX}M${x2} ${bar.y - CAP_PX}V${bar.y + CAP_PX}` }, group);
    }
    spreadLayer.replaceChildren(fragment);
  }
  function destroy() {
    area.remove();
    median2.remove();
    keyItem.remove();
    spreadLayer.replaceChildren();
  }
  return { update, destroy };
}

// src/scale.js
function logScale([min, max], [pxMin, pxMax]) {
  const valid = min > 0 && max > 0 && Number.isFinite(min) && Number.isFinite(max) && min !== max;
  const logMin = valid ? Math.log10(min) : 0;
  const logSpan = valid ? Math.log10(max) - logMin : 1;
  const pxSpan = pxMax - pxMin;
  const pxMid = (pxMin + pxMax) / 2;
  return {
    toPx: (value) => {
      if (!(value > 0)) return NaN;
      return valid ? pxMin + (Math.log10(value) - logMin) / logSpan * pxSpan : pxMid;
    },
    fromPx: (px) => valid ? 10 ** (logMin + (px - pxMin) / pxSpan * logSpan) : min,
    domain: [min, max],
    range: [pxMin, pxMax]
  };
}
function logPxFromLog10([min, max], [pxMin, pxMax]) {
  const valid = min > 0 && max > 0 && Number.isFinite(min) && Number.isFinite(max) && min !== max;
  if (!valid) return () => (pxMin + pxMax) / 2;
  const logMin = Math.log10(min);
  const pxPerDecade = (pxMax - pxMin) / (Math.log10(max) - logMin);
  return (log10Value) => pxMin + (log10Value - logMin) * pxPerDecade;
}
function linearScale([min, max], [pxMin, pxMax]) {
  const span = max - min;
  const valid = Number.isFinite(span) && span !== 0;
  const pxSpan = pxMax - pxMin;
  return {
    toPx: (value) => valid ? pxMin + (value - min) / span * pxSpan : (pxMin + pxMax) / 2,
    fromPx: (px) => valid ? min + (px - pxMin) / pxSpan * span : min,
    domain: [min, max],
    range: [pxMin, pxMax]
  };
}
function clamp(value, min, max) {
  return value < min ? min : value > max ? max : value;
}

// src/format.js
var PLAIN_MIN = 0.01;
var PLAIN_MAX = 1e3;
function trimZeros(mantissa) {
  return mantissa.includes(".") ? mantissa.replace(/0+$/, "").replace(/\.$/, "") : mantissa;
}
function formatNumber(value, significant = 2) {
  if (value === null || value === void 0 || Number.isNaN(value)) return "\u2014";
  if (!Number.isFinite(value)) return value > 0 ? "\u221E" : "-\u221E";
  if (value === 0) return "0";
  const rounded = Number(value.toPrecision(significant));
  if (Math.abs(rounded) >= PLAIN_MIN && Math.abs(rounded) < PLAIN_MAX) return String(rounded);
  const [mantissa, exponent] = value.toExponential(significant - 1).split("e");
  return `${trimZeros(mantissa)}e${Number(exponent)}`;
}
function formatLr(lr, significant = 2) {
  return formatNumber(lr, significant);
}
function formatLoss(loss) {
  if (loss === null || loss === void 0 || !Number.isFinite(loss)) return formatNumber(loss);
  const magnitude = Math.abs(loss);
  if (loss !== 0 && (magnitude < 1e-3 || magnitude >= 1e5)) return formatNumber(loss, 3);
  return String(Number(loss.toPrecision(4)));
}
function formatTick(value, step) {
  if (Math.abs(value) < step * 1e-9) return "0";
  const magnitude = Math.max(Math.abs(value), step);
  if (magnitude >= 1e5 || step < 1e-4) return formatNumber(value, 3);
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return value.toFixed(decimals);
}
function formatDuration(seconds) {
  if (seconds === null || seconds === void 0 || !Number.isFinite(seconds)) return "\u2014";
  const s = Math.max(0, seconds);
  if (s < 9.95) return `${s.toFixed(1)} s`;
  const whole = Math.round(s);
  if (whole < 60) return `${whole} s`;
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, "0")} s`;
  const minutes = Math.round(whole / 60);
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}
function formatStatusLine(status, progress, pointCount) {
  const iteration = Number.isFinite(progress?.iteration) ? Number(progress.iteration) : pointCount;
  const total = Number.isFinite(progress?.num_it) ? Number(progress.num_it) : void 0;
  const counted = total === void 0 ? `${iteration}` : `${iteration}/${total}`;
  const elapsed = formatDuration(progress?.elapsed_s);
  const timed = Number.isFinite(progress?.elapsed_s);
  switch (status) {
    case "running": {
      const eta = Number.isFinite(progress?.eta_s) ? ` \xB7 ETA ${formatDuration(progress.eta_s)}` : "";
      return `iteration ${counted} \xB7 elapsed ${elapsed}${eta}`;
    }
    case "done": {
      const why = progress?.stop_reason === "diverged" ? " \xB7 stopped early: the loss diverged" : "";
      return `done \xB7 ${counted} iterations${timed ? ` in ${elapsed}` : ""}${why}`;
    }
    case "stopped":
      return `stopped at iteration ${counted}${timed ? ` after ${elapsed}` : ""}`;
    case "error":
      return `failed at iteration ${counted}`;
    default:
      return "";
  }
}

// src/ticks.js
var MULTIPLIER_SETS = [[1], [1, 3], [1, 2, 5]];
function decimal(mantissa, exponent) {
  return exponent >= 0 ? mantissa * 10 ** exponent : mantissa / 10 ** -exponent;
}
function minGapDecades(multipliers) {
  const logs = [...multipliers.map(Math.log10), 1];
  let gap = Infinity;
  for (let i = 1; i < logs.length; i++) gap = Math.min(gap, logs[i] - logs[i - 1]);
  return gap;
}
function logTicks(min, max, widthPx, minLabelSpacingPx = 44) {
  if (!(min > 0 && max > min && Number.isFinite(max) && widthPx > 0)) return { labeled: [], minor: [] };
  const lo = Math.log10(min);
  const hi = Math.log10(max);
  const pxPerDecade = widthPx / (hi - lo);
  const inRange = (value) => value >= min * (1 - 1e-9) && value <= max * (1 + 1e-9);
  let multipliers = [1];
  for (const set of MULTIPLIER_SETS.slice(1)) {
    if (minGapDecades(set) * pxPerDecade >= minLabelSpacingPx * 1.3) multipliers = set;
  }
  const decadeStride = Math.max(1, Math.ceil(minLabelSpacingPx / pxPerDecade));
  const labeled = [];
  const minor = [];
  for (let exponent = Math.floor(lo); exponent <= Math.ceil(hi); exponent++) {
    for (let mantissa = 1; mantissa <= 9; mantissa++) {
      const value = decimal(mantissa, exponent);
      if (!inRange(value)) continue;
      const isLabeled = mantissa === 1 ? exponent % decadeStride === 0 : multipliers.includes(mantissa);
      if (isLabeled) labeled.push({ value, label: formatLr(value), decade: mantissa === 1 });
      else if (mantissa === 1 || pxPerDecade >= 30) minor.push(value);
    }
  }
  if (labeled.length >= 2) return { labeled, minor };
  const { values, step } = linearTicks(min, max, Math.max(2, Math.floor(widthPx / (minLabelSpacingPx * 1.5))));
  const digits = Math.max(2, Math.ceil(Math.log10(Math.abs(values.at(-1) ?? max) / step)) + 1);
  return {
    labeled: values.map((value) => ({ value, label: formatNumber(value, digits), decade: false })),
    minor: []
  };
}
function niceStep(roughStep) {
  if (!(roughStep > 0) || !Number.isFinite(roughStep)) return 1;
  const exponent = Math.floor(Math.log10(roughStep));
  const fraction = roughStep / 10 ** exponent;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return decimal(nice, exponent);
}
function linearTicks(min, max, maxCount) {
  if (!(Number.isFinite(min) && Number.isFinite(max)) || max <= min || !(maxCount >= 1)) return { values: [], step: 1 };
  let step = niceStep((max - min) / Math.max(1, maxCount));
  while (Math.floor(max / step) - Math.ceil(min / step) + 1 > maxCount) step = niceStep(step * 1.01);
  const values = [];
  for (let k = Math.ceil(min / step - 1e-9); k <= Math.floor(max / step + 1e-9); k++) {
    values.push(Number((k * step).toPrecision(12)));
  }
  return { values, step };
}
function labelLinearTicks(values, step) {
  return values.map((value) => ({ value, label: formatTick(value, step), decade: false }));
}

// src/yrange.js
var FASTAI_SKIP_END = 5;
function finiteStats(values, start, end, collect = false) {
  let min = Infinity;
  let max = -Infinity;
  let count = 0;
  const finite = [];
  for (let i = start; i < end; i++) {
    const value = values[i];
    if (value === null || value === void 0 || !Number.isFinite(value)) continue;
    if (value < min) min = value;
    if (value > max) max = value;
    count++;
    if (collect) finite.push(value);
  }
  return { min, max, count, finite };
}
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
function lossRange(smoothed, raw, plannedIterations) {
  const count = smoothed.length;
  const all = finiteStats(smoothed, 0, count);
  const rawAll = finiteStats(raw, 0, raw.length);
  if (all.count === 0 && rawAll.count === 0) return [0, 1];
  if (all.count === 0) return pad(rawAll.min, rawAll.max);
  const earlyCount = Math.max(1, Math.ceil(Math.max(plannedIterations, 1) / 10));
  const early = finiteStats(smoothed, 0, Math.min(count, earlyCount), true);
  const earlyLevel = early.count ? median(early.finite) : finiteStats(smoothed, 0, count, true).finite[0];
  const bodyEnd = count > 2 * FASTAI_SKIP_END ? count - FASTAI_SKIP_END : count;
  const body = finiteStats(smoothed, 0, bodyEnd);
  const bodyMax = body.count ? body.max : all.max;
  const cap = earlyLevel + Math.max(earlyLevel - all.min, Math.abs(earlyLevel) / 2);
  const top = Math.max(Math.min(bodyMax, cap), earlyLevel);
  const rawFloor = all.min - (top - all.min) / 2;
  const bottom = Math.min(all.min, Math.max(rawAll.min, rawFloor));
  return pad(bottom, top);
}
function pad(bottom, top) {
  const span = top - bottom;
  if (!(span > 0) || !Number.isFinite(span)) {
    const half = (Math.abs(top) * 0.1 || 1) / 2;
    return [bottom - half, top + half];
  }
  const low = bottom - span * 0.05;
  return [bottom >= 0 && low < 0 ? 0 : low, top + span * 0.08];
}

// src/chart.js
var PLOT_HEIGHT = 320;
var MIN_WIDTH = 320;
var MARGIN = { top: 34, right: 26, bottom: 46, left: 62 };
function computeLayout(width, startLr, endLr, lossDomain, axis = { unit: 1, title: "learning rate" }) {
  const left = MARGIN.left;
  const right = Math.max(left + 1, width - MARGIN.right);
  const top = MARGIN.top;
  const bottom = PLOT_HEIGHT - MARGIN.bottom;
  return {
    width,
    height: PLOT_HEIGHT,
    left,
    right,
    top,
    bottom,
    x: logScale([startLr, endLr], [left, right]),
    xFromLog10: logPxFromLog10([startLr, endLr], [left, right]),
    y: linearScale(lossDomain, [bottom, top]),
    xUnit: axis.unit,
    xTitle: axis.title
  };
}
var chartCount = 0;
function createChart(container) {
  const clipId = `lrw-clip-${++chartCount}-${Math.random().toString(36).slice(2, 8)}`;
  const svg = svgElement("svg", {
    class: "lrw-svg",
    height: PLOT_HEIGHT,
    role: "img",
    "aria-label": "Loss against learning rate (log scale)"
  }, container);
  const clipRect = svgElement("rect", {}, svgElement("clipPath", { id: clipId }, svgElement("defs", {}, svg)));
  const plotArea = svgElement("rect", { class: "lrw-plot-area", "data-lrw-plot-area": "" }, svg);
  const grid = svgElement("g", { class: "lrw-grid", "aria-hidden": "true" }, svg);
  const axes = svgElement("g", { class: "lrw-axes", "aria-hidden": "true" }, svg);
  const clipped = svgElement("g", { "clip-path": `url(#${clipId})` }, svg);
  const band = svgElement("rect", { class: "lrw-band", visibility: "hidden" }, clipped);
  const repeatLayer = svgElement("g", { class: "lrw-repeat-layer" }, clipped);
  const rawPath = svgElement("path", { class: "lrw-raw" }, clipped);
  const curvePath = svgElement("path", { class: "lrw-curve", "data-lrw-curve": "" }, clipped);
  const validLayer = svgElement("g", { class: "lrw-valid-layer" }, clipped);
  const emptyText = svgElement("text", { class: "lrw-empty", "text-anchor": "middle" }, svg);
  const handleLayer = svgElement("g", { class: "lrw-handle-layer" }, svg);
  const spreadLayer = svgElement("g", { class: "lrw-spread-layer" }, svg);
  const markerLayer = svgElement("g", { class: "lrw-marker-layer" }, svg);
  const knobLayer = svgElement("g", { class: "lrw-knob-layer" }, svg);
  let axesKey = "";
  let pathsKey = "";
  let pathSeries = null;
  let xs = new Float64Array(0);
  let ys = new Float64Array(0);
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
    const pathKey = `${key}:${series.version}:${series.lrs.length}`;
    if (series !== pathSeries || pathKey !== pathsKey) {
      pathSeries = series;
      pathsKey = pathKey;
      drawPaths(layout, series);
    }
    setAttributes(emptyText, { x: (left + right) / 2, y: (top + bottom) / 2, visibility: hasPoints ? "hidden" : null });
    setText(emptyText, hasPoints ? "" : emptyMessage);
  }
  function drawPaths(layout, series) {
    const { top, bottom } = layout;
    const count = series.lrs.length;
    if (xs.length < count) {
      xs = new Float64Array(Math.max(count, xs.length * 2));
      ys = new Float64Array(xs.length);
    }
    const yLow = top - (bottom - top);
    const yHigh = bottom + (bottom - top);
    const xOffset = layout.xFromLog10(0);
    const xSlope = layout.xFromLog10(1) - xOffset;
    const yOffset = layout.y.toPx(0);
    const ySlope = layout.y.toPx(1) - yOffset;
    const logLrs = series.logLrs;
    for (let i = 0; i < count; i++) xs[i] = xOffset + logLrs[i] * xSlope;
    const fill = (values) => {
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
    const spanned = count > 1 ? Math.min(layout.right - layout.left, Math.abs(xView[count - 1] - xView[0])) : 1;
    const density = rawDensity(count, spanned);
    const [rawXs, rawYs] = thin(xView, fill(series.rawLosses), density.stride);
    rawPath.setAttribute("d", rangePath(decimateRange(rawXs, rawYs)));
    rawPath.classList.toggle("lrw-raw--dense", density.dense);
    rawPath.style.setProperty("stroke-opacity", String(Math.round(density.opacity * 100) / 100));
    curvePath.setAttribute("d", linePath(decimateLine(xView, fill(series.losses))));
  }
  function drawAxes(layout, hasPoints) {
    const { left, right, top, bottom } = layout;
    const gridLines = document.createDocumentFragment();
    const axisParts = document.createDocumentFragment();
    const unit = layout.xUnit;
    const xTicks = logTicks(layout.x.domain[0] * unit, layout.x.domain[1] * unit, right - left);
    for (const tick of xTicks.labeled) {
      const x = layout.x.toPx(tick.value / unit);
      if (tick.decade) svgElement("line", { class: "lrw-grid-line", x1: x, x2: x, y1: top, y2: bottom }, gridLines);
      svgElement("line", { class: "lrw-tick", x1: x, x2: x, y1: bottom, y2: bottom + 5 }, axisParts);
      svgElement("text", { class: "lrw-tick-label", x, y: bottom + 18, "text-anchor": "middle" }, axisParts).textContent = tick.label;
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
      svgElement(
        "text",
        { class: "lrw-tick-label", x: left - 8, y, "text-anchor": "end", "dominant-baseline": "middle" },
        axisParts
      ).textContent = tick.label;
    }
    svgElement("path", { class: "lrw-axis-line", d: `M${left} ${top}V${bottom}H${right}` }, axisParts);
    svgElement(
      "text",
      { class: "lrw-axis-title", x: (left + right) / 2, y: bottom + 38, "text-anchor": "middle" },
      axisParts
    ).textContent = layout.xTitle;
    svgElement("text", {
      class: "lrw-axis-title",
      x: 0,
      y: 0,
      "text-anchor": "middle",
      transform: `translate(16 ${(top + bottom) / 2}) rotate(-90)`
    }, axisParts).textContent = "loss";
    grid.replaceChildren(gridLines);
    axes.replaceChildren(axisParts);
  }
  let lossDomainKey = "";
  let lossDomainSeries = null;
  let lossDomain = [0, 1];
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

// src/controls.js
function createControls(root, callbacks) {
  const toolbar = htmlElement("div", { class: "lrw-toolbar" }, root);
  const runButton = htmlElement("button", {
    class: "lrw-button lrw-button--primary",
    type: "button",
    "data-lrw-action": "run",
    title: "Run the learning-rate range test"
  }, toolbar);
  runButton.textContent = "Run";
  const stopButton = htmlElement("button", {
    class: "lrw-button",
    type: "button",
    "data-lrw-action": "stop",
    title: "Stop the range test (the model is restored)"
  }, toolbar);
  stopButton.textContent = "Stop";
  const statusLine = htmlElement(
    "span",
    { class: "lrw-status-line", "data-lrw-progress": "", "aria-live": "polite" },
    toolbar
  );
  const groupPicker = htmlElement("label", { class: "lrw-group-picker", title: "Every layer group ran at a fixed ratio to the last one: read the x axis in the LR of another group" }, toolbar);
  htmlElement("span", { class: "lrw-toggles-title" }, groupPicker).textContent = "x axis";
  const groupSelect = htmlElement("select", { class: "lrw-group-select", "data-lrw-group-select": "" }, groupPicker);
  groupPicker.hidden = true;
  const toggles = htmlElement("div", { class: "lrw-toggles", role: "group", "aria-label": "suggestion markers" });
  htmlElement("span", { class: "lrw-toggles-title" }, toggles).textContent = "markers";
  const toggleList = htmlElement("span", { class: "lrw-toggle-list" }, toggles);
  let groupKey = "";
  const errorBox = htmlElement("div", { class: "lrw-error", role: "alert", "data-lrw-error": "" }, root);
  errorBox.hidden = true;
  const toggleByName = /* @__PURE__ */ new Map();
  let toggleKey = "";
  const onToggle = (event) => {
    const input = (
      /** @type {HTMLInputElement} */
      event.target
    );
    if (input.dataset.lrwToggle) callbacks.toggle(input.dataset.lrwToggle, input.checked);
  };
  const onPickGroup = () => callbacks.pickGroup?.(Number(groupSelect.value));
  const onRun = () => callbacks.run();
  const onStop = () => callbacks.stop();
  runButton.addEventListener("click", onRun);
  stopButton.addEventListener("click", onStop);
  toggles.addEventListener("change", onToggle);
  groupSelect.addEventListener("change", onPickGroup);
  function rebuildToggles(markers) {
    toggleList.replaceChildren();
    toggleByName.clear();
    for (const { name, colorIndex, isDefault, tip } of markers) {
      const label = htmlElement(
        "label",
        { class: `lrw-toggle${isDefault ? " lrw-toggle--default" : ""}`, title: tip },
        toggleList
      );
      label.style.setProperty("--lrw-marker", markerColor(colorIndex));
      const input = htmlElement("input", { type: "checkbox", "data-lrw-toggle": name }, label);
      htmlElement("span", { class: "lrw-swatch", "aria-hidden": "true" }, label);
      htmlElement("span", {}, label).textContent = name;
      const value = htmlElement("span", { class: "lrw-toggle-value" }, label);
      toggleByName.set(name, { input, value });
    }
  }
  function update(state) {
    const running = state.status === "running";
    runButton.disabled = running;
    stopButton.disabled = !running;
    setText(statusLine, state.statusLine);
    const showError = state.status === "error";
    const showNotice = !showError && state.status !== "running" && state.notice !== "";
    errorBox.hidden = !showError && !showNotice;
    errorBox.classList.toggle("lrw-error--notice", showNotice);
    errorBox.setAttribute("role", showError ? "alert" : "status");
    setText(errorBox, showError ? `The range test failed: ${state.error || "no message"}` : showNotice ? state.notice : "");
    const key = JSON.stringify(state.markers);
    if (key !== toggleKey) {
      toggleKey = key;
      rebuildToggles(state.markers);
    }
    for (const [name, { input, value }] of toggleByName) {
      input.checked = state.visible.has(name);
      const lr = state.suggestions[name]?.lr;
      setText(value, typeof lr === "number" && Number.isFinite(lr) ? formatLr(lr * (state.lrUnit ?? 1)) : "");
    }
    updateGroups(state.groups ?? [], state.shownGroup ?? "");
  }
  function updateGroups(groups, shown) {
    groupPicker.hidden = groups.length === 0;
    const key = JSON.stringify(groups);
    if (key !== groupKey) {
      groupKey = key;
      groupSelect.replaceChildren(...groups.map(({ value, text }) => {
        const option = htmlElement("option", { value });
        option.textContent = text;
        return option;
      }));
    }
    if (groups.length > 0) groupSelect.value = shown;
  }
  return {
    legend: toggles,
    update,
    destroy() {
      runButton.removeEventListener("click", onRun);
      stopButton.removeEventListener("click", onStop);
      toggles.removeEventListener("change", onToggle);
      groupSelect.removeEventListener("change", onPickGroup);
    }
  };
}

// src/drag.js
var ARROW_STEP_DECADES = 1 / 50;
var SHIFT_ARROW_STEP_DECADES = 1 / 5;
var PAGE_STEP_DECADES = 1;
function handleBounds(which, { lo, hi, startLr, endLr }) {
  if (which === "lo") return [startLr, hi === null ? endLr : clamp(hi, startLr, endLr)];
  return [lo === null ? startLr : clamp(lo, startLr, endLr), endLr];
}
function snapHi(value, { lo, startLr, endLr }) {
  const hi = clamp(value, startLr, endLr);
  return { lo: lo === null ? null : Math.min(lo, hi), hi };
}
function keyTarget(key, shiftKey, value, [min, max]) {
  const arrow = shiftKey ? SHIFT_ARROW_STEP_DECADES : ARROW_STEP_DECADES;
  const steps = {
    ArrowRight: arrow,
    ArrowUp: arrow,
    ArrowLeft: -arrow,
    ArrowDown: -arrow,
    PageUp: PAGE_STEP_DECADES,
    PageDown: -PAGE_STEP_DECADES
  };
  if (key === "Home") return min;
  if (key === "End") return max;
  if (!(key in steps)) return null;
  return clamp(value * 10 ** steps[key], min, max);
}
function throttle(fn, intervalMs, clock = {}) {
  const now = clock.now ?? (() => performance.now());
  const setTimer = clock.setTimer ?? ((callback, ms) => setTimeout(callback, ms));
  const clearTimer = clock.clearTimer ?? ((timer2) => clearTimeout(
    /** @type {number} */
    timer2
  ));
  let lastRun = -Infinity;
  let timer = null;
  let pending = false;
  const run = () => {
    if (timer !== null) clearTimer(timer);
    timer = null;
    pending = false;
    lastRun = now();
    fn();
  };
  return {
    call() {
      pending = true;
      const wait = lastRun + intervalMs - now();
      if (wait <= 0) run();
      else if (timer === null) timer = setTimer(run, wait);
    },
    flush() {
      if (pending) run();
    },
    cancel() {
      if (timer !== null) clearTimer(timer);
      timer = null;
      pending = false;
    }
  };
}
function attachPointerDrag(element, { start, move, end }) {
  let activePointer = null;
  const onDown = (event) => {
    const pointer = (
      /** @type {PointerEvent} */
      event
    );
    if (activePointer !== null || pointer.button !== 0 || !start(pointer)) return;
    activePointer = pointer.pointerId;
    element.setPointerCapture(pointer.pointerId);
    pointer.preventDefault();
  };
  const onMove = (event) => {
    const pointer = (
      /** @type {PointerEvent} */
      event
    );
    if (pointer.pointerId === activePointer) move(pointer);
  };
  const onEnd = (event) => {
    const pointer = (
      /** @type {PointerEvent} */
      event
    );
    if (pointer.pointerId !== activePointer) return;
    activePointer = null;
    if (element.hasPointerCapture(pointer.pointerId)) element.releasePointerCapture(pointer.pointerId);
    end(pointer);
  };
  const events = (
    /** @type {const} */
    [
      ["pointerdown", onDown],
      ["pointermove", onMove],
      ["pointerup", onEnd],
      ["pointercancel", onEnd],
      ["lostpointercapture", onEnd]
    ]
  );
  for (const [name, listener] of events) element.addEventListener(name, listener);
  return () => {
    for (const [name, listener] of events) element.removeEventListener(name, listener);
  };
}

// src/groups.js
function groupRatios(value, nGroups) {
  if (!Array.isArray(value) || value.length < 2 || value.length !== nGroups) return [];
  const valid = value.every((ratio) => typeof ratio === "number" && Number.isFinite(ratio) && ratio > 0);
  return valid ? (
    /** @type {number[]} */
    value
  ) : [];
}
function shownGroup(shown, nGroups) {
  return shown === null || !Number.isInteger(shown) || shown < 0 || shown >= nGroups ? nGroups - 1 : shown;
}
function groupAxis(ratios, nGroups, shown) {
  if (ratios.length === 0) {
    return {
      title: nGroups > 1 ? `learning rate (all ${nGroups} layer groups)` : "learning rate",
      unit: 1,
      handleName: "lr"
    };
  }
  const group = shownGroup(shown, ratios.length);
  const head = group === ratios.length - 1 ? " (head)" : "";
  return {
    title: `LR of group ${group + 1} of ${ratios.length}${head}`,
    unit: ratios[group],
    handleName: `group ${group + 1}`
  };
}
function groupOptions(ratios, labels) {
  const names = Array.isArray(labels) ? labels : [];
  return ratios.map((ratio, group) => {
    const modules = typeof names[group] === "string" && names[group] ? ` \xB7 ${names[group]}` : "";
    const head = group === ratios.length - 1 ? " (head)" : ` \xB7 \xD7${formatLr(ratio, 3)}`;
    return { value: String(group), text: `group ${group + 1}${head}${modules}` };
  });
}

// src/handles.js
var KNOB_WIDTH = 12;
var KNOB_HEIGHT = 20;
var LABEL_GAP = 8;
var LABEL_CHAR_PX = 6.4;
var ACTIVATION_KEYS = /* @__PURE__ */ new Set(["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "PageUp", "PageDown", "Home", "End"]);
function createHandles(chart, callbacks) {
  const cleanups = [];
  function build(which) {
    const name = which === "lo" ? "lower" : "upper";
    const lineGroup = svgElement("g", { class: `lrw-handle lrw-handle--${which}`, display: "none" }, chart.handleLayer);
    const hitLine = svgElement("line", { class: "lrw-handle-hit" }, lineGroup);
    const line = svgElement("line", { class: "lrw-handle-line" }, lineGroup);
    const knobGroup = svgElement("g", { class: `lrw-knob-group lrw-knob-group--${which}`, display: "none" }, chart.knobLayer);
    const knob = svgElement("rect", {
      class: "lrw-knob",
      "data-lrw-handle": which,
      tabindex: 0,
      role: "slider",
      "aria-label": `${name} learning rate`,
      x: -KNOB_WIDTH / 2,
      width: KNOB_WIDTH,
      height: KNOB_HEIGHT,
      rx: 3
    }, knobGroup);
    const label = svgElement("text", { class: "lrw-handle-label" }, knobGroup);
    const drag = {
      /** @param {PointerEvent} event */
      start(event) {
        const { layout, view } = callbacks.current();
        if (!layout || view[which] === null) return false;
        const other = which === "lo" ? "hi" : "lo";
        const otherShown = handles[other].knobGroup.getAttribute("display") !== "none";
        active = {
          which,
          startX: event.clientX,
          decided: !(otherShown && Math.abs(handles[other].x - handles[which].x) < KNOB_WIDTH),
          grabOffset: event.clientX - (chart.svg.getBoundingClientRect().left + handles[which].x)
        };
        knob.focus({ preventScroll: true });
        setDragging(which, true);
        return true;
      },
      /** @param {PointerEvent} event */
      move(event) {
        const { layout, view } = callbacks.current();
        if (!layout || !active) return;
        if (!active.decided) {
          const dx = event.clientX - active.startX;
          if (Math.abs(dx) < 2) return;
          const chosen = dx < 0 ? "lo" : "hi";
          if (chosen !== active.which) {
            setDragging(active.which, false);
            setDragging(chosen, true);
            handles[chosen].knob.focus({ preventScroll: true });
          }
          const svgLeft = chart.svg.getBoundingClientRect().left;
          active = { ...active, which: chosen, decided: true, grabOffset: active.startX - (svgLeft + handles[chosen].x) };
        }
        const px = event.clientX - chart.svg.getBoundingClientRect().left - active.grabOffset;
        const [min, max] = handleBounds(active.which, { ...view, lo: view.showLo ? view.lo : null });
        callbacks.input(active.which, Math.min(max, Math.max(min, layout.x.fromPx(px))));
      },
      end() {
        if (!active) return;
        setDragging(active.which, false);
        const ended = active.which;
        active = null;
        callbacks.commit(ended);
      }
    };
    cleanups.push(attachPointerDrag(lineGroup, drag), attachPointerDrag(knobGroup, drag));
    const onKeyDown = (event) => {
      const key = (
        /** @type {KeyboardEvent} */
        event
      );
      const { view } = callbacks.current();
      const value = view[which];
      if (value === null) return;
      const bounds = handleBounds(which, { ...view, lo: view.showLo ? view.lo : null });
      const target = keyTarget(key.key, key.shiftKey, value, bounds);
      if (target === null) return;
      key.preventDefault();
      callbacks.input(which, target);
    };
    const onKeyUp = (event) => {
      if (ACTIVATION_KEYS.has(
        /** @type {KeyboardEvent} */
        event.key
      )) callbacks.commit(which);
    };
    knob.addEventListener("keydown", onKeyDown);
    knob.addEventListener("keyup", onKeyUp);
    cleanups.push(() => {
      knob.removeEventListener("keydown", onKeyDown);
      knob.removeEventListener("keyup", onKeyUp);
    });
    return {
      lineGroup,
      hitLine,
      line,
      knobGroup,
      knob,
      label,
      x: 0,
      /** @param {number} x */
      setX(x) {
        this.x = x;
        lineGroup.setAttribute("transform", `translate(${x} 0)`);
        knobGroup.setAttribute("transform", `translate(${x} 0)`);
      }
    };
  }
  let active = null;
  const handles = { lo: build("lo"), hi: build("hi") };
  function setDragging(which, dragging) {
    handles[which].lineGroup.classList.toggle("lrw-dragging", dragging);
    handles[which].knobGroup.classList.toggle("lrw-dragging", dragging);
  }
  function update(layout, view) {
    const { top, bottom, width } = layout;
    const shown = [];
    for (
      const which of
      /** @type {Which[]} */
      ["lo", "hi"]
    ) {
      const handle = handles[which];
      const value = view[which];
      const visible = value !== null && view.hi !== null && (which === "hi" || view.showLo);
      const display = visible ? null : "none";
      handle.lineGroup.setAttribute("display", display ?? "inline");
      handle.knobGroup.setAttribute("display", display ?? "inline");
      if (!visible || value === null) continue;
      const x = layout.x.toPx(value);
      handle.setX(x);
      setAttributes(handle.hitLine, { x1: 0, x2: 0, y1: top, y2: bottom });
      setAttributes(handle.line, { x1: 0, x2: 0, y1: top, y2: bottom });
      handle.knob.setAttribute("y", String(top + 1));
      const [min, max] = handleBounds(which, { ...view, lo: view.showLo ? view.lo : null });
      const shownLr = formatLr(value * layout.xUnit, 3);
      const text = `${view.showLo ? which : view.name ?? "lr"} ${shownLr}`;
      setAttributes(handle.knob, {
        "aria-valuenow": value,
        "aria-valuemin": min,
        "aria-valuemax": max,
        "aria-valuetext": shownLr
      });
      setText(handle.label, text);
      shown.push({ which, x, text });
    }
    placeLabels2(shown, width, top - 10);
    const showBand = view.showLo && view.lo !== null && view.hi !== null;
    chart.band.setAttribute("visibility", showBand ? "visible" : "hidden");
    if (showBand && view.lo !== null && view.hi !== null) {
      const x0 = layout.x.toPx(view.lo);
      setAttributes(chart.band, { x: x0, y: top, width: Math.max(0, layout.x.toPx(view.hi) - x0), height: bottom - top });
    }
  }
  function placeLabels2(shown, width, y) {
    const spans = {};
    for (const { which, x, text } of shown) {
      const labelWidth = text.length * LABEL_CHAR_PX;
      const leftOf = [x - LABEL_GAP - labelWidth, x - LABEL_GAP];
      const rightOf = [x + LABEL_GAP, x + LABEL_GAP + labelWidth];
      const preferLeft = which === "lo";
      const fitsLeft = leftOf[0] >= 2;
      const fitsRight = rightOf[1] <= width - 2;
      spans[which] = /** @type {[number, number]} */
      (preferLeft ? fitsLeft || !fitsRight : !fitsRight && fitsLeft) ? leftOf : rightOf;
    }
    if (spans.lo && spans.hi && spans.lo[1] + 6 > spans.hi[0]) {
      const labelWidth = spans.lo[1] - spans.lo[0];
      const shiftedLo = spans.hi[0] - 6;
      if (shiftedLo - labelWidth >= 2) spans.lo = [shiftedLo - labelWidth, shiftedLo];
      else spans.hi = [spans.lo[1] + 6, spans.lo[1] + 6 + (spans.hi[1] - spans.hi[0])];
    }
    for (const { which, x } of shown) {
      const [start] = spans[which];
      setAttributes(handles[which].label, { x: start - x, y, "text-anchor": "start" });
    }
  }
  return {
    update,
    destroy() {
      for (const cleanup of cleanups) cleanup();
    }
  };
}

// src/labels.js
var LABEL_HALF_HEIGHT = 7;
var LABEL_LINE_PX = 14;
var GAP = 9;
var MAX_SHIFTS = 4;
var overlaps = (a0, a1, b0, b1) => a0 < b1 && b0 < a1;
function placeLabels(items, bounds) {
  const boxes = items.map(({ x, y, radius }) => [x - radius, x + radius, y - radius, y + radius]);
  const dotCount = boxes.length;
  const free = (x0, x1, y) => x0 >= bounds.left && x1 <= bounds.right && y - LABEL_HALF_HEIGHT >= bounds.top && y + LABEL_HALF_HEIGHT <= bounds.bottom && !boxes.some(([a0, a1, b0, b1]) => overlaps(x0, x1, a0, a1) && overlaps(y - LABEL_HALF_HEIGHT, y + LABEL_HALF_HEIGHT, b0, b1));
  return items.map(({ x, y, width }) => {
    const rightX0 = x + GAP;
    const leftX0 = x - GAP - width;
    const sides = rightX0 + width <= bounds.right ? [rightX0, leftX0] : [leftX0, rightX0];
    let place = null;
    for (let shift = 0; shift <= MAX_SHIFTS && !place; shift++) {
      const ys = shift === 0 ? [y] : [y + shift * LABEL_LINE_PX, y - shift * LABEL_LINE_PX];
      for (const labelY of ys) {
        const x0 = sides.find((candidate) => free(candidate, candidate + width, labelY));
        if (x0 !== void 0) {
          place = { x0, y: labelY };
          break;
        }
      }
    }
    if (!place) {
      let labelY = Math.max(y, bounds.top + LABEL_HALF_HEIGHT);
      const x0 = sides[0];
      const labels = boxes.slice(dotCount);
      while (labels.some(([a0, a1, b0, b1]) => overlaps(x0, x0 + width, a0, a1) && overlaps(labelY - LABEL_HALF_HEIGHT, labelY + LABEL_HALF_HEIGHT, b0, b1))) labelY += LABEL_LINE_PX;
      place = { x0, y: labelY };
    }
    boxes.push([place.x0, place.x0 + width, place.y - LABEL_HALF_HEIGHT, place.y + LABEL_HALF_HEIGHT]);
    return place;
  });
}

// src/markers.js
var DOT_RADIUS = 5;
var DEFAULT_DOT_RADIUS = 6.5;
var LABEL_CHAR_PX2 = 6.4;
function createMarkers(chart, tooltip, onSelect) {
  const markers = /* @__PURE__ */ new Map();
  let plotRight = 0;
  let tipFor = null;
  let unit = 1;
  function showTip(name) {
    const marker = markers.get(name);
    if (!marker) return;
    tipFor = name;
    tooltip.textContent = "";
    const title = document.createElement("strong");
    title.textContent = `${name} ${formatLr(marker.spec.lr * unit, 3)}`;
    const loss = document.createElement("span");
    loss.className = "lrw-tooltip-hint";
    loss.textContent = ` \xB7 loss ${formatLoss(marker.spec.pointLoss)} at ${formatLr(marker.spec.pointLr * unit, 3)}`;
    tooltip.append(title, loss, document.createElement("br"), marker.spec.tip || "", document.createElement("br"));
    const hint = document.createElement("span");
    hint.className = "lrw-tooltip-hint";
    hint.textContent = "click to move the hi handle here";
    if (marker.spec.isDefault) hint.textContent += " (the handles start at this one)";
    tooltip.append(hint);
    tooltip.hidden = false;
    const onRight = marker.x + 16 + tooltip.offsetWidth < plotRight;
    tooltip.style.left = `${onRight ? marker.x + 14 : marker.x - 14 - tooltip.offsetWidth}px`;
    tooltip.style.top = `${Math.max(0, marker.y - tooltip.offsetHeight - 10)}px`;
  }
  const hideTip = () => {
    tipFor = null;
    tooltip.hidden = true;
  };
  function build(name) {
    const group = svgElement("g", { class: "lrw-marker", tabindex: 0, role: "button" }, chart.markerLayer);
    const dot = svgElement(
      "circle",
      { class: "lrw-marker-dot", r: DOT_RADIUS, cx: 0, cy: 0, "data-lrw-marker": name },
      group
    );
    const label = svgElement("text", { class: "lrw-marker-label" }, group);
    const onClick = () => onSelect(name);
    const onKey = (event) => {
      const key = (
        /** @type {KeyboardEvent} */
        event.key
      );
      if (key !== "Enter" && key !== " ") return;
      event.preventDefault();
      onSelect(name);
    };
    const onEnter = () => showTip(name);
    const events = [
      ["click", onClick],
      ["keydown", onKey],
      ["pointerenter", onEnter],
      ["focus", onEnter],
      ["pointerleave", hideTip],
      ["blur", hideTip]
    ];
    for (const [type, listener] of events) group.addEventListener(type, listener);
    const remove = () => {
      for (const [type, listener] of events) group.removeEventListener(type, listener);
      group.remove();
    };
    return { group, dot, label, remove };
  }
  function update(layout, specs, labelTop = 0) {
    plotRight = layout.width;
    unit = layout.xUnit;
    const names = new Set(specs.map((spec) => spec.name));
    for (const [name, marker] of markers) {
      if (names.has(name)) continue;
      marker.remove();
      markers.delete(name);
      if (tipFor === name) hideTip();
    }
    const ordered = [...specs].sort((a, b) => Number(b.isDefault) - Number(a.isDefault) || a.pointLr - b.pointLr);
    const drawn = ordered.map((spec) => {
      let marker = markers.get(spec.name);
      if (!marker) {
        marker = { ...build(spec.name), spec, x: 0, y: 0 };
        markers.set(spec.name, marker);
      }
      marker.spec = spec;
      marker.group.style.setProperty("--lrw-marker", markerColor(spec.colorIndex));
      marker.group.classList.toggle("lrw-marker--default", spec.isDefault);
      const radius = spec.isDefault ? DEFAULT_DOT_RADIUS : DOT_RADIUS;
      marker.dot.setAttribute("r", String(radius));
      marker.x = layout.x.toPx(spec.pointLr);
      marker.y = Math.min(layout.bottom - DOT_RADIUS, Math.max(layout.top + DOT_RADIUS, layout.y.toPx(spec.pointLoss)));
      marker.group.setAttribute("transform", `translate(${marker.x} ${marker.y})`);
      const text = `${spec.name} ${formatLr(spec.lr * unit)}`;
      setText(marker.label, text);
      marker.group.setAttribute(
        "aria-label",
        `${spec.name} suggestion${spec.isDefault ? " (default)" : ""} ${formatLr(spec.lr * unit, 3)}: ${spec.tip} Press Enter to move the hi handle here.`
      );
      return { marker, item: { x: marker.x, y: marker.y, radius, width: text.length * LABEL_CHAR_PX2 } };
    });
    const places = placeLabels(
      drawn.map(({ item }) => item),
      { left: layout.left, right: layout.width - 2, top: layout.top + labelTop, bottom: layout.bottom }
    );
    drawn.forEach(({ marker }, i) => setAttributes(
      marker.label,
      { x: places[i].x0 - marker.x, y: places[i].y - marker.y, "dominant-baseline": "middle" }
    ));
    restack(specs);
    if (tipFor !== null) showTip(tipFor);
  }
  function restack(specs) {
    const groups = specs.map((spec) => markers.get(spec.name)?.group);
    const inOrder = groups.every((group, i) => chart.markerLayer.children[i] === group);
    if (!inOrder) {
      for (const group of groups) if (group) chart.markerLayer.append(group);
    }
  }
  return {
    update,
    destroy() {
      for (const marker of markers.values()) marker.remove();
      markers.clear();
    }
  };
}

// src/downloads.js
var INLINED = [
  "fill",
  "fill-opacity",
  "stroke",
  "stroke-width",
  "stroke-opacity",
  "stroke-dasharray",
  "stroke-linecap",
  "stroke-linejoin",
  "opacity",
  "visibility",
  "display",
  "font-family",
  "font-size",
  "font-weight",
  "font-variant-numeric",
  "paint-order",
  "shape-rendering"
];
var COLOR_STYLES = /* @__PURE__ */ new Set(["fill", "stroke"]);
var SVG_NS2 = "http://www.w3.org/2000/svg";
var LEGEND_ROW_PX = 18;
var LEGEND_CHAR_PX = 6.6;
function createColorResolver() {
  const cache = /* @__PURE__ */ new Map();
  let context;
  return (value) => {
    if (!value || value === "none" || value.startsWith("url(") || value.startsWith("rgb")) return value;
    const cached = cache.get(value);
    if (cached !== void 0) return cached;
    if (context === void 0) {
      const canvas = document.createElement("canvas");
      canvas.width = canvas.height = 1;
      try {
        context = canvas.getContext("2d", { willReadFrequently: true });
      } catch {
        context = null;
      }
    }
    let resolved = value;
    if (context) {
      context.clearRect(0, 0, 1, 1);
      context.fillStyle = "#000";
      context.fillStyle = value;
      context.fillRect(0, 0, 1, 1);
      const [r, g, b, a] = context.getImageData(0, 0, 1, 1).data;
      resolved = a === 255 ? `rgb(${r}, ${g}, ${b})` : `rgba(${r}, ${g}, ${b}, ${(a / 255).toFixed(3)})`;
    }
    cache.set(value, resolved);
    return resolved;
  };
}
function svgDocument(svg, extras) {
  const resolve = createColorResolver();
  const copy = (
    /** @type {SVGElement} */
    svg.cloneNode(true)
  );
  const originals = [svg, ...svg.querySelectorAll("*")];
  const copies = [copy, ...copy.querySelectorAll("*")];
  originals.forEach((original, i) => {
    const style = getComputedStyle(original);
    const declarations = [];
    for (const name of INLINED) {
      let value = style.getPropertyValue(name).trim();
      if (!value) continue;
      if (COLOR_STYLES.has(name)) value = resolve(value);
      declarations.push(`${name}: ${value}`);
    }
    const element = copies[i];
    element.removeAttribute("style");
    element.removeAttribute("tabindex");
    if (declarations.length) element.setAttribute("style", declarations.join("; "));
  });
  const width = Number(svg.getAttribute("width")) || 640;
  const chartHeight = Number(svg.getAttribute("height")) || 320;
  const legend = legendGroup(extras, width, resolve);
  const height = chartHeight + legend.height;
  copy.setAttribute("xmlns", SVG_NS2);
  copy.setAttribute("width", String(width));
  copy.setAttribute("height", String(height));
  copy.setAttribute("viewBox", `0 0 ${width} ${height}`);
  copy.removeAttribute("class");
  const background = document.createElementNS(SVG_NS2, "rect");
  for (const [name, value] of Object.entries({ x: 0, y: 0, width, height, fill: resolve(extras.background) })) {
    background.setAttribute(name, String(value));
  }
  const title = document.createElementNS(SVG_NS2, "title");
  title.textContent = extras.title;
  copy.prepend(title, background);
  legend.group.setAttribute("transform", `translate(0 ${chartHeight})`);
  copy.append(legend.group);
  const text = `<?xml version="1.0" encoding="UTF-8"?>
${new XMLSerializer().serializeToString(copy)}
`;
  return { text, width, height };
}
function legendGroup(extras, width, resolve) {
  const group = (
    /** @type {SVGElement} */
    document.createElementNS(SVG_NS2, "g")
  );
  const foreground = resolve(extras.foreground);
  group.setAttribute("style", `font-family: ${extras.font}; font-size: 11px; fill: ${foreground}`);
  const line = (attributes) => ({ tag: "line", attributes: { x1: 0, x2: 16, y1: 0, y2: 0, ...attributes } });
  const items = extras.entries.length > 1 ? extras.entries.map((entry) => ({
    label: entry.label,
    swatch: [line({ stroke: resolve(entry.color), "stroke-width": entry.main ? 2.5 : 1.5 })]
  })) : [];
  items.push({
    label: "per-batch loss",
    swatch: [{ tag: "circle", attributes: { cx: 8, cy: 0, r: 2, fill: foreground, "fill-opacity": 0.6 } }]
  });
  items.push({ label: "smoothed loss (fastai)", swatch: [line({ stroke: foreground, "stroke-width": 2 })] });
  if (extras.valid) {
    items.push({ label: extras.valid.label, swatch: [line({
      stroke: resolve(extras.valid.color),
      "stroke-width": 1.75,
      "stroke-dasharray": "5 3"
    })] });
  }
  if (extras.band) {
    items.push({ label: extras.band.label, swatch: [
      { tag: "rect", attributes: {
        x: 0,
        y: -4.5,
        width: 16,
        height: 9,
        fill: resolve(extras.band.fill),
        "fill-opacity": 0.2
      } },
      line({ stroke: resolve(extras.band.median), "stroke-width": 1.5, "stroke-dasharray": "4 3" })
    ] });
  }
  const left = 62;
  let x = left;
  let row = 0;
  for (const item of items) {
    const itemWidth = 22 + item.label.length * LEGEND_CHAR_PX + 14;
    if (x > left && x + itemWidth > width - 8) {
      x = left;
      row++;
    }
    const y = 8 + row * LEGEND_ROW_PX + LEGEND_ROW_PX / 2;
    for (const { tag, attributes } of item.swatch) {
      const swatch = document.createElementNS(SVG_NS2, tag);
      for (const [name, value] of Object.entries(attributes)) swatch.setAttribute(name, String(value));
      swatch.setAttribute("transform", `translate(${x} ${y})`);
      group.append(swatch);
    }
    const text = document.createElementNS(SVG_NS2, "text");
    text.setAttribute("x", String(x + 22));
    text.setAttribute("y", String(y));
    text.setAttribute("dominant-baseline", "middle");
    text.textContent = item.label;
    group.append(text);
    x += itemWidth;
  }
  return { group, height: 8 + (row + 1) * LEGEND_ROW_PX + 8 };
}
function pngFromSvg(svgText, width, height, scale) {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => {
      const canvas = document.createElement("canvas");
      canvas.width = Math.round(width * scale);
      canvas.height = Math.round(height * scale);
      const context = canvas.getContext("2d");
      if (!context) {
        reject(new Error("no 2d canvas to draw the PNG on"));
        return;
      }
      context.scale(scale, scale);
      context.drawImage(image, 0, 0, width, height);
      canvas.toBlob((blob) => blob ? resolve(blob) : reject(new Error("the canvas made no PNG")), "image/png");
    };
    image.onerror = () => reject(new Error("the chart's SVG could not be drawn as an image"));
    image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svgText)}`;
  });
}
function saveBlob(parent, blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = htmlElement("a", { href: url, download: filename, hidden: "" }, parent);
  link.click();
  link.remove();
  const timer = setTimeout(() => URL.revokeObjectURL(url), 6e4);
  /** @type {unknown} */
  timer.unref?.();
}
function createDownloads(toolbar, root, callbacks) {
  const group = htmlElement("span", { class: "lrw-downloads", role: "group", "aria-label": "download" }, toolbar);
  htmlElement("span", { class: "lrw-downloads-title", "aria-hidden": "true" }, group).textContent = "\u2913";
  const button = (format, title) => {
    const element = htmlElement("button", {
      class: "lrw-button lrw-button--small",
      type: "button",
      "data-lrw-download": format,
      title
    }, group);
    element.textContent = format.toUpperCase();
    return element;
  };
  const svgButton = button("svg", "Download the chart as SVG");
  const pngButton = button("png", "Download the chart as PNG");
  const jsonButton = button("json", "Download the runs as JSON (LRWidget.load reads it)");
  const jsonTitle = jsonButton.title;
  const onSvg = () => {
    const { text } = callbacks.picture();
    saveBlob(root, new Blob([text], { type: "image/svg+xml" }), "lrwidget-chart.svg");
  };
  const onPng = () => {
    const { text, width, height } = callbacks.picture();
    const scale = Math.min(2, Math.max(1, globalThis.devicePixelRatio || 1));
    pngFromSvg(text, width, height, scale).then((blob) => saveBlob(root, blob, "lrwidget-chart.png")).catch((error) => console.error("lrwidget:", error));
  };
  const onJson = () => {
    jsonButton.disabled = true;
    callbacks.requestJson();
  };
  svgButton.addEventListener("click", onSvg);
  pngButton.addEventListener("click", onPng);
  jsonButton.addEventListener("click", onJson);
  let waiting = false;
  return {
    /**
     * @param {{ hasPoints: boolean, hasRuns: boolean, running: boolean }} state
     */
    update(state) {
      svgButton.disabled = pngButton.disabled = !state.hasPoints;
      if (!waiting) jsonButton.disabled = !state.hasRuns || state.running;
    },
    /** Marks the JSON button busy until {@link answer}. */
    asked() {
      waiting = true;
    },
    /**
     * The kernel's `runs_json` message: the file to save, or why there is none.
     * @param {Record<string, unknown>} message
     */
    answer(message) {
      waiting = false;
      jsonButton.disabled = false;
      if (typeof message.text === "string") {
        const filename = typeof message.filename === "string" ? message.filename : "lrwidget-runs.json";
        saveBlob(root, new Blob([message.text], { type: "application/json" }), filename);
        jsonButton.title = jsonTitle;
      } else {
        jsonButton.title = `No JSON: ${String(message.error ?? "the kernel sent none")}`;
      }
    },
    destroy() {
      svgButton.removeEventListener("click", onSvg);
      pngButton.removeEventListener("click", onPng);
      jsonButton.removeEventListener("click", onJson);
      group.remove();
    }
  };
}

// src/runs.js
var RUN_COLORS = 8;
function runColor(colorIndex) {
  const index = Number.isInteger(colorIndex) && colorIndex >= 0 ? colorIndex % RUN_COLORS : 0;
  return `var(--lrw-run-${index})`;
}
function parseRuns(runs) {
  if (!Array.isArray(runs)) return [];
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
      details: describeRun(run)
    });
  });
  return entries;
}
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
  return parts.join(" \xB7 ");
}
function nextColorIndex(entries) {
  return entries.reduce((next, entry) => Math.max(next, entry.colorIndex + 1), 0);
}
function createRunCurves() {
  const cache = /* @__PURE__ */ new Map();
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
    }
  };
}
function hiddenIds(hiddenRuns) {
  return new Set(Array.isArray(hiddenRuns) ? hiddenRuns.filter((id) => typeof id === "string") : []);
}
function overlaidRuns(entries, hidden, shownId) {
  return entries.filter((entry) => entry.id !== shownId && !hidden.has(entry.id));
}
function unionDomains(lrDomain, lossDomain, others) {
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
function lastTestedLr(series) {
  for (let i = series.lrs.length - 1; i >= 0; i--) {
    if (Number.isFinite(series.lrs[i]) && series.losses[i] !== null) return series.lrs[i];
  }
  return null;
}
function handlesBeyond(handles, lastLr) {
  if (lastLr === null) return [];
  const beyond = [];
  if (handles.showLo && handles.lo !== null && handles.lo > lastLr) beyond.push("lo");
  if (handles.hi !== null && handles.hi > lastLr) beyond.push("hi");
  return beyond;
}

// src/legend.js
function createLegend(plot, root, callbacks) {
  const note = htmlElement("div", { class: "lrw-note", role: "status", "data-lrw-untested": "" });
  note.hidden = true;
  const legend = htmlElement("div", { class: "lrw-runs", role: "group", "aria-label": "runs", "data-lrw-runs": "" });
  legend.hidden = true;
  plot.after(note, legend);
  htmlElement("span", { class: "lrw-toggles-title" }, legend).textContent = "runs";
  const list = htmlElement("span", { class: "lrw-run-list" }, legend);
  const key = htmlElement("div", { class: "lrw-key", "data-lrw-key": "" }, root);
  const rawKey = htmlElement("span", { class: "lrw-key-item", title: "the loss of each batch, as it came" }, key);
  htmlElement("span", { class: "lrw-key-dot", "aria-hidden": "true" }, rawKey);
  htmlElement("span", {}, rawKey).textContent = "per-batch loss";
  const lineKey = htmlElement("span", {
    class: "lrw-key-item",
    title: "fastai's smoothed loss: an exponential moving average of the batch losses (\u03B2 = 0.98), debiased"
  }, key);
  htmlElement("span", { class: "lrw-key-line", "aria-hidden": "true" }, lineKey);
  htmlElement("span", {}, lineKey).textContent = "smoothed loss (fastai)";
  const provisionalKey = htmlElement("span", {
    class: "lrw-key-item lrw-key-item--provisional",
    title: "the suggestions are computed on the curve so far; they settle when the test ends"
  }, key);
  htmlElement("span", { class: "lrw-key-marker", "aria-hidden": "true" }, provisionalKey);
  htmlElement("span", {}, provisionalKey).textContent = "markers provisional until the test ends";
  const entries = /* @__PURE__ */ new Map();
  let liveEntry = null;
  let listKey = "";
  const onChange = (event) => {
    const input = (
      /** @type {HTMLInputElement} */
      event.target
    );
    const id = input.dataset.lrwRunVisible;
    if (id) callbacks.setVisible(id, input.checked);
  };
  const onClick = (event) => {
    const pick = (
      /** @type {Element} */
      event.target.closest?.("[data-lrw-run-pick]")
    );
    const id = pick?.getAttribute("data-lrw-run-pick");
    if (id) callbacks.select(id);
  };
  list.addEventListener("change", onChange);
  list.addEventListener("click", onClick);
  function rebuild(state) {
    list.replaceChildren();
    entries.clear();
    for (const run of state.runs) {
      const entry = htmlElement("span", { class: "lrw-run-entry", "data-lrw-run-entry": run.id }, list);
      entry.style.setProperty("--lrw-run", runColor(run.colorIndex));
      const input = htmlElement("input", {
        type: "checkbox",
        "data-lrw-run-visible": run.id,
        "aria-label": `show ${run.label}`,
        title: "show or hide this run"
      }, entry);
      const pick = htmlElement("button", {
        type: "button",
        class: "lrw-run-pick",
        "data-lrw-run-pick": run.id,
        title: `${run.details ? `${run.details}. ` : ""}Click to show its markers and handles.`
      }, entry);
      htmlElement("span", { class: "lrw-run-swatch", "aria-hidden": "true" }, pick);
      htmlElement("span", {}, pick).textContent = run.label;
      entries.set(run.id, { entry, input, pick });
    }
    liveEntry = null;
    if (state.liveColor !== null) {
      liveEntry = htmlElement("span", {
        class: "lrw-run-entry lrw-run-entry--live lrw-run-entry--selected",
        "data-lrw-run-entry": ""
      }, list);
      liveEntry.style.setProperty("--lrw-run", runColor(state.liveColor));
      htmlElement("span", { class: "lrw-run-swatch", "aria-hidden": "true" }, liveEntry);
      htmlElement("span", {}, liveEntry).textContent = "running\u2026";
    }
  }
  function update(state) {
    const curves = state.runs.length + (state.liveColor !== null ? 1 : 0);
    legend.hidden = curves < 2;
    const nextKey = JSON.stringify([state.runs, state.liveColor]);
    if (nextKey !== listKey) {
      listKey = nextKey;
      rebuild(state);
    }
    for (const [id, { entry, input, pick }] of entries) {
      const selected = id === state.selected;
      input.checked = !state.hidden.has(id);
      entry.classList.toggle("lrw-run-entry--selected", selected);
      entry.classList.toggle("lrw-run-entry--hidden", state.hidden.has(id) && !selected);
      pick.setAttribute("aria-pressed", String(selected));
    }
    provisionalKey.hidden = !state.running;
    return !legend.hidden;
  }
  function setNote(text) {
    note.hidden = text === "";
    setText(note, text);
  }
  return {
    update,
    setNote,
    destroy() {
      list.removeEventListener("change", onChange);
      list.removeEventListener("click", onClick);
      note.remove();
      legend.remove();
      key.remove();
    }
  };
}

// src/overlay.js
function createOverlay(chart) {
  const layer = svgElement("g", { class: "lrw-overlay" });
  chart.band.after(layer);
  const untested = svgElement("g", { class: "lrw-untested", "data-lrw-untested-region": "", display: "none" }, layer);
  const untestedRect = svgElement("rect", { class: "lrw-untested-area" }, untested);
  const untestedText = svgElement("text", { class: "lrw-untested-label", "text-anchor": "start" }, untested);
  setText(untestedText, "untested \u2192");
  const paths = /* @__PURE__ */ new Map();
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
    const inOrder = runs.every((run, i) => layer.children[i] === paths.get(run.id)?.path);
    if (!inOrder) for (const run of runs) untested.before(
      /** @type {SVGElement} */
      paths.get(run.id)?.path
    );
  }
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
    }
  };
}
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

// src/runs-view.js
var RUN_TRAITS = ["runs", "run_curves", "hidden_runs", "selected_run", "read_only"];
function createRunsView({ model, root, plot, chart, redraw }) {
  const curves = createRunCurves();
  curves.update(model.get("run_curves"));
  const overlay = createOverlay(chart);
  const curvePath = (
    /** @type {SVGElement} */
    chart.svg.querySelector("[data-lrw-curve]")
  );
  const status = () => String(model.get("status") ?? "idle");
  const entries = () => parseRuns(model.get("runs"));
  const selected = () => String(model.get("selected_run") ?? "");
  const legend = createLegend(plot, root, {
    select(id) {
      if (id === selected()) return;
      model.set("selected_run", id);
      model.save_changes();
      redraw();
    },
    setVisible(id, visible) {
      const hidden = hiddenIds(model.get("hidden_runs"));
      if (visible) hidden.delete(id);
      else hidden.add(id);
      model.set("hidden_runs", entries().map((entry) => entry.id).filter((runId) => hidden.has(runId)));
      model.save_changes();
      redraw();
    }
  });
  const toolbar = (
    /** @type {HTMLElement} */
    root.querySelector(".lrw-toolbar")
  );
  const downloads = createDownloads(toolbar, root, {
    picture,
    requestJson() {
      downloads.asked();
      model.send({ type: "export_runs" });
    }
  });
  function overlaid() {
    const shown = status() === "running" ? "" : selected();
    return overlaidRuns(entries(), hiddenIds(model.get("hidden_runs")), shown).flatMap((entry) => {
      const series = curves.series(entry.id);
      return series ? [{ ...entry, series }] : [];
    });
  }
  function domains(lrDomain, lossDomain, mainHasPoints) {
    const others = overlaid().map((run) => ({
      lrs: (
        /** @type {[number, number]} */
        [run.startLr, run.endLr]
      ),
      loss: curves.lossRange(run.id, run.numIt)
    }));
    const withLoss = others.filter((other) => other.loss);
    if (!mainHasPoints && withLoss.length) {
      const first = (
        /** @type {[number, number]} */
        withLoss[0].loss
      );
      return unionDomains(lrDomain, first, others);
    }
    return unionDomains(lrDomain, lossDomain, others);
  }
  function draw(layout, data, handles) {
    const runs = entries();
    const running = status() === "running";
    const shown = running ? "" : selected();
    const hidden = hiddenIds(model.get("hidden_runs"));
    overlay.draw(layout, overlaid());
    const liveColor = running ? nextColorIndex(runs) : null;
    const several = legend.update({ runs, hidden, selected: shown, liveColor, running });
    const shownEntry = runs.find((entry) => entry.id === shown);
    const mainColor = liveColor ?? shownEntry?.colorIndex ?? null;
    if (several && mainColor !== null) root.style.setProperty("--lrw-curve", runColor(mainColor));
    else root.style.removeProperty("--lrw-curve");
    curvePath.setAttribute("data-lrw-run-path", running ? "live" : shown);
    chart.markerLayer.classList.toggle("lrw-markers--provisional", running);
    root.classList.toggle("lrw-read-only", model.get("read_only") === true);
    downloads.update({ hasPoints: data.losses.some((loss) => loss !== null), hasRuns: runs.length > 0, running });
    drawUntested(layout, data, handles);
  }
  let untested = null;
  function drawUntested(layout, data, handles) {
    const progress = model.get("progress");
    const cancelled = status() !== "running" && isRecord(progress) && progress.stop_reason === "cancelled";
    const lastLr = cancelled ? lastTestedLr(data) : null;
    untested = { layout, lastLr };
    overlay.drawUntested(layout, lastLr);
    handlesMoved(handles);
  }
  function handlesMoved(handles) {
    const lastLr = untested?.lastLr ?? null;
    const beyond = handlesBeyond(handles, lastLr);
    if (lastLr === null || beyond.length === 0) {
      legend.setNote("");
      return;
    }
    const which = beyond.length === 2 ? "Both handles sit" : `The ${beyond[0]} handle sits`;
    legend.setNote(`The test was stopped early, at ${formatLr(lastLr, 3)}. ${which} beyond the last learning rate tested: no loss was measured there (the shaded, untested region).`);
  }
  function picture() {
    const style = getComputedStyle(root);
    const running = status() === "running";
    const runs = entries();
    const main = running ? null : runs.find((entry) => entry.id === selected());
    const drawn = [
      ...overlaid().map((run) => ({ label: run.label, color: strokeOf(pathOf(run.id)), main: false })),
      ...running || main ? [{ label: main?.label ?? "running", color: strokeOf(curvePath), main: true }] : []
    ];
    return svgDocument(chart.svg, {
      background: style.backgroundColor || "#ffffff",
      foreground: style.color || "#000000",
      font: style.fontFamily || "sans-serif",
      entries: drawn,
      title: "Loss against learning rate (lrwidget)",
      ...drawnKeyItems()
    });
  }
  function drawnKeyItems() {
    const drawnPath = (attribute) => {
      const path = chart.svg.querySelector(`[${attribute}]`);
      return path?.getAttribute("d") ? path : null;
    };
    const validLine = drawnPath("data-lrw-valid-curve");
    const validLegend = root.querySelector("[data-lrw-valid-legend]");
    const band = drawnPath("data-lrw-repeat-band");
    const bandKey = root.querySelector("[data-lrw-key-band]");
    return {
      valid: validLine && validLegend ? { label: (validLegend.textContent ?? "").trim(), color: strokeOf(validLine) } : null,
      band: band && bandKey ? {
        label: (bandKey.textContent ?? "").trim(),
        fill: getComputedStyle(band).fill,
        median: strokeOf(drawnPath("data-lrw-repeat-median"))
      } : null
    };
  }
  const pathOf = (id) => [...chart.svg.querySelectorAll("[data-lrw-run-path]")].find((path) => path.getAttribute("data-lrw-run-path") === id) ?? null;
  const strokeOf = (path) => (path ? getComputedStyle(path).getPropertyValue("stroke") : "") || "currentColor";
  function onMessage(message) {
    if (!isRecord(message) || message.type !== "runs_json") return false;
    downloads.answer(message);
    return true;
  }
  const subscriptions = [["change:run_curves", () => curves.update(model.get("run_curves"))]];
  for (const [event, callback] of subscriptions) model.on(event, callback);
  return {
    domains,
    draw,
    handlesMoved,
    onMessage,
    picture,
    destroy() {
      for (const [event, callback] of subscriptions) model.off(event, callback);
      overlay.destroy();
      legend.destroy();
      downloads.destroy();
    }
  };
}

// src/theme.js
function parseRgb(color) {
  const match = /^rgba?\(([^)]+)\)$/.exec(color.trim());
  if (!match) return null;
  const parts = match[1].split(/[\s,/]+/).filter(Boolean);
  if (parts.length < 3) return null;
  const channel = (part, scale) => part.endsWith("%") ? parseFloat(part) / 100 * scale : parseFloat(part);
  const rgba = (
    /** @type {[number, number, number, number]} */
    [
      channel(parts[0], 255),
      channel(parts[1], 255),
      channel(parts[2], 255),
      parts[3] === void 0 ? 1 : channel(parts[3], 1)
    ]
  );
  return rgba.every(Number.isFinite) ? rgba : null;
}
function relativeLuminance([r, g, b]) {
  const linear = (channel) => {
    const c = channel / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}
function isDarkBackground(color) {
  const rgba = parseRgb(color);
  if (!rgba || rgba[3] === 0) return null;
  return relativeLuminance(rgba) < 0.18;
}
var HOST_VARIABLES = ["--jp-layout-color0", "--vscode-editor-background"];
function insideDarkClass(element) {
  let node = element;
  while (node) {
    if (node.closest(".dark")) return true;
    const top = (
      /** @type {Node & { host?: Element }} */
      node.getRootNode()
    );
    node = top.host ?? null;
  }
  return false;
}
function watchTheme(root) {
  const query = typeof matchMedia === "function" ? matchMedia("(prefers-color-scheme: dark)") : null;
  let later = null;
  const refresh = () => {
    if (!root.isConnected) return;
    const style = getComputedStyle(root);
    const hasHost = HOST_VARIABLES.some((name) => style.getPropertyValue(name).trim() !== "");
    root.classList.toggle("lrw-no-host", !hasHost);
    const fallbackDark = !hasHost && (Boolean(query?.matches) || insideDarkClass(root));
    root.classList.toggle("lrw-fallback-dark", fallbackDark);
    const dark = isDarkBackground(getComputedStyle(root).backgroundColor) ?? fallbackDark;
    root.classList.toggle("lrw-dark", dark);
  };
  const onChange = () => {
    refresh();
    if (later !== null) clearTimeout(later);
    later = setTimeout(refresh, 400);
  };
  const observer = new MutationObserver(onChange);
  const attributeFilter = ["class", "style", "data-jp-theme-light", "data-jp-theme-name"];
  observer.observe(document.documentElement, { attributes: true, attributeFilter });
  if (document.body) observer.observe(document.body, { attributes: true, attributeFilter });
  query?.addEventListener("change", onChange);
  refresh();
  return {
    refresh,
    dispose() {
      observer.disconnect();
      query?.removeEventListener("change", onChange);
      if (later !== null) clearTimeout(later);
    }
  };
}

// src/validation.js
var MARGIN2 = 0.04;
var MAX_DOTS = 200;
function emptyValidation() {
  return { values: [], version: 0 };
}
function applyValidationDelta(validation, delta) {
  const { values } = validation;
  values.length = Math.min(values.length, delta.start);
  while (values.length < delta.start) values.push(null);
  for (let i = 0; i < delta.lrs.length; i++) values.push(delta.valid_losses ? finiteOrNull(delta.valid_losses[i]) : null);
  validation.version++;
}
function validationFromCurve(curve) {
  const validation = emptyValidation();
  const values = isRecord(curve) ? curve.valid_losses : void 0;
  if (Array.isArray(values)) validation.values = values.map(finiteOrNull);
  return validation;
}
function validationPixels(layout, series, validation) {
  const { top, bottom } = layout;
  const yLow = top - (bottom - top);
  const yHigh = bottom + (bottom - top);
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
function widenDomain([bottom, top], validation) {
  let low = Infinity;
  let high = -Infinity;
  for (const value of validation.values) {
    if (value === null) continue;
    if (value < low) low = value;
    if (value > high) high = value;
  }
  if (low > high) return [bottom, top];
  const span = top - bottom;
  const margin = span * MARGIN2;
  const newBottom = low < bottom ? Math.max(low - margin, bottom - span / 2) : bottom;
  const newTop = high > top ? Math.min(high + margin, top + span / 2) : top;
  return [newBottom, newTop];
}
function validationStatus(progress) {
  if (!isRecord(progress)) return "";
  const every = progress.valid_every;
  if (typeof every !== "number" || !Number.isInteger(every) || every < 1) return "";
  const cost = progress.valid_cost;
  const costText = typeof cost === "number" && Number.isFinite(cost) ? `: +${Math.round(cost * 100)}% time` : "";
  return ` \xB7 validation every ${every === 1 ? "step" : `${every} steps`}${costText}`;
}
function createValidation(layer, root) {
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
      const key = [
        isLive,
        validation.version,
        validation.values.length,
        series.version,
        series.lrs.length,
        layout.width,
        ...layout.x.domain,
        ...layout.y.domain
      ].join(",");
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
      const every = isRecord(progress) ? progress.valid_every : void 0;
      setText(label, typeof every === "number" ? `validation loss (every ${every === 1 ? "step" : `${every} steps`})` : "validation loss");
      setAttributes(legend, { title: "The loss on a fixed validation subset, evaluated in eval mode during the test" });
    },
    destroy() {
      legend.remove();
    }
  };
}

// src/verify.js
var ROWS = [45, 33];
var POINT_DY = 53;
var POINT_HALF = 5;
function verifyStripBottom(verify) {
  return verifyTrials(verify).length ? POINT_DY + POINT_HALF : 0;
}
function verifyTrials(verify) {
  if (!isRecord(verify) || !Array.isArray(verify.trials)) return [];
  const trials = [];
  for (const trial of verify.trials) {
    if (!isRecord(trial) || typeof trial.lr !== "number" || !(trial.lr > 0) || !Number.isFinite(trial.lr)) continue;
    const loss = typeof trial.valid_loss === "number" && Number.isFinite(trial.valid_loss) ? trial.valid_loss : null;
    trials.push({ lr: trial.lr, valid_loss: loss, status: loss === null ? "diverged" : String(trial.status ?? "done") });
  }
  return trials.sort((a, b) => a.lr - b.lr);
}
function bestTrial(trials) {
  let best = -1;
  trials.forEach((trial, i) => {
    if (trial.status !== "done" || trial.valid_loss === null) return;
    const bestLoss = best < 0 ? Infinity : (
      /** @type {number} */
      trials[best].valid_loss
    );
    if (trial.valid_loss < bestLoss) best = i;
  });
  return best;
}
function verifyStatus(verify) {
  return isRecord(verify) && typeof verify.summary === "string" && verify.summary ? ` \xB7 ${verify.summary}` : "";
}
var LABEL_CHAR_PX3 = 6.5;
function labelText(trial, isBest, state) {
  const loss = trial.valid_loss === null ? "diverged" : formatLoss(trial.valid_loss);
  return isBest && state !== "running" ? `best ${loss}` : loss;
}
function labelsThatFit(labels) {
  const shown = labels.map(() => true);
  const span = (label) => label.text.length * LABEL_CHAR_PX3 / 2;
  const overlap = (a, b) => Math.abs(labels[a].x - labels[b].x) < span(labels[a]) + span(labels[b]) + 2;
  const order = labels.map((_, i) => i).sort((a, b) => Number(labels[b].keep) - Number(labels[a].keep));
  const placed = (
    /** @type {number[]} */
    []
  );
  for (const i of order) {
    if (placed.some((j) => labels[j].row === labels[i].row && overlap(i, j))) shown[i] = false;
    else placed.push(i);
  }
  return shown;
}
function createVerify(svg) {
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
        x: layout.x.toPx(trial.lr),
        row: i % 2,
        text: labelText(trial, i === best, state),
        keep: i === best
      })));
      trials.forEach((trial, i) => {
        const x = layout.x.toPx(trial.lr);
        if (!(x >= layout.left - 0.5 && x <= layout.right + 0.5)) return;
        const isBest = i === best;
        const y = layout.top + POINT_DY;
        const group = svgElement("g", {
          class: `lrw-verify-trial${isBest ? " lrw-verify-best" : ""}${trial.valid_loss === null ? " lrw-verify-diverged" : ""}`,
          "data-lrw-verify-trial": String(i),
          "data-lr": trial.lr
        }, layer);
        const h = POINT_HALF;
        svgElement("line", { class: "lrw-verify-guide", x1: x, x2: x, y1: y + h, y2: layout.bottom }, group);
        const d = trial.valid_loss === null ? `M${x - h + 1} ${y - h + 1}L${x + h - 1} ${y + h - 1}M${x - h + 1} ${y + h - 1}L${x + h - 1} ${y - h + 1}` : `M${x} ${y - h}L${x + h} ${y}L${x} ${y + h}L${x - h} ${y}Z`;
        svgElement("path", { class: "lrw-verify-point", d }, group);
        if (shown[i]) {
          const label = svgElement("text", {
            class: "lrw-verify-label",
            x,
            y: layout.top + ROWS[i % 2],
            "text-anchor": "middle"
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
    }
  };
}

// src/wire.js
var LR_BYTES = 8;
var LOSS_BYTES = 4;
function asDataView(buffer) {
  if (buffer instanceof DataView) return buffer;
  if (ArrayBuffer.isView(buffer)) return new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  if (buffer instanceof ArrayBuffer) return new DataView(buffer);
  return null;
}
function readFloat64(view, count) {
  const values = new Float64Array(count);
  for (let i = 0; i < count; i++) values[i] = view.getFloat64(i * LR_BYTES, true);
  return values;
}
function readFloat32(view, count) {
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = view.getFloat32(i * LOSS_BYTES, true);
  return values;
}
function decodePoints(content, buffers) {
  const { start, count } = content;
  if (typeof start !== "number" || !Number.isInteger(start) || start < 0) {
    throw new Error(`points message: start must be an integer \u2265 0, got ${JSON.stringify(start)}`);
  }
  if (typeof count !== "number" || !Number.isInteger(count) || count < 0) {
    throw new Error(`points message: count must be an integer \u2265 0, got ${JSON.stringify(count)}`);
  }
  const parts = ["lrs (float64)", "losses (float32)", "raw_losses (float32)"];
  const views = parts.map((name, i) => {
    const view = asDataView(buffers?.[i]);
    const needed = count * (i === 0 ? LR_BYTES : LOSS_BYTES);
    const what = `points message: buffer ${i}, ${name},`;
    if (view === null) throw new Error(`${what} is missing (got ${buffers?.length ?? 0} buffers)`);
    if (view.byteLength < needed) {
      throw new Error(`${what} holds ${view.byteLength} bytes, expected ${needed} for ${count} points`);
    }
    return view;
  });
  const delta = {
    start,
    lrs: readFloat64(views[0], count),
    losses: readFloat32(views[1], count),
    raw_losses: readFloat32(views[2], count)
  };
  if (buffers !== void 0 && buffers.length > 3) {
    const view = asDataView(buffers[3]);
    const needed = count * LOSS_BYTES;
    if (view === null || view.byteLength < needed) {
      throw new Error(`points message: buffer 3, valid_losses (float32), holds ${view?.byteLength ?? "no"} bytes, expected ${needed} for ${count} points`);
    }
    delta.valid_losses = readFloat32(view, count);
  }
  return delta;
}

// src/index.js
var SYNC_INTERVAL_MS = 50;
function render({ model, el }) {
  const status = () => String(model.get("status") ?? "idle");
  const root = htmlElement("div", {
    class: "lrw-root",
    "data-lrw-root": "",
    "data-lrw-status": status(),
    "data-lm-suppress-shortcuts": "true"
  }, el);
  const controls = createControls(root, {
    run: () => model.send({ type: "run" }),
    stop: () => model.send({ type: "stop" }),
    toggle: setMarkerVisible,
    pickGroup: (group) => {
      pickedGroup = group;
      schedule(true);
    }
  });
  const plot = htmlElement("div", { class: "lrw-plot" }, root);
  const chart = createChart(plot);
  const tooltip = htmlElement("div", { class: "lrw-tooltip", role: "tooltip" }, plot);
  tooltip.hidden = true;
  root.append(controls.legend);
  const validation = createValidation(chart.validLayer, root);
  const verify = createVerify(chart.svg);
  validation.setCurve(model.get("curve"));
  const theme = watchTheme(root);
  const markers = createMarkers(chart, tooltip, snapHiToMarker);
  const handles = createHandles(chart, { current: () => ({ layout, view: handleView() }), input: moveHandle, commit });
  const runs = createRunsView({ model, root, plot, chart, redraw: () => schedule(true) });
  const repeatBand = createRepeatBand(
    chart.repeatLayer,
    chart.spreadLayer,
    /** @type {HTMLElement} */
    root.querySelector("[data-lrw-key]")
  );
  const live = emptySeries();
  let curve = seriesFromCurve(model.get("curve"));
  let width = MIN_WIDTH;
  let layout = null;
  let lastReplayAt = -Infinity;
  const pending = {};
  let pickedGroup = null;
  const numberTrait = (name) => finiteOrNull(model.get(name));
  const suggestions = () => {
    const value = model.get("suggestions");
    return isRecord(value) ? (
      /** @type {Record<string, Suggestion>} */
      value
    ) : {};
  };
  const markerList = () => markerEntries(model.get("marker_registry"), suggestions());
  const visible = () => visibleNames(model.get("visible_markers"), markerList());
  const series = () => status() === "running" && live.lrs.length > 0 ? live : curve ?? live;
  const nGroups = () => Number(model.get("n_groups") ?? 1);
  const ratios = () => groupRatios(model.get("group_lr_ratios"), nGroups());
  const axis = () => groupAxis(ratios(), nGroups(), pickedGroup);
  function handleView() {
    return {
      lo: pending.lo ?? numberTrait("lr_lo"),
      hi: pending.hi ?? numberTrait("lr_hi"),
      // After a discriminative test each group's LR is hi × its ratio: there is no lo to pick.
      showLo: nGroups() > 1 && ratios().length === 0,
      name: axis().handleName,
      startLr: numberTrait("start_lr") ?? 1e-7,
      endLr: numberTrait("end_lr") ?? 10
    };
  }
  let frame = 0;
  let fullRedraw = false;
  function schedule(full) {
    fullRedraw ||= full;
    if (!frame) frame = requestAnimationFrame(onFrame);
  }
  function onFrame() {
    frame = 0;
    if (fullRedraw || !layout) redraw();
    else {
      handles.update(layout, handleView());
      runs.handlesMoved(handleView());
    }
    fullRedraw = false;
  }
  function redraw() {
    const started = performance.now();
    const data = series();
    const view = handleView();
    const xAxis = axis();
    const lossDomain = validation.domain(chart.lossDomainFor(data, Number(model.get("num_it")) || 0), data === live);
    const domains = runs.domains([view.startLr, view.endLr], lossDomain, data.losses.some((loss) => loss !== null));
    layout = computeLayout(width, domains.lrs[0], domains.lrs[1], domains.loss, xAxis);
    chart.draw(layout, data, emptyMessage());
    runs.draw(layout, data, view);
    validation.draw(layout, data, data === live, model.get("progress"));
    verify.draw(layout, model.get("verify"));
    const entries = markerList();
    const shown = visible();
    const specs = markerSpecs(entries, suggestions(), shown, data);
    repeatBand.update(
      layout,
      model.get("band"),
      model.get("pick_spread"),
      specs,
      data !== live ? "final" : status() === "running" ? "live" : null
    );
    markers.update(layout, specs, verifyStripBottom(model.get("verify")));
    handles.update(layout, view);
    const progress = model.get("progress");
    controls.update({
      status: status(),
      statusLine: withRepeats(
        formatStatusLine(status(), isRecord(progress) ? progress : {}, data.lrs.length),
        status(),
        progress,
        model.get("band")
      ) + (status() === "idle" ? "" : validationStatus(progress)) + verifyStatus(model.get("verify")),
      error: String(model.get("error") ?? ""),
      notice: String(model.get("notice") ?? ""),
      markers: entries,
      visible: shown,
      suggestions: suggestions(),
      lrUnit: xAxis.unit,
      groups: groupOptions(ratios(), model.get("group_labels")),
      shownGroup: String(shownGroup(pickedGroup, ratios().length))
    });
    root.setAttribute("data-lrw-last-redraw-ms", (performance.now() - started).toFixed(3));
    root.setAttribute("data-lrw-point-count", String(data.lrs.length));
  }
  function emptyMessage() {
    if (status() === "running") return "Waiting for the first losses\u2026";
    if (status() === "error") return "No losses to show.";
    return "Press Run to start the learning-rate range test.";
  }
  const sync = throttle(() => {
    let changed = false;
    for (
      const which of
      /** @type {Which[]} */
      ["lo", "hi"]
    ) {
      const value = pending[which];
      if (value !== void 0 && value !== model.get(`lr_${which}`)) {
        model.set(`lr_${which}`, value);
        changed = true;
      }
    }
    if (changed) model.save_changes();
  }, SYNC_INTERVAL_MS);
  function moveHandle(which, value) {
    const view = handleView();
    pending[which] = value;
    if (which === "hi" && !view.showLo && view.lo !== null && view.lo > value) pending.lo = value;
    schedule(false);
    sync.call();
  }
  function commit() {
    sync.call();
    sync.flush();
    delete pending.lo;
    delete pending.hi;
    schedule(false);
  }
  function snapHiToMarker(name) {
    const lr = finiteOrNull(suggestions()[name]?.lr);
    if (lr === null) return;
    const view = handleView();
    const snapped = snapHi(lr, view);
    model.set("lr_hi", snapped.hi);
    if (snapped.lo !== view.lo) model.set("lr_lo", snapped.lo);
    model.save_changes();
    schedule(false);
  }
  function setMarkerVisible(name, show) {
    const current = visible();
    if (show) current.add(name);
    else current.delete(name);
    model.set("visible_markers", orderVisible(markerList(), current));
    model.save_changes();
    schedule(true);
  }
  function requestReplay() {
    const now = performance.now();
    if (!shouldRequestReplay(now, lastReplayAt)) return;
    lastReplayAt = now;
    model.send({ type: "replay" });
  }
  function onMessage(message, buffers) {
    if (!isRecord(message) || runs.onMessage(message)) return;
    if (message.type === "reset") {
      clearSeries(live);
      validation.reset();
      lastReplayAt = -Infinity;
      schedule(true);
    } else if (message.type === "points") {
      let delta;
      try {
        delta = decodePoints(message, Array.isArray(buffers) ? buffers : []);
      } catch (error) {
        console.error("lrwidget:", error);
        return;
      }
      if (applyPointsMessage(live, delta) === "missed") requestReplay();
      else {
        validation.applyDelta(delta);
        schedule(true);
      }
    }
  }
  const subscriptions = [
    ["msg:custom", onMessage],
    ["change:status", () => {
      root.setAttribute("data-lrw-status", status());
      schedule(true);
    }],
    ["change:curve", () => {
      curve = seriesFromCurve(model.get("curve"));
      validation.setCurve(model.get("curve"));
      schedule(true);
    }],
    ...[
      "error",
      "notice",
      "progress",
      "start_lr",
      "end_lr",
      "num_it",
      "suggestions",
      "visible_markers",
      "marker_registry",
      "group_lr_ratios",
      "group_labels",
      "band",
      "pick_spread",
      "verify",
      ...RUN_TRAITS
    ].map((name) => (
      /** @type {[string, Listener]} */
      [`change:${name}`, () => schedule(true)]
    )),
    ...["lr_lo", "lr_hi"].map((name) => (
      /** @type {[string, Listener]} */
      [`change:${name}`, () => schedule(false)]
    )),
    ["change:n_groups", () => schedule(true)]
    // the axis title names the groups
  ];
  for (const [event, callback] of subscriptions) model.on(event, callback);
  let hidden = false;
  const resizeObserver = new ResizeObserver((entries) => {
    const measured = Math.floor(entries[0].contentRect.width);
    if (measured <= 0) {
      hidden = true;
      return;
    }
    const next = Math.max(MIN_WIDTH, measured);
    theme.refresh();
    if (next === width && layout && !hidden) return;
    hidden = false;
    width = next;
    schedule(true);
  });
  resizeObserver.observe(root);
  if (status() === "running") requestReplay();
  schedule(true);
  return () => {
    sync.flush();
    sync.cancel();
    if (frame) cancelAnimationFrame(frame);
    resizeObserver.disconnect();
    for (const [event, callback] of subscriptions) model.off(event, callback);
    handles.destroy();
    markers.destroy();
    runs.destroy();
    repeatBand.destroy();
    controls.destroy();
    validation.destroy();
    verify.destroy();
    theme.dispose();
    root.remove();
  };
}
var index_default = { render };
export {
  index_default as default
};
