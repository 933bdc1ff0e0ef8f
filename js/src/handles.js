// The lo/hi handles: vertical lines with a knob at the top of the plot, dragged with the pointer or moved with the
// arrow keys. The knob carries the test hook `data-lrw-handle`; its horizontal centre is the handle's lr.
import { attachPointerDrag, handleBounds, keyTarget } from "./drag.js";
import { setAttributes, setText, svgElement } from "./dom.js";
import { formatLr } from "./format.js";

/** @typedef {import("./chart.js").Chart} Chart */
/** @typedef {import("./chart.js").Layout} Layout */
/** @typedef {"lo" | "hi"} Which */

/**
 * @typedef {object} HandleView
 * @property {number | null} lo the lo value to show (a drag in progress, else the model's)
 * @property {number | null} hi
 * @property {boolean} showLo lo is drawn only for several layer groups
 * @property {number} startLr
 * @property {number} endLr
 * @property {string} [name] the hi handle's label when lo is hidden (default "lr")
 */

/**
 * @typedef {object} HandleCallbacks
 * @property {() => { layout: Layout | null, view: HandleView }} current what is drawn now
 * @property {(which: Which, value: number) => void} input a handle moved (already clamped)
 * @property {(which: Which) => void} commit the drag or key press ended: send the final value now
 */

/**
 * The elements of one handle, and where it is drawn.
 * @typedef {object} HandleParts
 * @property {SVGElement} lineGroup
 * @property {SVGElement} hitLine
 * @property {SVGElement} line
 * @property {SVGElement} knobGroup
 * @property {SVGElement} knob
 * @property {SVGElement} label
 * @property {number} x the line's x in SVG pixels
 * @property {(x: number) => void} setX
 */

const KNOB_WIDTH = 12;
const KNOB_HEIGHT = 20;
const LABEL_GAP = 8;
/** Handle labels are 11px; an estimate avoids measuring text (a forced layout) on every frame of a drag. */
const LABEL_CHAR_PX = 6.4;
const ACTIVATION_KEYS = new Set(["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "PageUp", "PageDown", "Home", "End"]);

/**
 * @param {Chart} chart
 * @param {HandleCallbacks} callbacks
 */
export function createHandles(chart, callbacks) {
  /** @type {(() => void)[]} */
  const cleanups = [];

  /**
   * @param {Which} which
   * @returns {HandleParts}
   */
  function build(which) {
    const name = which === "lo" ? "lower" : "upper";
    const lineGroup = svgElement("g", { class: `lrw-handle lrw-handle--${which}`, display: "none" }, chart.handleLayer);
    const hitLine = svgElement("line", { class: "lrw-handle-hit" }, lineGroup);
    const line = svgElement("line", { class: "lrw-handle-line" }, lineGroup);
    const knobGroup = svgElement("g", { class: `lrw-knob-group lrw-knob-group--${which}`, display: "none" }, chart.knobLayer);
    const knob = svgElement("rect", {
      class: "lrw-knob", "data-lrw-handle": which, tabindex: 0, role: "slider",
      "aria-label": `${name} learning rate`, x: -KNOB_WIDTH / 2, width: KNOB_WIDTH, height: KNOB_HEIGHT, rx: 3,
    }, knobGroup);
    const label = svgElement("text", { class: "lrw-handle-label" }, knobGroup);
    const drag = {
      /** @param {PointerEvent} event */
      start(event) {
        const { layout, view } = callbacks.current();
        if (!layout || view[which] === null) return false;
        const other = which === "lo" ? "hi" : "lo";
        const otherShown = handles[other].knobGroup.getAttribute("display") !== "none";
        // Knobs on top of each other: the first move decides (left moves lo, right moves hi), or neither could move.
        active = {
          which, startX: event.clientX, decided: !(otherShown && Math.abs(handles[other].x - handles[which].x) < KNOB_WIDTH),
          grabOffset: event.clientX - (chart.svg.getBoundingClientRect().left + handles[which].x),
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
      },
    };
    cleanups.push(attachPointerDrag(lineGroup, drag), attachPointerDrag(knobGroup, drag));

    /** @param {Event} event */
    const onKeyDown = (event) => {
      const key = /** @type {KeyboardEvent} */ (event);
      const { view } = callbacks.current();
      const value = view[which];
      if (value === null) return;
      const bounds = handleBounds(which, { ...view, lo: view.showLo ? view.lo : null });
      const target = keyTarget(key.key, key.shiftKey, value, bounds);
      if (target === null) return;
      key.preventDefault(); // arrows would scroll the notebook
      callbacks.input(which, target);
    };
    /** @param {Event} event */
    const onKeyUp = (event) => {
      if (ACTIVATION_KEYS.has(/** @type {KeyboardEvent} */ (event).key)) callbacks.commit(which);
    };
    knob.addEventListener("keydown", onKeyDown);
    knob.addEventListener("keyup", onKeyUp);
    cleanups.push(() => {
      knob.removeEventListener("keydown", onKeyDown);
      knob.removeEventListener("keyup", onKeyUp);
    });

    return {
      lineGroup, hitLine, line, knobGroup, knob, label, x: 0,
      /** @param {number} x */
      setX(x) {
        this.x = x;
        lineGroup.setAttribute("transform", `translate(${x} 0)`);
        knobGroup.setAttribute("transform", `translate(${x} 0)`);
      },
    };
  }

  /** The drag in progress: which handle, where it started, and the grab point's offset from the line. */
  /** @type {{ which: Which, startX: number, decided: boolean, grabOffset: number } | null} */
  let active = null;
  /** @type {Record<Which, HandleParts>} */
  const handles = { lo: build("lo"), hi: build("hi") };

  /**
   * @param {Which} which
   * @param {boolean} dragging
   */
  function setDragging(which, dragging) {
    handles[which].lineGroup.classList.toggle("lrw-dragging", dragging);
    handles[which].knobGroup.classList.toggle("lrw-dragging", dragging);
  }

  /**
   * Places both handles, their labels and the lo–hi band.
   * @param {Layout} layout
   * @param {HandleView} view
   */
  function update(layout, view) {
    const { top, bottom, width } = layout;
    /** @type {{ which: Which, x: number, text: string }[]} */
    const shown = [];
    for (const which of /** @type {Which[]} */ (["lo", "hi"])) {
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
      // The label reads in the axis's unit (another group's LR after a discriminative test); aria-valuenow stays
      // the recorded lr, which is what the handle's value is.
      const shownLr = formatLr(value * layout.xUnit, 3);
      const text = `${view.showLo ? which : view.name ?? "lr"} ${shownLr}`;
      setAttributes(handle.knob, {
        "aria-valuenow": value, "aria-valuemin": min, "aria-valuemax": max, "aria-valuetext": shownLr,
      });
      setText(handle.label, text);
      shown.push({ which, x, text });
    }
    placeLabels(shown, width, top - 10);

    const showBand = view.showLo && view.lo !== null && view.hi !== null;
    chart.band.setAttribute("visibility", showBand ? "visible" : "hidden");
    if (showBand && view.lo !== null && view.hi !== null) {
      const x0 = layout.x.toPx(view.lo);
      setAttributes(chart.band, { x: x0, y: top, width: Math.max(0, layout.x.toPx(view.hi) - x0), height: bottom - top });
    }
  }

  /**
   * Handle labels sit beside their line in the top margin: lo's to the left, hi's to the right, flipped at the SVG
   * edges, and pushed apart when the handles are close, so the two never overlap or leave the widget.
   * @param {{ which: Which, x: number, text: string }[]} shown
   * @param {number} width
   * @param {number} y
   */
  function placeLabels(shown, width, y) {
    /** @type {Record<string, [number, number]>} */
    const spans = {};
    for (const { which, x, text } of shown) {
      const labelWidth = text.length * LABEL_CHAR_PX;
      const leftOf = [x - LABEL_GAP - labelWidth, x - LABEL_GAP];
      const rightOf = [x + LABEL_GAP, x + LABEL_GAP + labelWidth];
      const preferLeft = which === "lo";
      const fitsLeft = leftOf[0] >= 2;
      const fitsRight = rightOf[1] <= width - 2;
      spans[which] = /** @type {[number, number]} */ (
        (preferLeft ? fitsLeft || !fitsRight : !fitsRight && fitsLeft) ? leftOf : rightOf);
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
    },
  };
}
