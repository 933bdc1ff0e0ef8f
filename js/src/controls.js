// The toolbar (Run, Stop, the progress line), the error box below it, and the marker toggles (the legend).
import { htmlElement, setText } from "./dom.js";
import { formatLr } from "./format.js";
import { markerColor } from "./registry.js";

/** @typedef {import("./registry.js").MarkerEntry} MarkerEntry */

/**
 * @typedef {object} ControlsState
 * @property {string} status
 * @property {string} statusLine
 * @property {string} error
 * @property {string} notice what deserves a word about a run that ended well enough (shown when there is no error)
 * @property {MarkerEntry[]} markers the markers that get a toggle, in display order
 * @property {Set<string>} visible
 * @property {Record<string, { lr?: unknown }>} suggestions
 * @property {number} [lrUnit] the suggestions read in lr × lrUnit (the x axis's layer group), default 1
 * @property {{ value: string, text: string }[]} [groups] the layer groups the x axis can be read in (none: hidden)
 * @property {string} [shownGroup] the selected one's value
 */

/**
 * @typedef {object} ControlsCallbacks
 * @property {() => void} run
 * @property {() => void} stop
 * @property {(name: string, visible: boolean) => void} toggle
 * @property {(group: number) => void} [pickGroup] the x axis should read in this layer group's LR
 */

/**
 * @param {HTMLElement} root
 * @param {ControlsCallbacks} callbacks
 */
export function createControls(root, callbacks) {
  const toolbar = htmlElement("div", { class: "lrw-toolbar" }, root);
  const runButton = htmlElement("button", { class: "lrw-button lrw-button--primary", type: "button",
    "data-lrw-action": "run", title: "Run the learning-rate range test" }, toolbar);
  runButton.textContent = "Run";
  const stopButton = htmlElement("button", { class: "lrw-button", type: "button", "data-lrw-action": "stop",
    title: "Stop the range test (the model is restored)" }, toolbar);
  stopButton.textContent = "Stop";
  const statusLine = htmlElement("span", { class: "lrw-status-line", "data-lrw-progress": "", "aria-live": "polite" },
    toolbar);
  // After a discriminative range test: which layer group's LR the x axis reads in (the curve records the last's).
  const groupPicker = htmlElement("label", { class: "lrw-group-picker", title:
    "Every layer group ran at a fixed ratio to the last one: read the x axis in the LR of another group" }, toolbar);
  htmlElement("span", { class: "lrw-toggles-title" }, groupPicker).textContent = "x axis";
  const groupSelect = htmlElement("select", { class: "lrw-group-select", "data-lrw-group-select": "" }, groupPicker);
  groupPicker.hidden = true;
  // The marker toggles double as the legend; they live under the plot (the caller places them), on a row of their
  // own, so a growing progress line never pushes them around.
  const toggles = htmlElement("div", { class: "lrw-toggles", role: "group", "aria-label": "suggestion markers" });
  htmlElement("span", { class: "lrw-toggles-title" }, toggles).textContent = "markers";
  const toggleList = htmlElement("span", { class: "lrw-toggle-list" }, toggles);
  let groupKey = "";
  const errorBox = htmlElement("div", { class: "lrw-error", role: "alert", "data-lrw-error": "" }, root);
  errorBox.hidden = true;

  /** @type {Map<string, { input: HTMLInputElement, value: HTMLElement }>} */
  const toggleByName = new Map();
  let toggleKey = "";

  /** @param {Event} event */
  const onToggle = (event) => {
    const input = /** @type {HTMLInputElement} */ (event.target);
    if (input.dataset.lrwToggle) callbacks.toggle(input.dataset.lrwToggle, input.checked);
  };
  const onPickGroup = () => callbacks.pickGroup?.(Number(groupSelect.value));
  const onRun = () => callbacks.run();
  const onStop = () => callbacks.stop();
  runButton.addEventListener("click", onRun);
  stopButton.addEventListener("click", onStop);
  toggles.addEventListener("change", onToggle);
  groupSelect.addEventListener("change", onPickGroup);

  /** @param {MarkerEntry[]} markers */
  function rebuildToggles(markers) {
    toggleList.replaceChildren();
    toggleByName.clear();
    for (const { name, colorIndex, isDefault, tip } of markers) {
      const label = htmlElement("label", { class: `lrw-toggle${isDefault ? " lrw-toggle--default" : ""}`, title: tip },
        toggleList);
      label.style.setProperty("--lrw-marker", markerColor(colorIndex));
      const input = htmlElement("input", { type: "checkbox", "data-lrw-toggle": name }, label);
      htmlElement("span", { class: "lrw-swatch", "aria-hidden": "true" }, label);
      htmlElement("span", {}, label).textContent = name;
      const value = htmlElement("span", { class: "lrw-toggle-value" }, label);
      toggleByName.set(name, { input, value });
    }
  }

  /** @param {ControlsState} state */
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

    // Rebuilt only when the markers change, so a focused checkbox keeps its focus across redraws.
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

  /**
   * @param {{ value: string, text: string }[]} groups
   * @param {string} shown
   */
  function updateGroups(groups, shown) {
    groupPicker.hidden = groups.length === 0;
    const key = JSON.stringify(groups);
    if (key !== groupKey) { // rebuilt only when the groups change, so an open or focused selector stays as it is
      groupKey = key;
      groupSelect.replaceChildren(...groups.map(({ value, text }) => {
        const option = htmlElement("option", { value });
        option.textContent = text;
        return option;
      }));
    }
    if (groups.length > 0) /** @type {HTMLSelectElement} */ (groupSelect).value = shown;
  }

  return {
    legend: toggles,
    update,
    destroy() {
      runButton.removeEventListener("click", onRun);
      stopButton.removeEventListener("click", onStop);
      toggles.removeEventListener("change", onToggle);
      groupSelect.removeEventListener("change", onPickGroup);
    },
  };
}
