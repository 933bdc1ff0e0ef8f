// The runs legend (a row under the plot: each run's colour and label, a checkbox that shows or hides it, a click on
// the label that selects it), the key that says what the dots and the line are, and the note about handles in the
// untested region of a test stopped early.
import { htmlElement, setText } from "./dom.js";
import { runColor } from "./runs.js";

/** @typedef {import("./runs.js").RunEntry} RunEntry */

/**
 * @typedef {object} LegendState
 * @property {RunEntry[]} runs the kept runs, in order
 * @property {Set<string>} hidden
 * @property {string} selected the selected run's id ("" while a run is in progress)
 * @property {number | null} liveColor the colour index of the run in progress, or null when none runs
 * @property {boolean} running
 */

/**
 * @typedef {object} LegendCallbacks
 * @property {(id: string) => void} select
 * @property {(id: string, visible: boolean) => void} setVisible
 */

/**
 * @param {HTMLElement} plot the legend goes right under it
 * @param {HTMLElement} root the key goes at the end of the view
 * @param {LegendCallbacks} callbacks
 */
export function createLegend(plot, root, callbacks) {
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
  const lineKey = htmlElement("span", { class: "lrw-key-item",
    title: "fastai's smoothed loss: an exponential moving average of the batch losses (β = 0.98), debiased" }, key);
  htmlElement("span", { class: "lrw-key-line", "aria-hidden": "true" }, lineKey);
  htmlElement("span", {}, lineKey).textContent = "smoothed loss (fastai)";
  const provisionalKey = htmlElement("span", { class: "lrw-key-item lrw-key-item--provisional",
    title: "the suggestions are computed on the curve so far; they settle when the test ends" }, key);
  htmlElement("span", { class: "lrw-key-marker", "aria-hidden": "true" }, provisionalKey);
  htmlElement("span", {}, provisionalKey).textContent = "markers provisional until the test ends";

  /** @type {Map<string, { entry: HTMLElement, input: HTMLInputElement, pick: HTMLButtonElement }>} */
  const entries = new Map();
  /** @type {HTMLElement | null} */
  let liveEntry = null;
  let listKey = "";

  /** @param {Event} event */
  const onChange = (event) => {
    const input = /** @type {HTMLInputElement} */ (event.target);
    const id = input.dataset.lrwRunVisible;
    if (id) callbacks.setVisible(id, input.checked);
  };
  /** @param {Event} event */
  const onClick = (event) => {
    const pick = /** @type {Element} */ (event.target).closest?.("[data-lrw-run-pick]");
    const id = pick?.getAttribute("data-lrw-run-pick");
    if (id) callbacks.select(id);
  };
  list.addEventListener("change", onChange);
  list.addEventListener("click", onClick);

  /** @param {LegendState} state */
  function rebuild(state) {
    list.replaceChildren();
    entries.clear();
    for (const run of state.runs) {
      const entry = htmlElement("span", { class: "lrw-run-entry", "data-lrw-run-entry": run.id }, list);
      entry.style.setProperty("--lrw-run", runColor(run.colorIndex));
      const input = htmlElement("input", { type: "checkbox", "data-lrw-run-visible": run.id,
        "aria-label": `show ${run.label}`, title: "show or hide this run" }, entry);
      const pick = htmlElement("button", { type: "button", class: "lrw-run-pick", "data-lrw-run-pick": run.id,
        title: `${run.details ? `${run.details}. ` : ""}Click to show its markers and handles.` }, entry);
      htmlElement("span", { class: "lrw-run-swatch", "aria-hidden": "true" }, pick);
      htmlElement("span", {}, pick).textContent = run.label;
      entries.set(run.id, { entry, input, pick });
    }
    liveEntry = null;
    if (state.liveColor !== null) {
      liveEntry = htmlElement("span", { class: "lrw-run-entry lrw-run-entry--live lrw-run-entry--selected",
        "data-lrw-run-entry": "" }, list);
      liveEntry.style.setProperty("--lrw-run", runColor(state.liveColor));
      htmlElement("span", { class: "lrw-run-swatch", "aria-hidden": "true" }, liveEntry);
      htmlElement("span", {}, liveEntry).textContent = "running…";
    }
  }

  /**
   * @param {LegendState} state
   * @returns {boolean} whether the legend is shown (several curves to tell apart)
   */
  function update(state) {
    const curves = state.runs.length + (state.liveColor !== null ? 1 : 0);
    legend.hidden = curves < 2;
    // Rebuilt only when the runs change, so a focused checkbox or label keeps its focus across redraws.
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

  /** @param {string} text the untested-region note, or "" for none */
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
    },
  };
}
