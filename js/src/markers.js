// Suggestion markers: a dot on the curve at the suggestion's point, its name and lr beside it, a tooltip with its
// tip on hover or focus. Clicking (or Enter on) a marker asks for hi to snap to its lr. Colours and emphasis come
// from the spec (registry.js); stacking follows the display order, so the registry's last marker is drawn on top.
import { setAttributes, setText, svgElement } from "./dom.js";
import { formatLoss, formatLr } from "./format.js";
import { placeLabels } from "./labels.js";
import { markerColor } from "./registry.js";

/** @typedef {import("./chart.js").Chart} Chart */
/** @typedef {import("./chart.js").Layout} Layout */

/** @typedef {import("./registry.js").MarkerSpec} MarkerSpec */

const DOT_RADIUS = 5;
/** The default marker (where the handles start) is drawn a little larger. */
const DEFAULT_DOT_RADIUS = 6.5;
const LABEL_CHAR_PX = 6.4;

/**
 * @param {Chart} chart
 * @param {HTMLElement} tooltip an absolutely positioned element over the plot
 * @param {(name: string) => void} onSelect
 */
export function createMarkers(chart, tooltip, onSelect) {
  /** @type {Map<string, { group: SVGElement, dot: SVGElement, label: SVGElement, spec: MarkerSpec,
   *   x: number, y: number, remove: () => void }>} */
  const markers = new Map();
  let plotRight = 0;
  /** The marker whose tooltip is open: it follows the marker when a redraw moves it. */
  /** @type {string | null} */
  let tipFor = null;
  /** The LRs read in the axis's unit (another layer group's LR after a discriminative test): layout.xUnit. */
  let unit = 1;

  /** @param {string} name */
  function showTip(name) {
    const marker = markers.get(name);
    if (!marker) return;
    tipFor = name;
    tooltip.textContent = "";
    const title = document.createElement("strong");
    title.textContent = `${name} ${formatLr(marker.spec.lr * unit, 3)}`;
    const loss = document.createElement("span");
    loss.className = "lrw-tooltip-hint";
    loss.textContent = ` · loss ${formatLoss(marker.spec.pointLoss)} at ${formatLr(marker.spec.pointLr * unit, 3)}`;
    tooltip.append(title, loss, document.createElement("br"), marker.spec.tip || "", document.createElement("br"));
    const hint = document.createElement("span");
    hint.className = "lrw-tooltip-hint";
    hint.textContent = "click to move the hi handle here";
    if (marker.spec.isDefault) hint.textContent += " (the handles start at this one)";
    tooltip.append(hint);
    tooltip.hidden = false;
    // Beside the dot, on whichever side has room.
    const onRight = marker.x + 16 + tooltip.offsetWidth < plotRight;
    tooltip.style.left = `${onRight ? marker.x + 14 : marker.x - 14 - tooltip.offsetWidth}px`;
    tooltip.style.top = `${Math.max(0, marker.y - tooltip.offsetHeight - 10)}px`;
  }
  const hideTip = () => {
    tipFor = null;
    tooltip.hidden = true;
  };

  /** @param {string} name */
  function build(name) {
    const group = svgElement("g", { class: "lrw-marker", tabindex: 0, role: "button" }, chart.markerLayer);
    const dot = svgElement("circle", { class: "lrw-marker-dot", r: DOT_RADIUS, cx: 0, cy: 0, "data-lrw-marker": name },
      group);
    const label = svgElement("text", { class: "lrw-marker-label" }, group);
    const onClick = () => onSelect(name);
    /** @param {Event} event */
    const onKey = (event) => {
      const key = /** @type {KeyboardEvent} */ (event).key;
      if (key !== "Enter" && key !== " ") return;
      event.preventDefault();
      onSelect(name);
    };
    const onEnter = () => showTip(name);
    /** @type {[string, EventListener][]} */
    const events = [["click", onClick], ["keydown", onKey], ["pointerenter", onEnter], ["focus", onEnter],
      ["pointerleave", hideTip], ["blur", hideTip]];
    for (const [type, listener] of events) group.addEventListener(type, listener);
    const remove = () => {
      for (const [type, listener] of events) group.removeEventListener(type, listener);
      group.remove();
    };
    return { group, dot, label, remove };
  }

  /**
   * Draws exactly the given markers (others are removed), each label placed clear of the others and of the dots.
   * @param {Layout} layout
   * @param {MarkerSpec[]} specs
   * @param {number} [labelTop] pixels below the plot's top edge that labels keep clear of (verify's strip of trials)
   */
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
    // The default marker's label is placed first (it gets its preferred spot), the rest left to right.
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
      // A point off the loss scale still shows, pinned to the plot's edge.
      marker.x = layout.x.toPx(spec.pointLr);
      marker.y = Math.min(layout.bottom - DOT_RADIUS, Math.max(layout.top + DOT_RADIUS, layout.y.toPx(spec.pointLoss)));
      marker.group.setAttribute("transform", `translate(${marker.x} ${marker.y})`);
      const text = `${spec.name} ${formatLr(spec.lr * unit)}`;
      setText(marker.label, text);
      marker.group.setAttribute("aria-label",
        `${spec.name} suggestion${spec.isDefault ? " (default)" : ""} ${formatLr(spec.lr * unit, 3)}: ${spec.tip} ` +
        "Press Enter to move the hi handle here.");
      return { marker, item: { x: marker.x, y: marker.y, radius, width: text.length * LABEL_CHAR_PX } };
    });
    // Labels clear of each other and of every dot (a dot under another marker's label hides which is which).
    const places = placeLabels(drawn.map(({ item }) => item),
      { left: layout.left, right: layout.width - 2, top: layout.top + labelTop, bottom: layout.bottom });
    drawn.forEach(({ marker }, i) => setAttributes(marker.label,
      { x: places[i].x0 - marker.x, y: places[i].y - marker.y, "dominant-baseline": "middle" }));
    restack(specs);
    if (tipFor !== null) showTip(tipFor);
  }

  /**
   * Puts the marker groups in display order (later ones on top), moving nodes only when the order changed: moving a
   * focused node would blur it.
   * @param {MarkerSpec[]} specs
   */
  function restack(specs) {
    const groups = specs.map((spec) => markers.get(spec.name)?.group);
    const inOrder = groups.every((group, i) => chart.markerLayer.children[i] === group);
    if (!inOrder) for (const group of groups) if (group) chart.markerLayer.append(group);
  }

  return {
    update,
    destroy() {
      for (const marker of markers.values()) marker.remove();
      markers.clear();
    },
  };
}
