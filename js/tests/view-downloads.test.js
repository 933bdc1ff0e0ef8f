// The download buttons (issue 13): SVG of the chart (standalone: styles inlined, a legend of the drawn runs and the
// key), PNG (drawn from that SVG; needs a real canvas, so the browser test checks it) and JSON of the runs (asked of
// the kernel, which answers with the text w.save writes).
import assert from "node:assert/strict";
import { afterEach, beforeEach, test } from "node:test";
import { runsState } from "./support/runs.js";
import { doneState, Event, frame, mount } from "./support/view.js";

/** @type {Blob[]} */
let saved = [];
/** @type {string[]} */
let names = [];
const createObjectURL = URL.createObjectURL;
/** @type {((event: Event) => void) | null} */
let onClick = null;

beforeEach(() => {
  saved = [];
  names = [];
  URL.createObjectURL = (blob) => {
    saved.push(/** @type {Blob} */ (blob));
    return `blob:test-${saved.length}`;
  };
});
afterEach(() => {
  URL.createObjectURL = createObjectURL;
  if (onClick) document.removeEventListener("click", onClick, true);
  onClick = null;
});

/**
 * Mounts a view whose download links are recorded (by name) and not followed.
 * @param {Record<string, unknown>} state
 */
function mountRecording(state) {
  const view = mount(state);
  const window = /** @type {any} */ (view.el.ownerDocument.defaultView);
  Object.assign(globalThis, { XMLSerializer: window.XMLSerializer });
  onClick = (event) => {
    const link = /** @type {HTMLAnchorElement} */ (event.target);
    if (link.tagName !== "A") return;
    names.push(link.getAttribute("download") ?? "");
    event.preventDefault();
  };
  document.addEventListener("click", onClick, true);
  return { view, window };
}

/** @param {ReturnType<typeof mount>} view @param {string} format */
const click = (view, format) => view.find(`[data-lrw-download="${format}"]`)
  .dispatchEvent(new Event("click", { bubbles: true }));

test("the SVG download is a standalone SVG document with every drawn run's path and a legend", async () => {
  const { view, window } = mountRecording(runsState(["frozen", "unfrozen", "again"]));
  // A stylesheet rule, as the real one sets the colours: the copy must carry its computed value inline.
  const style = view.el.ownerDocument.createElement("style");
  style.textContent = ".lrw-curve { stroke: rgb(1, 2, 3); stroke-width: 2px; }";
  view.el.ownerDocument.head.append(style);
  click(view, "svg");
  assert.deepEqual(names, ["lrwidget-chart.svg"]);
  assert.equal(saved[0].type, "image/svg+xml");
  const text = await saved[0].text();
  const parsed = new window.DOMParser().parseFromString(text, "image/svg+xml");
  const svg = parsed.documentElement;
  assert.equal(svg.tagName.toLowerCase(), "svg");
  assert.equal(svg.getAttribute("xmlns"), "http://www.w3.org/2000/svg");
  const runPaths = [...svg.querySelectorAll("[data-lrw-run-path]")].map((path) => path.getAttribute("data-lrw-run-path"));
  assert.deepEqual(runPaths.sort(), ["run-1", "run-2", "run-3"]);
  for (const path of svg.querySelectorAll("[data-lrw-run-path]")) assert.notEqual(path.getAttribute("d") ?? "", "");
  // Styles are inlined (the file needs no stylesheet) and the legend names the runs and says what is drawn.
  assert.match(svg.querySelector("[data-lrw-curve]")?.getAttribute("style") ?? "", /stroke: rgb\(1, 2, 3\)/);
  assert.match(text, /frozen/);
  assert.match(text, /again/);
  assert.match(text, /per-batch loss/);
  assert.match(text, /smoothed loss \(fastai\)/);
  assert.ok(Number(svg.getAttribute("height")) > 320, "the legend is below the 320-px chart");
  style.remove();
  assert.equal(svg.getAttribute("viewBox"), `0 0 ${svg.getAttribute("width")} ${svg.getAttribute("height")}`);
  view.unmount();
});

test("with a single run the SVG has the key but no run legend", async () => {
  const { view } = mountRecording(doneState());
  click(view, "svg");
  const text = await saved[0].text();
  assert.match(text, /per-batch loss/);
  assert.doesNotMatch(text, /stroke-width="2\.5"/, "no legend swatch for the main run");
  view.unmount();
});

test("the JSON download asks the kernel and saves the text it answers", async () => {
  const { view } = mountRecording(runsState(["a", "b"]));
  click(view, "json");
  assert.deepEqual(view.model.sent.at(-1), { type: "export_runs" });
  const button = /** @type {HTMLButtonElement} */ (view.find('[data-lrw-download="json"]'));
  assert.equal(button.disabled, true, "busy until the kernel answers");
  const document = JSON.stringify({ format: "lrwidget-runs", format_version: 1, runs: [] });
  view.model.message({ type: "runs_json", text: document, filename: "lrwidget-runs.json" });
  assert.deepEqual(names, ["lrwidget-runs.json"]);
  assert.equal(await saved[0].text(), document);
  assert.equal(saved[0].type, "application/json");
  assert.equal(button.disabled, false);
  view.unmount();
});

test("a refused JSON download saves nothing and says why on the button", () => {
  const { view } = mountRecording(runsState(["a", "b"]));
  click(view, "json");
  view.model.message({ type: "runs_json", error: "save refused: a range test is running" });
  assert.deepEqual(names, []);
  assert.match(view.find('[data-lrw-download="json"]').getAttribute("title") ?? "", /a range test is running/);
  view.unmount();
});

test("the buttons are off when there is nothing to download", () => {
  const { view } = mountRecording(doneState({ status: "idle", curve: {}, suggestions: {}, lr_hi: null }));
  for (const format of ["svg", "png", "json"]) {
    assert.equal(/** @type {HTMLButtonElement} */ (view.find(`[data-lrw-download="${format}"]`)).disabled, true, format);
  }
  view.model.update({ runs: runsState(["a"]).runs, curve: runsState(["a"]).curve, status: "done" });
  frame();
  for (const format of ["svg", "png", "json"]) {
    assert.equal(/** @type {HTMLButtonElement} */ (view.find(`[data-lrw-download="${format}"]`)).disabled, false, format);
  }
  view.unmount();
});
