// The runs part of the view (issue 13): the overlay of kept runs with its legend, the colour of the main curve,
// the axis ranges that hold every drawn run, the key and the provisional markers, the untested region of a test
// stopped early, the download buttons, and read-only widgets without Run/Stop. index.js calls in at a few points.
import { createDownloads, svgDocument } from "./downloads.js";
import { formatLr } from "./format.js";
import { createLegend } from "./legend.js";
import { createOverlay } from "./overlay.js";
import {
  createRunCurves, handlesBeyond, hiddenIds, lastTestedLr, nextColorIndex, overlaidRuns, parseRuns, runColor,
  unionDomains,
} from "./runs.js";
import { isRecord } from "./store.js";

/** @typedef {import("./chart.js").Chart} Chart */
/** @typedef {import("./chart.js").Layout} Layout */
/** @typedef {import("./handles.js").HandleView} HandleView */
/** @typedef {import("./store.js").Series} Series */
/** @typedef {import("./index.js").Model} Model */
/** @typedef {import("./index.js").Listener} Listener */

/** The traits this part reads, each a full redraw when it changes. */
export const RUN_TRAITS = ["runs", "run_curves", "hidden_runs", "selected_run", "read_only"];

/**
 * @param {{ model: Model, root: HTMLElement, plot: HTMLElement, chart: Chart, redraw: () => void }} context
 */
export function createRunsView({ model, root, plot, chart, redraw }) {
  const curves = createRunCurves();
  curves.update(model.get("run_curves"));
  const overlay = createOverlay(chart);
  const curvePath = /** @type {SVGElement} */ (chart.svg.querySelector("[data-lrw-curve]"));
  const status = () => String(model.get("status") ?? "idle");
  const entries = () => parseRuns(model.get("runs"));
  const selected = () => String(model.get("selected_run") ?? "");

  const legend = createLegend(plot, root, {
    select(id) {
      if (id === selected()) return;
      model.set("selected_run", id); // refused by Python during a run: it sends the old id back
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
    },
  });
  const toolbar = /** @type {HTMLElement} */ (root.querySelector(".lrw-toolbar"));
  const downloads = createDownloads(toolbar, root, {
    picture,
    requestJson() {
      downloads.asked();
      model.send({ type: "export_runs" });
    },
  });

  /** The runs drawn behind the main curve now, with their series. */
  function overlaid() {
    const shown = status() === "running" ? "" : selected();
    return overlaidRuns(entries(), hiddenIds(model.get("hidden_runs")), shown).flatMap((entry) => {
      const series = curves.series(entry.id);
      return series ? [{ ...entry, series }] : [];
    });
  }

  /**
   * Axis domains holding the main curve and every overlaid run.
   * @param {[number, number]} lrDomain the shown run's [start_lr, end_lr]
   * @param {[number, number]} lossDomain the main curve's loss range
   * @param {boolean} mainHasPoints false: the main curve is empty, so its loss range says nothing
   */
  function domains(lrDomain, lossDomain, mainHasPoints) {
    const others = overlaid().map((run) => ({
      lrs: /** @type {[number, number]} */ ([run.startLr, run.endLr]),
      loss: curves.lossRange(run.id, run.numIt),
    }));
    const withLoss = others.filter((other) => other.loss);
    if (!mainHasPoints && withLoss.length) {
      const first = /** @type {[number, number]} */ (withLoss[0].loss);
      return unionDomains(lrDomain, first, others);
    }
    return unionDomains(lrDomain, lossDomain, others);
  }

  /**
   * Draws the runs' part after the chart drew the main curve.
   * @param {Layout} layout
   * @param {Series} data the main curve
   * @param {HandleView} handles
   */
  function draw(layout, data, handles) {
    const runs = entries();
    const running = status() === "running";
    const shown = running ? "" : selected();
    const hidden = hiddenIds(model.get("hidden_runs"));
    overlay.draw(layout, overlaid());
    const liveColor = running ? nextColorIndex(runs) : null;
    const several = legend.update({ runs, hidden, selected: shown, liveColor, running });
    // With several curves the main one takes its run's colour, as the legend shows; alone it looks as it always did.
    const shownEntry = runs.find((entry) => entry.id === shown);
    const mainColor = liveColor ?? shownEntry?.colorIndex ?? null;
    // Set on the root: the key's line takes the same colour.
    if (several && mainColor !== null) root.style.setProperty("--lrw-curve", runColor(mainColor));
    else root.style.removeProperty("--lrw-curve");
    curvePath.setAttribute("data-lrw-run-path", running ? "live" : shown);
    chart.markerLayer.classList.toggle("lrw-markers--provisional", running);
    root.classList.toggle("lrw-read-only", model.get("read_only") === true);
    downloads.update({ hasPoints: data.losses.some((loss) => loss !== null), hasRuns: runs.length > 0, running });
    drawUntested(layout, data, handles);
  }

  /** @type {{ layout: Layout, lastLr: number | null } | null} */
  let untested = null;
  /**
   * A test stopped early: shade what it never reached, and say so when a handle sits there.
   * @param {Layout} layout
   * @param {Series} data
   * @param {HandleView} handles
   */
  function drawUntested(layout, data, handles) {
    const progress = model.get("progress");
    const cancelled = status() !== "running" && isRecord(progress) && progress.stop_reason === "cancelled";
    const lastLr = cancelled ? lastTestedLr(data) : null;
    untested = { layout, lastLr };
    overlay.drawUntested(layout, lastLr);
    handlesMoved(handles);
  }

  /**
   * Updates the untested-region note as the handles move (no full redraw).
   * @param {HandleView} handles
   */
  function handlesMoved(handles) {
    const lastLr = untested?.lastLr ?? null;
    const beyond = handlesBeyond(handles, lastLr);
    if (lastLr === null || beyond.length === 0) {
      legend.setNote("");
      return;
    }
    const which = beyond.length === 2 ? "Both handles sit" : `The ${beyond[0]} handle sits`;
    legend.setNote(`The test was stopped early, at ${formatLr(lastLr, 3)}. ${which} beyond the last learning ` +
      "rate tested: no loss was measured there (the shaded, untested region).");
  }

  /** The chart as a standalone SVG, with the legend of the drawn runs. */
  function picture() {
    const style = getComputedStyle(root);
    const running = status() === "running";
    const runs = entries();
    const main = running ? null : runs.find((entry) => entry.id === selected());
    const drawn = [
      ...overlaid().map((run) => ({ label: run.label, color: strokeOf(pathOf(run.id)), main: false })),
      ...(running || main ? [{ label: main?.label ?? "running", color: strokeOf(curvePath), main: true }] : []),
    ];
    return svgDocument(chart.svg, {
      background: style.backgroundColor || "#ffffff", foreground: style.color || "#000000",
      font: style.fontFamily || "sans-serif", entries: drawn, title: "Loss against learning rate (lrwidget)",
      ...drawnKeyItems(),
    });
  }

  /** The key's items for the second curves drawn now, as the page's own key and validation legend name them. */
  function drawnKeyItems() {
    const drawnPath = (/** @type {string} */ attribute) => {
      const path = chart.svg.querySelector(`[${attribute}]`);
      return path?.getAttribute("d") ? path : null;
    };
    const validLine = drawnPath("data-lrw-valid-curve");
    const validLegend = root.querySelector("[data-lrw-valid-legend]");
    const band = drawnPath("data-lrw-repeat-band");
    const bandKey = root.querySelector("[data-lrw-key-band]");
    return {
      valid: validLine && validLegend ? { label: (validLegend.textContent ?? "").trim(), color: strokeOf(validLine) }
        : null,
      band: band && bandKey ? { label: (bandKey.textContent ?? "").trim(), fill: getComputedStyle(band).fill,
        median: strokeOf(drawnPath("data-lrw-repeat-median")) } : null,
    };
  }

  /** @param {string} id */
  const pathOf = (id) => [...chart.svg.querySelectorAll("[data-lrw-run-path]")]
    .find((path) => path.getAttribute("data-lrw-run-path") === id) ?? null;
  /** @param {Element | null} path */
  const strokeOf = (path) => (path ? getComputedStyle(path).getPropertyValue("stroke") : "") || "currentColor";

  /**
   * @param {unknown} message a custom message from the kernel
   * @returns {boolean} whether it was this part's
   */
  function onMessage(message) {
    if (!isRecord(message) || message.type !== "runs_json") return false;
    downloads.answer(message);
    return true;
  }

  /** @type {[string, Listener][]} */
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
    },
  };
}
