// The download buttons: the chart as a standalone SVG (computed colours inlined, a legend of the drawn runs and the
// key added below), the same picture as a PNG (the SVG drawn on a canvas), and the runs as JSON (made by the kernel:
// the page holds only decimated curves, and the file must be what `w.save` writes and `LRWidget.load` reads).
import { htmlElement } from "./dom.js";

/** The styles that make the picture; each is copied from the live element's computed style into the copy. */
const INLINED = [
  "fill", "fill-opacity", "stroke", "stroke-width", "stroke-opacity", "stroke-dasharray", "stroke-linecap",
  "stroke-linejoin", "opacity", "visibility", "display", "font-family", "font-size", "font-weight",
  "font-variant-numeric", "paint-order", "shape-rendering",
];
const COLOR_STYLES = new Set(["fill", "stroke"]);
const SVG_NS = "http://www.w3.org/2000/svg";
const LEGEND_ROW_PX = 18;
const LEGEND_CHAR_PX = 6.6;

/**
 * One entry of the picture's legend.
 * @typedef {object} PictureEntry
 * @property {string} label
 * @property {string} color a resolved CSS colour
 * @property {boolean} main drawn as the main curve (thicker)
 */

/**
 * What the picture adds to the chart: its colours and font, the runs' legend, the key's optional items (the
 * validation curve, the repeats' band: each with its label and resolved-later CSS colours) and its title.
 * @typedef {object} PictureExtras
 * @property {string} background
 * @property {string} foreground
 * @property {string} font
 * @property {PictureEntry[]} entries
 * @property {{ label: string, color: string } | null} [valid]
 * @property {{ label: string, fill: string, median: string } | null} [band]
 * @property {string} title
 */

/**
 * Colours as rgb()/rgba(): a computed colour may be `color(srgb …)` or `oklab(…)` (from color-mix), which some SVG
 * readers do not know; a canvas resolves any colour the browser knows. Without a canvas the value is kept.
 */
function createColorResolver() {
  /** @type {Map<string, string>} */
  const cache = new Map();
  /** @type {CanvasRenderingContext2D | null | undefined} */
  let context;
  /** @param {string} value */
  return (value) => {
    if (!value || value === "none" || value.startsWith("url(") || value.startsWith("rgb")) return value;
    const cached = cache.get(value);
    if (cached !== undefined) return cached;
    if (context === undefined) {
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

/**
 * The chart as a standalone SVG document: a copy of `svg` with each element's computed styles inlined (so it needs
 * no stylesheet), a background, and below the plot a legend of the drawn runs (when there are several) and the key.
 * @param {SVGSVGElement | SVGElement} svg the live chart
 * @param {PictureExtras} extras
 * @returns {{ text: string, width: number, height: number }} the document and its size in CSS pixels
 */
export function svgDocument(svg, extras) {
  const resolve = createColorResolver();
  const copy = /** @type {SVGElement} */ (svg.cloneNode(true));
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
    // Inline styles set by the view (stroke-opacity of the raw losses, the run colour variables) are computed above.
    element.removeAttribute("style");
    element.removeAttribute("tabindex");
    if (declarations.length) element.setAttribute("style", declarations.join("; "));
  });
  const width = Number(svg.getAttribute("width")) || 640;
  const chartHeight = Number(svg.getAttribute("height")) || 320;
  const legend = legendGroup(extras, width, resolve);
  const height = chartHeight + legend.height;
  copy.setAttribute("xmlns", SVG_NS);
  copy.setAttribute("width", String(width));
  copy.setAttribute("height", String(height));
  copy.setAttribute("viewBox", `0 0 ${width} ${height}`);
  copy.removeAttribute("class");
  const background = document.createElementNS(SVG_NS, "rect");
  for (const [name, value] of Object.entries({ x: 0, y: 0, width, height, fill: resolve(extras.background) })) {
    background.setAttribute(name, String(value));
  }
  const title = document.createElementNS(SVG_NS, "title");
  title.textContent = extras.title;
  copy.prepend(title, background);
  legend.group.setAttribute("transform", `translate(0 ${chartHeight})`);
  copy.append(legend.group);
  const text = `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(copy)}\n`;
  return { text, width, height };
}

/**
 * The legend and key under the chart, wrapped to the width.
 * @param {PictureExtras} extras
 * @param {number} width
 * @param {(value: string) => string} resolve
 * @returns {{ group: SVGElement, height: number }}
 */
function legendGroup(extras, width, resolve) {
  const group = /** @type {SVGElement} */ (document.createElementNS(SVG_NS, "g"));
  const foreground = resolve(extras.foreground);
  group.setAttribute("style", `font-family: ${extras.font}; font-size: 11px; fill: ${foreground}`);
  /** @param {Record<string, string | number>} attributes */
  const line = (attributes) => ({ tag: "line", attributes: { x1: 0, x2: 16, y1: 0, y2: 0, ...attributes } });
  /** @type {{ label: string, swatch: { tag: string, attributes: Record<string, string | number> }[] }[]} */
  const items = extras.entries.length > 1 ? extras.entries.map((entry) => ({
    label: entry.label, swatch: [line({ stroke: resolve(entry.color), "stroke-width": entry.main ? 2.5 : 1.5 })],
  })) : [];
  items.push({ label: "per-batch loss",
    swatch: [{ tag: "circle", attributes: { cx: 8, cy: 0, r: 2, fill: foreground, "fill-opacity": 0.6 } }] });
  items.push({ label: "smoothed loss (fastai)", swatch: [line({ stroke: foreground, "stroke-width": 2 })] });
  // As Python's picture keys them (lrwidget/widget/picture/legend.py).
  if (extras.valid) {
    items.push({ label: extras.valid.label, swatch: [line({ stroke: resolve(extras.valid.color),
      "stroke-width": 1.75, "stroke-dasharray": "5 3" })] });
  }
  if (extras.band) {
    items.push({ label: extras.band.label, swatch: [
      { tag: "rect", attributes: { x: 0, y: -4.5, width: 16, height: 9, fill: resolve(extras.band.fill),
        "fill-opacity": 0.2 } },
      line({ stroke: resolve(extras.band.median), "stroke-width": 1.5, "stroke-dasharray": "4 3" })] });
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
      const swatch = document.createElementNS(SVG_NS, tag);
      for (const [name, value] of Object.entries(attributes)) swatch.setAttribute(name, String(value));
      swatch.setAttribute("transform", `translate(${x} ${y})`);
      group.append(swatch);
    }
    const text = document.createElementNS(SVG_NS, "text");
    text.setAttribute("x", String(x + 22));
    text.setAttribute("y", String(y));
    text.setAttribute("dominant-baseline", "middle");
    text.textContent = item.label;
    group.append(text);
    x += itemWidth;
  }
  return { group, height: 8 + (row + 1) * LEGEND_ROW_PX + 8 };
}

/**
 * An SVG document drawn on a canvas, as PNG.
 * @param {string} svgText
 * @param {number} width CSS pixels
 * @param {number} height
 * @param {number} scale device pixels per CSS pixel
 * @returns {Promise<Blob>}
 */
export function pngFromSvg(svgText, width, height, scale) {
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
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("the canvas made no PNG"))), "image/png");
    };
    image.onerror = () => reject(new Error("the chart's SVG could not be drawn as an image"));
    image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svgText)}`;
  });
}

/**
 * Saves a blob through an <a download> click (what a browser, and a browser test, treat as a download).
 * @param {HTMLElement} parent
 * @param {Blob} blob
 * @param {string} filename
 */
export function saveBlob(parent, blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = htmlElement("a", { href: url, download: filename, hidden: "" }, parent);
  link.click();
  link.remove();
  // The download reads the URL after the click returns; revoking at once could cut it off.
  const timer = setTimeout(() => URL.revokeObjectURL(url), 60_000);
  // Under Node (the JS tests) a timer is an object that would keep the process alive for that minute: unref it.
  // In a browser it is a number, and there is nothing to do.
  /** @type {{ unref?: () => void }} */ (/** @type {unknown} */ (timer)).unref?.();
}

/**
 * @typedef {object} DownloadCallbacks
 * @property {() => { text: string, width: number, height: number }} picture the chart as an SVG document now
 * @property {() => void} requestJson asks the kernel for the runs' JSON (it answers with a `runs_json` message)
 */

/**
 * The SVG, PNG and JSON buttons, at the end of the toolbar.
 * @param {HTMLElement} toolbar
 * @param {HTMLElement} root where the download links are clicked
 * @param {DownloadCallbacks} callbacks
 */
export function createDownloads(toolbar, root, callbacks) {
  const group = htmlElement("span", { class: "lrw-downloads", role: "group", "aria-label": "download" }, toolbar);
  htmlElement("span", { class: "lrw-downloads-title", "aria-hidden": "true" }, group).textContent = "⤓";
  /** @param {string} format @param {string} title */
  const button = (format, title) => {
    const element = htmlElement("button", { class: "lrw-button lrw-button--small", type: "button",
      "data-lrw-download": format, title }, group);
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
    pngFromSvg(text, width, height, scale)
      .then((blob) => saveBlob(root, blob, "lrwidget-chart.png"))
      .catch((error) => console.error("lrwidget:", error));
  };
  const onJson = () => {
    jsonButton.disabled = true; // until the kernel answers
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
    },
  };
}
