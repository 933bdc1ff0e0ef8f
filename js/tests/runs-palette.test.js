// The run palette (runs.css) stays readable: every run colour keeps a 3:1 contrast (WCAG's figure for lines and
// graphics) with the light background and with JupyterLab's dark one, and the dark palette keeps the light one's order.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { RUN_COLORS } from "../src/runs.js";
import { relativeLuminance } from "../src/theme.js";

const css = readFileSync(new URL("../src/runs.css", import.meta.url), "utf8");

/**
 * The --lrw-run-N colours of the first rule whose selector is `selector`.
 * @param {string} selector
 * @returns {string[]}
 */
function palette(selector) {
  const start = css.indexOf(`${selector} {`);
  assert.ok(start >= 0, `no rule ${selector}`);
  const body = css.slice(start, css.indexOf("}", start));
  return [...body.matchAll(/--lrw-run-(\d+):\s*(#[0-9a-f]{6})/gi)].map((match) => match[2]);
}

/** @param {string} hex */
const rgb = (hex) => /** @type {[number, number, number]} */ ([1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)));
/** @param {string} a @param {string} b */
function contrast(a, b) {
  const [light, dark] = [relativeLuminance(rgb(a)), relativeLuminance(rgb(b))].sort((x, y) => y - x);
  return (light + 0.05) / (dark + 0.05);
}

test("each run colour has 3:1 contrast on a light and on a dark background", () => {
  const light = palette(".lrw-root");
  const dark = palette(".lrw-root.lrw-dark");
  assert.equal(light.length, RUN_COLORS);
  assert.equal(dark.length, RUN_COLORS);
  for (const colour of light) assert.ok(contrast(colour, "#ffffff") >= 3, `${colour} on white: ${contrast(colour, "#ffffff")}`);
  // #111111 is JupyterLab Dark's --jp-layout-color0.
  for (const colour of dark) assert.ok(contrast(colour, "#111111") >= 3, `${colour} on #111: ${contrast(colour, "#111111")}`);
});

test("the OS-dark palette (no host) is the dark palette", () => {
  const start = css.indexOf("@media (prefers-color-scheme: dark)");
  const noHost = [...css.slice(start).matchAll(/--lrw-run-(\d+):\s*(#[0-9a-f]{6})/gi)].slice(0, RUN_COLORS)
    .map((match) => match[2]);
  assert.deepEqual(noHost, palette(".lrw-root.lrw-dark"));
});
