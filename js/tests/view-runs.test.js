// Kept runs overlaid on one set of axes with a legend (issue 13): one path per drawn run in its fixed colour, the
// legend toggling visibility (hidden_runs) and picking the run shown (selected_run), a pick during a run following
// Python's refusal, axes that hold every drawn run, a single run drawn as before, provisional markers during a run,
// the untested region of a test stopped early, and read-only widgets without Run/Stop.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runsState, shiftedCurve } from "./support/runs.js";
import { doneState, Event, frame, mount } from "./support/view.js";

/** @param {ReturnType<typeof mount>} view */
const runPaths = (view) => [...view.el.querySelectorAll("[data-lrw-run-path]")]
  .filter((path) => (path.getAttribute("d") ?? "") !== "")
  .map((path) => path.getAttribute("data-lrw-run-path"));
/** @param {ReturnType<typeof mount>} view */
const legendLabels = (view) => [...view.el.querySelectorAll("[data-lrw-run-pick]")].map((pick) => pick.textContent);

test("three kept runs draw three paths and a legend of three entries", () => {
  const view = mount(runsState(["frozen", "unfrozen", "again"]));
  assert.deepEqual(runPaths(view).sort(), ["run-1", "run-2", "run-3"]);
  assert.equal(view.find("[data-lrw-runs]").hidden, false);
  assert.deepEqual(legendLabels(view), ["frozen", "unfrozen", "again"]);
  // The selected run is the main curve (with its raw losses and markers); the others are thin lines.
  assert.equal(view.find("[data-lrw-curve]").getAttribute("data-lrw-run-path"), "run-3");
  assert.equal(view.el.querySelectorAll(".lrw-run-line").length, 2);
  view.unmount();
});

test("each run keeps its colour: the palette entry of its color_index, on its path and its legend entry", () => {
  const view = mount(runsState(["a", "b", "c"]));
  const line = view.find('.lrw-run-line[data-lrw-run-path="run-2"]');
  assert.equal(line.style.getPropertyValue("--lrw-run"), "var(--lrw-run-1)");
  assert.equal(view.find('[data-lrw-run-entry="run-2"]').style.getPropertyValue("--lrw-run"), "var(--lrw-run-1)");
  // The main curve (and the key's line) take the selected run's colour, set on the root for both.
  assert.equal(view.root.style.getPropertyValue("--lrw-curve"), "var(--lrw-run-2)");
  view.unmount();
});

test("unticking a run removes its path and writes hidden_runs", () => {
  const view = mount(runsState(["a", "b", "c"]));
  const box = /** @type {HTMLInputElement} */ (view.find('[data-lrw-run-visible="run-1"]'));
  box.checked = false;
  box.dispatchEvent(new Event("change", { bubbles: true }));
  assert.deepEqual(view.model.saved.at(-1), { hidden_runs: ["run-1"] });
  frame();
  assert.deepEqual(runPaths(view).sort(), ["run-2", "run-3"]);
  assert.equal(view.find('[data-lrw-run-entry="run-1"]').classList.contains("lrw-run-entry--hidden"), true);
  box.checked = true;
  box.dispatchEvent(new Event("change", { bubbles: true }));
  assert.deepEqual(view.model.saved.at(-1), { hidden_runs: [] });
  frame();
  assert.deepEqual(runPaths(view).sort(), ["run-1", "run-2", "run-3"]);
  view.unmount();
});

test("hidden_runs from Python hides the run's path and unticks its box", () => {
  const view = mount(runsState(["a", "b", "c"]));
  view.model.update({ hidden_runs: ["run-2"] });
  frame();
  assert.deepEqual(runPaths(view).sort(), ["run-1", "run-3"]);
  assert.equal(/** @type {HTMLInputElement} */ (view.find('[data-lrw-run-visible="run-2"]')).checked, false);
  view.unmount();
});

test("picking a legend entry writes selected_run; the picked run becomes the main curve", () => {
  const view = mount(runsState(["a", "b", "c"]));
  view.find('[data-lrw-run-pick="run-1"]').dispatchEvent(new Event("click", { bubbles: true }));
  assert.deepEqual(view.model.saved.at(-1), { selected_run: "run-1" });
  // Python then shows that run: its curve, markers and handles.
  view.model.update({ curve: shiftedCurve(0) });
  frame();
  assert.equal(view.find("[data-lrw-curve]").getAttribute("data-lrw-run-path"), "run-1");
  assert.equal(view.find('[data-lrw-run-pick="run-1"]').getAttribute("aria-pressed"), "true");
  assert.deepEqual(runPaths(view).sort(), ["run-1", "run-2", "run-3"]);
  view.unmount();
});

test("a pick during a run is sent, and the legend follows Python's refusal", () => {
  const view = mount(runsState(["a", "b"], { status: "running", selected_run: "", curve: {} }));
  view.model.onSave = (changes) => {
    if ("selected_run" in changes) view.model.update({ selected_run: "" }); // refused: snaps back
  };
  view.find('[data-lrw-run-pick="run-1"]').dispatchEvent(new Event("click", { bubbles: true }));
  frame();
  assert.equal(view.model.get("selected_run"), "");
  assert.equal(view.find('[data-lrw-run-pick="run-1"]').getAttribute("aria-pressed"), "false");
  // Both kept runs are thin lines behind the live run, which the legend lists in the next colour.
  assert.deepEqual(runPaths(view).sort(), ["run-1", "run-2"]);
  const live = view.find(".lrw-run-entry--live");
  assert.equal(live.style.getPropertyValue("--lrw-run"), "var(--lrw-run-2)");
  view.unmount();
});

test("the axes hold every drawn run: a run on a wider lr range and a higher loss widen them", () => {
  const state = runsState(["narrow", "wide"]);
  const curves = /** @type {Record<string, ReturnType<typeof shiftedCurve>>} */ (state.run_curves);
  curves["run-1"] = shiftedCurve(5, 1e-9, 100);
  const runs = /** @type {Record<string, unknown>[]} */ (state.runs);
  runs[0] = { ...runs[0], start_lr: 1e-9, end_lr: 100 };
  const view = mount({ ...state, selected_run: "run-2", curve: curves["run-2"] });
  const labels = [...view.el.querySelectorAll(".lrw-tick-label")].map((label) => label.textContent ?? "");
  assert.ok(labels.some((label) => /1e-9|10⁻⁹|1e−9/.test(label)), `lr ticks reach 1e-9: ${labels}`);
  const top = Math.max(...labels.map((label) => Number(label.replace("−", "-"))).filter(Number.isFinite));
  assert.ok(top >= 6, `the loss axis reaches the higher run (top tick ${top})`);
  // Hidden, it no longer widens them.
  view.model.update({ hidden_runs: ["run-1"] });
  frame();
  const after = [...view.el.querySelectorAll(".lrw-tick-label")].map((label) => label.textContent ?? "");
  assert.ok(!after.some((label) => /1e-9|10⁻⁹|1e−9/.test(label)), `hidden, the range shrinks back: ${after}`);
  view.unmount();
});

test("a single run looks as before: no legend, the accent colour, no overlay line", () => {
  const view = mount(runsState(["only"]));
  assert.equal(view.find("[data-lrw-runs]").hidden, true);
  assert.equal(view.root.style.getPropertyValue("--lrw-curve"), "");
  assert.equal(view.el.querySelectorAll(".lrw-run-line").length, 0);
  view.unmount();
});

test("the key says what the dots and the line are; markers are provisional while the test runs", () => {
  const view = mount(doneState({ status: "running" }));
  const key = view.find("[data-lrw-key]").textContent ?? "";
  assert.match(key, /per-batch loss/);
  assert.match(key, /smoothed loss \(fastai\)/);
  const layer = view.find(".lrw-marker-layer");
  assert.equal(layer.classList.contains("lrw-markers--provisional"), true);
  assert.equal(view.find(".lrw-key-item--provisional").hidden, false);
  view.model.update({ status: "done" });
  frame();
  assert.equal(layer.classList.contains("lrw-markers--provisional"), false, "the markers settle when it ends");
  assert.equal(view.find(".lrw-key-item--provisional").hidden, true);
  view.unmount();
});

test("a test stopped early shades the untested lrs and says when a handle sits there", () => {
  const curve = shiftedCurve(0);
  const cut = { lrs: curve.lrs.slice(0, 20), losses: curve.losses.slice(0, 20), raw_losses: curve.raw_losses.slice(0, 20) };
  const lastLr = cut.lrs[19];
  const state = doneState({ status: "stopped", curve: cut, lr_hi: lastLr / 10,
    progress: { iteration: 20, num_it: 40, elapsed_s: 1, eta_s: null, stop_reason: "cancelled" } });
  const view = mount(state);
  assert.equal(view.find("[data-lrw-untested-region]").getAttribute("display"), null, "the region is shaded");
  assert.equal(view.find("[data-lrw-untested]").hidden, true, "no note while the handles sit on tested lrs");
  view.model.update({ lr_hi: lastLr * 100 });
  frame();
  const note = view.find("[data-lrw-untested]");
  assert.equal(note.hidden, false);
  assert.match(note.textContent ?? "", /hi handle sits beyond the last learning rate tested/);
  // A test that completed has no untested region.
  view.model.update({ progress: { ...state.progress, stop_reason: "completed" } });
  frame();
  assert.equal(view.find("[data-lrw-untested-region]").getAttribute("display"), "none");
  assert.equal(view.find("[data-lrw-untested]").hidden, true);
  view.unmount();
});

test("a read-only widget hides Run and Stop", () => {
  const view = mount(runsState(["a", "b"], { read_only: true }));
  assert.equal(view.root.classList.contains("lrw-read-only"), true);
  view.model.update({ read_only: false });
  frame();
  assert.equal(view.root.classList.contains("lrw-read-only"), false);
  view.unmount();
});
