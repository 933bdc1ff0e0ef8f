// The page's SVG download and Python's picture (`w.to_svg()`) show the same runs: both are drawn from one widget
// state, tests/fixtures/picture_runs.json (made by tests/picture_fixture.py), and must show what its `drawn` says:
// the same run paths, legend labels in order, validation curve and repeats' band. The Python half is
// tests/test_picture_runs.py.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { Event, mount } from "./support/view.js";

const fixture = JSON.parse(readFileSync(new URL("../../tests/fixtures/picture_runs.json", import.meta.url), "utf8"));
/** The key's labels, which both pictures add after the runs' legend. */
const KEY = ["per-batch loss", "smoothed loss (fastai)"];

/**
 * Whether a label of the picture's legend is the key's (what the dots, lines and band are), not a run's.
 * @param {string} label
 */
const isKey = (label) => KEY.includes(label) || label.startsWith("validation loss") || label.includes("lowest–highest");

/**
 * What a downloaded SVG shows, read as tests/test_picture_runs.py reads Python's picture.
 * @param {Element} svg
 */
function drawn(svg) {
  const legend = /** @type {Element} */ (svg.lastElementChild); // downloads.js appends the legend last
  const labels = [...legend.querySelectorAll("text")].map((text) => text.textContent ?? "");
  /** @param {string} attribute */
  const hasPath = (attribute) => [...svg.querySelectorAll(`[${attribute}]`)].some((element) => element.getAttribute("d"));
  return {
    run_paths: [...new Set([...svg.querySelectorAll("[data-lrw-run-path]")]
      .map((element) => element.getAttribute("data-lrw-run-path") ?? ""))].sort(),
    legend: labels.filter((label) => !isKey(label)),
    key: labels.filter(isKey),
    validation: hasPath("data-lrw-valid-curve"),
    band: hasPath("data-lrw-repeat-band"),
  };
}

test("the page's SVG download shows the runs, validation curve and band that Python's picture shows", async () => {
  const view = mount(fixture.state);
  const window = /** @type {any} */ (view.el.ownerDocument.defaultView);
  Object.assign(globalThis, { XMLSerializer: window.XMLSerializer });
  /** @type {Blob[]} */
  const saved = [];
  const createObjectURL = URL.createObjectURL;
  URL.createObjectURL = (blob) => {
    saved.push(/** @type {Blob} */ (blob));
    return "blob:picture";
  };
  /** @param {Event} event */
  const noFollow = (event) => event.preventDefault();
  view.el.ownerDocument.addEventListener("click", noFollow, true);
  try {
    view.find('[data-lrw-download="svg"]').dispatchEvent(new Event("click", { bubbles: true }));
    assert.equal(saved.length, 1);
    const text = await saved[0].text();
    const svg = new window.DOMParser().parseFromString(text, "image/svg+xml").documentElement;
    assert.equal(svg.tagName.toLowerCase(), "svg");
    assert.deepEqual(drawn(svg), fixture.drawn);
  } finally {
    URL.createObjectURL = createObjectURL;
    view.el.ownerDocument.removeEventListener("click", noFollow, true);
    view.unmount();
  }
});
