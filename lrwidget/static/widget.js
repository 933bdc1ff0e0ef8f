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
    summary: typeof value.summary === "string" ? value.summary : ""
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
function createRepeatBand(bandLayer, spreadLayer) {
  const area = svgElement("path", { class: "lrw-repeat-band", "data-lrw-repeat-band": "" }, bandLayer);
  const median2 = svgElement("path", { class: "lrw-repeat-median", "data-lrw-repeat-median": "" }, bandLayer);
  let key = "";
  function update(layout, bandTrait, pickSpread, specs, show) {
    const band = show ? parseBand(bandTrait) : null;
    setAttributes(area, { d: band ? bandPath(layout, band) || null : null });
    setAttributes(median2, { d: band ? medianPath(layout, band) || null : null });
    const bars = band ? spreadBars(layout, pickSpread, specs) : [];
    const nextKey = JSON.stringify(bars);
    if (nextKey === key) return;
    key = nextKey;
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
function computeLayout(width, startLr, endLr, lossDomain) {
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
    y: linearScale(lossDomain, [bottom, top])
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
    const key = [width, ...layout.x.domain, ...layout.y.domain, hasPoints].join(",");
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
    const xTicks = logTicks(layout.x.domain[0], layout.x.domain[1], right - left);
    for (const tick of xTicks.labeled) {
      const x = layout.x.toPx(tick.value);
      if (tick.decade) svgElement("line", { class: "lrw-grid-line", x1: x, x2: x, y1: top, y2: bottom }, gridLines);
      svgElement("line", { class: "lrw-tick", x1: x, x2: x, y1: bottom, y2: bottom + 5 }, axisParts);
      svgElement("text", { class: "lrw-tick-label", x, y: bottom + 18, "text-anchor": "middle" }, axisParts).textContent = tick.label;
    }
    for (const value of xTicks.minor) {
      const x = layout.x.toPx(value);
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
    ).textContent = "learning rate";
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
  return { svg, band, repeatLayer, spreadLayer, handleLayer, markerLayer, knobLayer, draw, lossDomainFor };
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
  const toggles = htmlElement("div", { class: "lrw-toggles", role: "group", "aria-label": "suggestion markers" });
  htmlElement("span", { class: "lrw-toggles-title" }, toggles).textContent = "markers";
  const toggleList = htmlElement("span", { class: "lrw-toggle-list" }, toggles);
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
  const onRun = () => callbacks.run();
  const onStop = () => callbacks.stop();
  runButton.addEventListener("click", onRun);
  stopButton.addEventListener("click", onStop);
  toggles.addEventListener("change", onToggle);
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
      setText(value, typeof lr === "number" && Number.isFinite(lr) ? formatLr(lr) : "");
    }
  }
  return {
    legend: toggles,
    update,
    destroy() {
      runButton.removeEventListener("click", onRun);
      stopButton.removeEventListener("click", onStop);
      toggles.removeEventListener("change", onToggle);
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
      const text = `${view.showLo ? which : "lr"} ${formatLr(value, 3)}`;
      setAttributes(handle.knob, {
        "aria-valuenow": value,
        "aria-valuemin": min,
        "aria-valuemax": max,
        "aria-valuetext": formatLr(value, 3)
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
      let labelY = y;
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
  function showTip(name) {
    const marker = markers.get(name);
    if (!marker) return;
    tipFor = name;
    tooltip.textContent = "";
    const title = document.createElement("strong");
    title.textContent = `${name} ${formatLr(marker.spec.lr, 3)}`;
    const loss = document.createElement("span");
    loss.className = "lrw-tooltip-hint";
    loss.textContent = ` \xB7 loss ${formatLoss(marker.spec.pointLoss)} at ${formatLr(marker.spec.pointLr, 3)}`;
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
  function update(layout, specs) {
    plotRight = layout.width;
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
      const text = `${spec.name} ${formatLr(spec.lr)}`;
      setText(marker.label, text);
      marker.group.setAttribute(
        "aria-label",
        `${spec.name} suggestion${spec.isDefault ? " (default)" : ""} ${formatLr(spec.lr, 3)}: ${spec.tip} Press Enter to move the hi handle here.`
      );
      return { marker, item: { x: marker.x, y: marker.y, radius, width: text.length * LABEL_CHAR_PX2 } };
    });
    const places = placeLabels(
      drawn.map(({ item }) => item),
      { left: layout.left, right: layout.width - 2, top: layout.top, bottom: layout.bottom }
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
  return {
    start,
    lrs: readFloat64(views[0], count),
    losses: readFloat32(views[1], count),
    raw_losses: readFloat32(views[2], count)
  };
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
    toggle: setMarkerVisible
  });
  const plot = htmlElement("div", { class: "lrw-plot" }, root);
  const chart = createChart(plot);
  const tooltip = htmlElement("div", { class: "lrw-tooltip", role: "tooltip" }, plot);
  tooltip.hidden = true;
  root.append(controls.legend);
  const theme = watchTheme(root);
  const markers = createMarkers(chart, tooltip, snapHiToMarker);
  const repeatBand = createRepeatBand(chart.repeatLayer, chart.spreadLayer);
  const handles = createHandles(chart, { current: () => ({ layout, view: handleView() }), input: moveHandle, commit });
  const live = emptySeries();
  let curve = seriesFromCurve(model.get("curve"));
  let width = MIN_WIDTH;
  let layout = null;
  let lastReplayAt = -Infinity;
  const pending = {};
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
  function handleView() {
    return {
      lo: pending.lo ?? numberTrait("lr_lo"),
      hi: pending.hi ?? numberTrait("lr_hi"),
      showLo: Number(model.get("n_groups") ?? 1) > 1,
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
    else handles.update(layout, handleView());
    fullRedraw = false;
  }
  function redraw() {
    const started = performance.now();
    const data = series();
    const view = handleView();
    layout = computeLayout(width, view.startLr, view.endLr, chart.lossDomainFor(data, Number(model.get("num_it")) || 0));
    chart.draw(layout, data, emptyMessage());
    const entries = markerList();
    const shown = visible();
    const specs = markerSpecs(entries, suggestions(), shown, data);
    repeatBand.update(layout, model.get("band"), model.get("pick_spread"), specs, data !== live);
    markers.update(layout, specs);
    handles.update(layout, view);
    const progress = model.get("progress");
    controls.update({
      status: status(),
      statusLine: withRepeats(
        formatStatusLine(status(), isRecord(progress) ? progress : {}, data.lrs.length),
        status(),
        progress,
        model.get("band")
      ),
      error: String(model.get("error") ?? ""),
      notice: String(model.get("notice") ?? ""),
      markers: entries,
      visible: shown,
      suggestions: suggestions()
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
    if (!isRecord(message)) return;
    if (message.type === "reset") {
      clearSeries(live);
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
      else schedule(true);
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
      "band",
      "pick_spread"
    ].map((name) => (
      /** @type {[string, Listener]} */
      [`change:${name}`, () => schedule(true)]
    )),
    ...["lr_lo", "lr_hi", "n_groups"].map((name) => (
      /** @type {[string, Listener]} */
      [`change:${name}`, () => schedule(false)]
    ))
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
    repeatBand.destroy();
    controls.destroy();
    theme.dispose();
    root.remove();
  };
}
var index_default = { render };
export {
  index_default as default
};
